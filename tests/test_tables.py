"""A table's headings typed in words say what its columns hold."""

from __future__ import annotations

import json

import pytest
from helpers import page_problems_after_edit

from generator import provenance, tables
from generator.verify import cheap_checks


def value(kind: str, example: int = 1, unit: int = 1) -> str:
    """A printed value of ``kind`` for ``example``, marked as the ledger marks it."""
    key = {"quantity": f"{kind}[hid]_{unit} (example {example})", "kind": kind, "layer": "hid", "example": example}
    return provenance.role(provenance.LABELLED_VALUE, json.dumps(key), r"\num{0.5}")


def table(header: str, *rows: str) -> str:
    body = "".join(f"{row} \\\\\n" for row in rows)
    return f"\\begin{{tabular}}{{llll}}\n\\toprule\n{header} \\\\\n\\midrule\n{body}\\bottomrule\n\\end{{tabular}}"


def problems(text: str) -> list[str]:
    final, _, roles = provenance.annotate_with_roles(text)
    return [problem.what for problem in tables.problems(final, roles)]


def test_columns_that_hold_what_their_headings_say_pass() -> None:
    """Pre-activations under "Pre-activation", activations under "Activation", each row's example."""
    text = table(
        "Example & Pre-activation & Activation & Activation function",
        f"$1$ & {value('preactivation')} & {value('activation')} & ReLU",
        f"$2$ & {value('preactivation', 2)} & {value('activation', 2)} & ReLU",
    )
    assert problems(text) == []


def test_swapped_headings_fail() -> None:
    """Headings swapped over their columns name another kind of value."""
    text = table("Neuron & Activation & Pre-activation", f"a & {value('preactivation')} & {value('activation')}")
    assert problems(text) == [
        'the column headed "activation" shows preactivation[hid]_1 (example 1), which is not an activation',
        'the column headed "pre-activation" shows activation[hid]_1 (example 1), which is not a pre-activation',
    ]


def test_an_example_number_that_is_not_the_rows_fails() -> None:
    """The number in an "Example" column is the example of the values in its row."""
    text = table("Unit & Example & Error term", f"a & $2$ & {value('error', 1)}")
    assert problems(text) == ["the example column says 2, but the row shows example 1"]


@pytest.mark.parametrize(
    "header",
    [r"& \multicolumn{2}{c}{Example}", f"{value('activation')} & Activation"],
)
def test_tables_without_a_heading_row_in_words_are_left_to_their_labels(header: str) -> None:
    """A spanning heading, or a first row of values, is not a heading row this check reads."""
    assert problems(table(header, f"$1$ & {value('preactivation')}")) == []


MUTATIONS = [
    (
        "worked-example",
        "Neuron & Pre-activation & Activation & Activation function",
        "Neuron & Activation & Pre-activation & Activation function",
        'the column headed "activation" shows preactivation',
    ),
    ("four-equations", "$<< idx(e) >>$", "$<< idx(k) >>$", "the example column says"),
    (
        "three-layer",
        "each example in a column of its own.",
        "each example in a row of its own.",
        "puts each example in a row",
    ),
]


@pytest.mark.parametrize(("chapter", "old", "new", "what"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_wrong_heading_or_example_in_a_template_fails(project_copy, chapter, old, new, what) -> None:
    """A template whose table headings or example numbers drift from its values fails its check."""
    _, _, before, after = page_problems_after_edit(project_copy, chapter, old, new, cheap_checks)
    assert before == []
    assert any(what in problem for problem in after), after


def captioned(caption: str, header: str) -> str:
    return f"\\begin{{table}}\\caption{{{caption}}}\n" + table(header, "a & b") + "\n\\end{table}"


@pytest.mark.parametrize(
    ("caption", "header", "found"),
    [
        ("The forward pass, each example in a column of its own.", r"& \multicolumn{4}{c}{Example}", []),
        ("The forward pass, each example in a row of its own.", r"& \multicolumn{4}{c}{Example}", ["row"]),
        ("The batch, one example per row.", "Example & $x$", []),
        ("The batch, one example per column.", "Example & $x$", ["column"]),
        ("The batch, one example per column.", "Unit & Example", []),
    ],
)
def test_a_caption_puts_the_examples_where_the_table_does(caption: str, header: str, found: list[str]) -> None:
    """Examples as columns under a spanning heading, as rows under a first "Example" heading; else unread."""
    said = [
        p.what.split("each example in a ")[1].split(",")[0] for p in tables.caption_problems(captioned(caption, header))
    ]
    assert said == found
