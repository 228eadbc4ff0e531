"""Debian's Chromium, headless, driven by Playwright over a site served from a local http.server.

The browser tests (tests/test_browser.py) and ``make screenshots`` use it. ``Browser.visit``
loads one page at one width, waits for MathJax, and reports what a reader would meet: console
errors, requests that left the local server, formulas that did not typeset, raw TeX on screen,
links and ids, headings, text alternatives, what axe-core finds against WCAG 2.1 AA, and whether
the page is wider than the window. No browser is downloaded: Playwright only drives
``/usr/bin/chromium`` (``executable_path``), with the flags that keep it off the network.

Run as ``python -m generator.web.browser SITE OUT`` to write a screenshot of every page of SITE at
each width into OUT.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from generator.web.pages import NODE_MODULES

CHROMIUM = Path("/usr/bin/chromium")
# Headless Chromium as root, kept off the network: no sandbox (root), no GPU, no QUIC, and none of
# the background services that would call home. Each run gets a fresh profile (Playwright's).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA (contrast among them), and axe's best practices (heading order,
# landmarks). One best practice is left out: a table header cell that holds only a formula counts
# as empty for axe, which does not read the MathML that MathJax keeps for screen readers.
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
AXE_RULES_OFF = ("empty-table-header",)
MATH_TIMEOUT_MS = 60_000

# What a page shows once MathJax is done: run in the page, returns plain data.
_INSPECT = """() => {
  const content = document.querySelector('.ltx_page_content') || document.body;
  const visible = (element) => !!(element.offsetWidth || element.offsetHeight || element.getClientRects().length);
  const raw = [];
  const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const parent = node.parentElement;
    if (!parent || parent.closest('mjx-assistive-mml, script, style') || !visible(parent)) continue;
    const found = node.textContent.match(/\\\\[A-Za-z@]+/g);
    if (found) raw.push(...found);
  }
  const unnamed = [];
  for (const figure of document.querySelectorAll('figure')) {
    const caption = figure.querySelector('figcaption');
    if (!caption || !caption.textContent.trim()) unnamed.push('figure#' + figure.id + ' has no caption');
  }
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) unnamed.push('img ' + img.src.slice(0, 60) + ' has no alt');
  }
  for (const svg of document.querySelectorAll('svg')) {
    if (svg.closest('mjx-container')) continue;
    const label = svg.getAttribute('aria-label') || (svg.getAttribute('aria-labelledby') &&
      document.getElementById(svg.getAttribute('aria-labelledby'))?.textContent.trim());
    if (!label) unnamed.push('svg#' + svg.id + ' has no name');
  }
  // innerText leaves out the text of SVG drawings: their labels, as drawn (a printed value may be
  // drawn in pieces, one per font, and reads as one number within its hb-num group).
  const drawn = [];
  for (const svg of content.querySelectorAll('svg.hb-drawing')) {
    const pieces = [];
    let group = null;
    for (const label of svg.querySelectorAll('text')) {
      if (!label.getBBox().width) continue;
      const value = label.closest('.hb-num');
      if (value && value === group) pieces[pieces.length - 1] += label.textContent;
      else pieces.push(label.textContent);
      group = value;
    }
    drawn.push(pieces.join(' '));
  }
  const containers = [...document.querySelectorAll('mjx-container')];
  return {
    title: document.title,
    lang: document.documentElement.lang,
    text: content.innerText + '\\n' + drawn.join('\\n'),
    headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => [Number(h.tagName[1]), h.innerText.trim()]),
    links: [...document.querySelectorAll('a[href], link[href]')].map(a => a.href),
    ids: [...document.querySelectorAll('[id]')].map(e => e.id),
    maths: containers.length,
    sources: document.querySelectorAll('math').length + containers.length,
    mathErrors: [...document.querySelectorAll('mjx-merror, merror, .ltx_ERROR')].map(e => e.textContent.trim()),
    unexposed: containers.filter(c => !c.querySelector('mjx-assistive-mml math, mjx-speech[aria-label]')).length,
    raw: raw,
    unnamed: unnamed,
    sections: [...content.querySelectorAll('section')].map(s => {
      const heading = s.querySelector(':scope > h1, :scope > h2, :scope > h3, :scope > h4');
      return [heading ? heading.innerText : '', s.innerText];
    }),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
  };
}"""


def unavailable() -> str | None:
    """Why the browser tests cannot run on this machine, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: `make setup` installs Debian's chromium (debian-packages-web.txt)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is missing: `make setup` installs it (the test extra of pyproject.toml)"
    if not AXE.is_file():
        return f"{AXE} is missing: `make setup` installs axe-core (npm ci, package.json)"
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the tests report failed requests themselves
        pass


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free local port for the duration; yield its base address."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Visit:
    """What one page showed at one width."""

    page: str
    width: str
    title: str = ""
    lang: str = ""
    text: str = ""  # the content's text as rendered (MathJax's assistive MathML and the drawings' labels included)
    headings: list[tuple[int, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # absolute addresses
    ids: set[str] = field(default_factory=set)
    maths: int = 0  # formulas MathJax typeset
    sources: int = 0  # formulas on the page before MathJax (MathML) plus those it typeset
    math_errors: list[str] = field(default_factory=list)
    unexposed: int = 0  # typeset formulas without assistive MathML or a label
    raw_tex: list[str] = field(default_factory=list)  # visible text that looks like \macro
    unnamed: list[str] = field(default_factory=list)  # figures, images, drawings without a text alternative
    console: list[str] = field(default_factory=list)  # console errors and warnings, uncaught exceptions
    outside: list[str] = field(default_factory=list)  # requests that did not go to the local server
    failed: list[str] = field(default_factory=list)  # requests that failed or answered 4xx/5xx
    accessibility: list[str] = field(default_factory=list)  # axe-core violations
    overflow: int = 0  # how far the page is wider than the window, in CSS pixels
    sections: list[tuple[str, str]] = field(default_factory=list)  # each section's heading and text


class Browser:
    """Chromium over one site: ``with Browser(site) as browser: browser.visit("index.html")``."""

    def __init__(self, site: Path) -> None:
        self.site = site
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        self.base = self._stack.enter_context(served(self.site))
        playwright = self._stack.enter_context(sync_playwright())
        self._chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        self._stack.callback(self._chromium.close)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stack.close()

    def visit(self, page: str, width: str = "desktop", screenshot: Path | None = None, audit: bool = True) -> Visit:
        """Load ``page`` at ``width`` (``WIDTHS``), wait for MathJax, inspect it; optionally run
        axe-core and save a full-page screenshot."""
        size = WIDTHS[width]
        visit = Visit(page, width)
        context = self._chromium.new_context(viewport={"width": size[0], "height": size[1]})
        try:
            tab = context.new_page()
            tab.on(
                "console",
                lambda m: visit.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
            )
            tab.on("pageerror", lambda error: visit.console.append(f"uncaught: {error}"))
            tab.on("requestfailed", lambda r: visit.failed.append(f"{r.url} ({r.failure})"))
            tab.on("response", lambda r: visit.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None)
            tab.on(
                "request",
                lambda r: None if r.url.startswith((self.base, "data:", "blob:")) else visit.outside.append(r.url),
            )
            tab.goto(self.base + page, wait_until="load")
            tab.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=MATH_TIMEOUT_MS
            )
            tab.evaluate("() => MathJax.startup.promise")
            found = tab.evaluate(_INSPECT)
            visit.title, visit.lang, visit.text = found["title"], found["lang"], found["text"]
            visit.headings = [(int(level), str(text)) for level, text in found["headings"]]
            visit.links, visit.ids = list(found["links"]), set(found["ids"])
            visit.maths, visit.sources = int(found["maths"]), int(found["sources"])
            visit.math_errors, visit.unexposed = list(found["mathErrors"]), int(found["unexposed"])
            visit.raw_tex, visit.unnamed = list(found["raw"]), list(found["unnamed"])
            visit.overflow = int(found["overflow"])
            visit.sections = [(str(heading), str(text)) for heading, text in found["sections"]]
            if audit:
                tab.add_script_tag(path=str(AXE))
                # resultTypes: only the violations are read, so axe-core skips detailing what passed
                # (half its time on a chapter's page: 3.4 s instead of 6.6).
                result = tab.evaluate(
                    """([tags, off]) => axe.run(document, {
                      runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
                      rules: Object.fromEntries(off.map(rule => [rule, {enabled: false}])),
                    })""",
                    [list(AXE_TAGS), list(AXE_RULES_OFF)],
                )
                visit.accessibility = [
                    f"{v['id']} ({v['impact']}): {v['help']} - {len(v['nodes'])} element(s), e.g. "
                    f"{v['nodes'][0]['target']}"
                    for v in result["violations"]
                ]
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                tab.screenshot(path=str(screenshot), full_page=True)
        finally:
            context.close()
        return visit


def screenshots(site: Path, out: Path) -> list[Path]:
    """A full-page screenshot of every page of ``site`` at every width, as OUT/PAGE-WIDTH.png."""
    written = []
    with Browser(site) as browser:
        for page in sorted(p.name for p in site.glob("*.html")):
            for width in WIDTHS:
                path = out / f"{Path(page).stem}-{width}.png"
                browser.visit(page, width, screenshot=path, audit=False)
                written.append(path)
    return written


def main(arguments: list[str]) -> int:
    if len(arguments) != 2:
        print("usage: python -m generator.web.browser SITE OUT", file=sys.stderr)
        return 2
    site, out = Path(arguments[0]), Path(arguments[1])
    if not (site / "index.html").is_file():
        print(f"error: {site}: no site there (build it first: make html)", file=sys.stderr)
        return 2
    reason = unavailable()
    if reason is not None:
        print(f"error: {reason}", file=sys.stderr)
        return 1
    shutil.rmtree(out, ignore_errors=True)
    for path in screenshots(site, out):
        print(f"screenshot {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
