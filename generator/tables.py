"""A table's typed headings say what its columns hold.

A generated column label names the values under it, and the scan holds them to it. A heading typed
in words ("Pre-activation", "Activation", "Error term", "Weight", "Example") is held here to the
values the column shows: every printed value in a "Pre-activation" column is a pre-activation, and
the number in an "Example" column is the example of every value of its row. Headings that span
columns (``\\multicolumn``) and cells that print no value are left alone.
"""

from __future__ import annotations

import json
import re

from . import provenance
from .provenance import Problem, Role
from .scan import table_cells
from .shapes import environment_spans

# A heading in words -> the kinds of value its column may hold.
_HEADINGS = {
    "pre-activation": {"preactivation"},
    "pre-activations": {"preactivation"},
    "activation": {"activation"},
    "activations": {"activation"},
    "error term": {"error"},
    "error terms": {"error"},
    "weight": {"weight"},
    "weights": {"weight"},
    "bias": {"bias"},
    "biases": {"bias"},
    "input": {"input"},
    "inputs": {"input"},
    "target": {"target"},
    "targets": {"target"},
}
_EXAMPLE = frozenset({"example", "$e$"})
_RULES = re.compile(r"\\(?:top|mid|bottom)rule|\\cmidrule(?:\([^)]*\))?\{[^}]*\}|\\addlinespace(?:\[[^]]*\])?")
_NUMBER = re.compile(r"\$?\s*([0-9]+)\s*\$?")
_SHOWN = {"preactivation": "a pre-activation", "activation": "an activation", "error": "an error term"}


def _plain(cell: str) -> str:
    return re.sub(r"\s+", " ", _RULES.sub("", cell)).strip().lower()


def problems(text: str, roles: list[Role]) -> list[Problem]:
    """Every value under a typed heading that names another kind, and every example number that is not
    its row's (``text`` is a chapter's final LaTeX, ``roles`` its role marks)."""
    values = [(role.position, json.loads(role.key)) for role in roles if role.name in provenance.VALUES]
    out: list[Problem] = []
    for low, high in environment_spans(text, "tabular"):
        header: list[str] | None = None
        for row in table_cells(text, low, high):
            held = [[(at, value) for at, value in values if start <= at < end] for start, end in row]
            cells = [_plain(text[start:end]) for start, end in row]
            if header is None:
                if any(held) or r"\multicolumn" in "".join(cells):
                    break  # no heading row in words: the generated labels speak for this table
                if any(cells):
                    header = cells
                continue
            if len(row) != len(header):
                continue
            for column, (heading, inside) in enumerate(zip(header, held, strict=True)):
                wanted = _HEADINGS.get(heading, set())
                for at, value in inside:
                    if wanted and value.get("kind") not in wanted:
                        kind = next(iter(wanted))
                        out.append(
                            Problem(
                                at,
                                f'the column headed "{heading}" shows {value["quantity"]}, '
                                f"which is not {_SHOWN.get(kind, 'a ' + kind)}",
                            )
                        )
                if heading in _EXAMPLE:
                    number = _NUMBER.fullmatch(cells[column])
                    examples = {value.get("example") for cell in held for _, value in cell} - {None}
                    if number is not None and examples and examples != {int(number.group(1))}:
                        out.append(
                            Problem(
                                row[column][0] + text[row[column][0] : row[column][1]].find(number.group(1)),
                                f"the example column says {number.group(1)}, but the row shows example "
                                f"{', '.join(str(e) for e in sorted(examples))}",
                            )
                        )
    return out


_CAPTION_WAY = re.compile(
    r"\beach\s+example\s+in\s+an?\s+(row|column)\s+of\s+its\s+own|\bone\s+example\s+per\s+(row|column)", re.I
)


def caption_problems(text: str) -> list[Problem]:
    """A table's caption that puts each example in a row (or a column) of its own must match its
    headings: examples are columns under a spanning "Example" heading, rows where the first heading is
    "Example"."""
    out: list[Problem] = []
    for low, high in environment_spans(text, "table"):
        body = text[low:high]
        tabular = body.find(r"\begin{tabular}")
        if tabular < 0:
            continue
        head = body[tabular : body.find(r"\midrule", tabular) if r"\midrule" in body else len(body)]
        if re.search(r"\\multicolumn\{[^{}]*\}\{[^{}]*\}\{Example\}", head):
            way = "column"
        elif r"\toprule" in head and _plain(head.split(r"\toprule", 1)[1].split("&", 1)[0]) in _EXAMPLE:
            way = "row"
        else:
            continue
        for match in _CAPTION_WAY.finditer(body):
            said = (match.group(1) or match.group(2)).lower()
            if said != way:
                out.append(
                    Problem(
                        low + match.start(),
                        f"the caption puts each example in a {said}, but the table gives each a {way}",
                    )
                )
    return out


def check(marked: str) -> list[str]:
    """Each table-heading problem of a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located_with_roles(marked, lambda text, roles: [*problems(text, roles), *caption_problems(text)])
