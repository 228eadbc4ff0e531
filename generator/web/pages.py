"""The site, made from LaTeXML's pages: named after the chapters, titled, accessible, with MathJax.

LaTeXML names its pages after the chapters' labels. Here each chapter's page is named after the
chapter (``worked-example.html``), found by its place in the book and confirmed by its title; the
contents page is ``index.html``, and any other page (conventions, appendices) keeps its label's
name. Every page gets a title, headings that never skip a level, a name for each drawing (its
caption) and MathJax, served from the site itself. Nothing here changes a word or a number of the
book: the site check (``check.py``) reads the pages this module writes.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from generator.web.convert import SiteError
from generator.web.figures import inline

ASSETS = Path(__file__).parent / "assets"
STYLE = ASSETS / "handbook.css"
MATHJAX_CONFIG = ASSETS / "mathjax-config.js"
# npm installs MathJax beside the project (package.json); a site carries its own copy of the parts
# it loads, so that a reader needs no network.
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
MATHJAX_PARTS = {
    "mathjax": (
        "mml-chtml.js",
        "LICENSE",
        "package.json",
        "a11y",
        "input/mml",
        "input/mml.js",
        "output/chtml.js",
        "sre",
        "ui",
    ),
    "@mathjax/mathjax-newcm-font": ("chtml.js", "chtml", "package.json"),
}
MATHJAX_FOLDER = "mathjax"  # in the site; the font goes to mathjax/fonts/mathjax-newcm-font
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(frozen=True)
class Page:
    """One page of the site: its file, the chapter it shows (None for the contents, conventions and
    appendices, which come from the book shell), and its title."""

    file: str
    chapter: str | None
    title: str


def mathjax_missing() -> str | None:
    """Why MathJax cannot be copied into a site, or None."""
    for package, parts in MATHJAX_PARTS.items():
        for part in parts:
            if not (NODE_MODULES / package / part).exists():
                return f"{NODE_MODULES / package / part} is missing: run `make setup` (npm ci, see package.json)"
    return None


def mathjax_version() -> str:
    """The version of the MathJax a site carries (for the site's key)."""
    try:
        return str(json.loads((NODE_MODULES / "mathjax" / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return "not installed"


def _read(path: Path) -> HtmlElement:
    return lxml.html.document_fromstring(path.read_bytes())


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _heading(document: HtmlElement) -> HtmlElement | None:
    """The page's first heading inside its content (a chapter's title, the book's on the contents)."""
    found = document.xpath("//*[contains(@class,'ltx_page_content')]//h1")
    return found[0] if found else None


def _title_without_tag(heading: HtmlElement) -> str:
    """A heading's text without its number (``Chapter 1``, ``Appendix A``)."""
    copy = lxml.html.fragment_fromstring(lxml.html.tostring(heading))
    for tag in copy.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_tag ')]"):
        tag.drop_tree()
    return _text(copy)


def _is_numbered_chapter(document: HtmlElement) -> bool:
    """Whether the page is a numbered chapter of the main matter (not an appendix, not unnumbered)."""
    sections = document.xpath("//*[contains(@class,'ltx_page_content')]/section")
    if not sections or "ltx_chapter" not in sections[0].get("class", "").split():
        return False
    heading = _heading(document)
    return heading is not None and bool(heading.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_tag ')]"))


def _reading_order(pages: Path) -> list[str]:
    """Every page in the order LaTeXML links them (``rel=next``), from the contents page on."""
    order, seen = [], set()
    name: str | None = "index.html"
    while name is not None and name not in seen and (pages / name).is_file():
        order.append(name)
        seen.add(name)
        following = _read(pages / name).xpath("//head/link[@rel='next']/@href")
        name = str(following[0]).partition("#")[0] if following else None
    rest = sorted(p.name for p in pages.glob("*.html") if p.name not in seen)
    return order + rest


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "page"


def name_pages(pages: Path, chapters: list[tuple[str, str]]) -> dict[str, Page]:
    """Which LaTeXML page shows which chapter, and the file name each page gets on the site.

    ``chapters`` are (name, title) in book order; the numbered chapters of LaTeXML's pages, in
    reading order, must be exactly these, title for title.
    """
    order = _reading_order(pages)
    documents = {name: _read(pages / name) for name in order}
    numbered = [name for name in order if _is_numbered_chapter(documents[name])]
    if len(numbered) != len(chapters):
        raise SiteError(
            f"LaTeXML made {len(numbered)} chapter page(s) for {len(chapters)} chapter(s): each chapter's "
            "template must begin with one numbered \\chapter (and no other)"
        )
    named: dict[str, Page] = {}
    for page, (chapter, title) in zip(numbered, chapters, strict=True):
        heading = _heading(documents[page])
        shown = _title_without_tag(heading) if heading is not None else ""
        if shown != " ".join(title.split()):
            raise SiteError(f"chapter {chapter}: LaTeXML's page {page} is titled {shown!r}, not {title!r}")
        named[page] = Page(f"{chapter}.html", chapter, _text(heading) if heading is not None else title)
    taken = {page.file for page in named.values()} | {"index.html"}
    for page in order:
        if page in named:
            continue
        heading = _heading(documents[page])
        title = _text(heading) if heading is not None else page
        if page == "index.html":
            named[page] = Page(page, None, title)
            continue
        label = re.match(r"^[A-Za-z]+_(.+)\.html$", page)
        if label:  # named after its label (chap:notation is notation.html)
            wanted = f"{label.group(1)}.html"
        else:  # no label: named after its title (Conventions is conventions.html)
            wanted = f"{_slug(_title_without_tag(heading) if heading is not None else page)}.html"
        file = wanted if wanted not in taken else page
        taken.add(file)
        named[page] = Page(file, None, title)
    return named


def _relink(document: HtmlElement, renamed: dict[str, str]) -> None:
    for element in document.xpath("//*[@href]"):
        target, mark, fragment = element.get("href").partition("#")
        if target in renamed:
            element.set("href", renamed[target] + mark + fragment)


def _title_page(document: HtmlElement) -> None:
    """The title page's first line, the book's title, is the page's heading (LaTeXML writes the
    title page as paragraphs)."""
    for page in document.xpath("//div[contains(concat(' ', @class, ' '), ' ltx_titlepage ')]"):
        lines = page.findall("p")
        if lines and not document.xpath("//h1"):
            lines[0].tag = "h1"
            lines[0].set("class", "ltx_title ltx_title_document")


def _order_headings(document: HtmlElement) -> None:
    """Headings one level at a time, under one title: a heading deeper than the one before by more
    than one level is raised (LaTeXML titles the contents list h6, a paragraph after a chapter title
    h3), and a heading after the page's title is below it (LaTeXML titles the sections of the
    appendix of answers h1, like the appendix)."""
    previous, top = 0, 0
    for heading in document.iter(*HEADINGS):
        level = int(heading.tag[1])
        if top and level <= top:
            level = top + 1
        if level > previous + 1:
            level = previous + 1
        heading.tag = f"h{level}"
        top = top or level
        previous = level


def _svg_element(node: lxml.etree._Element) -> HtmlElement:
    """An SVG element (parsed as XML) as an element of the HTML page, attributes' case kept."""
    element = lxml.html.Element(lxml.etree.QName(node).localname)
    for name, value in node.attrib.items():
        element.set(lxml.etree.QName(name).localname, value)
    element.text = node.text
    for child in node:
        if isinstance(child.tag, str):
            converted = _svg_element(child)
            converted.tail = child.tail
            element.append(converted)
    return element


def _insert_drawings(document: HtmlElement, page: str, drawings: dict[str, str]) -> None:
    """Each placeholder LaTeXML left for a picture (``latexml/tikz.sty.ltxml``) becomes the SVG that
    TeX and dvisvgm made of the same text (``figures.py``), inline, so that its labels are text of
    the page."""
    placeholders = document.xpath("//*[contains(concat(' ', @class, ' '), ' hb-drawing ')]")
    for number, placeholder in enumerate(placeholders, start=1):
        keys = [c[len("hb-drawing-") :] for c in placeholder.get("class", "").split() if c.startswith("hb-drawing-")]
        if not keys or keys[0] not in drawings:
            raise SiteError(f"{page}: LaTeXML met a picture that TeX did not typeset (fingerprint {keys})")
        svg = _svg_element(inline(drawings[keys[0]], f"{Path(page).stem}-d{number}"))
        svg.set("class", "hb-drawing")
        svg.tail = placeholder.tail
        placeholder.getparent().replace(placeholder, svg)


def _anchors(document: HtmlElement) -> None:
    """The anchors of exercises, answers and worked steps (``latexml/handbook.ltxml``) are places to
    link to: the counter's number they hold, for LaTeXML's cross-references, is not shown (the
    heading beside it prints it); it stays as ``data-number``, which tells the site check that the
    heading's number is numbering."""
    for anchor in document.xpath("//*[contains(concat(' ', @class, ' '), ' hb-anchor ')]"):
        for tag in anchor.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_tag ')]"):
            if _text(tag) and _text(tag) != "\u2022":  # the number, kept for the site check (not a bullet)
                holders = tag.xpath("ancestor::*[@id][1]")
                (holders[0] if holders else anchor).set("data-number", _text(tag))
            tag.drop_tree()
        for item in anchor.iter():
            item.text = None if item is not anchor else item.text
            if item is not anchor:
                item.tail = None


def _page_number(document: HtmlElement) -> str | None:
    """The number of a chapter's or appendix's page (``2``, ``A``), from its title, or None."""
    heading = _heading(document)
    tags = heading.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_tag ')]") if heading is not None else []
    words = _text(tags[0]).split() if tags else []
    return words[-1] if words else None


def _page_references(document: HtmlElement, page: str, numbers: dict[str, str]) -> None:
    """A page reference (\\pageref) names the page of the site that holds its target: the number of
    its chapter or appendix, as the PDF names the printed page."""
    for reference in document.xpath("//*[contains(concat(' ', @class, ' '), ' hb-pageref ')]"):
        links = reference.xpath("ancestor-or-self::a[@href][1]")
        if not links:
            continue
        target = links[0].get("href").partition("#")[0] or page
        if target not in numbers:
            continue
        for child in list(reference):
            reference.remove(child)
        shown = lxml.html.Element("span")
        shown.set("class", "ltx_text ltx_ref_tag")
        shown.text = numbers[target]
        reference.text = None
        reference.append(shown)


def _prepare_drawings(document: HtmlElement, page: str) -> None:
    """A drawing (TikZ, as SVG) is named by its figure's caption, its labels staying readable text,
    and scales down to a narrow window (LaTeXML gives it a size but no viewBox)."""
    for number, svg in enumerate(document.iter("svg"), start=1):
        captions = svg.xpath("ancestor::figure[1]/figcaption")
        if captions and svg.get("aria-labelledby") is None:
            caption = captions[0]
            if caption.get("id") is None:
                caption.set("id", f"caption-{Path(page).stem}-{number}")
            svg.set("role", "group")
            svg.set("aria-labelledby", caption.get("id"))
        width, height = svg.get("width", ""), svg.get("height", "")
        if svg.get("viewBox") is None and re.fullmatch(r"[\d.]+", width) and re.fullmatch(r"[\d.]+", height):
            svg.set("viewBox", f"0 0 {width} {height}")


def _uncaptioned_floats(document: HtmlElement) -> None:
    """A float without a caption (LaTeXML wraps the list of symbols, a longtable, in one) is no
    figure: a figure needs a caption to name it."""
    for figure in document.xpath("//figure[not(figcaption)]"):
        figure.tag = "div"


def _one_contents_list(document: HtmlElement) -> None:
    """The list of pages LaTeXML writes on the first page is one list, one navigation landmark: it
    sometimes splits it in two (the nine-chapter book of 2026-12-07 had the index alone in a second
    list), and two unnamed navigation landmarks side by side are a fault for a screen reader (axe's
    landmark-unique). A list that follows another is joined to it."""
    for nav in document.xpath("//nav[@class='ltx_TOC']"):
        previous = nav.getprevious()
        if previous is None or previous.tag != "nav" or previous.get("class") != "ltx_TOC":
            continue
        target, items = previous.find("ol"), nav.find("ol")
        if target is None or items is None:
            continue
        target.extend(list(items))
        nav.drop_tree()


def _landmarks(document: HtmlElement) -> None:
    """The page's content is its main landmark; a table header cell with nothing in it is a plain cell;
    a table, which scrolls sideways when it is wider than the window (handbook.css), takes the
    keyboard's focus so that it can be scrolled without a mouse."""
    for content in document.xpath("//div[contains(concat(' ', @class, ' '), ' ltx_page_content ')]"):
        content.tag = "main"
    for cell in document.iter("th"):
        if not cell.text_content().strip() and len(cell) == 0:
            cell.tag = "td"
    for table in document.xpath("//main//table[contains(concat(' ', @class, ' '), ' ltx_tabular ')]"):
        if not table.xpath("ancestor::table") and table.get("tabindex") is None:
            table.set("tabindex", "0")


def _head(document: HtmlElement, title: str) -> None:
    head = document.find("head")
    if head is None:
        head = lxml.html.Element("head")
        document.insert(0, head)
    for old in head.findall("title"):
        head.remove(old)
    element = lxml.html.Element("title")
    element.text = title
    head.insert(0, element)
    # No favicon to fetch (a request that fails is a console error in every browser).
    head.append(lxml.html.Element("link", rel="icon", href="data:,"))
    head.append(lxml.html.Element("script", src=MATHJAX_CONFIG.name))
    head.append(lxml.html.Element("script", src=f"{MATHJAX_FOLDER}/mml-chtml.js", defer="defer"))


def _book_title(documents: dict[str, HtmlElement]) -> str:
    found = documents["index.html"].xpath("//h1[contains(@class,'ltx_title_document')]")
    return _text(found[0]) if found else "The Backprop Handbook"


def copy_mathjax(site: Path) -> None:
    """Copy the parts of MathJax a page loads into the site (``mathjax/``)."""
    missing = mathjax_missing()
    if missing is not None:
        raise SiteError(missing)
    targets = {"mathjax": site / MATHJAX_FOLDER, "@mathjax/mathjax-newcm-font": site / MATHJAX_FOLDER / "fonts"}
    for package, parts in MATHJAX_PARTS.items():
        for part in parts:
            source = NODE_MODULES / package / part
            target = targets[package] / (part if package == "mathjax" else f"mathjax-newcm-font/{part}")
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)


def make_pages(
    pages: Path, site: Path, chapters: list[tuple[str, str]], drawings: dict[str, str] | None = None
) -> list[Page]:
    """Write the site into the empty folder ``site`` from LaTeXML's ``pages``; return its pages.
    ``drawings`` are the SVG of the book's pictures, by fingerprint (``figures.py``)."""
    named = name_pages(pages, chapters)
    renamed = {old: page.file for old, page in named.items()}
    documents = {old: _read(pages / old) for old in named}
    numbers = {named[old].file: number for old, document in documents.items() if (number := _page_number(document))}
    for document in documents.values():
        _title_page(document)
    book = _book_title(documents)
    site.mkdir(parents=True, exist_ok=True)
    for old, document in documents.items():
        page = named[old]
        _relink(document, renamed)
        _page_references(document, page.file, numbers)
        _anchors(document)
        _order_headings(document)
        _insert_drawings(document, page.file, drawings or {})
        _prepare_drawings(document, page.file)
        _uncaptioned_floats(document)
        _one_contents_list(document)
        _landmarks(document)
        _head(document, book if page.file == "index.html" else f"{page.title} – {book}")
        html = lxml.html.tostring(document, doctype="<!DOCTYPE html>", encoding="utf-8", method="html")
        (site / page.file).write_bytes(html)
    for resource in pages.iterdir():  # LaTeXML's style sheets and any images it wrote
        if resource.suffix != ".html":
            (shutil.copytree if resource.is_dir() else shutil.copy2)(resource, site / resource.name)
    shutil.copy2(MATHJAX_CONFIG, site / MATHJAX_CONFIG.name)
    copy_mathjax(site)
    return [named[old] for old in _reading_order(pages)]
