"""Layout checks on a typeset book: what a reader would see as a defect of the page.

* an overfull box wider than ``OVERFULL_LIMIT`` (text, a formula or a listing's line running into
  the margin), named by the generated file and line TeX reports;
* a page whose content is taller than ``OVERFULL_LIMIT`` beyond the text block (a box that cannot
  break, running into the foot margin), named by the page;
* a section heading as the last line of its page, its text on the next;
* a running head that does not name the chapter the page belongs to.

TeX's log gives the first (its file names come from the stack of files TeX reports opening and
closing); the PDF's text, page by page, and the table of contents give the other two.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

OVERFULL_LIMIT = 1.0  # points: the width of a hairline; anything wider is seen
_OVERFULL = re.compile(
    r"Overfull \\hbox \((?P<amount>[0-9.]+)pt too wide\) (?:in paragraph at lines (?P<first>\d+)--\d+"
    r"|detected at line (?P<line>\d+)|in alignment at lines (?P<align>\d+)--\d+)"
)
_TOO_HIGH = re.compile(r"Overfull \\vbox \((?P<amount>[0-9.]+)pt too high\) has occurred while \\output is active")
# TeX writes [n] to the log as it ships page n out (\count0: front matter counts from 1 too).
_SHIPPED = re.compile(r"\[(?P<page>-?\d+)(?=[\s\]{<])")
_FILE = re.compile(r"\((?P<name>\.?/?[^\s()]+\.(?:tex|toc|aux|ind|bbl|out|cfg|sty|cls|def|fd|clo|ldf))")
_TOC = re.compile(
    r"\\contentsline \{(?P<level>chapter|section|subsection)\}\{(?P<title>.*)\}\{(?P<page>[^{}]*)\}\{[^{}]*\}%?$"
)
_NUMBER = re.compile(r"\\numberline \{(?P<number>[^{}]*)\}")


@dataclass(frozen=True)
class Problem:
    """One layout defect: where it is and what a reader sees."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _in_files(log: str, pattern: str) -> Iterator[tuple[str, re.Match[str]]]:
    """Each match of ``pattern`` in TeX's log with the file TeX was reading (from the log's parentheses)."""
    stack: list[str] = []
    for match in re.finditer(r"\(|\)|" + pattern, log):
        token = match.group()
        if token == "(":
            opened = _FILE.match(log, match.start())
            stack.append(opened.group("name") if opened else "")
        elif token == ")":
            if stack:
                stack.pop()
        else:
            yield next((name for name in reversed(stack) if name.endswith(".tex")), "handbook.tex"), match


def overfull_boxes(log: str, folder: Path, limit: float = OVERFULL_LIMIT) -> list[Problem]:
    """Every box in ``log`` more than ``limit`` points too wide, with the file and line TeX names."""
    problems = []
    for current, match in _in_files(log, r"Overfull \\hbox[^\n]*"):
        found = _OVERFULL.match(match.group())
        if found and float(found.group("amount")) > limit:
            line = found.group("first") or found.group("line") or found.group("align") or "?"
            shown = folder / current.removeprefix("./")
            problems.append(
                Problem(f"{shown}:{line}", f"runs {found.group('amount')}pt into the margin (more than {limit:g}pt)")
            )
    return problems


def pages_too_high(log: str, limit: float = OVERFULL_LIMIT) -> list[Problem]:
    """Every page whose content is more than ``limit`` points taller than the text block."""
    problems = []
    for match in _TOO_HIGH.finditer(log):
        if float(match.group("amount")) > limit:
            shipped = _SHIPPED.search(log, match.end())  # the page being made is the next shipped out
            where = f"page {shipped.group('page')}" if shipped else "the last page"
            amount = match.group("amount")
            problems.append(Problem(where, f"its content runs {amount}pt below the text block (more than {limit:g}pt)"))
    return problems


def undefined_references(log: str, folder: Path, elsewhere: frozenset[str] = frozenset()) -> list[Problem]:
    """Every cross-reference or citation that TeX printed as ??, except references to ``elsewhere``:
    labels that a part of the book left out of this copy defines (a chapter typeset alone, a book
    of some chapters)."""
    pattern = r"LaTeX Warning: (?:Reference|Citation) `[^']*' on page \d+ undefined on input line \d+"
    problems = []
    for current, match in _in_files(log, pattern):
        found = re.match(r"LaTeX Warning: (\w+) `([^']*)' on page \d+ undefined on input line (\d+)", match.group())
        assert found is not None  # the pattern above matched
        kind, name, line = found.groups()
        if kind == "Reference" and name in elsewhere:
            continue
        shown = folder / current.removeprefix("./")
        problems.append(Problem(f"{shown}:{line}", f"{kind.lower()} {name!r} is undefined (printed as ??)"))
    return problems


def page_texts(pdf: Path) -> list[str]:
    """The text of each page as laid out (``pdftotext -layout``), in order."""
    if shutil.which("pdftotext") is None:
        raise RuntimeError("pdftotext is not installed: run `make setup` (poppler-utils)")
    result = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise RuntimeError(f"pdftotext could not read {pdf}: {result.stderr.strip()}")
    pages = result.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


@dataclass(frozen=True)
class Entry:
    """One line of the table of contents: level, number (or ""), title and printed page."""

    level: str
    number: str
    title: str
    page: str


