"""What the page says of a layer in words holds for the chapter's network: its activation, its biases.

A reader takes "a sigmoid output layer", "the hidden layer (ReLU)", "hidden units with the hyperbolic
tangent", "Both layers use the logistic sigmoid", "a ReLU unit of layer two", a table row
"$\\neuron{hid}{1}$ & ... & ReLU" and a formula ``\\actfn{1} = \\actfn{2} = \\tanh`` at their word, and
redoes the arithmetic with that function. Each of these is held to the spec's ``activation`` of the
layers it names: the output layer, the hidden ones (a singular "hidden layer" only where there is
one), every layer, or a layer by its name or label. A `mistakes` box is exempt (a slip may be the
point), and so is a sentence that supposes ("if", "instead", "would", "replace", "unlike") or speaks of
another chapter's network (``\\cref{chap:...}``).

The loss likewise: "the loss is ... averaged over the batch", "a sum over examples" say the spec's
``reduction``. Biases likewise: "neither layer has a bias", "there are no biases" hold only if no layer has one, "a
ReLU hidden layer with biases" only if that layer has them, "with its biases" only if some layer has.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import provenance
from .provenance import Problem
from .scan import table_cells
from .shapes import environment_spans, sentence_starts

# A name of an activation as the prose and the formulas write it, and the spec's name for it.
_NAMES = {
    "logistic sigmoid": "sigmoid",
    "sigmoid": "sigmoid",
    "logistic": "sigmoid",
    "hyperbolic tangent": "tanh",
    "tanh": "tanh",
    "relu": "relu",
    "rectified linear": "relu",
    "softmax": "softmax",
    "identity": "identity",
}
_SHOWN = {
    "sigmoid": "the sigmoid",
    "tanh": "tanh",
    "relu": "ReLU",
    "softmax": "the softmax",
    "identity": "the identity",
}
_ACT = (
    r"(?P<act>logistic\s+sigmoid|sigmoid|logistic|hyperbolic\s+tangent|tanh|ReLU|rectified\s+linear|softmax|identity"
    r"|\$\\(?:sigmoid|tanh|relu)\$)"
)
_PART = r"(?P<part>hidden|output)\s+(?P<noun>layers?|units?|neurons?)"
_PATTERNS = (
    re.compile(rf"\b{_ACT}(?:'s)?\s+{_PART}\b", re.I),  # a sigmoid hidden layer, one sigmoid output unit
    re.compile(rf"\b{_PART}\s*\(\s*{_ACT}\s*\)", re.I),  # the hidden layer (ReLU)
    re.compile(rf"\b{_PART}\s+(?:uses?|with|has|have|applies|apply)?\s*(?:the\s+|a\s+)?{_ACT}(?![a-z])", re.I),
    re.compile(rf"\bthe\s+(?P<part>hidden|output)\s+{_ACT}\b(?!\s+(?:layer|unit|neuron))", re.I),  # the hidden sigmoid
    re.compile(rf"\b(?P<all>both|all|the)\s+layers\s+use\s+(?:the\s+)?{_ACT}", re.I),  # Both layers use the sigmoid
    re.compile(rf"\b{_ACT}\s+(?:units?|neurons?)\s+of\s+layer[~\s]+(?P<layer>[A-Za-z0-9]+|\$[^$]*\$)", re.I),
)
_SUPPOSING = re.compile(r"\b(?:if|instead|would|were|replace[sd]?|unlike|rather than|suppose)\b|\\cref\{chap:", re.I)
_NO_BIASES = re.compile(
    r"\bneither(?:\s+layer)?\s+has\s+(?:a\s+)?bias(?:es)?\b|\bthere\s+are\s+no\s+biases\b|\bwithout\s+biases\b", re.I
)
_WITH_BIASES = re.compile(
    r"(?:\b(?P<part>hidden|output)\s+layers?\s+)?\bwith\s+(?:its\s+|their\s+)?biases\b|\beach\s+(?:layer\s+)?has\s+a\s+bias\b",
    re.I,
)
_FORMULA_CHAIN = re.compile(r"((?:\\actfn\{[^{}]*\}\s*=\s*)+)\\(sigmoid|tanh|relu)\b")
_ACTFN = re.compile(r"\\actfn\{([^{}]*)\}")
_NEURON = re.compile(r"\\neuron\{([^{}]*)\}\{[^{}]*\}")


@dataclass(frozen=True)
class Layer:
    name: str
    label: str
    activation: str
    biases: bool = False


def _name(word: str) -> str:
    word = re.sub(r"\s+", " ", word.strip("$").removeprefix("\\")).lower()
    return _NAMES[word]


def _by_name(text: str, layers: Sequence[Layer]) -> list[Layer]:
    text = re.sub(r"\s+", "", text.strip("$"))
    text = re.sub(r"^\\st\{(.*)\}$", r"\1", text)
    found = [layer for layer in layers if text in (layer.name, layer.label)]
    if not found and text.isdigit() and 1 <= int(text) <= len(layers):
        found = [layers[int(text) - 1]]
    return found


def _named(match: re.Match[str], layers: Sequence[Layer]) -> tuple[str, list[Layer]]:
    """The layers a phrase names, and how to name them in a message."""
    groups = match.groupdict()
    if groups.get("all"):
        return "every layer", list(layers)
    if groups.get("layer"):
        return f"layer {groups['layer'].strip('$')}", _by_name(groups["layer"], layers)
    if groups.get("part", "").lower() == "output":
        return "the output layer", list(layers[-1:])
    hidden = list(layers[:-1])
    plural = (groups.get("noun") or "").lower().endswith("s") and not (groups.get("noun") or "").startswith("layer")
    if len(hidden) == 1 or plural or (groups.get("noun") or "").lower() == "layers":
        return "the hidden layers" if len(hidden) > 1 else "the hidden layer", hidden
    return "the hidden layer", []  # one of several: the words do not say which


_REDUCTION = re.compile(
    r"\b(?:(sum|mean|average)|(summed|averaged))\s+over\s+(?:the\s+|a\s+|all\s+)?(?:batch|examples)\b(?!\s+of\b)",
    re.I,
)


def reduction_problems(text: str, reduction: str) -> list[Problem]:
    """A sentence about the loss that sums or averages it over the batch says the spec's ``reduction``."""
    mistakes = environment_spans(text, "mistakes")
    starts = sentence_starts(text)
    out: list[Problem] = []
    for start, end in zip(starts, starts[1:], strict=False):
        sentence = text[start:end]
        if _SUPPOSING.search(sentence):
            continue
        for match in _REDUCTION.finditer(sentence):
            if not re.search(r"\b(?:loss|cost)\b", sentence[max(0, match.start() - 80) : match.start()], re.I):
                continue  # a sum over the examples of something else
            word = (match.group(1) or match.group(2)).lower()
            said = "sum" if word.startswith("sum") else "mean"
            if said != reduction and not any(low <= start + match.start() < high for low, high in mistakes):
                out.append(
                    Problem(
                        start + match.start(),
                        f"the text takes the {said} of the loss over the batch, "
                        f"but the network's loss is its {reduction}",
                    )
                )
    return out


