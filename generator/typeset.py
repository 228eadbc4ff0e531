"""Stage 5: typeset a .tex file with latexmk and report a LaTeX error in a few lines."""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from generator import workspace
from generator.edition import DEFAULT_EPOCH

LATEXMK_OPTIONS = ("-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-no-shell-escape")
# What the last typeset of the same book leaves that lets latexmk start at its fixed point: TeX's
# cross-reference files, biber's and makeindex's outputs, and latexmk's own record of them.
SEED_SUFFIXES = (".aux", ".toc", ".out", ".bbl", ".ind", ".fdb_latexmk")
# Written beside a book's PDF when its typeset ended well: only such a folder lends its seeds. A typeset
# that failed or was interrupted keeps its sources and log for the reader, but its latexmk record says
# "error", and latexmk seeded with it would refuse to run again on unchanged sources.
FINISHED = ".typeset-finished"
_ERROR_LINE = re.compile(r"^(?P<file>[^\s:][^:]*\.tex):(?P<line>\d+): (?P<message>.*)$")
# TeX's context line for a macro's replacement text, shown with its parameters: ``\bias #1->\nosuch``.
_EXPANDING = re.compile(r"^\\(?P<name>[A-Za-z@]+) (?:#[1-9])*->")


class TypesetError(RuntimeError):
    """latexmk failed; the message names the generated file, line, TeX message and context.

    ``error`` is TeX's error as parsed from its log, when the log has one: its ``macro`` says whose
    replacement text TeX was reading when it stopped, which a caller can trace back to the file that
    defined it (a notation profile's macro body)."""

    def __init__(self, message: str, error: TexError | None = None) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class TexError:
    file: str
    line: int
    message: str
    context: str
    macro: str = ""  # the macro in whose replacement text the error arose (the innermost), if any
    at: str = ""  # the last token of that text TeX read: where in it the error arose (``\\nosuch``)


def latexmk_available() -> bool:
    return shutil.which("latexmk") is not None


def parse_log(log: str) -> TexError | None:
    """The first error of a -file-line-error log: file, line, TeX's message and the ``l.N`` context.

    Some errors (a missing file) print ``! message`` first and ``file:line: Emergency stop`` after;
    the ``!`` message is the one a reader needs.
    """
    lines = log.splitlines()
    bang = next((line[2:].strip() for line in lines if line.startswith("! ")), None)
    for i, text in enumerate(lines):
        match = _ERROR_LINE.match(text)
        if match:
            context = next((line.strip() for line in lines[i + 1 : i + 12] if line.startswith("l.")), "")
            message = match["message"]
            if bang is not None and message.startswith("Emergency stop"):
                message = bang
            # TeX shows the innermost level of its input first: a macro's body there is where the
            # error arose (an argument at that level would be shown as ``<argument>`` instead).
            expanding = _EXPANDING.match(lines[i + 1]) if i + 1 < len(lines) else None
            macro = expanding["name"] if expanding else ""
            read = lines[i + 1][expanding.end() :] if expanding else ""
            last = re.search(r"(\\[A-Za-z@]+|\S)\s*$", read)
            return TexError(match["file"], int(match["line"]), message, context, macro, last[1] if last else "")
    return None


def pdf_text(pdf: Path) -> str:
    """The text of a PDF in the order it is drawn (``pdftotext -raw``: rotated labels stay whole)."""
    if shutil.which("pdftotext") is None:
        raise TypesetError("pdftotext is not installed: run `make setup` (poppler-utils, see debian-packages.txt)")
    result = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise TypesetError(f"pdftotext could not read {pdf}: {result.stderr.strip()}")
    return result.stdout


@functools.cache
def tex_version() -> str:
    """The first line of ``pdftex --version`` (for the appendix and the build key), or why there is none."""
    if shutil.which("pdftex") is None:
        return "not installed"
    result = subprocess.run(["pdftex", "--version"], capture_output=True, text=True, errors="replace")
    return result.stdout.splitlines()[0].strip() if result.stdout else "unknown"


