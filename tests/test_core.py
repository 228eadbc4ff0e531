"""The NumPy core against central finite differences, for every activation and loss."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator import core

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
        z, _ = core.dense_forward(a, layer.W, layer.b)
        if where == (n, "Z"):
            z = z + shift
        a = core.ACTIVATIONS[layer.activation].forward(z)
        if where == (n, "A"):
            a = a + shift
        records.append(core.LayerForward(z, a))
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
        for n_in, n_out, act in zip(widths[:-2], widths[1:-1], activations)
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
        for layer, record in zip(layers, records)
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
    for n, (layer, record, g) in enumerate(zip(layers, records, grads)):
        assert_gradient(g.dW, numeric_gradient(f, layer.W), J, f"dW of layer {n + 1}")
        assert_gradient(g.db, numeric_gradient(f, layer.b), J, f"db of layer {n + 1}")
        for where, analytic in (("Z", g.dZ), ("A", g.dA)):
            shift = np.zeros_like(record.Z)
            step = None
            if where == "A" and n == len(layers) - 1 and loss in ("bce", "softmax_ce"):
                # log(a) and log(1 - a): keep the step proportional to the distance to 0 or 1.
                step = H * np.minimum(record.A, 1 - record.A)
            numeric = numeric_gradient(
                lambda: loss_with_shift(layers, X, Y, loss, reduction, (n, where), shift), shift, step
            )
            assert_gradient(analytic, numeric, J, f"d{where} of layer {n + 1}")


ACTIVATION_NAMES = sorted(core.ACTIVATIONS)
# Output activation for each loss: fused pairs and unfused ones, so both backward routes run.
LOSS_OUTPUTS = [
    ("sse", "identity"), ("sse", "sigmoid"), ("mse", "tanh"), ("mse", "softmax"),
    ("bce", "sigmoid"), ("bce", "softmax"), ("softmax_ce", "softmax"), ("softmax_ce", "sigmoid"),
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


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    batch=st.integers(1, 4),
    data=st.data(),
)
def test_random_shapes_match_finite_differences(seed, widths, batch, data) -> None:
    """On random depths, widths and batch sizes, every gradient matches central differences."""
    rng = np.random.default_rng(seed)
    hidden = [data.draw(st.sampled_from(ACTIVATION_NAMES)) for _ in widths[1:-1]]
    loss, output = data.draw(st.sampled_from(LOSS_OUTPUTS))
    layers, X, Y = random_network(rng, widths, hidden, output, loss, batch)
    assume(not ill_conditioned(layers, X, loss))
    check_gradients(layers, X, Y, loss, data.draw(st.sampled_from(core.REDUCTIONS)))


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
