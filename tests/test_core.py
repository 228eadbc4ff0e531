"""The NumPy core against central finite differences, for every activation and loss."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from networks import cases

from generator import core, gradcheck

H = 5e-6  # near eps^(1/3), where truncation (h^2) and round-off (eps |J| / h) errors balance
TOLERANCE = 1e-7  # norm-wise relative error; ill-conditioned draws are excluded
NOISE = 1e-9  # round-off floor of a central difference, relative to max(1, |J|), per entry


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """||a - b|| / (||a|| + ||b||): one figure per gradient, blind to entries that are merely tiny."""
    return float(np.linalg.norm(a - b) / max(1e-12, np.linalg.norm(a) + np.linalg.norm(b)))


def assert_gradient(analytic: np.ndarray, numeric: np.ndarray, J: float, what: str) -> None:
    """Relative error below TOLERANCE, or a difference within the finite differences' own noise."""
    noise = NOISE * max(1.0, abs(J)) * np.sqrt(analytic.size)
    error = relative_error(analytic, numeric)
    assert error < TOLERANCE or np.linalg.norm(analytic - numeric) < noise, f"{what}: relative error {error:.2e}"


def loss_with_shift(layers, X, Y, loss, reduction, where=None, shift=None) -> float:
    """The loss, by forward rules only, with ``shift`` added at ``where=(n, "Z"|"A")``.

    The loss is the core's forward value (from the logits when the loss is fused, which is also
    the well-conditioned route), except when the output activation itself is shifted: then it
    is the plain formula of A, which is what that shift must reach.
    """
    a = X
    records = []
    for n, layer in enumerate(layers):
        z, cache = core.dense_forward(a, layer.W, layer.b)
        if where == (n, "Z"):
            z = z + shift
        a = core.ACTIVATIONS[layer.activation].forward(z)
        if where == (n, "A"):
            a = a + shift
        records.append(core.LayerForward(z, a, cache))
    if where != (len(layers) - 1, "A"):
        return core.loss_value(layers, records, Y, loss, reduction)
    total = core.LOSSES[loss].per_example(a, Y).sum()
    return float(total if reduction == "sum" else total / X.shape[0])


