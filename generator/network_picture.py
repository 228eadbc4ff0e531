"""A drawing of a network in LaTeX's own picture mode (with pict2e), for pages that draw hundreds.

The book's figures use TikZ; a class's problem sheets draw a network for every compute question of
every student, and TikZ's option parsing made that the slowest part of typesetting them (about a
fifth of a second a drawing). Here Python computes every coordinate, so that TeX only places
circles, arrows and labels: the same picture, drawn many times faster.

Inputs on the left, one column per layer; each arrow carries its weight (on the arrow between
units of the same row, near the start of the others, turned along them), each unit its bias and,
if asked, its activation. Every value comes from the caller, already printed through the ledger.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

COLUMN, ROW, RADIUS = 42.0, 24.0, 6.5  # millimetres: between layers, between units, of a unit
# Where along a slanted arrow its weight stands (from the start): near the start of an arrow that
# goes down, near the end of one that goes up, so that the labels of two crossing arrows stand apart.
WEIGHT_DOWN, WEIGHT_UP = 0.24, 0.72


@dataclass(frozen=True)
class Unit:
    x: float
    y: float
    symbol: str  # what the circle shows: $x_1$, $a^{(1)}_2$
    labels: tuple[str, ...]  # values beside it (math, without dollars), stacked
    above: bool  # labels above the circle (else below)
    kind: str  # "input" or "neuron"


def _mm(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def heights(count: int) -> list[float]:
    """The heights of ``count`` units of a column, centred on zero, top first."""
    return [(count + 1) / 2 * ROW - position * ROW for position in range(1, count + 1)]


def picture_lines(
    columns: list[list[Unit]],
    weight: Callable[[int, int, int], str],
) -> list[str]:
    """The picture: ``columns`` of units (inputs first); ``weight(n, k, t)`` prints the weight from
    unit ``t`` of column ``n - 1`` to unit ``k`` of column ``n`` (math, without dollars)."""
    units = [unit for column in columns for unit in column]
    low = min(u.y for u in units) - RADIUS - 9
    high = max(u.y for u in units) + RADIUS + 9
    left, right = -RADIUS - 2, max(u.x for u in units) + RADIUS + 2
    lines = [
        r"\begingroup\setlength{\unitlength}{1mm}",
        rf"\begin{{picture}}({_mm(right - left)},{_mm(high - low)})({_mm(left)},{_mm(low)})",
        r"\linethickness{0.6pt}",
    ]
    for n in range(1, len(columns)):
        for k, target in enumerate(columns[n], start=1):
            for t, source in enumerate(columns[n - 1], start=1):
                lines += _arrow(source, target, weight(n, k, t), straight=k == t)
    for unit in units:
        fill = "black!4" if unit.kind == "input" else "blue!6"
        lines += [
            rf"\put({_mm(unit.x)},{_mm(unit.y)}){{\color{{{fill}}}\circle*{{{_mm(2 * RADIUS)}}}}}",
            rf"\put({_mm(unit.x)},{_mm(unit.y)}){{\color{{black!70}}\circle{{{_mm(2 * RADIUS)}}}}}",
            rf"\put({_mm(unit.x)},{_mm(unit.y)}){{\makebox(0,0){{\small {unit.symbol}}}}}",
        ]
        if unit.labels:
            stacked = r"\\".join(f"${label}$" for label in unit.labels)
            y = unit.y + (RADIUS + 1) * (1 if unit.above else -1)
            where = "b" if unit.above else "t"
            lines.append(
                rf"\put({_mm(unit.x)},{_mm(y)}){{\makebox(0,0)[{where}]{{\footnotesize\bfseries"
                rf"\color{{blue!50!black}}\begin{{tabular}}[{where}]{{@{{}}c@{{}}}}{stacked}\end{{tabular}}}}}}"
            )
    return [*lines, r"\end{picture}\endgroup"]


def _arrow(source: Unit, target: Unit, label: str, straight: bool) -> list[str]:
    dx, dy = target.x - source.x, target.y - source.y
    length = math.hypot(dx, dy)
    ux, uy = dx / length, dy / length
    start = (source.x + RADIUS * ux, source.y + RADIUS * uy)
    span = dx - 2 * RADIUS * ux  # pict2e's \vector takes the horizontal extent of a slanted arrow
    lines = [
        rf"\put({_mm(start[0])},{_mm(start[1])}){{\color{{black!55}}\vector({ux:.4f},{uy:.4f}){{{_mm(span)}}}}}",
    ]
    if straight:
        middle = (source.x + dx / 2, source.y + dy / 2)
        lines.append(
            rf"\put({_mm(middle[0])},{_mm(middle[1])}){{\makebox(0,0){{\colorbox{{white}}"
            rf"{{\footnotesize${label}$}}}}}}"
        )
    else:
        along = WEIGHT_DOWN if dy < 0 else WEIGHT_UP
        at = (start[0] + along * (dx - 2 * RADIUS * ux), start[1] + along * (dy - 2 * RADIUS * uy))
        angle = math.degrees(math.atan2(dy, dx))
        lines.append(
            rf"\put({_mm(at[0])},{_mm(at[1])}){{\rotatebox{{{angle:.1f}}}"
            rf"{{\makebox(0,0)[b]{{\raisebox{{0.6mm}}{{\footnotesize${label}$}}}}}}}}"
        )
    return lines
