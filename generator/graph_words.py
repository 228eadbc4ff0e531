"""What the prose says of a computational graph's nodes holds for the chapter's graph spec.

"The sum $\\graphnode{q}$" is an add gate, "$\\graphnode{z}$ feeds the sum and the max" names the
operations of the gates that read z, "$\\graphnode{z}$ feeds two gates" counts them, and "the four
gates after $\\graphnode{z}$" counts the gates downstream of z. Each is held to the graph the passage
is about: the one whose figure or table (a label ending in ``-<graph name>``) was labelled or cited
last before it, or any graph of the chapter that has the node where none was.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import provenance
from .ledger import NUMBER_WORDS
from .provenance import Problem
from .spec import GraphSpec

_OPERATIONS = {
    "sum": "add",
    "product": "mul",
    "max": "max",
    "maximum": "max",
    "negation": "neg",
    "exponential": "exp",
    "inversion": "inv",
    "reciprocal": "inv",
    "sigmoid": "sigmoid",
}
_WORD_OF = {"add": "sum", "mul": "product", "max": "max", "neg": "negation", "exp": "exponential", "inv": "inversion"}
_WORDS = "|".join(_OPERATIONS)
_NODE = r"\$\\graphnode\{([^{}]+)\}\$"
_IS_OPERATION = re.compile(rf"\bthe\s+({_WORDS})\s+(?:gate\s+)?{_NODE}", re.I)
_FEEDS_THE = re.compile(rf"{_NODE}\s+feeds\s+the\s+({_WORDS})\s+and\s+the\s+({_WORDS})\b", re.I)
_FEEDS_COUNT = re.compile(rf"{_NODE}\s+feeds\s+(?:\\numword\{{)?([a-z]+)\}}?\s+gates\b", re.I)
_AFTER = re.compile(rf"\b[Tt]he\s+(?:\\numword\{{)?([a-z]+)\}}?\s+(?:small\s+)?gates\s+after\s+{_NODE}", re.I)
_CONTEXT = re.compile(r"\\(?:label|[cC]ref)\{(?:fig|tab):[^{},]*-([a-z0-9]+)\}")


def _readers(graph: GraphSpec, name: str) -> list[str]:
    """The operations of the gates that read node ``name``."""
    return [node.op for node in graph.nodes if name in node.inputs]


def _after(graph: GraphSpec, name: str) -> int:
    """How many gates lie downstream of node ``name``."""
    downstream = {name}
    for node in graph.nodes:  # every input comes before its users
        if downstream & set(node.inputs):
            downstream.add(node.name)
    return len(downstream) - 1


def _fact(kind: str, graph: GraphSpec, node: str) -> object:
    """What ``graph`` has for ``node``: its operation, its readers' operations, their number, or the
    number of gates after it."""
    if kind == "operation":
        return graph.node(node).op
    if kind == "readers":
        return sorted(_readers(graph, node))
    if kind == "reader count":
        return len(_readers(graph, node))
    return _after(graph, node)


def _says(kind: str, node: str, value: object) -> str:
    """A statement of ``kind`` about ``node`` in words."""
    if kind == "operation":
        return f"{node} is a {_WORD_OF.get(str(value), str(value))}"
    if kind == "readers":
        operations = [str(op) for op in value] if isinstance(value, list) else []
        words = " and the ".join(_WORD_OF.get(op, op) for op in operations)
        return f"{node} feeds the {words}" if words else f"{node} feeds nothing"
    if kind == "reader count":
        return f"{node} feeds {value} gates"
    return f"{value} gates follow {node}"


def _statements(text: str) -> list[tuple[re.Match[str], str, str, object]]:
    """Each statement about a node: (where, the node, what it says of it, the value it says)."""
    found: list[tuple[re.Match[str], str, str, object]] = []
    for match in _IS_OPERATION.finditer(text):
        found.append((match, match.group(2), "operation", _OPERATIONS[match.group(1).lower()]))
    for match in _FEEDS_THE.finditer(text):
        found.append((match, match.group(1), "readers", sorted(_OPERATIONS[w.lower()] for w in match.group(2, 3))))
    for match in _FEEDS_COUNT.finditer(text):
        if match.group(2).lower() in NUMBER_WORDS:
            found.append((match, match.group(1), "reader count", NUMBER_WORDS.index(match.group(2).lower())))
    for match in _AFTER.finditer(text):
        if match.group(1).lower() in NUMBER_WORDS:
            found.append((match, match.group(2), "gates after", NUMBER_WORDS.index(match.group(1).lower())))
    return found


def problems(text: str, graphs: Sequence[GraphSpec]) -> list[Problem]:
    """Every statement about a graph node that the graph it is about contradicts."""
    by_name = {graph.name: graph for graph in graphs}
    out: list[Problem] = []
    for match, node, kind, said in _statements(text):
        cited = [m.group(1) for m in _CONTEXT.finditer(text, 0, match.start()) if m.group(1) in by_name]
        having = [graph for graph in graphs if any(n.name == node for n in graph.nodes)]
        candidates = [by_name[cited[-1]]] if cited and by_name[cited[-1]] in having else having
        if candidates and all(_fact(kind, graph, node) != said for graph in candidates):
            graph = candidates[0]
            actual = _says(kind, node, _fact(kind, graph, node))
            out.append(
                Problem(match.start(), f"the text says {_says(kind, node, said)}, but in graph {graph.name} {actual}")
            )
    return out


def check(marked: str, graphs: Sequence[GraphSpec]) -> list[str]:
    """Each graph-word problem of a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located(marked, lambda text: problems(text, graphs))
