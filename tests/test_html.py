"""The web edition: made from the .tex TeX typeset, numbered like the PDF, every number checked.

The browser's view of the same site is tested in test_browser.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from conftest import copy_built, site_unavailable
from helpers import copy_sources, tree_digest

from generator import web, workspace
from generator.build import BOOK_STAMP, Project, book_key, build_book, load_chapters, site_key, up_to_date
from generator.cache import Store
from generator.cli import main
from generator.verify import BOOK
from generator.web.check import Source, check_pages
from generator.web.convert import SiteError, convert
from generator.web.figures import PICTURE
from generator.web.pages import STYLE
from generator.web.site import _copy_checked, bibliographies

pytestmark = pytest.mark.skipif(site_unavailable() is not None, reason=site_unavailable() or "")
QUIET = lambda line: None  # noqa: E731


def chapter_names(project: Project) -> list[str]:
    return [spec.name for spec in load_chapters(project)]


def ledgers(project: Project) -> dict[str, list[tuple[str, str]]]:
    """The published ledgers: chapter -> (quantity, text as printed), in order; a plot's coordinates,
    drawn and not printed, left out."""
    return {
        path.stem: [
            (e["quantity"], e["shown"]) for e in json.loads(path.read_text())["entries"] if not e.get("plotted")
        ]
        for path in sorted(project.ledgers.glob("*.json"))
    }


def sources(project: Project) -> list[Source]:
    """What the site check compares the pages with: the typeset .tex (the shell with the .bib it reads)
    and the published ledgers."""
    printed = ledgers(project)
    shell = (project.tex / "handbook.tex").read_text()
    bibliography = "\n".join((project.tex / name).read_text() for name in bibliographies(shell))
    return [
        Source(BOOK, f"{shell}\n{bibliography}"),
        *(
            Source(
                spec.name,
                (project.tex / "chapters" / f"{spec.name}.tex").read_text(),
                tuple(printed[spec.name]),
                str(spec.title),
            )
            for spec in load_chapters(project)
        ),
    ]


def pages(site: Path, chapters: list[str]) -> list[tuple[str, str | None]]:
    return [(p.name, p.stem if p.stem in chapters else None) for p in sorted(site.glob("*.html"))]


SHELL_PAGES = {
    "preface.html",
    "symbols.html",
    "conventions.html",
    "answers.html",
    "verification.html",
    "notation.html",
    "bibliography.html",
    "idx.html",
}


def test_the_site_has_a_contents_page_and_one_page_per_chapter_and_appendix(built_site) -> None:
    """build/html/ holds index.html (title page and contents), one page per chapter named after it, the
    preface, symbols and conventions, each appendix (answers, verification, notation), the bibliography
    and the index, all linked from the contents."""
    found = {p.name for p in built_site.site.glob("*.html")}
    chapters = {f"{name}.html" for name in chapter_names(built_site)}
    assert found == {"index.html"} | SHELL_PAGES | chapters
    index = lxml.html.document_fromstring((built_site.site / "index.html").read_bytes())
    linked = {href.partition("#")[0] for href in index.xpath("//nav//a/@href")}
    assert chapters | SHELL_PAGES <= linked


def _plain_number(text: str) -> str:
    """A number as TeX's .aux or a page's tag shows it, without words, macros, braces and brackets."""
    text = re.sub(r"\\[A-Za-z]+\s*|[{}()\s:]", "", text)
    return re.sub(r"^(Chapter|Appendix|Section|Figure|Table|Equation|Listing|Exercise|Step)", "", text)


def _groups(text: str, start: int, count: int) -> list[str]:
    """The next ``count`` brace groups of ``text`` from ``start``, without their braces."""
    groups, depth, begin = [], 0, start
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
            if depth == 1:
                begin = i + 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                groups.append(text[begin:i])
                if len(groups) == count:
                    break
    return groups


def aux_labels(aux: str) -> dict[str, tuple[str, str, str]]:
    """Each label of TeX's .aux: (number, title, anchor), as \\newlabel{label}{{number}{page}{title}{anchor}{}}."""
    labels = {}
    for match in re.finditer(r"\\newlabel\{([^}@]+)\}\{", aux):
        fields = _groups(aux, match.end(), 4)
        if len(fields) == 4:
            labels[match.group(1)] = (_plain_number(fields[0]), fields[2], fields[3])
    return labels


