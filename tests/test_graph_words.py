"""What the prose says of a graph's nodes holds for the graph it is about."""

from __future__ import annotations

import pytest
from helpers import page_problems_after_edit

from generator import graph_words
from generator.spec import GraphSpec, NodeSpec
from generator.verify import cheap_checks

GATES = GraphSpec(
    "gates",
    (
        NodeSpec("x", "input"),
        NodeSpec("z", "input"),
        NodeSpec("q", "add", ("x", "z")),
        NodeSpec("r", "max", ("z", "x")),
        NodeSpec("f", "mul", ("q", "r")),
    ),
    "f",
)
NEURON = GraphSpec(
    "neuron",
    (NodeSpec("z", "input"), NodeSpec("n", "neg", ("z",)), NodeSpec("e", "exp", ("n",)), NodeSpec("a", "inv", ("e",))),
    "a",
)


def problems(text: str) -> list[str]:
    return [problem.what for problem in graph_words.problems(text, [GATES, NEURON])]


@pytest.mark.parametrize(
    "text",
    [
        r"In \cref{fig:chain-gates} the sum $\graphnode{q}$ hands it on; $\graphnode{z}$ feeds the sum and the max.",
        r"\label{fig:chain-neuron} The three gates after $\graphnode{z}$ compute the sigmoid.",
        r"\label{fig:chain-gates} The node $\graphnode{z}$ feeds two gates; $\graphnode{u}$ feeds two gates.",
    ],
)
def test_what_the_graph_has_passes(text: str) -> None:
    """Operations, readers and counts as the graph in context has them; a node of no graph is left alone."""
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (r"the product $\graphnode{q}$", "the text says q is a product, but in graph gates q is a sum"),
        (
            r"\cref{fig:chain-gates}: $\graphnode{z}$ feeds the sum and the product",
            "the text says z feeds the sum and the product, but in graph gates z feeds the sum and the max",
        ),
        (
            r"\label{fig:chain-neuron} The four gates after $\graphnode{z}$",
            "the text says 4 gates follow z, but in graph neuron 3 gates follow z",
        ),
        (
            r"\label{fig:chain-gates} $\graphnode{z}$ feeds three gates",
            "the text says z feeds 3 gates, but in graph gates z feeds 2 gates",
        ),
    ],
)
def test_what_the_graph_does_not_have_fails(text: str, message: str) -> None:
    """A wrong operation, wrong readers, a wrong count of gates after or of readers fail."""
    assert problems(text) == [message]


MUTATIONS = [
    ("the sum $\\graphnode{q}$ hands", "the product $\\graphnode{q}$ hands", "q is a product"),
    ("The four gates after", "The three gates after", "3 gates follow z"),
]


@pytest.mark.parametrize(("old", "new", "what"), MUTATIONS)
def test_a_wrong_gate_word_in_the_chain_rule_chapter_fails(project_copy, old, new, what) -> None:
    """The chain-rule chapter's words about its graphs' gates, changed, fail its check."""
    _, _, before, after = page_problems_after_edit(project_copy, "chain-rule", old, new, cheap_checks)
    assert before == []
    assert any(what in problem for problem in after), after
