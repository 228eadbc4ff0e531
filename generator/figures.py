"""A figure's words say what its drawing shows.

The caption of a figure, and a sentence that refers to it (``\\cref{fig:...}``), tell the reader where
to look and what a colour means: "Above each edge, in green, the value that flows forward", "Inputs
on the left", "red where the output is near one", "before (left) and after (right)", "Filled dots
are the examples whose target is one". Each such statement is held to the drawing itself, read from
the figure's final LaTeX (the styles of a graph's edge labels, the places of a network's columns,
the colour map, panels and marks of a decision-boundary plot), so a caption that drifts from its
picture, or a picture that drifts from its caption, fails at the caption's line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from . import provenance
from .provenance import Problem
from .shapes import environment_spans, sentence_starts

Point = tuple[Decimal, ...]


@dataclass
class Drawing:
    """What one figure's drawing shows, as far as the words about it can be checked."""

    edges: dict[str, tuple[str, str]] = field(default_factory=dict)  # forward/backward -> (colour, side)
    input_side: str | None = None  # where the network's inputs are: "left" or "right"
    output_side: str | None = None
    colours: dict[str, str] = field(default_factory=dict)  # "zero", "one half", "one" -> colour of the map
    panels: list[str] = field(default_factory=list)  # the panels' titles, left to right
    marks: dict[str, list[Point]] = field(default_factory=dict)  # "filled dots"/"open circles" -> points
    line: str | None = None  # the colour of the decision boundary's line


_EDGE_STYLE = re.compile(r"\b(forward|backward)/\.style=\{[^{}]*?\btext=([a-z]+)[^{}]*?\b(above|below)=")
_NODE = re.compile(r"\\node\[(?:inputnode|neuron)[^\]]*\]\s*\(n(\d+)-\d+\)\s*at\s*\(\s*(-?[\d.]+)\s*,")
_COLORMAP = re.compile(r"colormap=\{[^{}]*\}\{((?:\s*rgb255=\(\d+,\d+,\d+\))+)\s*\}")
_META = re.compile(r"point meta min=(-?[\d.]+), point meta max=(-?[\d.]+)")
_PANEL = re.compile(r"\\nextgroupplot\[title=\{([^{}]*)\}")
_MARKS = re.compile(r"\\addplot\[only marks, mark=([*o])[^\]]*\]\s*coordinates\s*\{([^;]*)\};")
_POINT = re.compile(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)")
_LINE = re.compile(r"\\addplot\[([a-z]+), thick, no marks\]")


def _colour(rgb: tuple[int, int, int]) -> str:
    """The plain name a reader gives an RGB colour."""
    if min(rgb) > 230:
        return "white"
    return ("red", "green", "blue")[max(range(3), key=lambda i: rgb[i])]


def _number(text: str) -> Decimal | None:
    text = re.sub(r"\\plotvalue\{([^{}]*)\}", r"\1", text).strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def read(drawing: str) -> Drawing:
    """The checkable facts of one figure's LaTeX (everything before its caption)."""
    found = Drawing()
    for kind, colour, side in _EDGE_STYLE.findall(drawing):
        found.edges[kind] = (colour, side)
    columns: dict[int, list[float]] = {}
    for layer, x in _NODE.findall(drawing):
        columns.setdefault(int(layer), []).append(float(x))
    if len(columns) > 1 and 0 in columns:
        first, last = min(columns[0]), max(columns[max(columns)])
        if first != last:
            found.input_side, found.output_side = ("left", "right") if first < last else ("right", "left")
    colormap, meta = _COLORMAP.search(drawing), _META.search(drawing)
    if colormap is not None and meta is not None and (meta.group(1), meta.group(2)) == ("0", "1"):
        stops = [(int(r), int(g), int(b)) for r, g, b in re.findall(r"\((\d+),(\d+),(\d+)\)", colormap.group(1))]
        if len(stops) == 3:
            found.colours = {
                value: _colour(stop) for value, stop in zip(("zero", "one half", "one"), stops, strict=True)
            }
    found.panels = _PANEL.findall(drawing)
    for mark, coordinates in _MARKS.findall(drawing):
        points: list[Point] = []
        for point in _POINT.findall(coordinates):
            parts = [_number(part) for part in point.split(",")]
            if all(part is not None for part in parts):
                points.append(tuple(part for part in parts if part is not None))
        found.marks.setdefault("filled dots" if mark == "*" else "open circles", []).extend(points)
    line = _LINE.search(drawing)
    found.line = line.group(1) if line else None
    return found