def numeric_gradient(f, x: np.ndarray, step: np.ndarray | None = None) -> np.ndarray:
    """Central differences of ``f`` in every entry of ``x`` (changed in place and restored)."""
    steps = np.broadcast_to(H if step is None else step, x.shape)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old, h = x[i], steps[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def random_network(rng, widths, activations, output, loss, batch):
    layers = [
        core.Dense(rng.normal(0, 0.8, (n_out, n_in)), rng.normal(0, 0.3, n_out), act)
        for n_in, n_out, act in zip(widths[:-2], widths[1:-1], activations, strict=True)
    ]
    layers.append(core.Dense(rng.normal(0, 0.8, (widths[-1], widths[-2])), rng.normal(0, 0.3, widths[-1]), output))
    X = rng.normal(0, 1, (batch, widths[0]))
    if loss == "softmax_ce":
        Y = rng.dirichlet(np.ones(widths[-1]), size=batch)
    elif loss == "bce":
        Y = rng.uniform(0, 1, (batch, widths[-1]))
    else:
        Y = rng.normal(0, 1, (batch, widths[-1]))
    return layers, X, Y


def ill_conditioned(layers, X, loss) -> bool:
    """Whether finite differences cannot be trusted here: a ReLU-type pre-activation near its
    kink, or a log-loss output so close to 0 or 1 that a difference step nears the singularity."""
    records = core.forward(layers, X)
    kink = any(
        layer.activation in ("relu", "leaky_relu") and np.min(np.abs(record.Z)) < 1e-3
        for layer, record in zip(layers, records, strict=True)
    )
    out = records[-1].A
    saturated = loss in ("bce", "softmax_ce") and (np.min(out) < 1e-3 or np.max(out) > 1 - 1e-3)
    return kink or saturated


def check_gradients(layers, X, Y, loss, reduction):
    assert not ill_conditioned(layers, X, loss), "choose another seed: finite differences are ill-conditioned here"
    records = core.forward(layers, X)
    grads = core.backward(layers, records, X, Y, loss, reduction)
    f = lambda: loss_with_shift(layers, X, Y, loss, reduction)  # noqa: E731
    J = f()
    for n, (layer, record, g) in enumerate(zip(layers, records, grads, strict=True)):
        assert_gradient(g.dW, numeric_gradient(f, layer.W), J, f"dW of layer {n + 1}")
        assert_gradient(g.db, numeric_gradient(f, layer.b), J, f"db of layer {n + 1}")
        for where, analytic in (("Z", g.dZ), ("A", g.dA)):
            shift = np.zeros_like(record.Z)
            step = None
            if where == "A" and n == len(layers) - 1 and loss in ("bce", "softmax_ce"):
                # log(a) and log(1 - a): keep the step proportional to the distance to 0 or 1.
                step = H * np.minimum(record.A, 1 - record.A)
            shifted = functools.partial(loss_with_shift, layers, X, Y, loss, reduction, (n, where), shift)
            numeric = numeric_gradient(shifted, shift, step)
            assert_gradient(analytic, numeric, J, f"d{where} of layer {n + 1}")


ACTIVATION_NAMES = sorted(core.ACTIVATIONS)
# Output activation for each loss: fused pairs and unfused ones, so both backward routes run.
LOSS_OUTPUTS = [
    ("sse", "identity"),
    ("sse", "sigmoid"),
    ("mse", "tanh"),
    ("mse", "softmax"),
    ("bce", "sigmoid"),
    ("bce", "softmax"),
    ("softmax_ce", "softmax"),
    ("softmax_ce", "sigmoid"),
]


@pytest.mark.parametrize("hidden", ACTIVATION_NAMES)
@pytest.mark.parametrize("reduction", core.REDUCTIONS)
def test_every_activation_matches_finite_differences(hidden: str, reduction: str) -> None:
    """Every hidden activation's backward rule matches central differences of the loss."""
    rng = np.random.default_rng(sum(map(ord, hidden + reduction)))
    layers, X, Y = random_network(rng, [3, 4, 5, 2], [hidden, hidden], "identity", "sse", 4)
    check_gradients(layers, X, Y, "sse", reduction)


@pytest.mark.parametrize(("loss", "output"), LOSS_OUTPUTS)
@pytest.mark.parametrize("reduction", core.REDUCTIONS)
def test_every_loss_matches_finite_differences(loss: str, output: str, reduction: str) -> None:
    """Every loss, fused with its output activation or not, matches central differences."""
    rng = np.random.default_rng(sum(map(ord, loss + output + reduction)))
    layers, X, Y = random_network(rng, [3, 4, 3], ["tanh"], output, loss, 5)
    check_gradients(layers, X, Y, loss, reduction)


def kink_crossed(case, moved: list) -> bool:
    """Whether moving a parameter makes a ReLU-type pre-activation change sign (or touch zero)."""
    base = core.forward(case.layers, case.X)
    after = core.forward(moved, case.X)
    return any(
        layer.activation in ("relu", "leaky_relu") and np.any(np.sign(r.Z) != np.sign(q.Z))
        for layer, r, q in zip(case.layers, base, after, strict=True)
    )


@given(cases(), st.randoms(use_true_random=False))
def test_random_networks_match_finite_differences(case, random) -> None:
    """Depths 1-5, widths 1-64, batches 1-128: a sample of each network's parameters matches
    central differences (a parameter whose step would cross a ReLU kink is not sampled)."""
    records = core.forward(case.layers, case.X)
    grads = core.backward(case.layers, records, case.X, case.Y, case.loss, case.reduction)
    J = core.loss_value(case.layers, records, case.Y, case.loss, case.reduction)
    parameters = list(gradcheck.parameters(case.layers))
    for n, which, index in random.sample(parameters, min(12, len(parameters))):
        moved = [gradcheck.moved(case.layers, (n, which, index), sign * H) for sign in (1, -1)]
        if any(kink_crossed(case, m) for m in moved):
            continue
        analytic = (grads[n].dW if which == "W" else grads[n].db)[index]
        numeric = gradcheck.numerical_gradient(
            core, case.layers, case.X, case.Y, case.loss, case.reduction, (n, which, index), H
        )
        assert abs(analytic - numeric) <= TOLERANCE * max(abs(analytic), abs(numeric)) + NOISE * max(1.0, abs(J)), (
            f"d{which}{index} of layer {n + 1}: backprop {analytic!r}, central difference {numeric!r}"
        )


@pytest.mark.parametrize(("loss", "output"), [("bce", "sigmoid"), ("softmax_ce", "softmax")])
def test_fused_loss_value_equals_the_plain_formula(loss: str, output: str) -> None:
    """A loss computed from the logits equals the same loss computed from the activations."""
    rng = np.random.default_rng(7)
    layers, X, Y = random_network(rng, [3, 4, 3], ["tanh"], output, loss, 6)
    records = core.forward(layers, X)
    for reduction in core.REDUCTIONS:
        fused = core.loss_value(layers, records, Y, loss, reduction)
        plain = core.LOSSES[loss].per_example(records[-1].A, Y).sum() / (1 if reduction == "sum" else 6)
        assert fused == pytest.approx(plain, rel=1e-13)


def test_relu_derivative_at_zero_is_zero() -> None:
    """ReLU'(0) = 0, the convention the book states."""
    relu = core.ACTIVATIONS["relu"]
    z = np.array([[0.0, -1.0, 2.0]])
    assert relu.backward(np.ones_like(z), z, relu.forward(z)).tolist() == [[0.0, 0.0, 1.0]]


def test_sgd_step_moves_against_the_gradient() -> None:
    """An SGD step subtracts the learning rate times the gradient from every weight and bias."""
    layer = core.Dense(np.array([[1.0, 2.0]]), np.array([0.5]), "identity")
    grads = [core.LayerGradients(np.zeros((1, 1)), np.zeros((1, 1)), np.array([[0.1, -0.2]]), np.array([0.3]))]
    (stepped,) = core.sgd_step([layer], grads, 0.5)
    assert stepped.W.tolist() == [[0.95, 2.1]]
    assert stepped.b.tolist() == [0.35]


def test_bad_shapes_name_the_layer() -> None:
    """Weights that do not take the layer's inputs raise an error naming the layer."""
    layers = [core.Dense(np.ones((2, 3)), None, "relu"), core.Dense(np.ones((1, 3)), None, "sigmoid")]
    with pytest.raises(core.CoreError, match="layer 2: weights of shape"):
        core.forward(layers, np.ones((1, 3)))


def test_unknown_activation_is_named() -> None:
    """An unknown activation name raises an error that names it and the layer."""
    with pytest.raises(core.CoreError, match="layer 1: unknown activation 'swish'"):
        core.forward([core.Dense(np.ones((1, 1)), None, "swish")], np.ones((1, 1)))


def small_network(**changes):
    """A 2-3-2 network with a batch of two, softmax output; ``changes`` replace its parts."""
    parts = {
        "W1": np.ones((3, 2)),
        "b1": np.zeros(3),
        "W2": np.ones((2, 3)),
        "b2": np.zeros(2),
        "X": np.ones((2, 2)),
        "Y": np.array([[0.25, 0.75], [1.0, 0.0]]),
        "output": "softmax",
    }
    parts.update(changes)
    layers = [core.Dense(parts["W1"], parts["b1"], "tanh"), core.Dense(parts["W2"], parts["b2"], parts["output"])]
    return layers, parts["X"], parts["Y"]


@pytest.mark.parametrize(
    ("changes", "loss", "message"),
    [
        ({"X": np.ones((2, 2), dtype=np.float32)}, "softmax_ce", "input: dtype float32, expected float64"),
        ({"X": [[1.0, 1.0]]}, "softmax_ce", "input: expected a NumPy array, got list"),
        ({"X": np.ones(2)}, "softmax_ce", "input: expected 2 dimension(s), got shape (2,)"),
        ({"X": np.array([[1.0, np.nan], [1.0, 1.0]])}, "softmax_ce", "input: entry (0, 1) is nan"),
        ({"W2": np.full((2, 3), np.inf)}, "softmax_ce", "layer 2: weights: entry (0, 0) is inf"),
        ({"W2": np.ones((2, 3), dtype=np.int64)}, "softmax_ce", "layer 2: weights: dtype int64"),
        ({"b1": np.array([0.0, -np.inf, 0.0])}, "softmax_ce", "layer 1: bias: entry (1,) is -inf"),
        ({"b1": np.zeros(2)}, "softmax_ce", "layer 1: bias of shape (2,), expected (3,)"),
        ({"W2": np.ones((2, 4))}, "softmax_ce", "layer 2: weights of shape (2, 4) do not take 3 inputs"),
        ({"Y": np.array([[0.5, 0.6], [1.0, 0.0]])}, "softmax_ce", "targets: row 0 is not a distribution"),
        ({"Y": np.array([[1.5, -0.5], [1.0, 0.0]])}, "softmax_ce", "targets: row 0 is not a distribution"),
        ({"Y": np.ones((2, 3))}, "sse", "loss: targets of shape (2, 3) do not match outputs of shape (2, 2)"),
        ({"Y": np.array([[np.nan, 0.0], [1.0, 0.0]])}, "sse", "targets: entry (0, 0) is nan"),
        ({"Y": np.array([[2.0, 0.0], [1.0, 0.0]])}, "bce", "targets: bce needs targets between 0 and 1"),
        ({"output": "identity", "W2": -np.ones((2, 3))}, "bce", "loss: bce needs outputs between 0 and 1"),
        ({}, "hinge", "loss: unknown loss 'hinge'"),
    ],
)
def test_bad_input_raises_a_clear_error(changes, loss: str, message: str) -> None:
    """Each kind of bad input to the core raises CoreError naming the layer or part and the problem."""
    layers, X, Y = small_network(**changes)
    with pytest.raises(core.CoreError) as raised:
        records = core.forward(layers, X)
        core.backward(layers, records, X, Y, loss, "sum")
    assert message in str(raised.value)
    if loss != "hinge":  # the loss value checks the same things as the backward pass
        with pytest.raises(core.CoreError):
            core.loss_value(layers, core.forward(layers, X), Y, loss, "sum")


def test_unknown_reduction_is_named() -> None:
    """A reduction other than sum or mean is named in the error."""
    layers, X, Y = small_network()
    with pytest.raises(core.CoreError, match="loss: unknown reduction 'median'"):
        core.backward(layers, core.forward(layers, X), X, Y, "softmax_ce", "median")