def test_every_label_has_the_pdfs_number_on_the_site(built_site) -> None:
    """Every label TeX numbered (its .aux: chapters, sections, equations, figures, tables) stands on the
    site with the same number: a chapter as its page's heading, anything else as the element of its id."""
    # An answer's label marks a place (hyperref's \\phantomsection), not a number.
    labels = {
        label: found
        for label, found in aux_labels((built_site.tex / "handbook.aux").read_text()).items()
        if not found[2].startswith("section*")
    }
    assert len(labels) > 100
    shown: dict[str, str] = {}
    chapters: dict[str, str] = {}  # a page's title (without its number) -> its number
    for page in built_site.site.glob("*.html"):
        document = lxml.html.document_fromstring(page.read_bytes())
        for heading in document.xpath("//main//h1"):
            tags = heading.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_tag ')]")
            if tags:
                title = heading.text_content().replace(tags[0].text_content(), "", 1)
                chapters[" ".join(title.split())] = _plain_number(tags[0].text_content())
        for element in document.xpath("//*[@id]"):
            if element.get("id") in labels:
                tags = element.xpath(".//*[contains(concat(' ', @class, ' '), ' ltx_tag ')]")
                number = element.get("data-number")  # an exercise's or a step's anchor (pages._anchors)
                if tags:
                    number = tags[0].text_content()
                shown[element.get("id")] = _plain_number(number) if number else "(no number)"
    for label, (_, title, anchor) in labels.items():
        if anchor.startswith(("chapter.", "appendix.")):  # a chapter is a page of its own
            shown[label] = chapters.get(" ".join(title.split()), "(missing)")
    assert {label: shown.get(label, "(missing)") for label in labels} == {
        label: number for label, (number, _, _) in labels.items()
    }


def test_cross_references_and_links_point_at_what_exists(built_site) -> None:
    """Every link of every page names a file of the site and, after #, an id on that page."""
    ids = {}
    links = []
    for page in built_site.site.glob("*.html"):
        document = lxml.html.document_fromstring(page.read_bytes())
        ids[page.name] = set(document.xpath("//@id"))
        links += [(page.name, href) for href in document.xpath("//a/@href | //link/@href")]
    broken = []
    for page, href in links:
        if re.match(r"^[a-z]+:", href):  # a data: favicon, LaTeXML's home page in the footer
            continue
        target, _, fragment = href.partition("#")
        target = target or page
        target = "index.html" if target in ("./", "") else target
        if not (built_site.site / target).is_file() or (fragment and fragment not in ids.get(target, ())):
            broken.append(f"{page}: {href}")
    assert not broken
    assert any("#eq:" in href for _, href in links)  # cleveref's references to equations are links


def test_each_chapters_page_shows_every_text_of_its_ledger(built_site) -> None:
    """`handbook audit --html`: every text of every published ledger is a printed value on its chapter's page."""
    result = CliRunner().invoke(main, ["audit", "--html", "--root", str(built_site.root)])
    assert result.exit_code == 0, result.output
    assert sum(len(entries) for entries in ledgers(built_site).values()) > 500
    report = check_pages(built_site.site, pages(built_site.site, chapter_names(built_site)), sources(built_site))
    assert report.failures == []
    assert report.ledger > 500 and report.structural > 100


TAMPERINGS = [
    # A printed value changed: the ledger's text is missing, and the page shows a value its source does not.
    ("worked-example.html", '<mn class="hb-num">0.4749</mn>', '<mn class="hb-num">0.4750</mn>', ["'0.4749'", "0.4750"]),
    # A number added to the prose (a second, unchecked copy of a sentence, say).
    ("chain-rule.html", "</h1>", "</h1><p>It took 17.25 s.</p>", ["numeral 17.25"]),
    # A printed value dropped from a table.
    (
        "gradient-checking.html",
        '<mn class="hb-num">',
        '<mn class="dropped">',
        ["does not show", "less than the source"],
    ),
    # A printed value that is no number any more.
    ("training.html", '<mn class="hb-num">', '<mn class="hb-num">x', ["does not read as a number"]),
]


