"""The web edition of one profile's book: its checked sources converted, assembled and checked.

``make_site`` takes the folder in which TeX just typeset the book (the checked .tex, written only
after every check passed) and makes the site in a fresh working folder: LaTeXML converts the very
files TeX read (``convert.py``), the pages are named and prepared (``pages.py``) and then read back
by the site check (``check.py``). The caller publishes the folder only if nothing failed.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.verify import BOOK
from generator.web import figures
from generator.web.check import SiteReport, Source, check_pages
from generator.web.convert import SiteError, convert, latexml_available
from generator.web.pages import STYLE, Page, make_pages, mathjax_missing

SHELL = "handbook.tex"
LOG = "handbook.latexml.log"
_BIBRESOURCE = re.compile(r"^\\addbibresource(?:\[[^\]]*\])?\{([^{}]+)\}", re.MULTILINE)


@dataclass(frozen=True)
class ChapterText:
    """One checked chapter: its name and title, the .tex it was typeset from, and its ledger's
    printed texts (quantity, text)."""

    name: str
    title: str
    tex: str
    printed: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Site:
    """A site made and checked in a working folder, ready to be published."""

    folder: Path
    pages: list[Page]
    report: SiteReport
    seconds: float


def missing_tools() -> str | None:
    """Why this machine cannot make a site (LaTeXML or MathJax not installed), or None."""
    if not latexml_available():
        return "LaTeXML is not installed: run `make setup` (latexml, see debian-packages-web.txt)"
    if not figures.dvisvgm_available():
        return "dvisvgm is not installed: run `make setup` (dvisvgm, see debian-packages-web.txt)"
    return mathjax_missing()


def bibliographies(shell: str) -> list[str]:
    """The bibliography files the shell reads (``\\addbibresource{references.bib}``)."""
    return _BIBRESOURCE.findall(shell.partition("\\begin{document}")[0])


def _copy_checked(typeset: Path, target: Path, shell: str, chapters: list[ChapterText]) -> None:
    """Copy the files TeX typeset into ``target``; each must be the checked text, byte for byte."""
    expected = {SHELL: shell, **{f"chapters/{chapter.name}.tex": chapter.tex for chapter in chapters}}
    for name, text in expected.items():
        source = typeset / name
        if not source.is_file() or source.read_bytes() != text.encode("utf-8"):
            raise SiteError(f"{source}: not the checked source TeX typeset (was it changed during the build?)")
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)
    for name in bibliographies(shell):  # what biber read for the PDF: LaTeXML reads it too
        if not (typeset / name).is_file():
            raise SiteError(f"{typeset / name}: the bibliography the book reads is not there")
        shutil.copy2(typeset / name, target / name)


def make_site(
    typeset: Path, shell: str, chapters: list[ChapterText], work: Path, progress: Callable[[str], None]
) -> Site:
    """Make and check the site of the book TeX typeset in ``typeset``, inside the empty folder ``work``.

    ``shell`` is the book shell's checked .tex and ``chapters`` the checked chapters, in book order.
    LaTeXML's log is kept as ``typeset/handbook.latexml.log``, beside TeX's.
    """
    started = time.monotonic()
    sources = work / "tex"
    _copy_checked(typeset, sources, shell, chapters)
    pictures = figures.drawings([(chapter.name, chapter.tex) for chapter in chapters])
    drawings = figures.typeset(shell, pictures, work / "drawings", shown_as=typeset)
    conversion = convert(sources / SHELL, work / "latexml", shown_as=typeset, log=typeset / LOG, css=STYLE)
    folder = work / "site"
    pages = make_pages(conversion.pages, folder, [(chapter.name, chapter.title) for chapter in chapters], drawings)
    bibliography = "\n".join((sources / name).read_text(errors="replace") for name in bibliographies(shell))
    checked = [Source(BOOK, f"{shell}\n{bibliography}"), *(Source(c.name, c.tex, c.printed, c.title) for c in chapters)]
    report = check_pages(folder, [(page.file, page.chapter) for page in pages], checked)
    seconds = time.monotonic() - started
    if not report.failures:
        progress(
            f"site     {len(pages)} pages by LaTeXML ({conversion.warnings} warning(s), log {typeset / LOG}) "
            f"in {seconds:.0f} s; every page shows its source's numbers: {report.ledger} from the ledgers on "
            f"their chapters' pages, {report.constants} constants of the code, nothing unaccounted for"
        )
    return Site(folder, pages, report, seconds)