def _plain(title: str) -> str:
    """A TOC title as the PDF's text shows it: LaTeX commands and braces removed, spaces single."""
    title = re.sub(r"\\texorpdfstring\s*\{((?:[^{}]|\{[^{}]*\})*)\}\s*\{([^{}]*)\}", r"\2", title)
    title = re.sub(r"\\[a-zA-Z]+\*?\s*", "", title)
    title = title.replace("{", "").replace("}", "").replace("~", " ").replace("--", "\u2013")
    return " ".join(title.split())


def contents(toc: str) -> list[Entry]:
    """The chapters, sections and subsections of a ``.toc`` file."""
    entries = []
    for line in toc.splitlines():
        match = _TOC.match(line.strip())
        if match is None:
            continue
        title = match.group("title")
        number = _NUMBER.search(title)
        title = _NUMBER.sub("", title)
        entries.append(
            Entry(match.group("level"), number.group("number") if number else "", _plain(title), match.group("page"))
        )
    return entries


def _lines(page: str) -> list[str]:
    return [" ".join(line.split()) for line in page.splitlines() if line.strip()]


def headings_at_the_foot(pages: list[str], entries: list[Entry]) -> list[Problem]:
    """Section headings that are the last line of text on their page (the footer's page number aside)."""
    problems = []
    for entry in entries:
        if entry.level == "chapter" or not entry.number:
            continue
        heading = f"{entry.number} {entry.title}"
        for number, page in enumerate(pages, start=1):
            lines = _lines(page)
            body = lines[:-1] if lines and re.fullmatch(r"[0-9ivxlc]+", lines[-1]) else lines
            rest = body[-1][len(heading[:40]) :] if body and body[-1].startswith(heading[:40]) else None
            if rest is not None and not re.search(r"\.\s*\.|\d\s*$", rest):  # not a line of the contents
                problems.append(Problem(f"page {number}", f"the heading {heading!r} is the last line of the page"))
    return problems


def wrong_running_heads(pages: list[str], entries: list[Entry]) -> list[Problem]:
    """Pages whose running head does not name the chapter that the table of contents puts them in.

    A page's head is its first line; it ends with the page's printed number, which places the page
    in the table of contents. The first page of a chapter has no head (its number is at the foot).
    """
    chapters = [entry for entry in entries if entry.level == "chapter"]
    problems = []
    for number, page in enumerate(pages, start=1):
        lines = _lines(page)
        if not lines:
            continue
        head = lines[0]
        if re.fullmatch(r"(?:Chapter|Appendix) [0-9A-Z]+", head):
            continue  # a chapter's first page: its heading, no running head
        printed = head.rsplit(" ", 1)[-1]
        if printed.isdigit():
            starts = [(int(c.page), c) for c in chapters if c.page.isdigit()]
            at = int(printed)
        elif re.fullmatch(r"[ivxlc]+", printed):
            starts = [(_roman(c.page), c) for c in chapters if re.fullmatch(r"[ivxlc]+", c.page)]
            at = _roman(printed)
        else:
            continue  # no page number in the first line: a chapter's first page, or a page without a head
        placed = [(start, c) for start, c in starts if start <= at]
        if not placed:
            continue
        start, chapter = max(placed, key=lambda pair: pair[0])
        if start == at:
            continue  # a chapter's first page has no running head
        if not _names(head.rsplit(" ", 1)[0], chapter.title):
            problems.append(
                Problem(f"page {number}", f"the running head {head!r} does not name its chapter {chapter.title!r}")
            )
    return problems


def _names(head: str, title: str) -> bool:
    """Whether a running head (without its page number) names the chapter ``title``.

    A head too long for the line is cut short with an ellipsis: what is left must begin the title.
    """
    shown = re.sub(r"^(?:Chapter|Appendix) [0-9A-Z]+\.\s*", "", head.strip())
    cut = re.search(r"(?:\.\s?\.\s?\.|\u2026)$", shown)
    if cut:
        return bool(_letters(shown[: cut.start()])) and _letters(title).startswith(_letters(shown[: cut.start()]))
    return _letters(title)[:30] in _letters(shown)


def _letters(text: str) -> str:
    # The contents file holds the title as TeX wrote it (escapes, braces); the PDF's text holds it
    # as printed. Letters and digits are what both keep.
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _roman(text: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    for here, after in zip(text, [*text[1:], ""], strict=True):
        value = values[here]
        total += -value if after and values[after] > value else value
    return total


def check_layout(
    folder: Path, stem: str = "handbook", pdf: Path | None = None, elsewhere: frozenset[str] = frozenset()
) -> list[Problem]:
    """Every layout defect of the book typeset in ``folder`` (its log, table of contents and PDF).

    ``pdf`` is the PDF when it has moved out of the folder (a published book); ``elsewhere`` the
    labels of parts left out of this copy, which its references may name.
    """
    log = (folder / f"{stem}.log").read_text(errors="replace")
    toc = (folder / f"{stem}.toc").read_text(errors="replace")
    entries = contents(toc)
    pages = page_texts(pdf or folder / f"{stem}.pdf")
    return (
        overfull_boxes(log, folder)
        + pages_too_high(log)
        + undefined_references(log, folder, elsewhere)
        + headings_at_the_foot(pages, entries)
        + wrong_running_heads(pages, entries)
    )


def labels_in(templates: Path) -> frozenset[str]:
    """Every label the templates under ``templates`` define in their own text (``\\label{name}``)."""
    found: set[str] = set()
    for path in templates.rglob("*.j2"):
        found.update(re.findall(r"\\label\{([^}<%]+)\}", path.read_text(errors="replace")))
    return frozenset(found)
