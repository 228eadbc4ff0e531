"""The opening chapter's machinery: the scalar graph evaluator (against finite differences and the
gates' hand-derived rules), the spec's [[graphs]] (bad input named by file and field), and the
graph values of compute and oracle in agreement."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from generator import core_graph
from generator.compute import compute
from generator.oracle import Oracle
from generator.quantities import Quantity
from generator.spec import GRAPH_OPERATIONS, SpecError, load_spec

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "chapters" / "chain-rule.toml"
Node = core_graph.Node


def random_graph(seed: int) -> tuple[list[Node], str]:
    """A random graph: three inputs, then gates that read any earlier node (so nodes branch)."""
    rng = random.Random(seed)
    nodes = [Node(f"i{n}", "input", (), rng.uniform(-1.5, 1.5)) for n in range(3)]
    for n in range(rng.randint(3, 9)):
        op = rng.choice(sorted(core_graph.GATES))
        arity = core_graph.GATES[op].arity
        inputs = tuple(rng.choice(nodes).name for _ in range(arity))
        if op == "inv":  # keep away from 1/0: invert a positive value
            nodes.append(Node(f"s{n}", "exp", inputs))
            inputs = (f"s{n}",)
        nodes.append(Node(f"g{n}", op, inputs))
    return nodes, nodes[-1].name


def moved(nodes: list[Node], name: str, step: float) -> list[Node]:
    return [Node(n.name, n.op, n.inputs, n.value + step) if n.name == name else n for n in nodes]


@pytest.mark.parametrize("seed", range(40))
def test_evaluator_gradients_match_central_differences(seed) -> None:
    """The gradient of a random graph's output in each input equals its central difference (away from max's kink)."""
    nodes, output = random_graph(seed)
    run = core_graph.evaluate(nodes, output)
    h = 1e-6
    for node in nodes:
        if node.op != "input":
            continue
        up = core_graph.evaluate(moved(nodes, node.name, h), output).values[output]
        down = core_graph.evaluate(moved(nodes, node.name, -h), output).values[output]
        kinks = [n for n in nodes if n.op == "max" and abs(run.values[n.inputs[0]] - run.values[n.inputs[1]]) < 1e-3]
        if kinks:
            continue
        numeric = (up - down) / (2 * h)
        assert math.isclose(run.gradients[node.name], numeric, rel_tol=1e-6, abs_tol=1e-7), node.name


@pytest.mark.parametrize("seed", range(10))
def test_a_nodes_gradient_is_the_sum_of_what_its_edges_send(seed) -> None:
    """A branch sums what comes back: each node's gradient is the sum over its edges into its users."""
    nodes, output = random_graph(seed)
    run = core_graph.evaluate(nodes, output)
    for node in nodes:
        if node.name == output:
            continue
        sent = sum(value for (source, _), value in run.edges.items() if source == node.name)
        assert math.isclose(run.gradients[node.name], sent, abs_tol=1e-12)


@pytest.mark.parametrize(
    ("op", "u", "v", "expected"),
    [
        ("add", 1.5, -2.0, lambda u, v, g: (g, g)),  # add passes the gradient on
        ("mul", 1.5, -2.0, lambda u, v, g: (g * v, g * u)),  # multiply swaps its inputs
        ("max", 1.5, -2.0, lambda u, v, g: (g, 0.0)),  # max routes it to the larger input
        ("max", -2.0, 1.5, lambda u, v, g: (0.0, g)),
        ("max", 1.0, 1.0, lambda u, v, g: (0.0, g)),  # on a tie, to the second (the book's convention)
    ],
)
def test_gates_follow_their_hand_derived_rules(op, u, v, expected) -> None:
    """Each two-input gate sends back the gate's gradient by its rule (here the gradient 3 of f = 3 g)."""
    nodes = [
        Node("u", "input", (), u),
        Node("v", "input", (), v),
        Node("c", "input", (), 3.0),
        Node("g", op, ("u", "v")),
        Node("f", "mul", ("g", "c")),
    ]
    run = core_graph.evaluate(nodes, "f")
    assert (run.gradients["u"], run.gradients["v"]) == pytest.approx(expected(u, v, 3.0))


