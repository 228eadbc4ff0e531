"""Run independent checks on several processes: the chapters' verifications share nothing.

Workers are forked, not spawned: they inherit the imported modules and SymPy's caches (so they
start at once) and read their inputs from the parent's memory (so nothing is pickled but the
results). Forking a process that runs other threads can deadlock the child (a lock held by a
thread that does not exist there), so a process with threads (PyTorch's, say) does the work
itself, as it does where fork is not available or one job is asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

_task: tuple[Callable, Sequence] | None = None  # set before forking; the workers read it


def available_jobs() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _single_threaded() -> bool:
    tasks = Path("/proc/self/task")
    return len(list(tasks.iterdir())) == 1 if tasks.is_dir() else threading.active_count() == 1


def _run_one(index: int):
    assert _task is not None
    function, items = _task
    return function(items[index])


def map_in_processes(function: Callable[[Item], Result], items: Sequence[Item], jobs: int) -> list[Result]:
    """``[function(item) for item in items]``, on up to ``jobs`` forked processes, in order."""
    global _task
    workers = min(jobs, len(items))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods() or not _single_threaded():
        return [function(item) for item in items]
    _task = (function, items)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_run_one, range(len(items)), chunksize=1)
    finally:
        _task = None
