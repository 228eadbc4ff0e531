"""What the prose says a pass multiplies by is in that pass's equations.

"The forward pass goes through $\\linW$, the backward pass through $\\linW^{\\top}$" tells the reader
which matrix, transposed or not, each pass multiplies by. The forward pass's equations are the
displays labelled ``...forward...``; the backward pass's are the chapter's other displays; only those
the reader has seen count. A matrix the prose gives a pass must appear in one of them with the same
orientation (its layer argument aside: the equations may be the general layer's). Chapters without a
display labelled forward are left alone.
"""

from __future__ import annotations

import re

from . import provenance
from .provenance import Problem
from .shapes import environment_spans

_PASS = re.compile(
    r"\b(forward|backward)\s+pass\s+(?:goes\s+through|runs\s+through|through|multiplied\s+by|multiplies\s+by)"
    r"\s+\$\s*\\([A-Za-z]+)(\s*\^\s*\{\s*\\top\s*\}|\s*\^\s*\\top)?(?![A-Za-z])(?:\{[^{}]*\})?\s*\$",
    re.I,
)
_DISPLAYS = ("equation", "align", "gather", "multline")


def _orientations(display: str, base: str) -> set[bool]:
    """Whether ``\\base`` appears in ``display`` as it is (False) and transposed (True): its companion
    ``\\baseT`` is the transpose, and ``^{\\top}`` turns either."""
    found: set[bool] = set()
    pattern = rf"\\({re.escape(base)}T?)(?![A-Za-z])(?:\{{[^{{}}]*\}})*(\s*\^\s*(?:\{{\s*\\top\s*\}}|\\top))?"
    for match in re.finditer(pattern, display):
        found.add((match.group(1) != base) != bool(match.group(2)))
    return found


def problems(text: str) -> list[Problem]:
    """Every matrix the prose gives a pass that no equation of that pass multiplies by, so oriented."""
    displays: list[tuple[bool, str, int]] = []
    for env in _DISPLAYS:
        for star in ("", "*"):
            for low, high in environment_spans(text, env + star):
                body = text[low:high]
                label = re.search(r"\\label\{([^{}]*)\}", body)
                displays.append((bool(label and "forward" in label.group(1)), body, low))
    if not any(forward for forward, _, _ in displays):
        return []
    out: list[Problem] = []
    for match in _PASS.finditer(text):
        which, name, top = match.group(1).lower(), match.group(2), bool(match.group(3))
        companion = name.endswith("T") and re.search(rf"\\{re.escape(name[:-1])}(?![A-Za-z])", text) is not None
        base, transposed = (name[:-1], not top) if companion else (name, top)
        pool = [body for forward, body, at in displays if forward == (which == "forward") and at < match.start()]
        seen: set[bool] = set()
        for body in pool:
            seen |= _orientations(body, base)
        if seen and transposed not in seen:
            shown = "the transpose of" if transposed else "the untransposed"
            out.append(
                Problem(
                    match.start(),
                    f"the text says the {which} pass multiplies by {shown} \\{base}, but no equation of "
                    f"the {which} pass does",
                )
            )
    return out


def check(marked: str) -> list[str]:
    """Each pass-word problem of a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located(marked, problems)
