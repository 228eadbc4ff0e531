"""The numeral scan: hand-typed numbers in maths or tables fail, structural places do not."""

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
    ],
)
def test_numeral_in_maths_or_table_is_a_violation(source: str) -> None:
    """A digit typed into any kind of maths or a table cell is reported."""
    (violation,) = scan(hand(source, 7), STRUCTURAL)
    assert (violation.template, violation.line) == ("t.tex.j2", 7)


@pytest.mark.parametrize(
    "source",
    [
        "Section 2 of note 001 says so.",  # text mode
        r"$\weightentry{out}{1}{2}$",  # declared index arguments
        r"$W_{\st{12}}$",  # explicit structural mark
        "\\begin{align} a \\\\[4pt] b \\label{eq:step1} \\end{align}",  # lengths and labels
        "\\begin{tabular}{p{2cm}r} a & b \\end{tabular}",  # column spec
        "% $0.5$ in a comment",
        r"a cost of \$5 is text",
    ],
)
def test_structural_and_text_numerals_pass(source: str) -> None:
    """Text, indices, labels, lengths, column specs and comments are not values."""
    assert scan(hand(source), STRUCTURAL) == []


def test_generated_numbers_pass_but_hand_numbers_beside_them_fail() -> None:
    """A ledger number is accepted inside maths; a numeral typed next to it is not."""
    marked = hand("$x = ") + provenance.generated(r"\num{0.61}") + hand(" + 2$", 3)
    (violation,) = scan(marked, STRUCTURAL)
    assert (violation.numeral, violation.line) == ("2", 3)