def problems(text: str, layers: Sequence[Layer]) -> list[Problem]:
    """Each place in ``text`` (a chapter's final LaTeX) that gives a layer another activation than its own."""
    if not layers:
        return []
    mistakes = environment_spans(text, "mistakes")
    starts = sentence_starts(text)
    out: list[Problem] = []

    def judge(at: int, said: str, what: str, named: list[Layer]) -> None:
        wrong = [layer for layer in named if layer.activation != said]
        if wrong and not any(low <= at < high for low, high in mistakes):
            own = " and ".join(sorted({_SHOWN.get(layer.activation, layer.activation) for layer in wrong}))
            out.append(Problem(at, f"the text names {_SHOWN[said]} for {what}, but the network's is {own}"))

    for start, end in zip(starts, starts[1:], strict=False):
        sentence = text[start:end]
        if _SUPPOSING.search(sentence):
            continue
        for pattern in _PATTERNS:
            for match in pattern.finditer(sentence):
                what, named = _named(match, layers)
                judge(start + match.start(), _name(match.group("act")), what, named)
        for match in _NO_BIASES.finditer(sentence):
            having = [layer.name for layer in layers if layer.biases]
            if having and not any(low <= start + match.start() < high for low, high in mistakes):
                out.append(
                    Problem(start + match.start(), f"the text says there are no biases, but layer {having[0]} has them")
                )
        for match in _WITH_BIASES.finditer(sentence):
            part = (match.group("part") or "").lower()
            named = list(layers[-1:]) if part == "output" else list(layers[:-1]) if part == "hidden" else list(layers)
            if not any(layer.biases for layer in named) and not any(
                low <= start + match.start() < high for low, high in mistakes
            ):
                what = f"the {part} layer" if part else "the network"
                out.append(Problem(start + match.start(), f"the text gives {what} biases, but it has none"))
    for match in _FORMULA_CHAIN.finditer(text):  # \actfn{1} = \actfn{2} = \tanh
        for label in _ACTFN.findall(match.group(1)):
            judge(match.start(), match.group(2), f"layer {label}", _by_name(label, layers))
    rows = [row for low, high in environment_spans(text, "tabular") for row in table_cells(text, low, high)]
    for row in rows:
        cells = [(s + len(text[s:e]) - len(text[s:e].lstrip()), text[s:e]) for s, e in row]
        neurons = [found for _, cell in cells for found in _NEURON.finditer(cell)]
        words = [(at, cell.strip()) for at, cell in cells if cell.strip().lower() in _NAMES]
        if len({neuron.group(1) for neuron in neurons}) == 1 and len(words) == 1:
            (at, word), label = words[0], neurons[0].group(1)
            judge(at, _name(word), f"the layer of ${neurons[0].group()}$", _by_name(label, layers))
    return out


def check(marked: str, layers: Sequence[Layer], reduction: str) -> list[str]:
    """Each problem of the words on the network in a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located(marked, lambda text: [*problems(text, layers), *reduction_problems(text, reduction)])
