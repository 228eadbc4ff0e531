"""The chapter for note 002: per-example error terms, the selector form and numerical care."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from helpers import printed, render_checked
from helpers import printed_value as value

from generator import core
from generator.quantities import Quantity


@pytest.fixture(scope="module")
def rendered(project):
    return render_checked(project, "three-layer")


def test_output_error_and_loss_derivative_per_example(rendered) -> None:
    """delta3(e) = yhat - y, and dL/dyhat is -1/yhat for a label of one, 1/(1 - yhat) for zero."""
    for e, y in enumerate((1, 0, 1, 0), start=1):
        yhat = value(rendered, Quantity("activation", "three", e, (1,)))
        assert value(rendered, Quantity("example_error", "three", e, (1,))) == yhat - y
        selected = -1 / yhat if y == 1 else 1 / (1 - yhat)
        assert abs(value(rendered, Quantity("example_activation_gradient", "three", e, (1,))) - selected) < Decimal(
            "2e-3"
        )


def test_a_relu_unit_that_is_off_passes_no_error(rendered) -> None:
    """Where z2_j(e) is negative the printed error term of that unit is zero."""
    for e in (1, 2, 3, 4):
        for j in (1, 2):
            if value(rendered, Quantity("preactivation", "two", e, (j,))) < 0:
                assert printed(rendered, Quantity("example_error", "two", e, (j,))) == {"0.0000"}


def test_the_mean_is_the_average_of_the_examples(rendered) -> None:
    """dJ/db3 is the mean of the printed per-example error terms, to rounding."""
    mean = sum(value(rendered, Quantity("example_error", "three", e, (1,))) for e in (1, 2, 3, 4)) / 4
    assert abs(mean - value(rendered, Quantity("bias_gradient", "three", None, (1,)))) < Decimal("1e-4")


def test_the_sigmoid_rounds_to_one_above_a_logit_of_about_37() -> None:
    """The chapter's claim about double precision: sigma(36) < 1 but sigma(37) == 1."""
    sigmoid = core.ACTIVATIONS["sigmoid"].forward
    assert sigmoid(np.array([[36.0]]))[0, 0] < 1.0
    assert sigmoid(np.array([[37.0]]))[0, 0] == 1.0


def test_the_division_form_overflows_and_the_logit_form_does_not() -> None:
    """At logit 40 and label 0 the textbook derivative is infinite; the core floors it; the fused route is exact."""
    z, y = np.array([[40.0]]), np.array([[0.0]])
    yhat = core.ACTIVATIONS["sigmoid"].forward(z)
    with np.errstate(divide="ignore"):
        assert np.isinf((1.0 - y) / (1.0 - yhat) - y / yhat).all()  # the textbook form
    # The core's unfused form is floored (a stated convention), the fused route needs no floor.
    assert core.LOSSES["bce"].gradient(yhat, y)[0, 0] == 1.0 / core.GRADIENT_FLOOR
    layers = [core.Dense(np.array([[1.0]]), None, "sigmoid")]
    x = np.array([[40.0]])
    records = core.forward(layers, x)
    assert core.loss_value(layers, records, y, "bce", "sum") == pytest.approx(40.0)
    (grads,) = core.backward(layers, records, x, y, "bce", "sum")
    assert grads.dZ[0, 0] == 1.0
