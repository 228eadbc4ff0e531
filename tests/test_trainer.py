"""The in-place Trainer against the core's listed forward, backward and sgd_step, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from networks import ACTIVATION_NAMES, LOSS_OUTPUTS, build, cases

from generator import core
from generator.core import CoreError, Dense
from generator.trainer import Trainer


def listed_steps(case, steps: int) -> list[Dense]:
    """The book's own route: forward, backward and sgd_step, ``steps`` times."""
    layers = case.layers
    for _ in range(steps):
        records = core.forward(layers, case.X)
        grads = core.backward(layers, records, case.X, case.Y, case.loss, case.reduction)
        layers = core.sgd_step(layers, grads, case.learning_rate)
    return layers


def trained(case, steps: int) -> list[Dense]:
    trainer = Trainer(case.layers, case.loss, case.reduction, case.learning_rate)
    for _ in range(steps):
        trainer.step(case.X, case.Y)
    return trainer.layers()


def assert_identical(got: list[Dense], expected: list[Dense]) -> None:
    for number, (a, b) in enumerate(zip(got, expected, strict=True), start=1):
        assert a.activation == b.activation
        np.testing.assert_array_equal(a.W, b.W, err_msg=f"layer {number}: weights differ")
        if b.b is None:
            assert a.b is None
        else:
            np.testing.assert_array_equal(a.b, b.b, err_msg=f"layer {number}: bias differs")


@given(cases(max_depth=4, max_width=24, max_batch=40), st.integers(1, 3))
def test_trainer_equals_the_listed_step_bit_for_bit(case, steps) -> None:
    """Any network, loss and reduction: the Trainer's weights equal the listed functions' exactly."""
    assert_identical(trained(case, steps), listed_steps(case, steps))


@pytest.mark.parametrize("hidden", ACTIVATION_NAMES)
@pytest.mark.parametrize(("loss", "output"), LOSS_OUTPUTS)
def test_every_activation_and_loss_pair_is_exact(hidden, loss, output) -> None:
    """Each hidden activation under each loss and output pairing, two steps, both reductions."""
    for seed, reduction in ((1, "sum"), (2, "mean")):
        case = build(seed, [5, 4, 3, 3], [hidden, hidden], loss, output, 6, reduction)
        assert_identical(trained(case, 2), listed_steps(case, 2))


def test_layers_without_bias_and_a_new_batch_size() -> None:
    """No-bias layers stay without bias, and a batch of another size gets new buffers."""
    case = build(3, [4, 6, 2], ["tanh"], "softmax_ce", "softmax", 8, "mean")
    layers = [Dense(layer.W, None, layer.activation) for layer in case.layers]
    trainer = Trainer(layers, case.loss, case.reduction, case.learning_rate)
    trainer.step(case.X, case.Y)
    trainer.step(case.X[:3], case.Y[:3])
    expected = layers
    for X, Y in ((case.X, case.Y), (case.X[:3], case.Y[:3])):
        grads = core.backward(expected, core.forward(expected, X), X, Y, "softmax_ce", "mean")
        expected = core.sgd_step(expected, grads, case.learning_rate)
    assert_identical(trainer.layers(), expected)


def test_the_callers_weights_are_not_written() -> None:
    """Training copies the network it is given; the caller's arrays keep their values."""
    case = build(4, [3, 3, 2], ["tanh"], "sse", "identity", 5, "sum")
    before = [layer.W.copy() for layer in case.layers]
    trained(case, 2)
    for layer, W in zip(case.layers, before, strict=True):
        np.testing.assert_array_equal(layer.W, W)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda c: Trainer([], "sse", "sum", 0.1), "at least one layer"),
        (lambda c: Trainer(c.layers, "hinge", "sum", 0.1), "unknown loss 'hinge'"),
        (lambda c: Trainer(c.layers, "sse", "median", 0.1), "unknown reduction 'median'"),
        (lambda c: Trainer([Dense(np.ones(3), None, "tanh")], "sse", "sum", 0.1), "layer 1: weights"),
        (lambda c: Trainer([Dense(np.ones((2, 2)), None, "swish")], "sse", "sum", 0.1), "unknown activation"),
        (lambda c: Trainer(c.layers, "sse", "sum", 0.1).step(c.X[:, :2], c.Y), "the first layer takes 3"),
        (lambda c: Trainer(c.layers, "sse", "sum", 0.1).step(c.X * np.inf, c.Y), "expected a finite number"),
        (lambda c: Trainer(c.layers, "sse", "sum", 0.1).step(c.X, c.Y[:, :1]), "do not match outputs"),
    ],
)
def test_bad_input_is_a_core_error(make, message) -> None:
    """A bad network, loss, reduction or batch is refused with the core's message, before any step."""
    case = build(5, [3, 4, 2], ["tanh"], "sse", "identity", 4, "sum")
    with pytest.raises(CoreError, match=message):
        make(case)
