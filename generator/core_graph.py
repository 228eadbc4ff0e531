"""A scalar reverse-mode evaluator: a computational graph of named nodes, in float64.

Each operation is a gate: its forward rule and, beside it, its local derivatives (the slope of
its output with respect to each input, at the inputs' values). ``forward`` evaluates the nodes in
order; ``backward`` walks them in reverse and sends each node's gradient to its inputs, multiplied
by the local derivative (the chain rule for one link), adding up what reaches a node along
several edges (the chain rule for several paths). This is the core of the opening chapter's
computational graphs; its values are checked against ``generator.oracle`` like the network core's.

Conventions: ``max`` routes its gradient to the second input where the inputs tie; ``inv`` of zero
is refused (``GraphError``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Forward = Callable[[Sequence[float]], float]
Local = Callable[[Sequence[float], float], tuple[float, ...]]  # (inputs, output) -> d output / d each input


class GraphError(ValueError):
    """A graph the evaluator cannot run: an unknown operation or node, the wrong number of inputs,
    a cycle, or a value it cannot compute (1/0)."""


def _inv(x: Sequence[float]) -> float:
    if x[0] == 0:
        raise GraphError("inv of zero")
    return 1.0 / x[0]


def _sigmoid(x: Sequence[float]) -> float:
    v = x[0]
    if v >= 0:
        return 1.0 / (1.0 + math.exp(-v))
    e = math.exp(v)  # stable for large negative inputs
    return e / (1.0 + e)


@dataclass(frozen=True)
class Gate:
    """An operation: how many inputs it takes, its forward rule and its local derivatives."""

    arity: int
    forward: Forward
    local: Local


GATES: dict[str, Gate] = {
    # add passes the gradient on unchanged to both inputs
    "add": Gate(2, lambda x: x[0] + x[1], lambda x, out: (1.0, 1.0)),
    # multiply swaps its inputs: each input's slope is the other input
    "mul": Gate(2, lambda x: x[0] * x[1], lambda x, out: (x[1], x[0])),
    # max routes the gradient to the larger input (the second on a tie)
    "max": Gate(2, lambda x: max(x[0], x[1]), lambda x, out: (1.0, 0.0) if x[0] > x[1] else (0.0, 1.0)),
    "inc": Gate(1, lambda x: x[0] + 1.0, lambda x, out: (1.0,)),
    "neg": Gate(1, lambda x: -x[0], lambda x, out: (-1.0,)),
    "exp": Gate(1, lambda x: math.exp(x[0]), lambda x, out: (out,)),
    "inv": Gate(1, _inv, lambda x, out: (-out * out,)),
    "sigmoid": Gate(1, _sigmoid, lambda x, out: (out * (1.0 - out),)),
}
INPUT = "input"  # a leaf: its value is given
OPERATIONS = (INPUT, *GATES)


@dataclass(frozen=True)
class Node:
    """One node: its name, its operation, the names of its inputs, and (a leaf) its given value."""

    name: str
    op: str
    inputs: tuple[str, ...] = ()
    value: float | None = None


@dataclass(frozen=True)
class Evaluated:
    """A graph run forward and backward: each node's value, and the gradient of the output in it."""

    order: tuple[str, ...]  # the nodes, every input before the nodes it feeds
    values: dict[str, float]
    gradients: dict[str, float]
    output: str
    # What the output's gradient sends back along each edge, (node, user): the user's gradient times
    # its local derivative in the node; a node's gradient is the sum over its users.
    edges: dict[tuple[str, str], float]


def topological_order(nodes: Sequence[Node]) -> tuple[str, ...]:
    """The node names with every input before its users; ``GraphError`` on an unknown input or a cycle."""
    by_name = {node.name: node for node in nodes}
    done: list[str] = []
    state: dict[str, str] = {}  # "open" while its inputs are visited, "done" after

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            cycle = path[path.index(name) :] + (name,)
            raise GraphError("a cycle: " + " -> ".join(cycle))
        state[name] = "open"
        for source in by_name[name].inputs:
            if source not in by_name:
                raise GraphError(f"node {name!r} reads {source!r}, which is no node of the graph")
            visit(source, (*path, name))
        state[name] = "done"
        done.append(name)

    for node in nodes:
        visit(node.name, ())
    return tuple(done)


def evaluate(nodes: Sequence[Node], output: str) -> Evaluated:
    """Forward in topological order, then backward from ``output``.

    The output's gradient in itself is one."""
    by_name = {node.name: node for node in nodes}
    if output not in by_name:
        raise GraphError(f"the output {output!r} is no node of the graph")
    order = topological_order(nodes)
    values: dict[str, float] = {}
    for name in order:
        node = by_name[name]
        if node.op == INPUT:
            if node.value is None:
                raise GraphError(f"input {name!r} has no value")
            values[name] = float(node.value)
            continue
        gate = GATES.get(node.op)
        if gate is None:
            known = ", ".join(OPERATIONS)
            problem = f"unknown operation {node.op!r} (known: {known})"
            raise GraphError(f"node {name!r}: {problem}")
        if len(node.inputs) != gate.arity:
            given = len(node.inputs)
            problem = f"{node.op} takes {gate.arity} inputs, not {given}"
            raise GraphError(f"node {name!r}: {problem}")
        values[name] = gate.forward([values[source] for source in node.inputs])

    gradients = dict.fromkeys(order, 0.0)
    gradients[output] = 1.0
    edges: dict[tuple[str, str], float] = {}
    for name in reversed(order):
        node = by_name[name]
        if node.op == INPUT:
            continue
        inputs = [values[source] for source in node.inputs]
        slopes = GATES[node.op].local(inputs, values[name])
        for source, slope in zip(node.inputs, slopes, strict=True):
            sent = gradients[name] * slope  # the chain rule along one edge
            edges[source, name] = edges.get((source, name), 0.0) + sent
            # a branch: what comes back along each edge adds up
            gradients[source] += sent
    return Evaluated(order, values, gradients, output, edges)
