"""The web edition in a real browser: Debian's headless Chromium, driven by Playwright.

Every page of the session's site (conftest.built_site) is served by a local http.server and
loaded once at desktop width (with axe-core) and once at phone width; each visit is screenshotted
into the test's own copy of the project (build/screenshots/). Skipped, with the reason, when
Chromium, Playwright or axe-core is missing (`make setup` installs them).
"""

from __future__ import annotations

import json
import pickle
import struct
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import lxml.html
import pytest
from conftest import once_for_the_run, site_unavailable

from generator.build import load_chapters
from generator.verify import missing_from_text
from generator.web.browser import WIDTHS, Browser, Visit, unavailable

REASON = site_unavailable() or unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")


@pytest.fixture(scope="session")  # not module: on a worker, other modules' tests run between these
def visits(tmp_path_factory, built_site) -> dict[str, dict[str, Visit]]:
    """Every page, visited at each width: page -> width -> what the browser found. Visited once for
    the run (the first worker to ask; the others read what it found)."""

    def visit_all(folder: Path) -> None:
        shots = built_site.build / "screenshots"
        found: dict[str, dict[str, Visit]] = {}
        with Browser(built_site.site) as browser:
            for page in sorted(p.name for p in built_site.site.glob("*.html")):
                found[page] = {
                    width: browser.visit(
                        page, width, screenshot=shots / f"{Path(page).stem}-{width}.png", audit=width == "desktop"
                    )
                    for width in WIDTHS
                }
        (folder / "visits.pickle").write_bytes(pickle.dumps(found))

    folder = once_for_the_run(tmp_path_factory, "visits", visit_all)
    return pickle.loads((folder / "visits.pickle").read_bytes())


def every(visits: dict[str, dict[str, Visit]]) -> list[Visit]:
    return [visit for by_width in visits.values() for visit in by_width.values()]


def test_every_page_loads_without_console_errors_or_the_network(visits, built_site) -> None:
    """No page logs a console error or warning, fails a request, or asks anything of another server."""
    problems = {
        f"{v.page} ({v.width})": v.console + v.failed + [f"outside: {url}" for url in v.outside] for v in every(visits)
    }
    assert {page: found for page, found in problems.items() if found} == {}
    # The contents, the shell's eight pages (preface ... index) and a page per chapter.
    assert len(visits) == len(list(built_site.site.glob("*.html"))) >= 9 + len(load_chapters(built_site))


def test_every_formula_typesets(visits, built_site) -> None:
    """MathJax typesets every formula of every page (as many as its MathML), no error node, no raw \\macro shown."""
    for page, by_width in visits.items():
        html = lxml.html.document_fromstring((built_site.site / page).read_bytes())
        formulas = len(html.xpath("//math"))
        for visit in by_width.values():
            assert visit.maths == formulas, (page, visit.width)
            assert visit.math_errors == [] and visit.raw_tex == [], (page, visit.width)
    assert sum(v.maths for v in every(visits)) > 1000


def test_every_internal_link_resolves(visits, built_site) -> None:
    """Every link of every page (cross-references, contents, navigation) leads to a page of the site that
    has the element it names."""
    broken = []
    for visit in visits_at(visits, "desktop"):
        for link in visit.links:
            address, fragment = urldefrag(link)
            parsed = urlparse(address)
            if parsed.scheme in ("data", "blob") or parsed.hostname != "127.0.0.1":
                continue
            target = parsed.path.lstrip("/") or "index.html"
            if target.endswith(".html"):
                ok = target in visits and (not fragment or fragment in visits[target]["desktop"].ids)
            else:
                ok = (built_site.site / target).is_file()
            if not ok:
                broken.append(f"{visit.page}: {link}")
    assert broken == []


def visits_at(visits: dict[str, dict[str, Visit]], width: str) -> list[Visit]:
    return [by_width[width] for by_width in visits.values()]


def _png_width(path: Path) -> int:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", header[16:20])[0]


def test_each_page_is_screenshotted_at_desktop_and_phone_width_and_fits_the_phone(visits, built_site) -> None:
    """A full-page screenshot of every page at each width is kept under build/screenshots/, as wide as
    the window: nothing makes a page wider than a phone (wide formulas and tables scroll by themselves)."""
    for page in visits:
        for width, (pixels, _) in WIDTHS.items():
            shot = built_site.build / "screenshots" / f"{Path(page).stem}-{width}.png"
            assert _png_width(shot) == pixels, shot
    assert {v.page: v.overflow for v in every(visits) if v.overflow > 0} == {}


def test_pages_have_titles_languages_and_headings_in_order(visits) -> None:
    """Each page has its own title, the language English, one h1 first, and no heading that skips a level."""
    titles = [v.title for v in visits_at(visits, "desktop")]
    assert len(set(titles)) == len(titles) and all(titles)
    for visit in visits_at(visits, "desktop"):
        assert visit.lang == "en"
        levels = [level for level, _ in visit.headings]
        assert levels[0] == 1 and levels.count(1) == 1, visit.page
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (visit.page, levels)


def test_figures_have_text_alternatives_and_formulas_are_exposed(visits) -> None:
    """Every figure has a caption, every image an alt text, every drawing a name; every typeset formula
    carries MathML (or speech) for assistive technology."""
    for visit in every(visits):
        assert visit.unnamed == [], visit.page
        assert visit.unexposed == 0, visit.page


def test_axe_finds_no_accessibility_violation(visits) -> None:
    """axe-core (WCAG 2.0/2.1 A and AA, contrast included, and its best practices) finds nothing on any page."""
    found = {v.page: v.accessibility for v in visits_at(visits, "desktop") if v.accessibility}
    assert found == {}


# A page with two faults axe-core must name: an image without a text alternative, grey text on grey.
# MathJax is stood in for by its startup promise, which the visit waits for.
_FAULTY_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Faults</title>
<script>window.MathJax = {startup: {promise: Promise.resolve()}};</script></head>
<body><main><h1>Faults</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#777;background:#888">Hard to read.</p></main></body></html>"""


def test_the_audit_names_the_violations_of_a_faulty_page(tmp_path) -> None:
    """The desktop audit reports what axe-core finds (an image without alt text, too little contrast),
    so that an empty list of violations means a clean page, not an audit that did not look."""
    (tmp_path / "faulty.html").write_text(_FAULTY_PAGE)
    with Browser(tmp_path) as browser:
        found = browser.visit("faulty.html", "desktop", audit=True).accessibility
    named = {violation.split(" ", 1)[0] for violation in found}
    assert {"image-alt", "color-contrast"} <= named, found


def test_each_chapters_page_shows_its_ledger_as_the_browser_renders_it(visits, built_site) -> None:
    """The rendered text of each chapter's page with its section of the answers page (MathJax's MathML for
    assistive technology and the drawings' labels included) shows every text of the chapter's ledger as
    printed, as often as it records it: the PDF's check, in the browser."""
    failures = []
    answers = visits["answers.html"]["desktop"].sections
    for spec in load_chapters(built_site):
        entries = json.loads((built_site.ledgers / f"{spec.name}.json").read_text())["entries"]
        printed = [(spec.name, e["quantity"], e["shown"]) for e in entries if not e.get("plotted")]
        text = visits[f"{spec.name}.html"]["desktop"].text
        text += "".join(section for heading, section in answers if heading.endswith(str(spec.title)))
        failures += missing_from_text(printed, text, f"{spec.name}.html (and its answers) in Chromium")
    assert [str(f) for f in failures] == []