@pytest.mark.parametrize(("page", "old", "new", "expected"), TAMPERINGS, ids=["changed", "added", "dropped", "garbled"])
def test_the_site_check_fails_on_a_page_that_shows_other_numbers(
    built_site, tmp_path, page, old, new, expected
) -> None:
    """A value changed, a numeral added, a value dropped or garbled on one page: the site check fails,
    naming the page and the number."""
    site = tmp_path / "site"
    shutil.copytree(built_site.site, site, ignore=shutil.ignore_patterns("mathjax"))
    html = (site / page).read_text()
    assert old in html
    (site / page).write_text(html.replace(old, new, 1))
    report = check_pages(site, pages(site, chapter_names(built_site)), sources(built_site))
    messages = "\n".join(str(failure) for failure in report.failures)
    assert report.failures and all(page in str(failure) for failure in report.failures), messages
    for text in expected:
        assert text in messages


def test_a_failed_check_writes_no_site_and_no_pdf(project, tmp_path) -> None:
    """`handbook build --html` with a numeral typed into maths exits 1 and writes nothing: no site, no PDF."""
    copy = copy_sources(tmp_path)
    shutil.copytree(project.cache, copy.cache)
    template = copy.templates / "chapters" / "worked_example.tex.j2"
    template.write_text(
        template.read_text().replace(r"\section{The forward pass}", r"\section{The forward pass} $3.14$")
    )
    result = CliRunner().invoke(main, ["build", "--html", "--root", str(copy.root)])
    assert result.exit_code == 1, result.output
    assert "numeral '3.14' typed into maths" in result.output
    assert not copy.site.exists() and not copy.pdf.exists() and not copy.ledgers.exists()


def test_a_build_with_nothing_changed_keeps_its_site_and_an_edited_site_is_not_believed(built_site, tmp_path) -> None:
    """A second `build --html` does nothing; once a page is edited, the stamp no longer vouches for the site."""
    built_site = copy_built(built_site, tmp_path / "copy")  # the session's site stays as it was built
    lines: list[str] = []
    before = tree_digest(built_site.site)
    build_book(built_site, lines.append, html=True)
    assert "up to date: nothing rendered, verified or typeset" in lines
    assert tree_digest(built_site.site) == before
    store = Store(built_site.cache, QUIET)
    key, site = book_key(built_site), site_key(built_site)
    assert up_to_date(built_site, key, store, site)
    page = built_site.site / "worked-example.html"
    good = page.read_bytes()
    try:
        page.write_bytes(good.replace(b"0.4749", b"0.4750"))
        assert not up_to_date(built_site, key, store, site)
        assert up_to_date(built_site, key, store)  # the PDF alone is still what was built
    finally:
        page.write_bytes(good)
    assert isinstance(store.get(built_site.notation, BOOK_STAMP)["site"], dict)


def test_a_build_killed_while_making_the_site_keeps_the_last_good_outputs(built_site, tmp_path) -> None:
    """SIGKILL while the site is made leaves the site, the PDF and the ledgers as they were; the next
    build cleans up after it."""
    root = tmp_path / "copy"
    shutil.copytree(built_site.root, root)
    project = Project(root)
    kept = {name: tree_digest(folder) for name, folder in (("site", project.site), ("ledgers", project.ledgers))}
    pdf = project.pdf.read_bytes()
    spec = project.chapters / "worked-example.toml"
    spec.write_text(spec.read_text().replace("learning_rate = 0.1", "learning_rate = 0.2"))
    env = dict(os.environ, **{workspace.STOP_VARIABLE: "site"})
    command = [sys.executable, "-m", "generator", "build", "--html", "--root", str(root)]
    killed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, start_new_session=True)
    assert killed.returncode == -signal.SIGKILL
    assert {
        name: tree_digest(folder) for name, folder in (("site", project.site), ("ledgers", project.ledgers))
    } == kept
    assert project.pdf.read_bytes() == pdf
    env.pop(workspace.STOP_VARIABLE)
    after = subprocess.run(command[:4] + command[5:], env=env, capture_output=True, text=True, timeout=600)
    assert after.returncode == 0, after.stderr
    assert not (project.build / workspace.WORK_NAME).exists()