def typeset(
    tex_file: Path, shown_as: Path | None = None, epoch: int = DEFAULT_EPOCH, seeds: Path | None = None
) -> Path:
    """Run latexmk in ``tex_file``'s folder (a fresh one); return the PDF it wrote there.

    An error names the generated file and line under ``shown_as``, the folder the caller keeps
    the sources and the log in afterwards (by default the folder TeX ran in). The PDF's dates are
    ``epoch`` (SOURCE_DATE_EPOCH), so builds are byte-identical.

    ``seeds``, the folder of the last typeset of this book (or of one with the same shell: a
    chapter typeset alone borrows the whole book's), lends its cross-reference files
    (``SEED_SUFFIXES``): latexmk then reruns only what changed, one pass when nothing moved
    instead of four. They are hints, never believed: TeX rewrites .aux, .toc and .out on every
    pass and latexmk stops only when a pass leaves them as it found them; biber's and
    makeindex's files are made again afterwards and, if either differs from the one TeX read,
    it replaces it and latexmk runs again. The PDF is byte for byte a cold typeset's.
    """
    if not latexmk_available():
        raise TypesetError("latexmk is not installed: run `make setup` (see debian-packages.txt)")
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(epoch), FORCE_SOURCE_DATE="1", openout_any="p", openin_any="p")
    command = ["latexmk", *LATEXMK_OPTIONS, tex_file.name]
    if workspace.stop_requested("typeset"):
        _die_while_typesetting(command, tex_file, env)
    seeded = seeds is not None and _plant_seeds(seeds, tex_file)
    _run_latexmk(command, tex_file, env, shown_as)
    if seeded and _refresh_tool_outputs(tex_file, env):
        # TeX read a stale or edited seed: latexmk sees the true file changed and runs again from
        # there (its own rules then rerun biber or makeindex if what TeX writes for them moves).
        _run_latexmk(command, tex_file, env, shown_as)
    (tex_file.parent / FINISHED).write_text(tex_file.name + "\n")
    return tex_file.with_suffix(".pdf")


def has_seeds(folder: Path, tex_name: str) -> bool:
    """Whether ``folder`` holds a seed file of the book ``tex_name`` from a typeset that ended well."""
    return (folder / FINISHED).is_file() and any(
        (folder / Path(tex_name).with_suffix(suffix).name).is_file() for suffix in SEED_SUFFIXES
    )


def _plant_seeds(seeds: Path, tex_file: Path) -> bool:
    """Copy the seed files of ``tex_file``'s book from ``seeds``; False when there are none, or when the
    typeset kept there did not end well."""
    if not (seeds / FINISHED).is_file():
        return False
    planted = False
    for suffix in SEED_SUFFIXES:
        seed = seeds / tex_file.with_suffix(suffix).name
        if seed.is_file():
            shutil.copyfile(seed, tex_file.with_suffix(suffix))
            planted = True
    return planted


def _refresh_tool_outputs(tex_file: Path, env: dict[str, str]) -> bool:
    """Run biber and makeindex again on what the last pass wrote; where a result differs from the file
    that pass read (a stale or edited seed), put it in that file's place and return True."""
    checks = []
    if tex_file.with_suffix(".bcf").exists():
        checks.append((["biber", "--quiet", "--output-file", "check.bbl", tex_file.with_suffix(".bcf").name], ".bbl"))
    if tex_file.with_suffix(".idx").exists():
        checks.append((["makeindex", "-q", "-o", "check.ind", tex_file.with_suffix(".idx").name], ".ind"))
    replaced = False
    for command, suffix in checks:
        made, read = tex_file.parent / f"check{suffix}", tex_file.with_suffix(suffix)
        result = subprocess.run(command, cwd=tex_file.parent, env=env, capture_output=True, text=True, errors="replace")
        if result.returncode != 0 or not made.exists():
            raise TypesetError(f"{command[0]} failed on {tex_file.name}'s {suffix} (exit {result.returncode})")
        if not read.exists() or made.read_bytes() != read.read_bytes():
            made.replace(read)
            replaced = True
        made.unlink(missing_ok=True)
        for litter in tex_file.parent.glob("check.*"):  # biber's and makeindex's logs of the check
            litter.unlink()
    return replaced


def _run_latexmk(command: list[str], tex_file: Path, env: dict[str, str], shown_as: Path | None) -> None:
    result = subprocess.run(command, cwd=tex_file.parent, env=env, capture_output=True, text=True, errors="replace")
    folder = shown_as or tex_file.parent
    log_file = tex_file.with_suffix(".log")
    if result.returncode != 0:
        log = log_file.read_text(errors="replace") if log_file.exists() else result.stdout
        error = parse_log(log)
        shown_log = folder / log_file.name
        if error is None:
            raise TypesetError(f"latexmk failed (exit {result.returncode}); full log: {shown_log}")
        raise TypesetError(
            f"{folder / error.file}:{error.line}: {error.message}\n  {error.context}\n  full log: {shown_log}", error
        )


def _die_while_typesetting(command: list[str], tex_file: Path, env: dict[str, str]) -> None:
    """The fault tests' stop point inside TeX: once TeX has begun writing its .aux, kill it and this build."""
    process = subprocess.Popen(
        command,
        cwd=tex_file.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    aux = tex_file.with_suffix(".aux")
    while process.poll() is None and not (aux.exists() and aux.stat().st_size > 0):
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    workspace.checkpoint("typeset")
