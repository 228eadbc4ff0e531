"""Drawings made by code: a computational graph of a chapter's spec, and the backward flow of a
network's error terms. Both are TikZ; every number on them comes from the ledger through the
``value`` callback the template's ``v`` passes in (it records the quantity and marks the number
as printed beside its symbol: the node it belongs to is named on the drawing).
"""

from __future__ import annotations

from collections.abc import Callable

from generator.quantities import Quantity
from generator.spec import ChapterSpec, GraphSpec

Value = Callable[[Quantity], str]

# How each gate prints inside its circle.
GATE_LABELS = {
    "add": "$+$",
    "mul": r"$\times$",
    "max": r"$\max$",
    "neg": r"$-$",
    "inc": "$+1$",
    "exp": r"$\exp$",
    "inv": r"$1/\cdot$",
    "sigmoid": r"$\sigma$",
}

GRAPH_STYLES = [
    r"    gate/.style={circle, draw=black!70, fill=blue!6, thick, minimum size=8mm, inner sep=0pt, font=\small},",
    r"    leaf/.style={inner sep=1pt, font=\small},",
    r"    nodename/.style={font=\footnotesize, text=black!70},",
    r"    forward/.style={font=\scriptsize, text=green!35!black, above=1pt, pos=0.45, fill=white, inner sep=0.5pt},",
    r"    backward/.style={font=\scriptsize, text=red!65!black, below=1pt, pos=0.45, fill=white, inner sep=0.5pt},",
    r"    link/.style={->, >=stealth, thick, draw=black!55}]",
]


def node_symbol(name: str) -> str:
    """A node's name as it prints: ``\\graphnode{w_{1}}`` for ``w1``."""
    stem = name.rstrip("0123456789")
    return rf"\graphnode{{{stem}_{{{name[len(stem) :]}}}}}" if stem != name else rf"\graphnode{{{name}}}"


def _columns(graph: GraphSpec) -> dict[str, int]:
    """Each node's column: a gate one right of its deepest input; an input one left of its first user."""
    column: dict[str, int] = {}
    for node in graph.nodes:  # inputs before their users
        column[node.name] = 1 + max((column[s] for s in node.inputs), default=-1)
    for node in graph.nodes:
        if node.op == "input":
            users = [column[other.name] for other in graph.nodes if node.name in other.inputs]
            column[node.name] = max(min(users, default=1) - 1, 0)
    return column


def graph_lines(spec: ChapterSpec, graph: GraphSpec, value: Value, spacing: float, rise: float) -> list[str]:
    """The TikZ of a computational graph: inputs on the left, one circle per gate, each edge with
    the value it carries above (forward) and what comes back along it below (backward)."""
    column = _columns(graph)
    height: dict[str, float] = {}
    inputs = [node for node in graph.nodes if node.op == "input"]
    for position, node in enumerate(inputs):
        height[node.name] = ((len(inputs) - 1) / 2 - position) * rise
    for node in graph.nodes:
        if node.op != "input":
            height[node.name] = sum(height[s] for s in node.inputs) / len(node.inputs)
    lines = [r"\begin{tikzpicture}[", *GRAPH_STYLES]

    def quantity(kind: str, *names: str) -> Quantity:
        return Quantity(kind, name=".".join((graph.name, *names)))

    for node in graph.nodes:
        where = f"({column[node.name] * spacing:g}, {height[node.name]:g})"
        if node.op == "input":
            lines.append(rf"\node[leaf] (g-{node.name}) at {where} {{${node_symbol(node.name)}$}};")
        else:
            lines.append(rf"\node[gate] (g-{node.name}) at {where} {{{GATE_LABELS[node.op]}}};")
            lines.append(rf"\node[nodename, above=0pt of g-{node.name}] {{${node_symbol(node.name)}$}};")
    for node in graph.nodes:
        for source in dict.fromkeys(node.inputs):
            forward = value(quantity("graph_value", source))
            backward = value(quantity("graph_edge_gradient", source, node.name))
            lines.append(
                rf"\draw[link] (g-{source}) -- node[forward] {{${forward}$}} node[backward] {{${backward}$}} "
                rf"(g-{node.name});"
            )
    out = graph.output
    lines.append(rf"\node[leaf] (g-out) at ({(column[out] + 1) * spacing:g}, {height[out]:g}) {{}};")
    lines.append(
        rf"\draw[link] (g-{out}) -- node[forward] {{${value(quantity('graph_value', out))}$}} "
        rf"node[backward] {{${value(quantity('graph_gradient', out))}$}} (g-out);"
    )
    lines.append(r"\end{tikzpicture}")
    return lines


