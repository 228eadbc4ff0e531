"""The training chapter's pictures, drawn with pgfplots from ledger values (invariant 1).

Every plotted coordinate that is a number of the network (a loss, an output, an input) is a
ledger entry: ``point(call, *args)`` records it at the spec's precision for its kind and returns
``\\plotvalue{text}`` (an expandable macro that pgfplots reads as the number), marked as drawn in a
plot. The verification checks it like a table's cell, against the oracle, to half a unit of its
printed place. What is not a value of the network is written by this code: the step numbers of the
loss curve and the grid's coordinates, both from the spec, and the axes' styles.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from generator.spec import ChapterSpec

Point = Callable[..., str]

# The map from an output to a colour: blue at zero, white at one half, red at one.
COLORMAP = "colormap={boundary}{rgb255=(33,102,172) rgb255=(247,247,247) rgb255=(178,24,43)}"


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
