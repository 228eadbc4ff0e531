"""The training chapter's pictures, drawn with pgfplots from ledger values (invariant 1).

Every plotted coordinate that is a number of the network (a loss, an output, an input) is a
ledger entry: ``point(call, *args)`` records it at the spec's precision for its kind and returns
``\\plotvalue{text}`` (an expandable macro that pgfplots reads as the number), marked as drawn in a
plot. The verification checks it like a table's cell, against the oracle, to half a unit of its
printed place. What is not a value of the network is written by this code: the step numbers of the
loss curve and the grid's coordinates, both from the spec, and the axes' styles.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from generator.spec import ChapterSpec

Point = Callable[..., str]

# The map from an output to a colour: blue at zero, white at one half, red at one.
COLORMAP = "colormap={boundary}{rgb255=(33,102,172) rgb255=(247,247,247) rgb255=(178,24,43)}"


# The decision boundary: where the drawn output crosses one half, as a line over the colours.
BOUNDARY_STYLE = "black, thick, no marks"
BOUNDARY_PLACES = 3  # the crossings' decimals: a thousandth of a unit, far below a cell
_PLOTVALUE = re.compile(r"\\plotvalue\{([^{}]*)\}")


def _number(value: Decimal | int) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def loss_curve(spec: ChapterSpec, point: Point) -> str:
    """The loss before training and after every ``record_every`` steps, as a line with marks."""
    coordinates = [f"(0,{point('J')})"]
    coordinates += [f"({s},{point('J_at', s)})" for s in range(spec.record_every, spec.steps + 1, spec.record_every)]
    return "\n".join(
        [
            r"\begin{tikzpicture}",
            r"\begin{axis}[width=0.82\textwidth, height=0.36\textwidth, xmin=0, "
            rf"xmax={spec.steps}, ymin=0, grid=major, grid style={{black!12}}, "
            r"xlabel={steps of gradient descent}, ylabel={loss $\cost$}, "
            r"tick label style={font=\small}, label style={font=\small}]",
            r"\addplot[thick, blue!60!black, mark=*, mark size=1.1pt] coordinates {",
            " ".join(coordinates),
            r"};",
            r"\end{axis}",
            r"\end{tikzpicture}",
        ]
    )


def _drawn(cell: str) -> Decimal:
    """The value a grid cell draws: the ledger's text inside its ``\\plotvalue{...}``."""
    found = _PLOTVALUE.search(cell)
    assert found is not None, cell
    return Decimal(found.group(1))


def boundary(values: list[list[Decimal]], low: Decimal, high: Decimal) -> list[list[tuple[Decimal, Decimal]]]:
    """The lines where the drawn output crosses one half (marching squares on the printed values).

    ``values[gy][gx]`` is the value printed for grid point (gx + 1, gy + 1). On every edge of the
    grid whose two ends lie on different sides of one half (a value of one half or more is above),
    the line crosses at the point linear interpolation between the two printed values puts it; in a
    cell with all four edges crossed (a saddle) the mean of its four corners decides which pairs
    join. The crossings are exact decimal arithmetic on the printed values, rounded to
    ``BOUNDARY_PLACES`` for drawing: the line is a function of the ledger's checked texts alone.
    Segments that share a crossing are chained into lines, each a list of points from one end to the
    other (or round a loop, back to its start).
    """
    half = Decimal(1) / 2
    points = len(values)
    spacing = (high - low) / (points - 1)

    def above(gx: int, gy: int) -> bool:
        return values[gy][gx] >= half

    def crossing(a: tuple[int, int], b: tuple[int, int]) -> tuple[Decimal, Decimal]:
        va, vb = values[a[1]][a[0]], values[b[1]][b[0]]
        t = (half - va) / (vb - va)
        x = low + spacing * (a[0] + t * (b[0] - a[0]))
        y = low + spacing * (a[1] + t * (b[1] - a[1]))
        place = Decimal(1).scaleb(-BOUNDARY_PLACES)
        return (x.quantize(place, ROUND_HALF_UP).normalize() + 0, y.quantize(place, ROUND_HALF_UP).normalize() + 0)

    Edge = tuple[tuple[int, int], tuple[int, int]]
    segments: list[tuple[Edge, Edge]] = []
    for gy in range(points - 1):
        for gx in range(points - 1):
            corners = [(gx, gy), (gx + 1, gy), (gx + 1, gy + 1), (gx, gy + 1)]  # counter-clockwise
            edges = [(corners[i], corners[(i + 1) % 4]) for i in range(4)]
            crossed = [e for e in edges if above(*e[0]) != above(*e[1])]
            if len(crossed) == 2:
                segments.append((crossed[0], crossed[1]))
            elif len(crossed) == 4:  # a saddle: the centre's side keeps its corners connected
                centre = sum((values[y][x] for x, y in corners), Decimal(0)) / 4
                if (centre >= half) == above(*corners[0]):
                    segments += [(edges[0], edges[1]), (edges[2], edges[3])]
                else:
                    segments += [(edges[3], edges[0]), (edges[1], edges[2])]
    # Chain the segments: each crossed edge is shared by at most two cells.
    ends: dict[Edge, list[int]] = {}
    for number, (a, b) in enumerate(segments):
        ends.setdefault(_key(a), []).append(number)
        ends.setdefault(_key(b), []).append(number)
    used: set[int] = set()
    lines = []
    # Start from a line's open end where there is one, so that no line is cut in two.
    order = sorted(range(len(segments)), key=lambda n: min(len(ends[_key(e)]) for e in segments[n]))
    for first in order:
        if first in used:
            continue
        used.add(first)
        a, b = segments[first]
        if len(ends[_key(b)]) == 1:
            a, b = b, a
        chain = [a, b]
        while True:
            following = [n for n in ends[_key(chain[-1])] if n not in used]
            if not following:
                break
            used.add(following[0])
            c, d = segments[following[0]]
            chain.append(d if _key(c) == _key(chain[-1]) else c)
        lines.append([crossing(*edge) for edge in chain])
    return lines


