"""The scan: numerals typed by hand anywhere in the text fail (prose included), structural places do
not; relations typed by hand about the network fail; bare values need labels; mistakes need their box."""

from __future__ import annotations

import pytest

from generator import provenance
from generator.scan import scan

STRUCTURAL = {"weightentry": (1, 2, 3)}


def hand(text: str, line: int = 1) -> str:
    """Text as a template line would render it."""
    return provenance.line_tag("t.tex.j2", line) + text


@pytest.mark.parametrize(
    "source",
    [
        r"$\eta = 0.1$",
        r"\[ J = 2 \]",
        r"\( 3x \)",
        "\\begin{align*} a &= 4 \\end{align*}",
        "\\begin{tabular}{lr} x & 5 \\\\ \\end{tabular}",
        r"$$ 6 $$",
        "Section 2 of the note says so.",  # prose
        r"a cost of \$5 is text",
    ],
)
def test_numeral_in_maths_tables_or_prose_is_a_violation(source: str) -> None:
    """A digit typed into any kind of maths, a table cell or the prose is reported."""
    (violation,) = scan(hand(source, 7), STRUCTURAL)
    assert (violation.template, violation.line) == ("t.tex.j2", 7)


@pytest.mark.parametrize(
    "source",
    [
        r"Section~\ref{sec:2} of \sourcename{note 001} says so.",  # references and names
        r"$\weightentry{out}{1}{2}$",  # declared index arguments
        r"$W_{\st{12}}$",  # explicit structural mark
        "\\begin{align} a \\\\[4pt] b \\label{eq:step1} \\end{align}",  # lengths and labels
        "\\begin{tabular}{p{2cm}r} a & b \\end{tabular}",  # column spec
        "% $0.5$ in a comment",
        r"see \texttt{make pdf2} and \cite{cs231n}",
    ],
)
def test_structural_and_text_numerals_pass(source: str) -> None:
    """Text, indices, labels, lengths, column specs and comments are not values."""
    assert scan(hand(source), STRUCTURAL) == []


def test_generated_numbers_pass_but_hand_numbers_beside_them_fail() -> None:
    """A ledger number is accepted inside maths; a numeral typed next to it is not."""
    marked = hand("$x = ") + provenance.generated(r"\num{0.61}") + hand(" + 2$", 3)
    (violation,) = scan(marked, STRUCTURAL)
    assert ("numeral '2'" in violation.what, violation.line) == (True, 3)


MACROS = frozenset({"weightentry", "cost", "errentry", "actentry"})


@pytest.mark.parametrize(
    "source",
    [
        r"$\cost = \errentry{out}{1}$",
        r"\[ \weightentry{out}{1}{1} \le \cost \]",
        r"$\actentry{hid}{1} \approx \cost$",
        r"$\cost \propto \weightentry{out}{1}{1}$",  # "in proportion to", typed, is a relation too
        r"$\errentry{out}{1} \ll \cost$",
    ],
)
def test_a_relation_typed_between_the_networks_symbols_is_a_violation(source: str) -> None:
    """An equation or inequality typed by hand between quantity symbols is refused, even without digits."""
    structural = {**STRUCTURAL, "errentry": (1, 2), "actentry": (1, 2)}
    (violation,) = scan(hand(source, 4), structural, MACROS)
    assert "a relation typed by hand" in violation.what and violation.line == 4


@pytest.mark.parametrize(
    "source", [r"$i \neq j$", r"$x \in \reals^{d}$", r"$\cost$ and $m = n$", r"$h \to \infty$", r"$h \propto d$"]
)
def test_relations_not_about_the_network_pass(source: str) -> None:
    """Relations between plain letters, and shape declarations, state nothing about the network's values."""
    assert scan(hand(source), STRUCTURAL, MACROS | {"reals"}) == []


def test_a_bare_value_needs_labels_that_name_it() -> None:
    """A value printed on its own passes only in a table cell under a row and a column label naming it."""
    import json

    value = provenance.role(
        provenance.BARE_VALUE,
        json.dumps(
            {"quantity": "w", "kind": "weight", "layer": "out", "index": [1, 1], "example": None, "network": None}
        ),
        r"\num{0.5}",
    )
    row = provenance.role(provenance.ROW_LABEL, json.dumps({"layer": "out", "index": [1, 1]}), "W")
    wrong_row = provenance.role(provenance.ROW_LABEL, json.dumps({"layer": "out", "index": [1, 2]}), "W")
    column = provenance.role(provenance.COLUMN_LABEL, json.dumps({"kind": "weight"}), "w")

    def table(label: str) -> str:
        body = " & " + provenance.generated(column) + r" \\ " + provenance.generated(label) + " & $"
        return hand(r"\begin{tabular}{lr}") + body + provenance.generated(value) + hand(r"$ \\ \end{tabular}")

    assert scan(table(row), STRUCTURAL) == []
    (violation,) = scan(table(wrong_row), STRUCTURAL)
    assert "names another quantity" in violation.what
    (violation,) = scan(hand("the weight is $") + provenance.generated(value) + hand("$"), STRUCTURAL)
    assert "printed without its symbol" in violation.what


def test_a_mistake_outside_its_box_is_a_violation() -> None:
    """A formula marked wrong may stand only inside a mistakes box."""
    mistake = provenance.generated(provenance.role(provenance.MISTAKE, "wrong_x", "a = b"))
    assert scan(hand(r"\begin{mistakes}$") + mistake + hand(r"$\end{mistakes}"), STRUCTURAL) == []
    (violation,) = scan(hand("$") + mistake + hand("$"), STRUCTURAL)
    assert "outside a mistakes box" in violation.what


def _plotted(text: str = r"\plotvalue{0.71}") -> str:
    """A ledger value as a plot draws it: generated, marked as plotted."""
    return provenance.generated(provenance.role(provenance.PLOTTED, '{"quantity": "J"}', text))


def test_a_plotted_value_inside_the_axes_of_a_plot_passes() -> None:
    """A plotted value inside a pgfplots axis (or groupplot) environment is no violation."""
    for env in ("axis", "groupplot"):
        picture = (
            provenance.generated(rf"\begin{{tikzpicture}}\begin{{{env}}}\addplot coordinates {{(0,")
            + _plotted()
            + provenance.generated(rf")}};\end{{{env}}}\end{{tikzpicture}}")
        )
        assert scan(hand("the loss falls:\n") + picture, STRUCTURAL) == []


def test_a_plotted_value_outside_the_axes_of_a_plot_is_a_violation() -> None:
    """A plotted value in prose, in maths or in a tikzpicture without axes is reported: it would print bare."""
    for where in (
        hand("the loss is ") + _plotted() + hand(" here"),
        hand("$") + _plotted() + hand("$"),
        provenance.generated(r"\begin{tikzpicture}\node at (0,0) {") + _plotted() + provenance.generated(r"};"),
    ):
        (violation,) = scan(where + provenance.generated(r"\end{tikzpicture}"), STRUCTURAL)
        assert "outside the axes of a plot" in violation.what


def test_plotvalue_typed_by_hand_is_a_violation() -> None:
    """A template that types \\plotvalue itself is reported, even with no digit in it."""
    picture = hand(r"\begin{axis}\addplot coordinates {(\steps,\plotvalue{\loss})};\end{axis}")
    (violation,) = scan(picture, STRUCTURAL)
    assert "plotted value typed by hand" in violation.what
