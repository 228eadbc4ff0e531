"""The book's drawings as SVG, typeset by TeX from the checked source and converted by dvisvgm.

LaTeXML does not draw the book's TikZ and pgfplots pictures (``latexml/tikz.sty.ltxml``): it leaves
a placeholder named by a fingerprint of each picture's text. Here TeX typesets every picture of
the checked chapters once more, exactly as the PDF's run does (the book's own preamble, one page
per picture with the preview package, in DVI mode with PGF's dvisvgm driver), and dvisvgm turns
each page into an SVG whose labels stay text (the fonts are embedded as WOFF2). Two marks, made
with dvisvgm's raw specials and invisible on the page, tell the site check what a label is: a
printed value (``\\num``, class ``hb-num``, as on the rest of the page) or an axis's tick label
(class ``hb-tick``, numbering that pgfplots computes from the axis's range, as TeX computes a
section's number). Each SVG is made fit to stand inline in a page beside others: its ids, its
fonts' names and its classes get a prefix of their own.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import lxml.etree

from generator.web.convert import SiteError

PICTURE = re.compile(r"\\begin\{tikzpicture\}(?P<body>.*?)\\end\{tikzpicture\}", re.DOTALL)
_COMMENT = re.compile(r"(?<!\\)%.*$", re.MULTILINE)
_ANSWER = re.compile(r"\\begin\{exerciseanswer\}.*?\\end\{exerciseanswer\}", re.DOTALL)
TIMEOUT_SECONDS = 600
JOB = "drawings"

# Put before the preamble: PGF draws for dvisvgm (in DVI, not PDF).
DRIVER = "\\def\\pgfsysdriver{pgfsys-dvisvgm.def}\n"
# Put after the preamble: one page per picture, cut to its size; the marks for the site check.
MARKS = r"""
\usepackage[active,tightpage]{preview}
\PreviewEnvironment{tikzpicture}
\makeatletter
\newcommand{\hb@mark}[2]{\special{dvisvgm:raw <g class="#1">}#2\special{dvisvgm:raw </g>}}
\AtBeginDocument{%
  \let\hb@siunitx@num\num
  \renewcommand{\num}[2][]{\hb@mark{hb-num}{\hb@siunitx@num[#1]{#2}}}%
  \@ifpackageloaded{pgfplots}{\pgfplotsset{every axis/.append style={%
    xticklabel={\hb@mark{hb-tick}{\axisdefaultticklabel}},
    yticklabel={\hb@mark{hb-tick}{\axisdefaultticklabel}},
    zticklabel={\hb@mark{hb-tick}{\axisdefaultticklabel}}}}}{}}
\makeatother
"""


@dataclass(frozen=True)
class Drawing:
    """One picture of the book: where it stands, its fingerprint and its TeX."""

    chapter: str
    key: str
    tex: str


def fingerprint(body: str) -> str:
    """A picture's name, as ``latexml/tikz.sty.ltxml`` computes it: the MD5 of the text between
    ``\\begin{tikzpicture}`` and ``\\end{tikzpicture}`` without comments and white space."""
    return hashlib.md5(re.sub(r"\s+", "", _COMMENT.sub("", body)).encode("utf-8")).hexdigest()


def drawings(chapters: list[tuple[str, str]]) -> list[Drawing]:
    """Every picture of the chapters (name, checked .tex), in book order."""
    found = []
    for chapter, tex in chapters:
        text = _COMMENT.sub("", tex)
        if any(PICTURE.search(answer.group()) for answer in _ANSWER.finditer(text)):
            raise SiteError(f"chapter {chapter}: the web edition cannot place a picture inside an exercise's answer")
        for match in PICTURE.finditer(text):
            found.append(Drawing(chapter, fingerprint(match.group("body")), match.group()))
    return found


def dvisvgm_available() -> bool:
    return shutil.which("dvisvgm") is not None and shutil.which("latex") is not None


@functools.cache
def dvisvgm_version() -> str:
    """``dvisvgm --version`` (for the site's key), or why there is none."""
    if shutil.which("dvisvgm") is None:
        return "not installed"
    result = subprocess.run(["dvisvgm", "--version"], capture_output=True, text=True, errors="replace")
    return result.stdout.strip() or "unknown"


def _first_tex_error(log: str) -> str:
    for line in log.splitlines():
        if line.startswith("!"):
            return line
    return "see the log"


def typeset(shell: str, pictures: list[Drawing], work: Path, shown_as: Path) -> dict[str, str]:
    """TeX and dvisvgm on every picture, in the empty folder ``work``; the SVG of each, by key.

    ``shell`` is the book shell's checked .tex (its preamble is used as it is); an error names the
    log, kept as ``shown_as/drawings.log`` beside TeX's.
    """
    if not pictures:
        return {}
    if not dvisvgm_available():
        raise SiteError("dvisvgm or latex is missing: run `make setup` (see debian-packages-web.txt)")
    preamble, marker, _ = shell.partition("\\begin{document}")
    if not marker:
        raise SiteError("the book shell has no \\begin{document}")
    body = "\n\n".join(picture.tex for picture in pictures)
    work.mkdir(parents=True, exist_ok=True)
    (work / f"{JOB}.tex").write_text(
        f"{DRIVER}{preamble}{MARKS}\\begin{{document}}\n{body}\n\\end{{document}}\n", encoding="utf-8"
    )
    log = shown_as / f"{JOB}.log"
    result = subprocess.run(
        ["latex", "-interaction=nonstopmode", "-halt-on-error", f"{JOB}.tex"],
        cwd=work,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=TIMEOUT_SECONDS,
    )
    tex_log = (work / f"{JOB}.log").read_text(errors="replace") if (work / f"{JOB}.log").exists() else result.stdout
    log.write_text(tex_log)
    if result.returncode != 0 or not (work / f"{JOB}.dvi").is_file():
        raise SiteError(f"TeX failed on the drawings: {_first_tex_error(tex_log)}\n  full log: {log}")
    result = subprocess.run(
        [
            "dvisvgm",
            "--no-styles",
            "--font-format=woff2",
            "--exact-bbox",
            "--page=1-",
            "--linkmark=none",
            "--verbosity=3",
            "--output=%p.svg",
            f"{JOB}.dvi",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=TIMEOUT_SECONDS,
    )
    made = sorted(work.glob("*.svg"), key=lambda path: int(path.stem))
    if result.returncode != 0 or len(made) != len(pictures):
        raise SiteError(
            f"dvisvgm made {len(made)} SVG(s) of {len(pictures)} picture(s): {result.stderr.strip()[-300:]}"
        )
    return {picture.key: path.read_text(encoding="utf-8") for picture, path in zip(pictures, made, strict=True)}


_FONT_FACE = re.compile(r"@font-face\{font-family:([\w-]+);")


_COLOURS = frozenset({"fill", "stroke"})
SVG = "{http://www.w3.org/2000/svg}"


def _flatten(root: lxml.etree._Element) -> None:
    """Groups that only set a colour and end with a group that sets both colours again are closed
    before it: PGF's driver nests a group for every colour change (a plot of coloured cells is
    hundreds of levels deep, more than an HTML parser takes), and the inner group inherits nothing
    else from the outer one."""
    changed = True
    while changed:
        changed = False
        for group in list(root.iter(f"{SVG}g")):
            inner = group[-1] if len(group) else None
            if (
                inner is not None
                and inner.tag == f"{SVG}g"
                and set(group.attrib) <= _COLOURS
                and set(inner.attrib) == _COLOURS
                and group.getparent() is not None
            ):
                group.addnext(inner)
                changed = True


def inline(svg: str, prefix: str) -> lxml.etree._Element:
    """An SVG file made fit to stand inline in a page: its ids, its fonts' names and the references
    to them prefixed, so that two drawings on a page cannot clash (each embeds only the glyphs it
    uses, under the font's own name), and its colour groups flattened (``_flatten``)."""
    svg = re.sub(r"<\?xml[^>]*\?>|<!--.*?-->", "", svg, flags=re.DOTALL)
    for family in set(_FONT_FACE.findall(svg)):
        svg = re.sub(rf"(font-family[:=]\s*['\"]?){re.escape(family)}\b", rf"\g<1>{prefix}-{family}", svg)
    svg = re.sub(r"\bid=(['\"])", rf"id=\g<1>{prefix}-", svg)
    svg = re.sub(r"url\(#", f"url(#{prefix}-", svg)
    svg = re.sub(r"href=(['\"])#", rf"href=\g<1>#{prefix}-", svg)
    root = lxml.etree.fromstring(svg.strip().encode("utf-8"), lxml.etree.XMLParser(huge_tree=True))
    _flatten(root)
    return root
