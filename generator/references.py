"""A reference's label does not contradict the sentence it stands in.

A label names what it points to (``tab:four-backward``, ``eq:matrix-hidden-gradient``). When a sentence
says one side of a pair (the forward pass, the output layer, before training) and points with
``\\cref``/``\\eqref`` to a label named for the other side only (the backward table, the hidden
gradient, the panel after training), the reader is sent to the wrong place: "\\Cref{tab:four-backward}
runs the forward pass" fails. The pairs: forward/backward, hidden/output, input/output, before/after,
rows/columns. A label with both sides, or a sentence that also says the label's own side, passes.
"""

from __future__ import annotations

import re

from . import provenance
from .provenance import Problem
from .shapes import sentence_starts

_PAIRS = (
    ("forward", "backward"),
    ("hidden", "output"),
    ("input", "output"),
    ("inputs", "outputs"),
    ("before", "after"),
    ("rows", "columns"),
)
_REFERENCE = re.compile(r"\\(?:[cC]ref|eqref|ref)\{([^{},]+)\}")


def problems(text: str) -> list[Problem]:
    """Every reference whose label is named for the other side of a pair than its sentence says."""
    starts = sentence_starts(text)
    out: list[Problem] = []
    for reference in _REFERENCE.finditer(text):
        start = max(s for s in starts if s <= reference.start())
        end = min(s for s in starts if s > reference.start())
        sentence = _REFERENCE.sub(" ", text[start : reference.start()] + " " + text[reference.end() : end]).lower()
        label = reference.group(1)
        named = set(re.split(r"[-_:.]", label.partition(":")[2].lower()))
        for first, second in _PAIRS:
            for own, other in ((first, second), (second, first)):
                said = re.search(rf"\b{other}\b", sentence) and not re.search(rf"\b{own}\b", sentence)
                if own in named and other not in named and said:
                    out.append(
                        Problem(
                            reference.start(),
                            f"the reference to {label} is named for {own}, but its sentence says {other}",
                        )
                    )
    return out


def check(marked: str) -> list[str]:
    """Each reference problem of a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located(marked, problems)
