"""LaTeX text written by generator code: trusted ``Tex``, escaping, and template errors.

``Tex`` is printed as it is (and marked as generated); any other string reaching a template's
output is text and is escaped. ``idx`` and ``dim`` print structural numbers (an index, a size, a
length of a drawing), never computed values. A ``RenderError`` names the template file and line.
"""

from __future__ import annotations

import functools
import re
import sys
from types import FrameType
from typing import TYPE_CHECKING

from generator import provenance

if TYPE_CHECKING:
    from jinja2 import Template


class Tex(str):
    """LaTeX written by generator code, printed verbatim."""


class RenderError(Exception):
    """A template could not be rendered; names the template file and line."""

    def __init__(self, template: str, line: int, problem: str) -> None:
        super().__init__(f"{template}:{line}: {problem}")
        self.template, self.line, self.problem = template, line, problem


_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_TEX_SPECIAL = re.compile("[" + re.escape("".join(_TEX_SPECIALS)) + "]")
_SENTINEL = re.compile("[" + provenance.SENTINELS + "]")


def escape_tex(text: str) -> str:
    """Escape text for LaTeX in one pass, so that the escapes themselves are not escaped again."""
    return _TEX_SPECIAL.sub(lambda m: _TEX_SPECIALS[m.group()], _SENTINEL.sub("", text))


@functools.lru_cache(maxsize=65536)
def _template_line(template: Template, code_line: int) -> int:
    """The template line of a line of its compiled code (Jinja parses its line table on every
    lookup; a template renders thousands of values)."""
    return template.get_corresponding_lineno(code_line)


def template_location() -> tuple[str, int]:
    """The template file and line that is being rendered, found on the call stack."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return template.name or "?", _template_line(template, frame.f_lineno)
        frame = frame.f_back
    return "?", 0


def idx(number: int) -> Tex:
    """An index or a size: structural, not a computed value."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise RenderError(*template_location(), f"idx() takes a whole number, got {number!r}")
    return Tex(str(number))


def dim(number: float) -> Tex:
    """A layout length or coordinate for a drawing (in TeX's units, never a computed value)."""
    return Tex(f"{number:g}")
