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
  numbers in headings, captions and tags), cross-references, citations and the copies of headings
  in links, the page's header, footer and contents list, the sub- and superscripts of formulas
  (indices and exponents), the number of a counter stepped in the text (an exercise's: the anchor
  before it holds it as ``data-number``), and in the bibliography a month as LaTeXML writes the
  .bib's month (``2023-01``).
* **Anything else** must stand in the page's checked source (outside ``\\num``), or in a macro
  definition of the shell's preamble that prints on the page: the sizes, counts and formula
  constants that generator code wrote (and the numeral scan admitted), or prose such as
  "note 001". A numeral that no source holds fails the check.

A chapter's answers to its exercises (``exerciseanswer``) are printed in the appendix of answers,
as in the PDF, in a section titled as the chapter: that section of the appendix's page is checked
against the chapter's answers (its source inside ``exerciseanswer``), the rest of the chapter's
page against the rest of its source, and every text of the chapter's ledger must stand in the one
or the other. The drawings are SVG made by TeX from the same source (``figures.py``): their
printed values are marked ``hb-num`` like the rest, and an axis's tick labels (``hb-tick``) are
numbering. The bibliography's numerals (years, pages) are those of the .bib file the book reads.
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
WORD_CLASS = "hb-word"  # a count printed in words (\numword)
# Classes of the numbering and furniture LaTeXML writes (ltx_tag_* included by prefix).
STRUCTURAL_CLASSES = frozenset(
    {
        "ltx_ref_tag",
        "ltx_ref_title",
        "ltx_page_header",
        "ltx_page_footer",
        "ltx_page_navbar",
        "ltx_TOC",
        "hb-tick",
        "ltx_cite",
    }
)
SCRIPTED = frozenset({"msub", "msup", "msubsup", "munder", "mover", "munderover", "mmultiscripts"})
SKIPPED = frozenset({"head", "script", "style", "annotation", "annotation-xml"})
_NUMERAL = re.compile(r"\d+(?:\.\d+)?")
_VALUE = re.compile(r"^(-?\d+(?:\.\d+)?)(?:\u00d710(-?\d+))?$")
_INVISIBLE = re.compile(r"[\s\u00a0\u2009\u200a\u200b\u202f\u2061\u2062\u2063]+")
_NUM = re.compile(r"\\num(?:\[[^\]]*\])?\{([^{}]*)\}")
_MONTHS = frozenset(f"{month:02d}" for month in range(1, 13))
_NUMWORD = re.compile(r"\\numword\{([A-Za-z-]+)\}")
_COMMENT = re.compile(r"(?<!\\)%.*$", re.MULTILINE)
_ANSWER = re.compile(r"\\begin\{exerciseanswer\}(.*?)\\end\{exerciseanswer\}", re.DOTALL)
_DEFINITION = re.compile(r"^\s*\\(?:re)?newcommand|^\s*\\providecommand|^\s*\\def\\|^\s*\\DeclareMathOperator")


@dataclass(frozen=True)
class Source:
    """The checked LaTeX a page (or the pages of the book shell) was converted from."""

    chapter: str  # the chapter's name, or verify.BOOK for the shell
    tex: str
    printed: tuple[tuple[str, str], ...] = ()  # the ledger's (quantity, text), in order
    title: str = ""  # the chapter's title (its section of the appendix of answers has it)

    @property
    def answers(self) -> str:
        """The source of the chapter's answers (inside ``exerciseanswer``), printed in the appendix."""
        return "\n".join(_ANSWER.findall(_COMMENT.sub("", self.tex)))

    @property
    def body(self) -> str:
        """The source of the chapter's own page: all of it but its answers."""
        return _ANSWER.sub(" ", _COMMENT.sub("", self.tex))


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
    """Every numeral of a page's body (or of one element), by where it stands (see the module's docstring)."""
    numbers = Numbers()
    counted = {str(n) for n in document.xpath("//*[@data-number]/@data-number")}

    def count(text: str | None, structural: bool, month: bool = False) -> None:
        for numeral in _NUMERAL.findall(_plain(text or "")):
            if structural or numeral in counted or (month and numeral in _MONTHS):
                numbers.structural += 1
            else:
                numbers.other[numeral] += 1

    def walk(element: HtmlElement, structural: bool) -> None:
        if not isinstance(element.tag, str) or element.tag in SKIPPED:
            return
        structural = structural or _structural(element)
        if WORD_CLASS in element.get("class", "").split() and not structural:
            numbers.values[" ".join(element.text_content().split()).lower()] += 1
            return
        if VALUE_CLASS in element.get("class", "").split():
            shown = element.text_content()
            if structural:
                numbers.structural += len(_NUMERAL.findall(_plain(shown)))
            elif (value := as_printed(shown)) is not None:
                numbers.values[value] += 1
            else:
                numbers.unreadable.append(" ".join(shown.split()))
            return
        month = "ltx_bib_year" in element.get("class", "").split()
        count(element.text, structural, month)
        for index, child in enumerate(element):
            walk(child, structural or (element.tag in SCRIPTED and index > 0))
            count(child.tail, structural, month)

    body = document.find("body") if document.tag == "html" else document
    if body is not None:
        walk(body, False)
    return numbers


