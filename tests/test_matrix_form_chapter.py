"""The chapter for note 000: one weight, the batch form and both weight orientations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import printed_value as value
from helpers import render_checked

from generator.formulas import FORMULAS
from generator.quantities import Quantity


@pytest.fixture(scope="module")
def rendered(project):
    return render_checked(project, "matrix-form")


def test_output_error_is_prediction_minus_target(rendered) -> None:
    """Every printed entry of the output error matrix is A - Y for its example and output."""
    targets = {(1, 1): 1, (1, 2): 0, (2, 1): 0, (2, 2): 1, (3, 1): 1, (3, 2): 1}
    for (e, k), y in targets.items():
        a = value(rendered, Quantity("activation", "out", e, (k,)))
        assert value(rendered, Quantity("error", "out", e, (k,))) == a - y, (e, k)


def test_output_gradient_sums_over_the_three_examples(rendered) -> None:
    """dJ/dW_kj = sum_e Delta_ek A_ej, from the printed four-place values to rounding."""
    for k in (1, 2):
        for j in (1, 2):
            total = sum(
                value(rendered, Quantity("error", "out", e, (k,)))
                * value(rendered, Quantity("activation", "hid", e, (j,)))
                for e in (1, 2, 3)
            )
            assert abs(total - value(rendered, Quantity("weight_gradient", "out", None, (k, j)))) < Decimal("5e-4")


def test_the_four_chain_rule_instances_are_printed(rendered) -> None:
    """The chapter writes the chain rule out for each of the four output weights."""
    for k in (1, 2):
        for j in (1, 2):
            assert rf"\pd{{\cost}}{{\weightentry{{out}}{{{k}}}{{{j}}}}} = " in rendered.tex


def test_the_notes_formula_holds_for_its_orientation_only(formula_verdicts) -> None:
    """A^T Delta is right for input-by-output weights and fails for this book's orientation."""
    assert formula_verdicts["logistic_io_output_gradient"] == []
    assert FORMULAS["wrong_logistic_output_gradient_orientation"].kind == "wrong"
    assert formula_verdicts["wrong_logistic_output_gradient_orientation"] == []
