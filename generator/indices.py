"""An index letter names one unit of one layer (or one example) within a sentence.

The notation's meanings say which layer each index of an entry belongs to ("the weight into unit #2
of layer #1 from unit #3 of the layer below"), and the prose says it in words ("every unit $j$ of
layer $\\st{\\ell+1}$"). Within one sentence a letter such as ``j`` must stay in one layer: the
sentence "unit $k$ ... the activation $\\Actentry{\\ell}{e}{k}$ ... the weight
$\\weightentry{\\ell+1}{k}{j}$" puts ``k`` in layer ell and in layer ell+1, and a reader with a pencil
is lost. A `mistakes` box is exempt (one index for two units can be the slip it shows). Only letters
are read (a unit's number may well be in two layers), and only layers the
reader can tell apart: ``\\ell`` with an offset, ``\\nlayers`` with one, or a layer of the chapter by
name or number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from . import provenance
from .notation import Notation
from .provenance import Problem
from .shapes import environment_spans, sentence_starts

Layer = tuple[str, int]  # ("ell", 1) for \ell+1, ("L", 0) for the output layer, ("place", 1), ("examples", 0)

# What a meaning says an argument counts: (pattern, where the argument's number is, what it ranges over).
# "layer" ranges are the layer argument's (group 2), or the one below it.
_MEANINGS = (
    (re.compile(r"unit #([1-9]) of layer #([1-9])"), "layer", 0),
    (re.compile(r"unit #([1-9]) of the layer below"), "layer", -1),
    (re.compile(r"input #([1-9]) of (?:the network|example|the layer at hand)|from input #([1-9])"), "inputs", 0),
    (
        re.compile(r"output #([1-9]) of (?:the linear map of )?the layer at hand|into output #([1-9])|target #([1-9])"),
        "outputs",
        0,
    ),
    (re.compile(r"example #([1-9])"), "examples", 0),
)
_LETTER = r"\$([a-z])\$"
_LAYER_IN_MATH = r"\$(?:\\st\{([^{}]*)\}|([^$]*))\$"
# How the prose places a letter in words: "unit $j$ of layer $\st{\ell+1}$", "hidden unit $j$", "output $k$".
_IN_WORDS = (
    (re.compile(rf"[Uu]nits?\s+{_LETTER}\s+of\s+layer[~\s]+{_LAYER_IN_MATH}"), "layer"),
    (re.compile(rf"\b[Hh]idden\s+(?:unit|neuron)s?\s+{_LETTER}"), "hidden"),
    (re.compile(rf"\b[Oo]utputs?(?:\s+unit)?\s+{_LETTER}"), "outputs"),
    (re.compile(rf"\b[Ii]nputs?\s+{_LETTER}"), "inputs"),
    (re.compile(rf"\b[Ee]xamples?\s+{_LETTER}"), "examples"),
)


def bindings(notation: Notation) -> dict[str, list[tuple[int, str, int, int]]]:
    """For each entry macro, what each index argument ranges over, from the notation's meanings:
    (argument, range, layer argument, offset): range "layer" with the layer argument and 0 ("of layer
    #n") or -1 ("of the layer below"), or "inputs", "outputs", "examples" (layer argument 0)."""
    found: dict[str, list[tuple[int, str, int, int]]] = {}
    for macro in notation.macros:
        pairs: list[tuple[int, str, int, int]] = []
        layer_argument = 0
        for pattern, what, offset in _MEANINGS:
            for match in pattern.finditer(macro.meaning):
                argument = int(next(group for group in match.groups() if group))
                if what == "layer" and offset == 0:
                    layer_argument = int(match.group(2))
                    argument = int(match.group(1))
                pairs.append((argument, what, layer_argument if what == "layer" else 0, offset))
        if pairs:
            found[macro.name] = pairs
    return found


def _layer(text: str, places: Mapping[str, int], offset: int, last: int) -> Layer | None:
    text = re.sub(r"\s+", "", text)
    text = re.sub(r"^\\st\{(.*)\}$", r"\1", text)
    match = re.fullmatch(r"(\\ell|\\nlayers|[A-Za-z0-9]+)([+-][0-9]+)?", text)
    if match is None:
        return None
    base, shift = match.group(1), int(match.group(2) or 0) + offset
    if base == r"\ell":
        return ("ell", shift)
    if base == r"\nlayers":
        return ("L", shift)
    place = places[base] + shift if base in places else int(base) + shift if base.isdigit() else None
    if place is None:
        return None
    return ("L", 0) if place == last else ("place", place)  # the output layer however it is named


def _show(layer: Layer) -> str:
    base, shift = layer
    if base == "examples":
        return "the examples"
    if base == "place":
        return f"layer {shift}" if shift else "the inputs"
    if base == "L" and shift == 0:
        return "the output layer"
    letter = "ℓ" if base == "ell" else "L"
    return f"layer {letter}{shift:+d}" if shift else f"layer {letter}"


def _arguments(text: str, start: int, count: int) -> list[str] | None:
    """The ``count`` brace groups that follow ``start``, or None."""
    out = []
    i = start
    for _ in range(count):
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text) or text[i] != "{":
            return None
        depth, j = 0, i
        while j < len(text):
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        out.append(text[i + 1 : j])
        i = j + 1
    return out


