"""An index letter names one unit of one layer within a sentence.

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

Layer = tuple[str, int]  # ("ell", 1) for \ell+1, ("L", 0) for \nlayers, ("place", 2) for a layer of the network

_UNIT_OF = re.compile(r"unit #([1-9]) of layer #([1-9])")
_UNIT_BELOW = re.compile(r"unit #([1-9]) of the layer below")
_SENTENCE_START = re.compile(r"[.?!]\s+(?=[A-Z\\$])|\n\s*\n|\\(?:paragraph|section|subsection)\*?\{[^{}]*\}")
_PROSE = re.compile(r"[Uu]nits?\s+\$([a-z])\$\s+of\s+layer[~\s]+\$(?:\\st\{([^{}]*)\}|([^$]*))\$")


def bindings(notation: Notation) -> dict[str, list[tuple[int, int, int]]]:
    """For each entry macro, its (index argument, layer argument, offset) pairs: offset 0 for "of layer
    #n", -1 for "of the layer below", read from the notation's meanings."""
    found: dict[str, list[tuple[int, int, int]]] = {}
    for macro in notation.macros:
        name = macro.name
        pairs = [(int(unit), int(layer), 0) for unit, layer in _UNIT_OF.findall(macro.meaning)]
        if pairs:
            layer = pairs[0][1]
            pairs += [(int(unit), layer, -1) for unit in _UNIT_BELOW.findall(macro.meaning)]
            found[name] = pairs
    return found


def _layer(text: str, places: Mapping[str, int], offset: int) -> Layer | None:
    text = re.sub(r"\s+", "", text)
    match = re.fullmatch(r"(\\ell|\\nlayers|[A-Za-z0-9]+)([+-][0-9]+)?", text)
    if match is None:
        return None
    base, shift = match.group(1), int(match.group(2) or 0) + offset
    if base == r"\ell":
        return ("ell", shift)
    if base == r"\nlayers":
        return ("L", shift)
    if base in places:
        return ("place", places[base] + shift)
    return ("place", int(base) + shift) if base.isdigit() else None


def _show(layer: Layer) -> str:
    base, shift = layer
    if base == "place":
        return f"layer {shift}" if shift else "the inputs"
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
    """Each sentence of ``text`` (a chapter's final LaTeX) that puts one index letter in two layers."""
    rules = bindings(notation)
    arity = {macro.name: macro.args for macro in notation.macros}
    macro = re.compile(r"\\(" + "|".join(sorted(rules, key=len, reverse=True)) + r")(?![A-Za-z])") if rules else None
    starts = [0, *(m.end() for m in _SENTENCE_START.finditer(text)), len(text)]
    mistakes = [(m.start(), text.find(r"\end{mistakes}", m.end())) for m in re.finditer(r"\\begin\{mistakes\}", text)]
    out = []
    for start, end in zip(starts, starts[1:], strict=False):
        if any(low <= start < high for low, high in mistakes):
            continue  # a mistake may mix its indices up: that can be the slip it shows
        sentence = text[start:end]
        seen: dict[str, tuple[Layer, int]] = {}  # letter -> its layer, where first placed
        placed: list[tuple[int, str, Layer]] = []
        for match in _PROSE.finditer(sentence):
            layer = _layer(match.group(2) or match.group(3) or "", places, 0)
            if layer is not None:
                placed.append((match.start(), match.group(1), layer))
        for match in macro.finditer(sentence) if macro else ():
            name = match.group(1)
            args = _arguments(sentence, match.end(), arity[name])
            if args is None:
                continue
            for unit, layer_argument, offset in rules[name]:
                letter = args[unit - 1].strip()
                layer = _layer(args[layer_argument - 1], places, offset)
                if re.fullmatch(r"[a-z]", letter) and layer is not None:
                    placed.append((match.start(), letter, layer))
        for position, letter, layer in sorted(placed):
            first = seen.setdefault(letter, (layer, position))
            if first[0] != layer:
                out.append(
                    Problem(
                        start + position,
                        f"the sentence puts unit ${letter}$ in {_show(first[0])} and in {_show(layer)}",
                    )
                )
                break
    return out


def check(marked: str, notation: Notation, places: Mapping[str, int]) -> list[str]:
    """Each index problem of a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located(marked, lambda text: problems(text, notation, places))
