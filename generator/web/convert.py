"""LaTeXML, run on the checked .tex that TeX typeset: one HTML page per chapter, with MathML.

LaTeXML (the converter arXiv uses for its HTML papers) reads the book shell and the chapters it
inputs, with the handbook's bindings in ``latexml/`` preloaded, and writes one page per chapter and
appendix and a contents page. A LaTeXML error (an undefined macro, a package it cannot read) fails
the conversion with the generated file and line, like a TeX error; its warnings are counted.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

BINDINGS = Path(__file__).parent / "latexml"
PRELOAD = "handbook.ltxml"
# A whole book takes LaTeXML about a minute and a half on one CPU; a hang (see handbook.ltxml)
# ends here instead of never.
TIMEOUT_SECONDS = 900
_PROBLEM = re.compile(r"^(?P<kind>Error|Fatal):(?P<category>[^:\s]+):?(?P<what>\S*) (?P<message>.*)$")
_WHERE = re.compile(r"^\s*at (?P<file>[^;]+); line (?P<line>\d+)")


class SiteError(RuntimeError):
    """The web edition could not be made (LaTeXML or MathJax missing, LaTeXML failed, its pages are
    not the book's); the message names the generated file and line where it can."""


@dataclass(frozen=True)
class Conversion:
    """What LaTeXML wrote: the folder of its pages, and how many warnings its log holds."""

    pages: Path
    warnings: int


def latexml_available() -> bool:
    return shutil.which("latexmlc") is not None


@functools.cache
def latexml_version() -> str:
    """``latexmlc --VERSION`` (for the site's key and the README's figures), or why there is none."""
    if not latexml_available():
        return "not installed"
    result = subprocess.run(["latexmlc", "--VERSION"], capture_output=True, text=True, errors="replace")
    found = re.search(r"version ([\w.]+)", result.stdout + result.stderr)
    return found.group(1) if found else "unknown"


def first_problem(log: str, shown_as: Path) -> str | None:
    """The first error of a LaTeXML log, as ``file:line: message`` under ``shown_as``, or None."""
    lines = log.splitlines()
    for i, text in enumerate(lines):
        problem = _PROBLEM.match(text)
        if problem is None:
            continue
        message = f"{problem['kind'].lower()} ({problem['category']}): {problem['message'].strip()}"
        for following in lines[i + 1 : i + 4]:
            where = _WHERE.match(following)
            if where:
                return f"{shown_as / where['file']}:{where['line']}: {message}"
        return message
    return None


def convert(book: Path, pages: Path, shown_as: Path, log: Path, css: Path) -> Conversion:
    """Convert ``book`` (a .tex in a fresh folder, with the chapters it inputs) into HTML pages.

    The pages go to the folder ``pages``, named after the labels of their chapters; ``css`` is
    linked from every page beside LaTeXML's own style sheets. An error is reported under
    ``shown_as``, the folder the caller keeps the sources in, with LaTeXML's log at ``log``.
    """
    if not latexml_available():
        raise SiteError("LaTeXML is not installed: run `make setup` (latexml, see debian-packages-web.txt)")
    pages, log, css = pages.resolve(), log.resolve(), css.resolve()  # LaTeXML runs in the book's folder
    command = [
        "latexmlc",
        f"--path={BINDINGS}",
        f"--preload={PRELOAD}",
        f"--dest={pages / 'index.html'}",
        "--split",
        "--splitat=chapter",
        "--splitnaming=label",
        "--format=html5",
        "--pmml",
        f"--css={css}",
        "--timestamp=0",
        f"--timeout={TIMEOUT_SECONDS}",
        f"--log={log}",
        book.name,
    ]
    result = subprocess.run(command, cwd=book.parent, capture_output=True, text=True, errors="replace")
    text = log.read_text(errors="replace") if log.exists() else result.stderr
    problem = first_problem(text, shown_as)
    if problem is not None or result.returncode != 0 or not (pages / "index.html").is_file():
        detail = problem or f"latexmlc failed (exit {result.returncode})"
        if "timedout" in text:
            detail += f" (LaTeXML did not finish within {TIMEOUT_SECONDS} s: does a package load expl3?)"
        raise SiteError(f"{detail}\n  full log: {log}")
    warnings = sum(line.startswith("Warning:") for line in text.splitlines())
    return Conversion(pages, warnings)
