"""The linear-layer chapter (note 003): its numbers, its counterexamples and its formulas."""

from __future__ import annotations

import pytest
from helpers import printed, render_checked, verify_tampered

from generator.quantities import Quantity


@pytest.fixture(scope="module")
def rendered(project):
    return render_checked(project, "linear-layer")


def test_gradients_of_the_example(rendered) -> None:
    """dJ/dy = 2 (y - t), dJ/dW its outer product with x, dJ/dx = W^T dJ/dy, as printed."""
    assert printed(rendered, Quantity("error", "lin", 1, (1,))) == {"-3.550"}
    assert printed(rendered, Quantity("weight_gradient", "lin", None, (1, 2))) == {"-7.100"}
    assert printed(rendered, Quantity("weight_gradient", "lin", None, (2, 3))) == {"-9.150"}
    assert printed(rendered, Quantity("input_gradient", None, 1, (3,))) == {"-3.938"}  # -3.9375, half away from zero


def test_counterexample_of_the_swapped_index(rendered) -> None:
    """The wrong formula's value at (1, 2) is printed from the ledger and differs from the true gradient."""
    wrong = Quantity("formula", "lin", 1, (1, 2), "wrong_dW_index_swapped")
    assert printed(rendered, wrong) == {"12.200"}
    assert printed(rendered, Quantity("weight_gradient", "lin", None, (1, 2))) != printed(rendered, wrong)


def test_a_wrong_counterexample_number_is_caught(project, rendered) -> None:
    """The oracle recomputes a formula's value exactly: a tampered text fails, naming the formula."""
    (failure,) = verify_tampered(project, rendered, lambda q: q.kind == "formula", "-7.100")
    assert "formula wrong_dW_index_swapped[lin]_1,2 (example 1): printed -7.100, exact 12.200000" in str(failure)


def test_every_formula_shown_is_checked(rendered) -> None:
    """The chapter shows its result formulas, the batched forms and the three mistakes."""
    shown = set(rendered.formulas)
    assert {
        "linear_dW_index",
        "linear_dW_vector",
        "linear_dx_vector",
        "rows_dW",
        "columns_dW",
        "elementwise_vector",
        "wrong_dW_index_swapped",
        "wrong_dx_transpose_dropped",
        "wrong_rows_dW_transpose_misplaced",
    } <= shown
