"""The words beside a proved statement are the statement's.

``theorem(name)`` says where the prose rests on a statement the build proves, and
``theorem_term(name, term)`` prints a figure of it. Three things a reader takes from the words
around them are held here:

* a clause that quotes a figure of one statement names that statement, not another: "wrong in
  proportion to $h$" beside the central difference's theorem fails;
* a figure for double or single precision stands after the words "double precision" or "single
  precision" of its own kind;
* a number word just before the statement's mark ("at most two") is one the statement says.
"""

from __future__ import annotations

import json
import re

from . import provenance
from .ledger import NUMBER_WORDS
from .provenance import Problem, Role
from .shapes import SENTENCE_START
from .theorems import THEOREMS

_CLAUSE_END = re.compile(r"[;:]|" + SENTENCE_START.pattern)
_LAST_WORD = re.compile(r"(?:\\numword\{)?([A-Za-z]+)\}?\$?\s*$")
_PRECISIONS = ("double", "single")  # the terms named by a precision


def _clause_start(text: str, position: int) -> int:
    return max((m.end() for m in _CLAUSE_END.finditer(text, 0, position)), default=0)


def problems(text: str, roles: list[Role]) -> list[Problem]:
    """Every statement mark, and every quoted figure, whose words say something else (``text`` is a
    chapter's final LaTeX, ``roles`` its role marks)."""
    out: list[Problem] = []
    terms = [(role.position, json.loads(role.key)) for role in roles if role.name == provenance.THEOREM_TERM]
    for role in roles:
        if role.name != provenance.THEOREM:
            continue
        start = _clause_start(text, role.position)
        quoted = {term["theorem"] for at, term in terms if start <= at <= role.position}
        if quoted and role.key not in quoted:
            out.append(
                Problem(
                    role.position,
                    f"the clause quotes {', '.join(sorted(quoted))} but names the statement {role.key}",
                )
            )
        word = _LAST_WORD.search(text, max(0, role.position - 40), role.position)
        statement = THEOREMS[role.key].statement.lower() if role.key in THEOREMS else ""
        if word and word.group(1).lower() in NUMBER_WORDS and not re.search(rf"\b{word.group(1).lower()}\b", statement):
            out.append(
                Problem(
                    role.position,
                    f"the text says {word.group(1)!r} just before the statement {role.key}, which does not say it",
                )
            )
    for at, term in terms:
        if term["term"] not in _PRECISIONS:
            continue
        before = text[_clause_start(text, at) : at].lower()
        said = re.findall(r"\b(double|single)\s+precision\b", before)
        if said and said[-1] != term["term"]:
            out.append(
                Problem(at, f"the figure for {term['term']} precision stands after the words '{said[-1]} precision'")
            )
    return out


def check(marked: str) -> list[str]:
    """Each problem of the words beside proved statements, as ``template:line: what``."""
    return provenance.located_with_roles(marked, problems)
