"""The site check: every page shows the numbers of its checked source, and nothing else.

A page's text is what a reader (or a screen reader) gets: its text nodes, the MathML of its
formulas and the text of its drawings, without the TeX that LaTeXML keeps in attributes. Every
numeral in it falls in one of three places:

* **A printed value**: the rendering of a ``\\num`` (LaTeXML marks each with the class ``hb-num``,
  see ``latexml/handbook.ltxml``), read as shown (``−0.27`` is ``-0.27``, ``1 × 10⁻⁷`` is ``1e-7``).
  On a chapter's page the printed values must be exactly the ``\\num`` of the chapter's checked
  .tex, as many times each; among them every text the chapter's ledger records, as often as it
  records it. Values that are not the ledger's are the code's constants that the numeral scan let
  through (a threshold, the leaky slope); the pages of the book shell (contents, conventions,
  appendices) show together exactly the ``\\num`` of the shell.
* **Structural**: numbering the converter made (chapter, section, equation, figure and table
  numbers in headings, captions and tags), cross-references and the copies of headings in
  links, the page's header, footer and contents list, and the sub- and superscripts of formulas
  (indices and exponents).
* **Anything else** must stand in the page's checked source (outside ``\\num``), or in a macro
  definition of the shell's preamble that prints on the page: the sizes, counts and formula
  constants that generator code wrote (and the numeral scan admitted), or prose such as
  "note 001". A numeral that no source holds fails the check.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from lxml.html import HtmlElement

from generator.verify import BOOK, Failure

VALUE_CLASS = "hb-num"
# Classes of the numbering and furniture LaTeXML writes (ltx_tag_* included by prefix).
STRUCTURAL_CLASSES = frozenset(
    {"ltx_ref_tag", "ltx_ref_title", "ltx_page_header", "ltx_page_footer", "ltx_page_navbar", "ltx_TOC"}
)
SCRIPTED = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts"})
SKIPPED = frozenset({"head", "script", "style", "annotation", "annotation-xml"})
_NUMERAL = re.compile(r"\d+(?:\.\d+)?")
_VALUE = re.compile(r"^(-?\d+(?:\.\d+)?)(?:\u00d710(-?\d+))?$")
_INVISIBLE = re.compile(r"[\s\u00a0\u2009\u200a\u200b\u202f\u2061\u2062\u2063]+")
_NUM = re.compile(r"\\num(?:\[[^\]]*\])?\{([^{}]*)\}")
_COMMENT = re.compile(r"(?<!\\)%.*$", re.MULTILINE)
_DEFINITION = re.compile(r"^\s*\\(?:re)?newcommand|^\s*\\providecommand|^\s*\\def\\|^\s*\\DeclareMathOperator")


@dataclass(frozen=True)
class Source:
    """The checked LaTeX a page (or the pages of the book shell) was converted from."""

    chapter: str  # the chapter's name, or verify.BOOK for the shell
    tex: str
    printed: tuple[tuple[str, str], ...] = ()  # the ledger's (quantity, text), in order


@dataclass
class Numbers:
    """The numerals of a page (or of several), by where they stand."""

    values: Counter[str] = field(default_factory=Counter)
    unreadable: list[str] = field(default_factory=list)  # values that do not read as numbers
    other: Counter[str] = field(default_factory=Counter)
    structural: int = 0

    def add(self, more: Numbers) -> None:
        self.values += more.values
        self.unreadable += more.unreadable
        self.other += more.other
        self.structural += more.structural


def _plain(text: str) -> str:
    """Text with its styled digits as digits (a bold 𝟏 of MathML is a 1; NFKC also maps superscripts)."""
    return unicodedata.normalize("NFKC", text)


def as_printed(shown: str) -> str | None:
    """A printed value as its source wrote it (``−1 × 10−7`` is ``-1e-7``), or None if it is not a number."""
    match = _VALUE.match(_INVISIBLE.sub("", _plain(shown)).replace("\u2212", "-"))
    if match is None:
        return None
    return match.group(1) + (f"e{match.group(2)}" if match.group(2) else "")


def _structural(element: HtmlElement) -> bool:
    if element.tag in ("nav", "header", "footer"):
        return True
    return any(c in STRUCTURAL_CLASSES or c.startswith("ltx_tag") for c in element.get("class", "").split())


def read_numbers(document: HtmlElement) -> Numbers:
    """Every numeral of a page's body, by where it stands (see the module's docstring)."""
    numbers = Numbers()

    def count(text: str | None, structural: bool) -> None:
        for numeral in _NUMERAL.findall(_plain(text or "")):
            if structural:
                numbers.structural += 1
            else:
                numbers.other[numeral] += 1

    def walk(element: HtmlElement, structural: bool) -> None:
        if not isinstance(element.tag, str) or element.tag in SKIPPED:
            return
        structural = structural or _structural(element)
        if VALUE_CLASS in element.get("class", "").split():
            shown = element.text_content()
            if structural:
                numbers.structural += len(_NUMERAL.findall(_plain(shown)))
            elif (value := as_printed(shown)) is not None:
                numbers.values[value] += 1
            else:
                numbers.unreadable.append(" ".join(shown.split()))
            return
        count(element.text, structural)
        for index, child in enumerate(element):
            walk(child, structural or (element.tag in SCRIPTED and index > 0))
            count(child.tail, structural)

    body = document.find("body")
    if body is not None:
        walk(body, False)
    return numbers


def source_values(tex: str) -> Counter[str]:
    """The arguments of the source's ``\\num``, as many times as it prints each."""
    return Counter(re.sub(r"\s+", "", value) for value in _NUM.findall(_COMMENT.sub("", tex)))


