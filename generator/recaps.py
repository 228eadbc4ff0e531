"""A recap names its equations: a displayed formula with a reference beside it (``F && \\text{\\eqref{L}}``
in an ``align``, or ``\\tag{\\ref{L}}``) says "this is equation L again", so it must be the formula that
equation L shows. A summary box whose tags were swapped would otherwise send the reader to the wrong
derivation with every symbol still in place."""

from __future__ import annotations

import re

from . import provenance
from .provenance import Problem

_DISPLAY = re.compile(r"\\begin\{(equation|align|gather|multline)(\*?)\}(.*?)\\end\{\1\2\}", re.S)
_LABEL = re.compile(r"\\label\{([^{}]*)\}")
_BESIDE = re.compile(r"&&\s*\\text\{\s*\\eqref\{([^{}]*)\}\s*\}|\\tag\{\s*\\(?:eq)?ref\{([^{}]*)\}\s*\}")


def _plain(formula: str) -> str:
    """A formula without its label, tag, alignment marks, spacing and closing punctuation."""
    text = re.sub(r"\\(?:label|tag)\{(?:[^{}]|\{[^{}]*\})*\}|\\(?:notag|nonumber)|&", " ", formula)
    return re.sub(r"\s+", "", text).rstrip(".,;")


def problems(text: str) -> list[Problem]:
    """Each recap row of ``text`` (a chapter's final LaTeX) that is not the equation it names."""
    shown: dict[str, set[str]] = {}  # label -> the formulas its display shows (each part of it)
    recaps: list[tuple[int, str, str]] = []
    for display in _DISPLAY.finditer(text):
        body = display.group(3)
        rows = re.split(r"\\\\", body)
        offset = display.start(3)
        for row in rows:
            beside = _BESIDE.search(row)
            if beside is not None:
                recaps.append((offset + beside.start(), beside.group(1) or beside.group(2), row[: beside.start()]))
            labels = _LABEL.findall(row)
            for label in labels if beside is None else ():
                parts = re.split(r"\\qquad|\\quad", row)
                shown.setdefault(label, set()).update(_plain(part) for part in parts)
            offset += len(row) + 2
    out = []
    for position, label, formula in recaps:
        if label in shown and _plain(formula) not in shown[label]:
            out.append(
                Problem(
                    position,
                    f"the recap's row ${formula.strip()}$ names \\eqref{{{label}}}, which shows another formula",
                )
            )
    return out


def check(marked: str) -> list[str]:
    """Each recap problem of a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located(marked, problems)
