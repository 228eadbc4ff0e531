"""The softmax chapter (note 004): three classes, the A - Y error, and its counterexamples."""

from __future__ import annotations

import pytest
from helpers import printed, render_checked

from generator.formulas import FORMULAS
from generator.formulas.check import check_exact
from generator.quantities import Quantity


@pytest.fixture(scope="module")
def rendered(project):
    return render_checked(project, "softmax-cross-entropy")


def test_output_error_is_prediction_minus_target(rendered) -> None:
    """The printed error term of each class is its probability minus its target (one-hot on class 2)."""
    for k, target in ((1, 0), (2, 1), (3, 0)):
        (a,) = printed(rendered, Quantity("activation", "out", 1, (k,)))
        (delta,) = printed(rendered, Quantity("error", "out", 1, (k,)))
        assert abs(float(a) - target - float(delta)) <= 1e-4, k


def test_counterexamples_differ_from_the_truth(rendered) -> None:
    """The note's -a_i a_i and the flipped sign print values unlike the true ones."""
    wrong = printed(rendered, Quantity("formula", "out", 1, (1, 2), "wrong_softmax_jacobian_offdiagonal"))
    true = printed(rendered, Quantity("formula", "out", 1, (1, 2), "softmax_jacobian_offdiagonal"))
    assert wrong == {"-0.1962"} and true == {"-0.1056"}
    assert printed(rendered, Quantity("formula", "out", 1, (2,), "wrong_softmax_ce_sign")) == {"0.7615"}
    assert printed(rendered, Quantity("error", "out", 1, (2,))) == {"-0.7615"}


def test_the_last_link_needs_the_targets_to_sum_to_one() -> None:
    """Without its constraint the chain's last link fails; so does the vector form: the build names where it is used."""
    chain = FORMULAS["softmax_ce_chain"]
    assert check_exact(chain) == []
    (problem,) = check_exact(type(chain)(**{**chain.__dict__, "uses": {}}))
    assert "link 4 differs at i=1" in problem