@pytest.mark.parametrize(
    ("op", "x", "slope"),
    [
        ("neg", 0.7, lambda x: -1.0),
        ("inc", 0.7, lambda x: 1.0),
        ("exp", 0.7, math.exp),
        ("inv", 0.7, lambda x: -1 / x**2),
        ("sigmoid", 0.7, lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
        ("sigmoid", -800.0, lambda x: 0.0),
    ],
)
def test_one_input_gates_have_their_textbook_slopes(op, x, slope) -> None:
    """The local derivative of each one-input gate is the derivative of its function."""
    run = core_graph.evaluate([Node("x", "input", (), x), Node("y", op, ("x",))], "y")
    assert run.gradients["x"] == pytest.approx(slope(x), abs=1e-15)


@pytest.mark.parametrize(
    ("nodes", "problem"),
    [
        ([Node("x", "input", (), 1.0), Node("y", "pow", ("x",))], "unknown operation"),
        ([Node("x", "input", (), 1.0), Node("y", "add", ("x",))], "takes 2 inputs"),
        ([Node("x", "input", (), 1.0), Node("y", "exp", ("q",))], "no node of the graph"),
        ([Node("a", "exp", ("b",)), Node("b", "exp", ("a",))], "a cycle: a -> b -> a"),
        ([Node("x", "input", (), 0.0), Node("y", "inv", ("x",))], "inv of zero"),
    ],
)
def test_evaluator_refuses_graphs_it_cannot_run(nodes, problem) -> None:
    """A graph the evaluator cannot run is a GraphError saying why, never a wrong number."""
    with pytest.raises(core_graph.GraphError, match=problem):
        core_graph.evaluate(nodes, nodes[-1].name)


def test_spec_and_evaluator_know_the_same_operations() -> None:
    """The spec's operations (read by the oracle) and the graph core's are the same, with the same arities."""
    core_arities = {name: gate.arity for name, gate in core_graph.GATES.items()} | {core_graph.INPUT: 0}
    assert core_arities == GRAPH_OPERATIONS


GOOD = CHAPTER.read_text()


def load_variant(tmp_path: Path, old: str, new: str):
    assert old in GOOD, old
    path = tmp_path / "variant.toml"
    path.write_text(GOOD.replace(old, new, 1))
    return load_spec(path)


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        (
            'op = "mul", inputs = ["x", "y"]',
            'op = "pow", inputs = ["x", "y"]',
            "graphs[0].nodes[4].op",
            "unknown value 'pow'",
        ),
        ('inputs = ["p", "z"]', 'inputs = ["p", "zz"]', "graphs[0].nodes[5].inputs[1]", "no node called 'zz'"),
        ('inputs = ["x", "y"]', 'inputs = ["x", "f"]', "graphs[0].nodes", "a cycle: p -> f -> q -> p"),
        ('inputs = ["x", "y"]', 'inputs = ["x"]', "graphs[0].nodes[4].inputs", "mul takes 2 inputs, not 1"),
        ('output = "f"', 'output = "nowhere"', "graphs[0].output", "no node called 'nowhere'"),
        (
            '{ name = "x", op = "input", value = 3 }',
            '{ name = "x", op = "input" }',
            "graphs[0].nodes[0].value",
            "missing",
        ),
        (
            '{ name = "x", op = "input", value = 3 }',
            '{ name = "x", op = "input", value = 3.125 }',
            "graphs[0].nodes[0].value",
            "more decimals",
        ),
        (
            '{ name = "w", op = "input", value = 1 }',
            '{ name = "x", op = "input", value = 1 }',
            "graphs[0].nodes[3].name",
            "used by an earlier node",
        ),
        (
            '{ name = "w", op = "input", value = 1 }',
            '{ name = "W", op = "input", value = 1 }',
            "graphs[0].nodes[3].name",
            "a node name",
        ),
        (
            '{ name = "w", op = "input", value = 1 }',
            '{ name = "w", op = "input", value = 1, colour = 2 }',
            "graphs[0].nodes[3].colour",
            "unknown key",
        ),
        (
            '{ name = "p", op = "mul", inputs = ["x", "y"] }',
            '{ name = "p", op = "mul", inputs = ["x", "y"], value = 2 }',
            "graphs[0].nodes[4].value",
            "only an input has a value",
        ),
        ('name = "neuron"', 'name = "gates"', "graphs[1].name", "used by an earlier graph"),
    ],
)
def test_bad_graphs_name_file_field_and_problem(tmp_path, old, new, field, problem) -> None:
    """A malformed graph is refused at the spec with one SpecError naming the file, the field and the problem."""
    with pytest.raises(SpecError) as caught:
        load_variant(tmp_path, old, new)
    assert caught.value.path.name == "variant.toml"
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_a_graph_the_core_cannot_evaluate_is_bad_input(tmp_path) -> None:
    """A graph that divides by zero is refused as bad input naming its graph, not a crash."""
    path = tmp_path / "chain-rule.toml"  # the chapter's name: its exercises ask its catalogue
    path.write_text(
        GOOD.replace('{ name = "x", op = "input", value = 3 }', '{ name = "x", op = "input", value = 0 }').replace(
            '{ name = "p", op = "mul", inputs = ["x", "y"] }', '{ name = "p", op = "inv", inputs = ["x"] }'
        )
    )
    with pytest.raises(SpecError) as caught:
        compute(load_spec(path))
    assert caught.value.field == "graphs[0]" and "inv of zero" in caught.value.problem


def test_every_graph_quantity_of_the_chapter_agrees_with_the_oracle() -> None:
    """Every node value, node gradient and edge gradient of the chapter's graphs: core within 1e-12 of the oracle."""
    spec = load_spec(CHAPTER)
    computed, exact = compute(spec), Oracle(spec)
    quantities = []
    for graph in spec.graphs:
        for node in graph.nodes:
            quantities += [Quantity(k, name=f"{graph.name}.{node.name}") for k in ("graph_value", "graph_gradient")]
            quantities += [Quantity("graph_edge_gradient", name=f"{graph.name}.{s}.{node.name}") for s in node.inputs]
    assert len(quantities) > 50
    for q in quantities:
        assert float(exact.value(q)) == pytest.approx(computed.value(q), rel=1e-12, abs=1e-15), str(q)


def test_the_neuron_graph_is_the_network_layer() -> None:
    """The neuron taken apart into gates computes the same activation as the spec's sigmoid layer, by both routes."""
    spec = load_spec(CHAPTER)
    layer = Quantity("activation", "out", 1, (1,))
    for graph in ("neuron", "short"):
        node = Quantity("graph_value", name=f"{graph}.a")
        assert compute(spec).value(node) == pytest.approx(compute(spec).value(layer), rel=1e-15)
        assert Oracle(spec).value(node) == Oracle(spec).value(layer)
