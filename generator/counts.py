"""A count the prose types in words is the count of the things on the page it counts.

"We take it in four steps" counts the chapter's hand steps (``\\handstep``); "five of its steps
contain slips" and "Two of its formulas are wrong" count the slips the `mistakes` box of the
chapter's source lists (the box's items, not their sub-items); "the four equations" counts the
equations tagged BP1, BP2, ...
A count printed by the ledger right after "layer two" must be layer two's.
A reader checks such a number by counting, and so does this module: a chapter that gains a step, a
slip or an equation, or a template whose word drifts, fails at the word's line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping

from . import provenance
from .ledger import NUMBER_WORDS
from .provenance import Problem, Role
from .shapes import environment_spans

_WORD = r"(?:\\numword\{)?([A-Za-z]+)\}?"
_HANDSTEP = re.compile(r"\\handstep\{")
_TAG = re.compile(r"\\tag\{(BP[^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_LIST = re.compile(r"\\(begin|end)\{(?:itemize|enumerate)\}|\\item\b")


def _slips(text: str) -> int:
    """The items of the `mistakes` boxes of the chapter's source (titled with its ``\\sourcename``; all
    boxes if none is), each list's sub-items left out: "its steps" are the source's."""
    boxes = environment_spans(text, "mistakes")
    sources = [(low, high) for low, high in boxes if r"\sourcename" in text[low : text.find("\n", low)]]
    count = 0
    for low, high in sources or boxes:
        depth = 0
        for match in _LIST.finditer(text, low, high):
            if match.group(1) == "begin":
                depth += 1
            elif match.group(1) == "end":
                depth -= 1
            elif depth == 1:
                count += 1
    return count


# What a phrase counts: its pattern (group 1 the number word), what it is, and how to count it.
_COUNTED: tuple[tuple[re.Pattern[str], str, Callable[[str], int]], ...] = (
    (re.compile(rf"\b(?:in|takes?)\s+{_WORD}\s+steps\b"), "hand steps", lambda text: len(_HANDSTEP.findall(text))),
    (
        re.compile(rf"\b{_WORD}\s+of\s+its\s+(?:steps|formulas|equations)\s+(?:contain|are|have|is)\b"),
        "slips in the mistakes box",
        _slips,
    ),
    (
        re.compile(rf"\b[Tt]he\s+{_WORD}\s+equations\b"),
        "equations tagged BP",
        lambda text: len(set(_TAG.findall(text))),
    ),
)


_LAYER_BEFORE = re.compile(r"\blayer[~\s]+(?:\$(?:\\st\{)?([A-Za-z0-9]+)\}?\$|([A-Za-z0-9]+))\s*$")


def layer_count_problems(text: str, roles: list[Role], layers: Mapping[str, str]) -> list[Problem]:
    """A printed count of a layer's units right after "layer two" must be layer two's (``layers`` maps each
    layer's name and label to its name)."""
    out: list[Problem] = []
    for role in roles:
        if role.name not in provenance.VALUES:
            continue
        key = json.loads(role.key)
        if key.get("kind") != "count" or key.get("layer") is None:
            continue
        before = _LAYER_BEFORE.search(text, max(0, role.position - 30), role.position)
        if before is None:
            continue
        named = layers.get(before.group(1) or before.group(2))
        if named is not None and named != key["layer"]:
            out.append(
                Problem(role.position, f"the count of {key['quantity']} follows the words '{before.group().strip()}'")
            )
    return out


def problems(text: str) -> list[Problem]:
    """Every count typed in words that is not the number of the things it counts in ``text``."""
    out: list[Problem] = []
    for pattern, what, count in _COUNTED:
        matches = [m for m in pattern.finditer(text) if m.group(1).lower() in NUMBER_WORDS]
        if not matches:
            continue
        actual = count(text)
        if actual == 0:
            continue  # nothing of the kind on this page: the words speak of something else
        for match in matches:
            said = NUMBER_WORDS.index(match.group(1).lower())
            if said != actual:
                out.append(Problem(match.start(), f"the text counts {said} {what}, but the chapter has {actual}"))
    return out


def check(marked: str, layers: Mapping[str, str]) -> list[str]:
    """Each count problem of a chapter's marked LaTeX, as ``template:line: what`` (``layers`` maps each
    layer's name and label to its name)."""
    return provenance.located_with_roles(
        marked, lambda text, roles: [*problems(text), *layer_count_problems(text, roles, layers)]
    )