def source_numerals(tex: str) -> set[str]:
    """The numerals of a source outside ``\\num``."""
    return set(_NUMERAL.findall(_NUM.sub(" ", _COMMENT.sub("", tex))))


def preamble_numerals(shell: str) -> set[str]:
    """The numerals of the shell's macro definitions (without their argument counts): they print
    wherever the macros are used."""
    preamble = _COMMENT.sub("", shell).partition("\\begin{document}")[0]
    lines = [re.sub(r"\]\s*\[\d+\]|\[\d+\]", " ", line) for line in preamble.splitlines() if _DEFINITION.match(line)]
    return source_numerals("\n".join(lines))


def _missing(needed: Counter[str], shown: Counter[str]) -> Counter[str]:
    return Counter({text: count - shown[text] for text, count in needed.items() if count > shown[text]})


def check_numbers(source: Source, page: str, numbers: Numbers, allowed: set[str]) -> list[Failure]:
    """The failures of the pages ``page`` (one chapter's, or the shell's) against their ``source``."""
    failures = []

    def fail(message: str) -> None:
        failures.append(Failure(source.chapter, f"{page}: {message}"))

    left = Counter(numbers.values)
    for quantity, text in source.printed:
        if left[text] > 0:
            left[text] -= 1
        else:
            fail(f"{quantity}: the ledger records {text!r}, which the page does not show (as often as recorded)")
    expected = source_values(source.tex)
    for value, count in sorted(_missing(numbers.values, expected).items()):
        fail(f"shows the value {value} {count} more time(s) than its checked source prints it with \\num")
    for value, count in sorted(_missing(expected, numbers.values).items()):
        fail(f"shows the source's \\num{{{value}}} {count} time(s) less than the source prints it")
    for shown in numbers.unreadable:
        fail(f"shows a \\num as {shown!r}, which does not read as a number")
    for numeral in sorted(set(numbers.other) - allowed):
        fail(
            f"shows the numeral {numeral} outside a printed value and outside numbering, "
            "which its checked source does not hold"
        )
    return failures


@dataclass(frozen=True)
class SiteReport:
    """What the check found: failures, and the count of numerals of each kind."""

    failures: list[Failure]
    ledger: int
    constants: int
    structural: int
    other: int


def check_pages(site: Path, pages: Iterable[tuple[str, str | None]], sources: list[Source]) -> SiteReport:
    """Check the site's pages (file, chapter or None for the shell's) against the checked sources."""
    by_chapter = {source.chapter: source for source in sources}
    shell = by_chapter[BOOK]
    preamble = preamble_numerals(shell.tex)
    read: dict[str, Numbers] = {}
    shell_pages: list[str] = []
    for file, chapter in pages:
        numbers = read_numbers(lxml.html.document_fromstring((site / file).read_bytes()))
        key = chapter if chapter is not None else BOOK
        if key == BOOK:
            shell_pages.append(file)
        read.setdefault(key, Numbers()).add(numbers)
    failures: list[Failure] = []
    for source in sources:
        if source.chapter not in read:
            failures.append(Failure(source.chapter, "the site has no page for this chapter"))
            continue
        where = ", ".join(shell_pages) if source.chapter == BOOK else f"{source.chapter}.html"
        allowed = source_numerals(source.tex) | preamble
        failures += check_numbers(source, where, read[source.chapter], allowed)
    total = Numbers()
    for numbers in read.values():
        total.add(numbers)
    ledger = sum(len(source.printed) for source in sources)
    values = sum(total.values.values())
    return SiteReport(failures, ledger, values - ledger, total.structural, sum(total.other.values()))


def check_published(site: Path, printed: dict[str, list[tuple[str, str]]]) -> list[Failure]:
    """``handbook audit --html``: each chapter's page of a published site shows every text of the
    chapter's published ledger (``printed``: chapter -> (quantity, text)), as often as recorded."""
    failures = []
    for chapter, entries in printed.items():
        page = site / f"{chapter}.html"
        if not page.is_file():
            failures.append(Failure(chapter, f"{page}: no such page"))
            continue
        left = Counter(read_numbers(lxml.html.document_fromstring(page.read_bytes())).values)
        for quantity, text in entries:
            if left[text] > 0:
                left[text] -= 1
            else:
                failures.append(
                    Failure(chapter, f"{quantity}: the ledger records {text!r}, which {page.name} does not show")
                )
    return failures