def test_a_latexml_error_names_the_generated_file_and_line(tmp_path) -> None:
    """A macro LaTeXML does not know fails the conversion with file:line, LaTeXML's message and its log."""
    book = tmp_path / "tex" / "handbook.tex"
    book.parent.mkdir()
    book.write_text(
        "\\documentclass{book}\n\\begin{document}\n\\chapter{One}\nText.\n\\unknownmacro\n\\end{document}\n"
    )
    with pytest.raises(SiteError) as raised:
        convert(book, tmp_path / "pages", tmp_path / "shown", tmp_path / "latexml.log", STYLE)
    message = str(raised.value)
    assert f"{tmp_path / 'shown' / 'handbook.tex'}:5:" in message
    assert "\\unknownmacro" in message and "latexml.log" in message


def test_the_site_is_made_from_the_files_tex_typeset(tmp_path) -> None:
    """The converter reads the typeset .tex only if it is byte for byte the checked text."""
    typeset = tmp_path / "typeset"
    (typeset / "chapters").mkdir(parents=True)
    (typeset / "handbook.tex").write_text("shell")
    (typeset / "chapters" / "one.tex").write_text("edited after the checks")
    chapter = web.ChapterText("one", "One", "checked", ())
    with pytest.raises(SiteError, match="not the checked source"):
        _copy_checked(typeset, tmp_path / "copy", "shell", [chapter])


def test_build_help_and_the_readme_describe_html() -> None:
    """`handbook build --help` offers --html, and `handbook serve --help` exists."""
    runner = CliRunner()
    assert "--html" in runner.invoke(main, ["build", "--help"]).output
    assert "Serve the web edition" in runner.invoke(main, ["serve", "--help"]).output


def test_serve_without_a_site_is_bad_input(tmp_path) -> None:
    """`handbook serve` where no site was built exits 2 with one line naming the folder."""
    copy = copy_sources(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--root", str(copy.root)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {copy.site}: no site there (build it first: handbook build --html)"
    ]


def _interrupt_as_a_terminal_does() -> None:
    # A process started in the background (`make test &`, some CI runners) ignores SIGINT and its
    # children inherit that: give the server Ctrl-C's default meaning, as in a terminal.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def test_serve_prints_its_address_and_serves_the_site(built_site) -> None:
    """`handbook serve --port 0` prints the address it serves the site at, the contents page is there,
    and Ctrl-C stops it with exit 0."""
    command = [sys.executable, "-m", "generator", "serve", "--port", "0", "--root", str(built_site.root)]
    server = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_interrupt_as_a_terminal_does
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        address = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        assert address, line
        with urllib.request.urlopen(address.group(1), timeout=30) as response:
            assert response.status == 200 and b"<title>" in response.read()
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
        assert server.returncode == 0, err
        assert "stopped" in out
    finally:
        if server.poll() is None:  # a failed step above: never leave the test waiting on the server
            server.kill()
            server.communicate()


