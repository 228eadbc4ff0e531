"""Stage 5: typeset a .tex file with latexmk and report a LaTeX error in a few lines."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# A fixed date: the PDF's dates come from SOURCE_DATE_EPOCH, so builds are byte-identical.
SOURCE_DATE_EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
LATEXMK_OPTIONS = ("-pdf", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "-no-shell-escape")
_ERROR_LINE = re.compile(r"^(?P<file>[^\s:][^:]*\.tex):(?P<line>\d+): (?P<message>.*)$")


class TypesetError(RuntimeError):
    """latexmk failed; the message names the generated file, line, TeX message and context."""


@dataclass(frozen=True)
class TexError:
    file: str
    line: int
    message: str
    context: str


def latexmk_available() -> bool:
    return shutil.which("latexmk") is not None


def parse_log(log: str) -> TexError | None:
    """The first error of a -file-line-error log: file, line, TeX's message and the ``l.N`` context.

    Some errors (a missing file) print ``! message`` first and ``file:line: Emergency stop`` after;
    the ``!`` message is the one a reader needs.
    """
    lines = log.splitlines()
    bang = next((l[2:].strip() for l in lines if l.startswith("! ")), None)
    for i, text in enumerate(lines):
        match = _ERROR_LINE.match(text)
        if match:
            context = next((l.strip() for l in lines[i + 1 : i + 12] if l.startswith("l.")), "")
            message = match["message"]
            if bang is not None and message.startswith("Emergency stop"):
                message = bang
            return TexError(match["file"], int(match["line"]), message, context)
    return None


def tex_version() -> str:
    """The first line of ``pdftex --version`` (for the appendix and the build key), or why there is none."""
    if shutil.which("pdftex") is None:
        return "not installed"
    result = subprocess.run(["pdftex", "--version"], capture_output=True, text=True, errors="replace")
    return result.stdout.splitlines()[0].strip() if result.stdout else "unknown"


def typeset(tex_file: Path) -> Path:
    """Run latexmk in ``tex_file``'s folder; return the PDF it wrote there."""
    if not latexmk_available():
        raise TypesetError("latexmk is not installed: run `make setup` (see debian-packages.txt)")
    env = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, FORCE_SOURCE_DATE="1",
               openout_any="p", openin_any="p")
    result = subprocess.run(
        ["latexmk", *LATEXMK_OPTIONS, tex_file.name],
        cwd=tex_file.parent, env=env, capture_output=True, text=True, errors="replace",
    )
    log_file = tex_file.with_suffix(".log")
    if result.returncode != 0:
        # latexmk would otherwise answer the next run with "nothing to do" and the same error.
        tex_file.with_suffix(".fdb_latexmk").unlink(missing_ok=True)
        log = log_file.read_text(errors="replace") if log_file.exists() else result.stdout
        error = parse_log(log)
        if error is None:
            raise TypesetError(f"latexmk failed (exit {result.returncode}); full log: {log_file}")
        raise TypesetError(
            f"{tex_file.parent / error.file}:{error.line}: {error.message}\n"
            f"  {error.context}\n  full log: {log_file}"
        )
    return tex_file.with_suffix(".pdf")