def backward_flow_lines(spec: ChapterSpec, value: Value, symbol: Callable[[Quantity], str]) -> list[str]:
    """The TikZ of a network's backward pass: each unit with its error term, each hidden unit with the
    gradient that reaches its activation, and the arrows pointing down the layers, each with its weight."""
    column, row = 4.6, 2.6
    lines = [
        r"\begin{tikzpicture}[",
        r"    neuron/.style={circle, draw=black!70, fill=red!6, thick, minimum size=11mm, inner sep=0pt, font=\small},",
        r"    inputnode/.style={circle, draw=black!70, fill=black!4, thick, minimum size=11mm, inner sep=0pt, "
        r"font=\small},",
        r"    value/.style={font=\footnotesize, text=red!60!black, align=center},",
        r"    back/.style={<-, >=stealth, very thick, draw=red!45!black!60},",
        r"    weightlabel/.style={font=\footnotesize, fill=white, inner sep=1.5pt}]",
    ]

    def height(count: int, position: int) -> str:
        return f"{(count + 1) / 2 * row - position * row:g}"

    def labelled(q: Quantity) -> str:
        return f"{symbol(q)} = {value(q)}"

    width = spec.input_size
    for t in range(1, width + 1):
        lines.append(rf"\node[inputnode] (b0-{t}) at (0, {height(width, t)}) {{$\inputentry{{{t}}}$}};")
    for number, layer in enumerate(spec.layers, start=1):
        for k in range(1, layer.size + 1):
            node = f"b{number}-{k}"
            lines.append(
                rf"\node[neuron] ({node}) at ({number * column:g}, {height(layer.size, k)}) "
                rf"{{$\actentry{{{layer.shown}}}{{{k}}}$}};"
            )
            place = "above" if k == 1 else "below"
            # what comes back to the unit's activation (from the loss, or from the layer above), and its error term
            parts = [labelled(Quantity(kind, layer.name, 1, (k,))) for kind in ("activation_gradient", "error")]
            stacked = r"$ \\ $".join(parts)
            lines.append(rf"\node[value, {place}=1pt of {node}] {{${stacked}$}};")
        for k in range(1, layer.size + 1):
            for t in range(1, width + 1):
                where = "pos=0.5" if t == k else "pos=0.3, sloped, above, fill=none"
                weight = value(Quantity("weight", layer.name, None, (k, t)))
                lines.append(
                    rf"\draw[back] (b{number - 1}-{t}) -- node[weightlabel, {where}] {{${weight}$}} (b{number}-{k});"
                )
        width = layer.size
    lines.append(r"\end{tikzpicture}")
    return lines


# How each operation prints in an expression, and how tightly it binds (sum 1, product 2, atom 3).
def expression(graph: GraphSpec, name: str, expand: bool = True) -> tuple[str, int]:
    """A node written as an expression of the graph's inputs (``expand``) or of its own inputs only,
    in notation macros, with the strength it binds with."""
    node = graph.node(name)
    if node.op == "input":
        return node_symbol(name), 3

    def operand(source: str, strength: int) -> str:
        text, own = expression(graph, source) if expand else (node_symbol(source), 3)
        return rf"\left({text}\right)" if own < strength else text

    x = node.inputs
    match node.op:
        case "add":
            return f"{operand(x[0], 1)} + {operand(x[1], 2)}", 1
        case "mul":
            return rf"{operand(x[0], 2)}\,{operand(x[1], 2)}", 2
        case "max":
            return rf"\max\bigl({operand(x[0], 0)}, {operand(x[1], 0)}\bigr)", 3
        case "neg":
            return f"-{operand(x[0], 2)}", 1
        case "inc":
            return f"{operand(x[0], 1)} + 1", 1
        case "exp":
            return rf"\exp\bigl({operand(x[0], 0)}\bigr)", 3
        case "inv":
            return rf"\frac{{1}}{{{operand(x[0], 0)}}}", 3
        case "sigmoid":
            return rf"\sigmoid\bigl({operand(x[0], 0)}\bigr)", 3
    raise ValueError(f"no way to print the operation {node.op!r}")