def problems(text: str, notation: Notation, places: Mapping[str, int]) -> list[Problem]:
    """Each sentence of ``text`` (a chapter's final LaTeX) that puts one index letter in two ranges.
    ``places`` gives each layer's place by name and label (1 for the first layer)."""
    rules = bindings(notation)
    arity = {macro.name: macro.args for macro in notation.macros}
    macro = re.compile(r"\\(" + "|".join(sorted(rules, key=len, reverse=True)) + r")(?![A-Za-z])") if rules else None
    last = max(places.values(), default=0)
    fixed: dict[str, Layer | None] = {
        "inputs": ("place", 0),
        "outputs": ("L", 0),
        "examples": ("examples", 0),
        "hidden": ("place", 1) if last == 2 else None,  # "hidden unit $j$" says which layer only with one
    }
    starts = sentence_starts(text)
    mistakes = environment_spans(text, "mistakes")
    out = []
    for start, end in zip(starts, starts[1:], strict=False):
        if any(low <= start < high for low, high in mistakes):
            continue  # a mistake may mix its indices up: that can be the slip it shows
        sentence = text[start:end]
        placed: list[tuple[int, str, Layer]] = []
        for pattern, what in _IN_WORDS:
            for match in pattern.finditer(sentence):
                if what == "layer":
                    layer = _layer(match.group(2) or match.group(3) or "", places, 0, last)
                else:
                    layer = fixed[what]
                if layer is not None:
                    placed.append((match.start(), match.group(1), layer))
        for match in macro.finditer(sentence) if macro else ():
            name = match.group(1)
            args = _arguments(sentence, match.end(), arity[name])
            if args is None:
                continue
            for argument, what, layer_argument, offset in rules[name]:
                letter = args[argument - 1].strip()
                layer = _layer(args[layer_argument - 1], places, offset, last) if what == "layer" else fixed[what]
                if re.fullmatch(r"[a-z]", letter) and layer is not None:
                    placed.append((match.start(), letter, layer))
        seen: dict[str, Layer] = {}  # letter -> what it first ranged over
        for position, letter, layer in sorted(placed):
            first = seen.setdefault(letter, layer)
            if first != layer:
                out.append(
                    Problem(start + position, f"the sentence puts ${letter}$ in {_show(first)} and in {_show(layer)}")
                )
                break
    return out


def check(marked: str, notation: Notation, places: Mapping[str, int]) -> list[str]:
    """Each index problem of a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located(marked, lambda text: problems(text, notation, places))
