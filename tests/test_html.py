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
from conftest import site_unavailable
from helpers import copy_sources, tree_digest

from generator import web, workspace
from generator.build import BOOK_STAMP, Project, book_key, build_book, load_chapters, site_key, up_to_date
from generator.cache import Store
from generator.cli import main
from generator.verify import BOOK
from generator.web.check import Source, check_pages
from generator.web.convert import SiteError, convert
from generator.web.pages import STYLE
from generator.web.site import _copy_checked

pytestmark = pytest.mark.skipif(site_unavailable() is not None, reason=site_unavailable() or "")
QUIET = lambda line: None  # noqa: E731


def chapter_names(project: Project) -> list[str]:
    return [spec.name for spec in load_chapters(project)]


def ledgers(project: Project) -> dict[str, list[tuple[str, str]]]:
    """The published ledgers: chapter -> (quantity, text), in order."""
    return {
        path.stem: [(e["quantity"], e["text"]) for e in json.loads(path.read_text())["entries"]]
        for path in sorted(project.ledgers.glob("*.json"))
    }


def sources(project: Project) -> list[Source]:
    """What the site check compares the pages with: the typeset .tex and the published ledgers."""
    printed = ledgers(project)
    shell = Source(BOOK, (project.tex / "handbook.tex").read_text())
    return [
        shell,
        *(
            Source(name, (project.tex / "chapters" / f"{name}.tex").read_text(), tuple(printed[name]))
            for name in chapter_names(project)
        ),
    ]


def pages(site: Path, chapters: list[str]) -> list[tuple[str, str | None]]:
    return [(p.name, p.stem if p.stem in chapters else None) for p in sorted(site.glob("*.html"))]


def test_the_site_has_a_contents_page_and_one_page_per_chapter_and_appendix(built_site) -> None:
    """build/html/ holds index.html, one page per chapter named after it, the conventions and both appendices."""
    found = {p.name for p in built_site.site.glob("*.html")}
    chapters = {f"{name}.html" for name in chapter_names(built_site)}
    assert found == {"index.html", "conventions.html", "verification.html", "notation.html"} | chapters
    index = lxml.html.document_fromstring((built_site.site / "index.html").read_bytes())
    linked = {href.partition("#")[0] for href in index.xpath("//nav//a/@href")}
    assert chapters | {"conventions.html", "verification.html", "notation.html"} <= linked


def _plain_number(text: str) -> str:
    """A number as TeX's .aux or a page's tag shows it, without words, macros, braces and brackets."""
    text = re.sub(r"\\[A-Za-z]+\s*|[{}()\s:]", "", text)
    return re.sub(r"^(Chapter|Appendix|Section|Figure|Table|Equation)", "", text)


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
    labels = aux_labels((built_site.tex / "handbook.aux").read_text())
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
                shown[element.get("id")] = _plain_number(tags[0].text_content()) if tags else "(no number)"
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
    ("matrix-form.html", "</h1>", "</h1><p>It took 17.25 s.</p>", ["numeral 17.25"]),
    # A printed value dropped from a table.
    ("three-layer.html", '<mn class="hb-num">', '<mn class="dropped">', ["does not show", "less than the source"]),
    # A printed value that is no number any more.
    ("softmax-cross-entropy.html", '<mn class="hb-num">', '<mn class="hb-num">x', ["does not read as a number"]),
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


def test_a_build_with_nothing_changed_keeps_its_site_and_an_edited_site_is_not_believed(built_site) -> None:
    """A second `build --html` does nothing; once a page is edited, the stamp no longer vouches for the site."""
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


def test_serve_prints_its_address_and_serves_the_site(built_site) -> None:
    """`handbook serve --port 0` prints the address it serves the site at, and the contents page is there."""
    command = [sys.executable, "-m", "generator", "serve", "--port", "0", "--root", str(built_site.root)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            line = server.stdout.readline()
            address = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
            assert address, line
            with urllib.request.urlopen(address.group(1)) as response:
                assert response.status == 200 and b"<title>" in response.read()
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=30)
    assert server.returncode == 0
