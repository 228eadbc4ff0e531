"""The chapter of the four equations: the batch example and the cost of a backward pass."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import printed_value as value
from helpers import render_checked

from generator.quantities import Quantity


@pytest.fixture(scope="module")
def rendered(project):
    return render_checked(project, "four-equations")


@pytest.mark.parametrize(("layer", "units"), [("one", 4), ("two", 4), ("three", 2)])
def test_bias_gradient_is_the_column_sum_of_the_errors(rendered, layer: str, units: int) -> None:
    """BP3 on the printed numbers: dJ/db_k = Delta_1k + Delta_2k, to rounding."""
    for k in range(1, units + 1):
        total = sum(value(rendered, Quantity("error", layer, e, (k,))) for e in (1, 2))
        assert abs(total - value(rendered, Quantity("bias_gradient", layer, None, (k,)))) <= Decimal("1e-4")


def test_operation_counts_follow_the_layer_sizes(rendered) -> None:
    """3-4-4-2: forward 12 + 16 + 8 = 36, backward 36 + 16 + 8 = 60, 46 parameters, 92 passes."""
    tex = " ".join(rendered.tex.split())
    assert r"forward pass takes \num{36} multiply-adds and the backward pass \num{60}" in tex
    assert r"each of its \num{46} parameters: \num{92} forward passes" in tex


def test_every_one_of_the_four_equations_is_shown(rendered) -> None:
    """BP1 to BP4, the mean's 1/m and the transposed mistake are all checked formulas of the chapter."""
    assert {
        "bp_output_error",
        "bp_error_recursion",
        "bp_bias_gradient",
        "bp_weight_gradient",
        "bp_mean_output_error",
        "wrong_bp_error_recursion_transpose",
    } <= set(rendered.formulas)
