"""Chapters verified side by side: the same verdicts, in order, from other processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

from generator.parallel import map_in_processes

# Each item waits at a barrier for the other: only two processes at once can pass it.
PROBE = """
import json, multiprocessing, os
from generator.parallel import map_in_processes
both_running = multiprocessing.Barrier(2)
def item(n):
    both_running.wait(timeout=60)
    return n * n, os.getpid()
print(json.dumps([os.getpid(), map_in_processes(item, [3, 4], 2)]))
"""


def test_work_is_spread_over_forked_processes_in_order() -> None:
    """In a fresh single-threaded process, two jobs run at once in two other processes, results in order."""
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120)
    parent, results = json.loads(result.stdout)
    assert [square for square, _ in results] == [9, 16]
    assert len({pid for _, pid in results} - {parent}) == 2


def test_a_process_with_threads_does_the_work_itself() -> None:
    """With another thread alive, nothing is forked: every item runs in this process."""
    import os

    stop = threading.Event()
    helper = threading.Thread(target=stop.wait)
    helper.start()
    try:
        assert map_in_processes(lambda n: (n + 1, os.getpid()), [1, 2, 3], 2) == [
            (2, os.getpid()),
            (3, os.getpid()),
            (4, os.getpid()),
        ]
    finally:
        stop.set()
        helper.join()


def test_one_job_runs_here() -> None:
    """jobs=1 runs every item in this process, in order."""
    import os

    assert map_in_processes(lambda n: (n, os.getpid()), [3, 1], 1) == [(3, os.getpid()), (1, os.getpid())]


RAISING = """
import json, os
from generator.parallel import map_in_processes
def item(n):
    if n == 2:
        raise ValueError(f"item {n} failed in process {os.getpid()}")
    return n
try:
    map_in_processes(item, [1, 2, 3], 2)
except ValueError as error:
    print(json.dumps([os.getpid(), str(error)]))
"""


def test_an_exception_in_a_worker_reaches_the_caller() -> None:
    """An exception raised in a worker process is raised again in the caller, with its message."""
    result = subprocess.run([sys.executable, "-c", RAISING], capture_output=True, text=True, check=True, timeout=120)
    parent, message = json.loads(result.stdout)
    assert message.startswith("item 2 failed in process") and not message.endswith(str(parent))


def test_a_verification_that_raises_is_a_failure_naming_its_chapter(project, monkeypatch) -> None:
    """A bug while a chapter's ledger is verified is reported as that chapter's failure, with the exception."""
    import generator.verify as verify
    from generator.build import check, load_chapters
    from generator.notation import load_notation

    specs = [s for s in load_chapters(project) if s.name == "linear-layer"]
    rendered = check(project, specs, lambda line: None).chapters

    def broken(chapter):
        raise RuntimeError(f"oracle broke on {chapter.spec.name}")

    monkeypatch.setattr(verify, "verify_ledger", broken)
    notation = load_notation(project.notation_file)
    (failure,) = verify.verify_book(rendered, verify.Shell(), notation, None, 2).failures
    assert failure.chapter == "linear-layer"
    assert "internal error while checking ledger linear-layer: RuntimeError: oracle broke on linear-layer" in str(
        failure
    )


SHARED = """
import json, os
from generator.parallel import map_in_processes
class Unpicklable:
    def __reduce__(self):
        raise TypeError("the shared object was pickled")
    def __init__(self):
        self.base = 100
def item(n, shared):
    return n + shared.base, os.getpid()
print(json.dumps([os.getpid(), map_in_processes(item, [1, 2, 3], 2, shared=Unpicklable())]))
"""


def test_shared_data_is_inherited_not_pickled() -> None:
    """With shared=, forked workers read the object from memory: one that refuses pickling still arrives."""
    result = subprocess.run([sys.executable, "-c", SHARED], capture_output=True, text=True, check=True, timeout=120)
    parent, results = json.loads(result.stdout)
    assert [value for value, _ in results] == [101, 102, 103]
    assert {pid for _, pid in results} - {parent}  # the work ran in other processes


WORKER_SIGINT = """
import json, multiprocessing, signal
from generator.parallel import map_in_processes
both_running = multiprocessing.Barrier(2)
def item(n):
    both_running.wait(timeout=60)
    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN
print(json.dumps(map_in_processes(item, [1, 2], 2)))
"""


def test_a_worker_leaves_ctrl_c_to_the_parent() -> None:
    """Forked workers ignore SIGINT: the parent stops the build in one line, no worker prints a traceback."""
    out = subprocess.run([sys.executable, "-c", WORKER_SIGINT], capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout) == [True, True]
