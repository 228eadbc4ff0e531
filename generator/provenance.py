"""Where each character of a rendered chapter came from, and what generated pieces stand for.

Rendering marks its output with private-use sentinels: text produced by trusted generator code
(ledger numbers, notation, formulas) sits between ``GENERATED_OPEN`` and ``GENERATED_CLOSE``, and
every line of literal template text starts with a tag naming its template and line. A generated
piece may also carry a *role* (``role``): a ledger value printed on its own, a label that names
the quantity of a table's row or column, a formula shown as a mistake. The scan reads the marks;
``strip`` removes them to give the final .tex.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

GENERATED_OPEN, GENERATED_CLOSE = "\ue000", "\ue001"
TAG_OPEN, TAG_CLOSE = "\ue002", "\ue003"
ROLE_OPEN, ROLE_CLOSE = "\ue004", "\ue005"
SENTINELS = GENERATED_OPEN + GENERATED_CLOSE + TAG_OPEN + TAG_CLOSE + ROLE_OPEN + ROLE_CLOSE
_MARK = re.compile(
    f"{GENERATED_OPEN}|{GENERATED_CLOSE}|{TAG_OPEN}[^{TAG_CLOSE}]*{TAG_CLOSE}|{ROLE_OPEN}[^{ROLE_CLOSE}]*{ROLE_CLOSE}"
)

# Roles of generated pieces.
BARE_VALUE = "value"  # a ledger value printed without its symbol: only in a table, under labels that name it
LABELLED_VALUE = "labelled"  # a ledger value printed with its symbol (v.eq.*, a step, a matrix with its name)
VALUES = frozenset({BARE_VALUE, LABELLED_VALUE})
ROW_LABEL = "row"  # names the quantity of a table row (its layer, indices, example)
COLUMN_LABEL = "column"  # names the quantity kind (and layer) of a table column
MISTAKE = "mistake"  # a formula shown as a mistake: only inside a mistakes box
PLOTTED = "plotted"  # a ledger value drawn as a coordinate of a plot whose axes name it
CLAIM = "claim"  # words of a claim, with the quantities they speak of
THEOREM = "theorem"  # where the prose names a proved statement (prints nothing)
THEOREM_TERM = "term"  # a figure quoted from a proved statement: {"theorem": ..., "term": ...}


def generated(text: str) -> str:
    """Mark ``text`` as produced by trusted generator code."""
    return f"{GENERATED_OPEN}{text}{GENERATED_CLOSE}"


def role(name: str, key: str, text: str) -> str:
    """Mark generated ``text`` with a role and what it stands for (``key``, no sentinel characters)."""
    return f"{ROLE_OPEN}{name}|{key}{ROLE_CLOSE}{text}"


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


@dataclass(frozen=True)
class Role:
    """A role mark: at ``position`` of the final text, a generated piece with ``name`` and ``key``."""

    position: int
    name: str
    key: str
    template: str
    line: int


def where(origins: list[Origin], position: int) -> str:
    """``template:line`` of the character at ``position`` of the final text (``annotate``'s origins)."""
    origin = origins[min(position, len(origins) - 1)] if origins else Origin("?", 0, False)
    return f"{origin.template}:{origin.line}"


@dataclass(frozen=True)
class Problem:
    """What a reader of the final text would object to, and the position in that text it starts at."""

    position: int
    what: str


def located(marked: str, find: Callable[[str], list[Problem]]) -> list[str]:
    """The problems ``find`` sees in the final text of ``marked``, each as ``template:line: what``."""
    text, origins = annotate(marked)
    return [f"{where(origins, problem.position)}: {problem.what}" for problem in find(text)]


def located_with_roles(marked: str, find: Callable[[str, list[Role]], list[Problem]]) -> list[str]:
    """``located`` for a check that also reads the role marks (``annotate_with_roles``)."""
    text, origins, roles = annotate_with_roles(marked)
    return [f"{where(origins, problem.position)}: {problem.what}" for problem in find(text, roles)]


def annotate(text: str) -> tuple[str, list[Origin]]:
    """Split marked text into the final text and one ``Origin`` per character of it."""
    final, origins, _ = annotate_with_roles(text)
    return final, origins


def annotate_with_roles(text: str) -> tuple[str, list[Origin], list[Role]]:
    """``annotate``, and the role marks with their positions in the final text."""
    out: list[str] = []
    origins: list[Origin] = []
    roles: list[Role] = []
    template, line, depth = "?", 0, 0
    position = 0
    length = 0
    for match in _MARK.finditer(text):
        chunk = text[position : match.start()]
        out.append(chunk)
        length += len(chunk)
        origins += [Origin(template, line, depth > 0)] * len(chunk)  # one immutable origin, repeated
        mark = match.group()
        if mark == GENERATED_OPEN:
            depth += 1
        elif mark == GENERATED_CLOSE:
            depth -= 1
        elif mark.startswith(ROLE_OPEN):
            name, _, key = mark[1:-1].partition("|")
            roles.append(Role(length, name, key, template, line))
        elif depth == 0:
            template, _, number = mark[1:-1].rpartition(":")
            line = int(number)
        position = match.end()
    chunk = text[position:]
    out.append(chunk)
    origins += [Origin(template, line, depth > 0)] * len(chunk)
    return "".join(out), origins, roles