_WORD_NUMBERS = {"zero": Decimal(0), "one": Decimal(1)}
_FORWARD = re.compile(
    r"\b(above|below)\s+each\s+edge,?\s+(?:in\s+([a-z]+),?\s+)?the\s+value\s+(?:that\s+flows\s+|flowing\s+)?forward",
    re.I,
)
_BACKWARD = re.compile(
    r"[;,]\s*(above|below)(?:\s+it)?,?\s+(?:in\s+([a-z]+),?\s+)?(?:what\s+the\s+backward\s+pass|the\s+gradient)", re.I
)
_SUMMED = re.compile(r"\bits\s+(?:\\numword\{[a-z]+\}\s+|[a-z]+\s+)?(red|green|blue)\s+numbers", re.I)
_INPUTS = re.compile(r"\binputs?\s+on\s+the\s+(left|right)", re.I)
_OUTPUTS = re.compile(r"\boutput\s+layer(?:\s*\([^()]*\))?\s+on\s+the\s+(left|right)", re.I)
_MAP = re.compile(
    r"\b(red|blue|white|green)\s+where\s+(?:the\s+output|it)\s+is\s+(?:near\s+)?(one\s+half|one|zero)\b", re.I
)
_PANELS = re.compile(r"\bbefore\s+\((left|right)\)\s+and\s+after\s+\((left|right)\)", re.I)
_MARKED = re.compile(
    r"\b(filled\s+dots|open\s+circles)\s+(?:are\s+)?(?:the\s+examples\s+|those\s+)?whose\s+target\s+is\s+(one|zero)",
    re.I,
)
_BOUNDARY = re.compile(r"\bthe\s+(black|red|blue|white)\s+line,?\s+where\s+the\s+output\s+crosses", re.I)


def _said(text: str, start: int, drawing: Drawing, targets: Mapping[Point, Decimal]) -> list[Problem]:
    """What the words of ``text`` (at ``start`` of the page) say that ``drawing`` does not show."""
    out: list[Problem] = []

    def differ(match: re.Match[str], what: str, shown: str) -> None:
        out.append(Problem(start + match.start(), f"the text says {what}, but the figure shows {shown}"))

    for pattern, kind in ((_FORWARD, "forward"), (_BACKWARD, "backward")):
        for match in pattern.finditer(text):
            if kind not in drawing.edges:
                continue
            colour, side = drawing.edges[kind]
            said_side, said_colour = match.group(1).lower(), (match.group(2) or colour).lower()
            if (said_side, said_colour) != (side, colour):
                differ(
                    match, f"the {kind} values are {said_side} the edges in {said_colour}", f"them {side} in {colour}"
                )
    for match in _SUMMED.finditer(text):
        if "backward" in drawing.edges and match.group(1).lower() != drawing.edges["backward"][0]:
            differ(match, f"the gradients are the {match.group(1)} numbers", f"them in {drawing.edges['backward'][0]}")
    sides: tuple[tuple[re.Pattern[str], str | None, str], ...] = (
        (_INPUTS, drawing.input_side, "inputs"),
        (_OUTPUTS, drawing.output_side, "output layer"),
    )
    for pattern, placed, what in sides:
        for match in pattern.finditer(text):
            if placed is not None and match.group(1).lower() != placed:
                differ(match, f"the {what} are on the {match.group(1)}", f"the {what} on the {placed}")
    for match in _MAP.finditer(text):
        value = re.sub(r"\s+", " ", match.group(2).lower())
        shown = drawing.colours.get(value)
        if shown is not None and match.group(1).lower() != shown:
            differ(match, f"an output near {value} is {match.group(1)}", f"it {shown}")
    for match in _PANELS.finditer(text):
        if len(drawing.panels) == 2:
            order = ["before" in title for title in drawing.panels], ["after" in title for title in drawing.panels]
            before = "left" if order[0][0] else "right" if order[0][1] else None
            if before is not None and match.group(1).lower() != before:
                differ(match, f"the panel before training is on the {match.group(1)}", f"it on the {before}")
    for match in _MARKED.finditer(text):
        points = drawing.marks.get(re.sub(r"\s+", " ", match.group(1).lower()))
        said = _WORD_NUMBERS[match.group(2).lower()]
        wrong = [point for point in points or () if point in targets and targets[point] != said]
        if wrong:
            differ(
                match,
                f"the {match.group(1).lower()} are the examples whose target is {match.group(2)}",
                f"one at ({', '.join(str(c) for c in wrong[0])}), whose target is {targets[wrong[0]]}",
            )
    for match in _BOUNDARY.finditer(text):
        if drawing.line is not None and match.group(1).lower() != drawing.line:
            differ(match, f"the boundary is the {match.group(1)} line", f"it in {drawing.line}")
    return out


def problems(text: str, targets: Mapping[Point, Decimal]) -> list[Problem]:
    """Every statement of a caption, or of a sentence that refers to its figure, that its drawing
    contradicts. ``targets`` gives each example's target by its inputs (for the marks of a plot)."""
    out: list[Problem] = []
    starts = sentence_starts(text)
    for low, high in environment_spans(text, "figure"):
        body = text[low:high]
        caption = body.find(r"\caption")
        if caption < 0:
            continue
        drawing = read(body[:caption])
        out += _said(body[caption:], low + caption, drawing, targets)
        label = re.search(r"\\label\{(fig:[^{}]*)\}", body)
        if label is None:
            continue
        refer = re.compile(r"\\[cC]ref\{[^{}]*\b" + re.escape(label.group(1)) + r"\b[^{}]*\}")
        read_already: set[int] = set()
        for reference in refer.finditer(text):
            if low <= reference.start() < high:
                continue
            begin = max(s for s in starts if s <= reference.start())
            end = min(s for s in starts if s > reference.start())
            begin = max(begin, high) if begin < high <= reference.start() else begin  # not the figure itself
            end = min(end, low) if reference.start() < low < end else end
            if begin not in read_already:
                read_already.add(begin)
                out += _said(text[begin:end], begin, drawing, targets)
    return out


def check(marked: str, targets: Mapping[Point, Decimal]) -> list[str]:
    """Each figure-word problem of a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located(marked, lambda text: problems(text, targets))