def source_values(tex: str) -> Counter[str]:
    """The arguments of the source's ``\\num`` (and ``\\numword``), as many times as it prints each."""
    text = _COMMENT.sub("", tex)
    return Counter(re.sub(r"\s+", "", value) for value in _NUM.findall(text)) + Counter(
        word.lower() for word in _NUMWORD.findall(text)
    )


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


def check_numbers(
    source: Source, page: str, numbers: Numbers, allowed: set[str], expected: Counter[str] | None = None
) -> list[Failure]:
    """The failures of the pages ``page`` (one chapter's, or the shell's) against their ``source``:
    every ledger text among the printed values, exactly the ``expected`` values (by default the
    source's ``\\num``), and no other numeral that ``allowed`` does not hold."""
    failures = missing_ledger(source, page, numbers.values)

    def fail(message: str) -> None:
        failures.append(Failure(source.chapter, f"{page}: {message}"))

    expected = source_values(source.tex) if expected is None else expected
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


def missing_ledger(source: Source, page: str, values: Counter[str]) -> list[Failure]:
    """The texts of the source's ledger that the printed ``values`` do not hold as often as recorded."""
    left = Counter(values)
    failures = []
    for quantity, printed in source.printed:
        text = printed.lower() if printed.isalpha() else printed  # a count in words, at a sentence's start too
        if left[text] > 0:
            left[text] -= 1
        else:
            failures.append(
                Failure(
                    source.chapter,
                    f"{page}: {quantity}: the ledger records {text!r}, which the page does not show "
                    "(as often as recorded)",
                )
            )
    return failures


def _title(section: HtmlElement) -> str:
    """A section's title, without its number."""
    headings = section.xpath("./*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]")
    if not headings:
        return ""
    copy = lxml.html.fragment_fromstring(lxml.html.tostring(headings[0]))
    for tag in copy.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_tag ')]"):
        tag.drop_tree()
    return " ".join(copy.text_content().split())


def answer_sections(document: HtmlElement, titles: dict[str, str]) -> dict[str, HtmlElement]:
    """The sections of a shell's page titled as a chapter (``titles``: title -> chapter): the
    chapter's answers, in the appendix of answers."""
    found = {}
    for section in document.xpath("//section"):
        chapter = titles.get(_title(section))
        if chapter is not None and chapter not in found:
            found[chapter] = section
    return found


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
    titles = {" ".join(s.title.split()): s.chapter for s in sources if s.chapter != BOOK and s.title}
    read: dict[str, Numbers] = {}
    answers: dict[str, Numbers] = {}
    where_answers: dict[str, str] = {}
    shell_pages: list[str] = []
    for file, chapter in pages:
        document = lxml.html.document_fromstring((site / file).read_bytes())
        key = chapter if chapter is not None else BOOK
        if key == BOOK:
            shell_pages.append(file)
            for name, section in answer_sections(document, titles).items():
                answers.setdefault(name, Numbers()).add(read_numbers(section))
                where_answers[name] = file
                section.getparent().remove(section)
        read.setdefault(key, Numbers()).add(read_numbers(document))
    failures: list[Failure] = []
    for source in sources:
        if source.chapter not in read:
            failures.append(Failure(source.chapter, "the site has no page for this chapter"))
            continue
        if source.chapter == BOOK:
            allowed = source_numerals(source.tex) | preamble
            failures += check_numbers(source, ", ".join(shell_pages), read[BOOK], allowed)
            continue
        page = f"{source.chapter}.html"
        shown = Numbers()
        shown.add(read[source.chapter])
        failures += check_numbers(
            Source(source.chapter, source.body), page, read[source.chapter], source_numerals(source.body) | preamble
        )
        if source.answers:
            if source.chapter not in answers:
                failures.append(Failure(source.chapter, "the site has no section of answers for this chapter"))
                continue
            page += f" and its answers in {where_answers[source.chapter]}"
            failures += check_numbers(
                Source(source.chapter, source.answers),
                f"{where_answers[source.chapter]} (its answers)",
                answers[source.chapter],
                source_numerals(source.answers) | preamble,
            )
            shown.add(answers[source.chapter])
        failures += missing_ledger(source, page, shown.values)
    total = Numbers()
    for numbers in [*read.values(), *answers.values()]:
        total.add(numbers)
    ledger = sum(len(source.printed) for source in sources)
    values = sum(total.values.values())
    return SiteReport(failures, ledger, values - ledger, total.structural, sum(total.other.values()))


def check_published(site: Path, printed: dict[str, list[tuple[str, str]]]) -> list[Failure]:
    """``handbook audit --html``: each chapter's page of a published site, with its section of the
    appendix of answers, shows every text of the chapter's published ledger (``printed``: chapter ->
    (quantity, text)), as often as recorded."""
    failures = []
    documents = {page.name: lxml.html.document_fromstring(page.read_bytes()) for page in sorted(site.glob("*.html"))}
    for chapter, entries in printed.items():
        name = f"{chapter}.html"
        if name not in documents:
            failures.append(Failure(chapter, f"{site / name}: no such page"))
            continue
        document = documents[name]
        values = Counter(read_numbers(document).values)
        headings = document.xpath("//main//h1")
        title = _title(headings[0].getparent()) if headings else ""
        for other, page in documents.items():
            if other != name and title:
                for section in answer_sections(page, {title: chapter}).values():
                    values += read_numbers(section).values
        failures += missing_ledger(Source(chapter, "", tuple(entries)), name, values)
    return failures
