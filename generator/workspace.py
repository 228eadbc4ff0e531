"""The build folder: one build at a time, atomic files, a fresh folder for TeX, and stop points.

* A build holds an exclusive ``fcntl.flock`` on the build folder for as long as it runs; a second
  build waits for it (or, asked not to wait, stops with ``BuildBusy``). The kernel releases the
  lock when its holder dies, even by SIGKILL.
* Every file is written under a temporary name in its own folder and renamed over the target,
  with the permissions the user's umask gives a new file (0644 under the usual umask).
* TeX runs in a folder made afresh for each build under ``build/.work/``; what a killed build
  left there is removed by the next build that holds the lock, so it can never break a build.
* ``checkpoint(stage)``: when the environment variable ``HANDBOOK_STOP_AT`` names the stage,
  the build kills itself there with SIGKILL. It is the deterministic hook of the fault tests.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

STOP_VARIABLE = "HANDBOOK_STOP_AT"
WORK_NAME = ".work"


class OutputError(Exception):
    """The build folder cannot be written (or locked): names the path and the reason."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


class BuildBusy(OutputError):
    """Another build holds the build folder's lock, and this one was asked not to wait."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cannot_write(path: Path, error: OSError) -> OutputError:
    return OutputError(Path(error.filename or path), f"cannot be written: {error.strerror or error}")


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _cannot_write(path, error) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a published file is the user's to share
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise _cannot_write(path, error) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def checkpoint(stage: str) -> None:
    """Die here, by SIGKILL, if ``HANDBOOK_STOP_AT`` names ``stage`` (the fault tests' hook)."""
    if os.environ.get(STOP_VARIABLE) == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def stop_requested(stage: str) -> bool:
    return os.environ.get(STOP_VARIABLE) == stage


def writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK | os.X_OK)


@contextmanager
def locked(build: Path, wait: bool, progress: Callable[[str], None]) -> Iterator[None]:
    """Hold the build folder's lock; wait for another build to finish, or raise ``BuildBusy``.

    The lock is an ``flock`` on the folder itself, so a build leaves no lock file behind; a folder
    this build had to create is removed again if the build wrote nothing into it.
    """
    created = not build.exists()
    try:
        build.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(build, "is a file, not a folder: the build folder cannot be made") from None
    except OSError as error:
        raise _cannot_write(build, error) from None
    if not build.is_dir():
        raise OutputError(build, "is not a folder: the build folder cannot be made")
    if not writable(build):
        raise OutputError(build, "cannot be written: permission denied")
    descriptor = os.open(build, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BuildBusy(
                    build,
                    "another build of this folder is running (try again when it is done, or "
                    "leave out --no-wait to wait for it)",
                ) from None
            progress(f"wait     another build is using {build}; waiting for it to finish")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        _clear_stale_work(build)
        yield
    finally:
        os.close(descriptor)  # releases the lock
        if created:
            with contextlib.suppress(OSError):
                build.rmdir()  # only if this build left it empty


def _clear_stale_work(build: Path) -> None:
    """Remove what killed builds left: work folders and temporary files (we hold the lock)."""
    shutil.rmtree(build / WORK_NAME, ignore_errors=True)
    for stale in build.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)


@contextmanager
def fresh_folder(build: Path, name: str) -> Iterator[Path]:
    """A new, empty working folder under ``build/.work``, removed afterwards."""
    work = build / WORK_NAME
    try:
        work.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(dir=work, prefix=f"{name}-"))
    except OSError as error:
        raise _cannot_write(work, error) from None
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            work.rmdir()  # empty once no build works in it


def replace_folder(source: Path, target: Path) -> None:
    """Move ``source`` to ``target``, replacing whatever was there (the caller holds the lock)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
            source.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            source.rename(target)
    except OSError as error:
        raise _cannot_write(target, error) from None
