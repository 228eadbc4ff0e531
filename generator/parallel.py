"""Run independent checks on several processes: the verdicts of the book share nothing.

``map_in_processes`` is ``concurrent.futures.ProcessPoolExecutor`` with the fork start method: the
workers inherit the imported modules and SymPy's caches, so they start at once. The function
must be picklable (a module-level function, or a ``functools.partial`` of one). Forking a process
that runs other threads can deadlock the child (a lock held by a thread that does not exist
there), so a process with threads (PyTorch's, say) does the work itself, as it does where fork is
not available or one job is asked for.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


def available_jobs() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _single_threaded() -> bool:
    tasks = Path("/proc/self/task")
    return len(list(tasks.iterdir())) == 1 if tasks.is_dir() else threading.active_count() == 1


_SHARED: object = None  # what the workers of the running map inherit (see ``shared``)
_NOTHING = object()


def _with_shared(function: Callable[[Item, Any], Result], item: Item) -> Result:
    return function(item, _SHARED)


def _leave_interrupts_to_the_parent() -> None:
    """A worker ignores Ctrl-C: the parent, which gets it too, stops the build and says so in one line;
    the workers end with the pool (otherwise each prints a KeyboardInterrupt traceback)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def map_in_processes(
    function: Callable[..., Result], items: Sequence[Item], jobs: int, shared: object = _NOTHING
) -> list[Result]:
    """``[function(item) for item in items]``, on up to ``jobs`` forked processes, in order.

    With ``shared``, ``function(item, shared)``: the forked workers inherit ``shared`` from this
    process's memory instead of receiving a pickled copy of it with every item (a book's rendered
    chapters are a megabyte).
    """
    global _SHARED
    import multiprocessing  # here: the command line imports this module for available_jobs alone
    from concurrent.futures import ProcessPoolExecutor

    if shared is not _NOTHING:
        _SHARED, function = shared, functools.partial(_with_shared, function)
    try:
        workers = min(jobs, len(items))
        if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods() or not _single_threaded():
            return [function(item) for item in items]
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_leave_interrupts_to_the_parent) as pool:
            return list(pool.map(function, items, chunksize=1))
    finally:
        _SHARED = None