def _key(edge: tuple[tuple[int, int], tuple[int, int]]) -> tuple[tuple[int, int], tuple[int, int]]:
    a, b = edge
    return (a, b) if a <= b else (b, a)


def _grid_axis(spec: ChapterSpec, point: Point, call: str, title: str, options: str) -> list[str]:
    """One panel: the output on the grid as a colour map, and the examples as marks (class by target)."""
    assert spec.grid is not None
    low, high, points = spec.grid
    cells = []
    for gy in range(1, points + 1):  # pgfplots reads a matrix with x varying first
        for gx in range(1, points + 1):
            x, y = _number(spec.grid_coordinate(gx)), _number(spec.grid_coordinate(gy))
            cells.append(f"({x},{y}) [{point(call, gx, gy)}]")
    half = (high - low) / (points - 1) / 2  # the cells are centred on the grid's points
    lines = [
        rf"\nextgroupplot[title={{{title}}}, {options}xmin={_number(low - half)}, xmax={_number(high + half)}, "
        rf"ymin={_number(low - half)}, ymax={_number(high + half)}]",
        rf"\addplot[matrix plot*, mesh/cols={points}, point meta=explicit] coordinates {{",
    ]
    lines += [" ".join(cells[row * points : (row + 1) * points]) for row in range(points)]
    lines.append("};")
    values = [[_drawn(cells[row * points + column]) for column in range(points)] for row in range(points)]
    for line in boundary(values, low, high):
        coordinates = " ".join(f"({_number(x)},{_number(y)})" for x, y in line)
        lines.append(rf"\addplot[{BOUNDARY_STYLE}] coordinates {{{coordinates}}};")
    for target, style in (("1", "mark=*, mark options={fill=black}"), ("0", "mark=o, mark options={thick}")):
        marks = [
            f"({point('x', 1, e)},{point('x', 2, e)})"
            for e in range(1, len(spec.inputs) + 1)
            if _number(spec.targets[e - 1][0].normalize()) == target
        ]
        if marks:
            lines.append(rf"\addplot[only marks, {style}, mark size=2.6pt] coordinates {{{' '.join(marks)}}};")
    return lines


def decision_maps(spec: ChapterSpec, point: Point) -> str:
    """Two panels side by side: the network's output on the grid before and after training."""
    if spec.grid is None:
        raise ValueError(f"{spec.path} has no training.grid")
    lines = [
        r"\begin{tikzpicture}",
        r"\begin{groupplot}[group style={group size=2 by 1, horizontal sep=8mm, y descriptions at=edge left}, "
        r"width=0.42\textwidth, height=0.42\textwidth, scale only axis=false, axis equal image, "
        rf"{COLORMAP}, point meta min=0, point meta max=1, enlargelimits=false, "
        r"xlabel={$\inputentry{1}$}, ylabel={$\inputentry{2}$}, tick label style={font=\small}, "
        r"label style={font=\small}, title style={font=\small}]",
    ]
    lines += _grid_axis(spec, point, "a_grid", "before training", "")
    lines += _grid_axis(spec, point, "a_grid_trained", "after training", "")
    lines += [
        r"\end{groupplot}",
        r"\end{tikzpicture}",
    ]
    return "\n".join(lines)
