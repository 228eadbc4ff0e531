"""Where each character of a rendered chapter came from.

Rendering marks its output with private-use sentinels: text produced by trusted generator code
(ledger numbers, notation, formulas) sits between ``GENERATED_OPEN`` and ``GENERATED_CLOSE``, and
every line of literal template text starts with a tag naming its template and line. The scan reads
the marks; ``strip`` removes them to give the final .tex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GENERATED_OPEN, GENERATED_CLOSE = "\ue000", "\ue001"
TAG_OPEN, TAG_CLOSE = "\ue002", "\ue003"
SENTINELS = GENERATED_OPEN + GENERATED_CLOSE + TAG_OPEN + TAG_CLOSE
_MARK = re.compile(f"{GENERATED_OPEN}|{GENERATED_CLOSE}|{TAG_OPEN}[^{TAG_CLOSE}]*{TAG_CLOSE}")


def generated(text: str) -> str:
    """Mark ``text`` as produced by trusted generator code."""
    return f"{GENERATED_OPEN}{text}{GENERATED_CLOSE}"


def line_tag(template: str, line: int) -> str:
    """The mark that says: literal text from here on comes from ``template`` at ``line``."""
    return f"{TAG_OPEN}{template}:{line}{TAG_CLOSE}"


def strip(text: str) -> str:
    """The final .tex: the text without any marks."""
    return _MARK.sub("", text)


@dataclass(frozen=True)
class Origin:
    """Where one character came from: template and line, and whether generator code wrote it."""

    template: str
    line: int
    generated: bool


def annotate(text: str) -> tuple[str, list[Origin]]:
    """Split marked text into the final text and one ``Origin`` per character of it."""
    out: list[str] = []
    origins: list[Origin] = []
    template, line, depth = "?", 0, 0
    position = 0
    for match in _MARK.finditer(text):
        chunk = text[position : match.start()]
        out.append(chunk)
        origins.extend(Origin(template, line, depth > 0) for _ in chunk)
        mark = match.group()
        if mark == GENERATED_OPEN:
            depth += 1
        elif mark == GENERATED_CLOSE:
            depth -= 1
        elif depth == 0:
            template, _, number = mark[1:-1].rpartition(":")
            line = int(number)
        position = match.end()
    chunk = text[position:]
    out.append(chunk)
    origins.extend(Origin(template, line, depth > 0) for _ in chunk)
    return "".join(out), origins