def _document(site: Path, page: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring((site / page).read_bytes())


def test_every_exercise_links_to_its_answer_and_back(built_site) -> None:
    """Each exercise of each chapter (as TeX's .aux numbers them) is an anchor on its chapter's page that
    links to its answer on the answers page, and the answer is an anchor there that links back to it."""
    labels = aux_labels((built_site.tex / "handbook.aux").read_text())
    exercises = sorted(label for label in labels if label.startswith("ex:"))
    assert len(exercises) >= 4 * len(chapter_names(built_site))
    answers = _document(built_site.site, "answers.html")
    answer_ids = set(answers.xpath("//@id"))
    answer_links = set(answers.xpath("//a/@href"))
    for label in exercises:
        chapter, number = label.split(":")[1:]
        page = _document(built_site.site, f"{chapter}.html")
        assert page.xpath(f"//*[@id='{label}']"), label
        assert f"answers.html#ans:{chapter}:{number}" in page.xpath("//a/@href"), label
        assert f"ans:{chapter}:{number}" in answer_ids, label
        assert f"{chapter}.html#{label}" in answer_links, label


def test_every_drawing_is_inline_svg_made_by_tex_with_its_printed_values(built_site) -> None:
    """Each TikZ or pgfplots picture of a chapter's checked .tex is an SVG on its chapter's page (made by TeX
    and dvisvgm, not left to LaTeXML), named by its figure's caption, whose printed values are, in order,
    the picture's \\num."""
    drawn = 0
    for name in chapter_names(built_site):
        tex = (built_site.tex / "chapters" / f"{name}.tex").read_text()
        pictures = [match.group() for match in PICTURE.finditer(tex)]
        page = _document(built_site.site, f"{name}.html")
        svgs = page.xpath("//svg[contains(concat(' ', @class, ' '), ' hb-drawing ')]")
        assert len(svgs) == len(pictures), name
        assert not page.xpath("//*[contains(concat(' ', @class, ' '), ' hb-drawing-')]"), name  # no placeholder left
        for svg, picture in zip(svgs, pictures, strict=True):
            caption = page.xpath(f"//*[@id='{svg.get('aria-labelledby')}']")
            assert caption and caption[0].tag == "figcaption", name
            shown = [
                " ".join(group.text_content().split()).replace(" ", "").replace("\u2212", "-")
                for group in svg.xpath(".//*[contains(concat(' ', @class, ' '), ' hb-num ')]")
            ]
            assert shown == [re.sub(r"\s+", "", value) for value in re.findall(r"\\num\{([^{}]*)\}", picture)], name
            drawn += 1
    assert drawn >= 5


_PYGMENTS_ESCAPES = {"bs": "\\", "us": "_", "ob": "{", "cb": "}", "ca": "^", "am": "&", "lt": "<", "gt": ">"}
_PYGMENTS_ESCAPES |= {"sh": "#", "pc": "%", "dl": "$", "hy": "-", "sq": "'", "dq": '"', "ti": "~", "at": "@"}
_PYGMENTS_ESCAPES |= {"lb": "[", "rb": "]"}


def _listing_text(verbatim: str) -> str:
    """The code a Pygments Verbatim prints: its \\PY markup and escapes undone."""
    text = re.sub(r"\\PY\{[^{}]*\}", "", verbatim)
    text = re.sub(r"\\PYZ(\w\w)\{\}", lambda m: f"\0{m.group(1)}\0", text)
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"\0(\w\w)\0", lambda m: _PYGMENTS_ESCAPES[m.group(1)], text)


def test_every_listing_is_the_checked_code_highlighted(built_site) -> None:
    """Each listing of a chapter (the core's code, highlighted by Pygments in the .tex TeX typeset) is a
    block of code on its page with the same text, line for line, in Pygments' colours."""
    listed = 0
    for name in chapter_names(built_site):
        tex = (built_site.tex / "chapters" / f"{name}.tex").read_text()
        expected = [
            _listing_text(body).strip("\n")
            for body in re.findall(r"\\begin\{Verbatim\}\[[^\n]*\]\n(.*?)\\end\{Verbatim\}", tex, re.DOTALL)
        ]
        blocks = _document(built_site.site, f"{name}.html").xpath(
            "//*[contains(concat(' ', @class, ' '), ' hb-code ')]"
        )
        assert [block.text_content().strip("\n") for block in blocks] == expected, name
        for block in blocks:
            assert len(block.xpath(".//*[contains(@style, 'color')]")) > 3, name
        listed += len(blocks)
    assert listed >= len(chapter_names(built_site))


def test_the_first_pages_list_of_contents_is_one_landmark() -> None:
    """Where LaTeXML splits the first page's list of pages in two (the index alone in the second), the site
    joins them: one navigation landmark, every page listed in order."""
    import lxml.html

    from generator.web.pages import _one_contents_list

    page = lxml.html.document_fromstring(
        "<html><body><main><article>"
        '<nav class="ltx_TOC"><ol><li><a href="a.html">A</a></li>'
        '<li><a href="bib.html">Bibliography</a></li></ol></nav>'
        '<nav class="ltx_TOC"><ol><li><a href="idx.html">Index</a></li></ol></nav>'
        '<nav class="other"><ol><li><a href="x.html">X</a></li></ol></nav>'
        "</article></main></body></html>"
    )
    _one_contents_list(page)
    (contents,) = page.xpath("//nav[@class='ltx_TOC']")
    assert [a.text for a in contents.iter("a")] == ["A", "Bibliography", "Index"]
    assert len(page.xpath("//nav")) == 2  # a navigation of another kind is left alone
