"""The web edition: the checked book as a static site, one page per chapter (one entrance).

``make_site`` converts the .tex that TeX typeset, after every check passed, with LaTeXML and checks
the pages it made (``check.py``); ``build.py`` publishes the site like the PDF. ``serve`` is
``handbook serve``. The browser tests drive the published pages with ``browser.py``.
"""

from __future__ import annotations

from pathlib import Path

from generator.web.check import SiteReport, check_published
from generator.web.convert import SiteError, latexml_version
from generator.web.figures import dvisvgm_version
from generator.web.pages import mathjax_version
from generator.web.serve import ServeError, serve
from generator.web.site import ChapterText, Site, make_site, missing_tools

FOLDER = Path(__file__).parent


def files() -> list[Path]:
    """The files besides code that shape a site: LaTeXML's bindings, the style sheet, MathJax's settings."""
    return sorted(path for folder in ("latexml", "assets") for path in (FOLDER / folder).iterdir() if path.is_file())


def tool_versions() -> tuple[str, ...]:
    """The versions of the converter, of dvisvgm and of MathJax, for the key of a site."""
    return (f"LaTeXML {latexml_version()}", f"dvisvgm {dvisvgm_version()}", f"MathJax {mathjax_version()}")


__all__ = [
    "ChapterText",
    "ServeError",
    "Site",
    "SiteError",
    "SiteReport",
    "check_published",
    "files",
    "make_site",
    "missing_tools",
    "serve",
    "tool_versions",
]
