"""The NumPy backprop core: dense layers, activations, losses, forward, backward, SGD.

Conventions (the book states the same ones in its "Conventions" section):

* Weight orientation: a layer with ``n_in`` inputs and ``n_out`` neurons holds ``W`` of shape
  ``(n_out, n_in)``; ``W[k, t]`` connects neuron ``t`` of the layer below to neuron ``k``.
* Batches are matrices with one example per row: ``A_prev`` has shape ``(m, n_in)`` and
  ``Z = A_prev @ W.T + b``, so ``Z`` has shape ``(m, n_out)``.
* A loss is a per-example sum over output units (mean over them for ``mse``), reduced over the
  batch by ``"sum"`` or ``"mean"``.
* ``ReLU'(0) = 0`` and the leaky ReLU slope is ``LEAKY_SLOPE``.

Every array is float64. Each activation and loss keeps its derivative beside its forward rule,
and each layer function returns the cache that its backward function consumes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]

LEAKY_SLOPE = 0.01
REDUCTIONS = ("sum", "mean")


class CoreError(ValueError):
    """Bad input to the core: the message names the layer and the problem."""


# --------------------------------------------------------------------------- activations


@dataclass(frozen=True)
class Activation:
    """An elementwise (or row-wise, for softmax) activation with its backward rule.

    ``backward(dA, Z, A)`` returns ``dZ``, the gradient with respect to the pre-activation.
    """

    name: str
    forward: Callable[[Array], Array]
    backward: Callable[[Array, Array, Array], Array]


def sigmoid(z: Array) -> Array:
    """``1 / (1 + exp(-z))``, in two branches so that exp never overflows."""
    e = np.exp(-np.abs(z))  # exp(-|z|) <= 1
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_backward(dA: Array, Z: Array, A: Array) -> Array:
    """``dZ = dA * sigma'(Z)``, where ``sigma'(Z) = A (1 - A)``."""
    return dA * A * (1.0 - A)


def tanh_backward(dA: Array, Z: Array, A: Array) -> Array:
    """``dZ = dA * tanh'(Z)``, where ``tanh'(Z) = 1 - A^2``."""
    return dA * (1.0 - A * A)


def relu(z: Array) -> Array:
    """``max(z, 0)``, entry by entry."""
    return np.maximum(z, 0.0)


def relu_backward(dA: Array, Z: Array, A: Array) -> Array:
    """``dZ = dA`` where ``Z > 0``, and 0 elsewhere (``ReLU'(0) = 0``)."""
    return dA * (Z > 0)


def softmax(z: Array) -> Array:
    """Row by row, ``exp(z_i) / sum_j exp(z_j)``; shifted by the row's maximum."""
    shifted = np.exp(z - z.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def softmax_backward(dA: Array, Z: Array, A: Array) -> Array:
    """Row by row, the Jacobian times ``dA``: ``(diag(a) - a a^T) dA``."""
    return A * (dA - (dA * A).sum(axis=1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("identity", lambda z: z.copy(), lambda da, z, a: da.copy()),
        Activation("sigmoid", sigmoid, sigmoid_backward),
        Activation("tanh", np.tanh, tanh_backward),
        Activation("relu", relu, relu_backward),
        Activation(
            "leaky_relu",
            lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
            lambda da, z, a: da * np.where(z > 0, 1.0, LEAKY_SLOPE),
        ),
        Activation("softmax", softmax, softmax_backward),
    )
}


# --------------------------------------------------------------------------- losses


@dataclass(frozen=True)
class Loss:
    """A loss: per-example values and their gradient with respect to the output activation.

    ``fused_activation`` names the output activation for which ``dZ = A - Y`` holds exactly
    (per example); the backward pass then skips the division by ``A`` for stability, and
    ``per_example_from_logits`` computes the value from ``Z`` without taking ``log(A)``.
    """

    name: str
    per_example: Callable[[Array, Array], Array]
    gradient: Callable[[Array, Array], Array]
    fused_activation: str | None = None
    per_example_from_logits: Callable[[Array, Array], Array] | None = None


# Binary cross-entropy of a probability of exactly 0 or 1 (an unfused output that saturated):
# each log is floored at LOG_FLOOR and the gradient's denominator a (1 - a) at GRADIENT_FLOOR,
# the conventions of PyTorch's binary_cross_entropy, so the result is finite and stated.
LOG_FLOOR = -100.0
GRADIENT_FLOOR = 1e-12


def _floored_log(a: Array) -> Array:
    with np.errstate(divide="ignore"):  # log(0) = -inf, floored at once
        return np.maximum(np.log(a), LOG_FLOOR)


def sse(a: Array, y: Array) -> Array:
    """Per example, the squared error summed over output units (no factor 1/2)."""
    return ((a - y) ** 2).sum(axis=1)


def sse_gradient(a: Array, y: Array) -> Array:
    """``dL/da = 2 (a - y)``."""
    return 2.0 * (a - y)


def bce(a: Array, y: Array) -> Array:
    """Per example, ``-[y log a + (1 - y) log(1 - a)]`` summed over output units."""
    return -(y * _floored_log(a) + (1.0 - y) * _floored_log(1.0 - a)).sum(axis=1)


def bce_gradient(a: Array, y: Array) -> Array:
    """``dL/da = (1 - y) / (1 - a) - y / a``, over one denominator."""
    # The floor keeps the denominator away from zero.
    return (a - y) / np.maximum(a * (1.0 - a), GRADIENT_FLOOR)


def bce_from_logits(z: Array, y: Array) -> Array:
    """``bce(sigmoid(z), y)`` from the logit, not by way of ``log(sigmoid(z))``."""
    # -[y log s(z) + (1-y) log(1-s(z))] = max(z,0) - y z + log(1 + exp(-|z|))
    per_unit = np.maximum(z, 0.0) - y * z + np.log1p(np.exp(-np.abs(z)))
    return per_unit.sum(axis=1)


def softmax_ce_from_logits(z: Array, y: Array) -> Array:
    """``-sum_i y_i log softmax(z)_i`` per example, by log-sum-exp."""
    shift = z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(z - shift).sum(axis=1, keepdims=True)) + shift
    return -(y * (z - log_sum)).sum(axis=1)


LOSSES: dict[str, Loss] = {
    rule.name: rule
    for rule in (
        Loss("sse", sse, sse_gradient),
        Loss(
            "mse",
            lambda a, y: ((a - y) ** 2).mean(axis=1),
            lambda a, y: 2.0 * (a - y) / a.shape[1],
        ),
        Loss(
            "bce",
            bce,
            bce_gradient,
            fused_activation="sigmoid",
            per_example_from_logits=bce_from_logits,
        ),
        Loss(
            "softmax_ce",
            lambda a, y: -(y * _floored_log(a)).sum(axis=1),
            lambda a, y: -y / np.maximum(a, GRADIENT_FLOOR),
            fused_activation="softmax",
            per_example_from_logits=softmax_ce_from_logits,
        ),
    )
}


# --------------------------------------------------------------------------- dense layer


@dataclass(frozen=True)
class Dense:
    """One layer: ``A = activation(A_prev @ W.T + b)``; ``b`` is ``None`` for a layer without bias."""

    W: Array
    b: Array | None
    activation: str


DenseCache = tuple[Array, Array, bool]


def dense_forward(
    a_prev: Array,
    W: Array,
    b: Array | None,
) -> tuple[Array, DenseCache]:
    """``Z = A_prev W^T + b``; the cache keeps what the backward rule reads."""
    z = a_prev @ W.T
    if b is not None:
        z += b  # z is new: adding in place spares a copy of the pre-activations
    return z, (a_prev, W, b is not None)


def dense_backward(
    dz: Array, cache: DenseCache, input_gradient: bool = True
) -> tuple[Array | None, Array, Array | None]:
    """``dA_prev = dZ W``, ``dW = dZ^T A_prev``, ``db`` = the sum of ``dZ``'s rows.

    ``input_gradient=False`` skips ``dA_prev`` (``None``): below the first
    layer nothing reads it, and it costs as much as ``dW``.
    """
    a_prev, W, has_bias = cache
    dA_prev = dz @ W if input_gradient else None
    db = dz.sum(axis=0) if has_bias else None
    return dA_prev, dz.T @ a_prev, db


# --------------------------------------------------------------------------- network passes


@dataclass(frozen=True)
class LayerForward:
    """What the forward pass keeps for one layer: pre-activation ``Z``, activation ``A``, and the
    cache that the layer's backward rule reads (``dx, dw, db = dense_backward(dout, cache)``)."""

    Z: Array
    A: Array
    cache: DenseCache


@dataclass(frozen=True)
class LayerGradients:
    """Per layer: dJ/dA, dJ/dZ (the error term), dJ/dW and dJ/db (``None`` without bias)."""

    dA: Array
    dZ: Array
    dW: Array
    db: Array | None


def _check_array(array: object, what: str, ndim: int) -> None:
    """A float64 array of ``ndim`` dimensions with finite entries, or a CoreError naming ``what``."""
    if not isinstance(array, np.ndarray):
        raise CoreError(f"{what}: expected a NumPy array, got {type(array).__name__}")
    if array.dtype != np.float64:
        raise CoreError(f"{what}: dtype {array.dtype}, expected float64")
    if array.ndim != ndim:
        raise CoreError(f"{what}: expected {ndim} dimension(s), got shape {array.shape}")
    if not np.isfinite(array).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
        raise CoreError(f"{what}: entry {bad} is {array[bad]}, expected a finite number")


def _check_network(layers: Sequence[Dense], X: Array) -> None:
    _check_array(X, "input", 2)
    width = X.shape[1]
    for number, layer in enumerate(layers, start=1):
        if layer.activation not in ACTIVATIONS:
            known = ", ".join(sorted(ACTIVATIONS))
            raise CoreError(f"layer {number}: unknown activation {layer.activation!r} (known: {known})")
        _check_array(layer.W, f"layer {number}: weights", 2)
        if layer.W.shape[1] != width:
            raise CoreError(
                f"layer {number}: weights of shape {layer.W.shape} do not take {width} inputs "
                f"(expected (n_out, {width}))"
            )
        if layer.b is not None:
            _check_array(layer.b, f"layer {number}: bias", 1)
            if layer.b.shape != (layer.W.shape[0],):
                raise CoreError(f"layer {number}: bias of shape {layer.b.shape}, expected ({layer.W.shape[0]},)")
        width = layer.W.shape[0]


def _check_targets(Y: Array, outputs: Array, loss: str) -> None:
    if loss not in LOSSES:
        raise CoreError(f"loss: unknown loss {loss!r} (known: {', '.join(sorted(LOSSES))})")
    _check_array(Y, "targets", 2)
    if Y.shape != outputs.shape:
        raise CoreError(f"loss: targets of shape {Y.shape} do not match outputs of shape {outputs.shape}")
    if loss == "softmax_ce":
        rows = Y.sum(axis=1)
        bad = np.flatnonzero((Y < 0).any(axis=1) | (np.abs(rows - 1.0) > 1e-9))
        if bad.size:
            raise CoreError(
                f"targets: row {bad[0]} is not a distribution (entries >= 0 summing to 1) "
                f"as softmax_ce needs: sums to {rows[bad[0]]!r}"
            )
    if loss == "bce" and ((Y < 0) | (Y > 1)).any():
        raise CoreError("targets: bce needs targets between 0 and 1")
    if loss in ("bce", "softmax_ce") and ((outputs < 0) | (outputs > 1)).any():
        raise CoreError(
            f"loss: {loss} needs outputs between 0 and 1 (probabilities); the output layer gave "
            f"{outputs[(outputs < 0) | (outputs > 1)][0]!r}"
        )


def forward(layers: Sequence[Dense], X: Array) -> list[LayerForward]:
    """Run the network on the batch ``X``, keeping every layer's ``Z`` and ``A``."""
    _check_network(layers, X)
    records: list[LayerForward] = []
    a = X
    for layer in layers:
        z, cache = dense_forward(a, layer.W, layer.b)
        a = ACTIVATIONS[layer.activation].forward(z)
        records.append(LayerForward(z, a, cache))
    return records


def _batch_scale(reduction: str, m: int) -> float:
    if reduction not in REDUCTIONS:
        raise CoreError(f"loss: unknown reduction {reduction!r} (known: sum, mean)")
    return 1.0 if reduction == "sum" else 1.0 / m


def loss_value(layers: Sequence[Dense], records: Sequence[LayerForward], Y: Array, loss: str, reduction: str) -> float:
    """The scalar loss ``J``; a fused loss is computed from the logits (log-sum-exp)."""
    _check_targets(Y, records[-1].A, loss)
    rule = LOSSES[loss]
    out = records[-1]
    if rule.per_example_from_logits is not None and layers[-1].activation == rule.fused_activation:
        per_example = rule.per_example_from_logits(out.Z, Y)
    else:
        per_example = rule.per_example(out.A, Y)
    return float(per_example.sum() * _batch_scale(reduction, Y.shape[0]))


def backward(
    layers: Sequence[Dense],
    records: Sequence[LayerForward],
    X: Array,
    Y: Array,
    loss: str,
    reduction: str,
) -> list[LayerGradients]:
    """Backpropagate ``J`` through every layer, from the output down."""
    _check_targets(Y, records[-1].A, loss)
    rule = LOSSES[loss]
    scale = _batch_scale(reduction, X.shape[0])
    out = records[-1]

    grads: list[LayerGradients] = []
    fused = layers[-1].activation == rule.fused_activation
    dA = scale * rule.gradient(out.A, Y)
    for index in range(len(layers) - 1, -1, -1):
        layer, record = layers[index], records[index]
        if index == len(layers) - 1 and fused:
            dZ = scale * (record.A - Y)  # the slope cancels the loss's 1/A
        else:
            dZ = ACTIVATIONS[layer.activation].backward(dA, record.Z, record.A)
        below = index > 0  # below the first layer, nothing reads dA_prev
        dA_prev, dW, db = dense_backward(dZ, record.cache, below)
        grads.append(LayerGradients(dA, dZ, dW, db))
        if dA_prev is not None:  # None below the first layer, where the loop ends
            dA = dA_prev
    grads.reverse()
    return grads


def sgd_step(
    layers: Sequence[Dense],
    grads: Sequence[LayerGradients],
    learning_rate: float,
) -> list[Dense]:
    """Plain gradient descent: ``W <- W - lr dJ/dW`` and ``b <- b - lr dJ/db``."""
    updated = []
    for layer, g in zip(layers, grads, strict=True):
        W = layer.W - learning_rate * g.dW
        b: Array | None = None
        if layer.b is not None and g.db is not None:
            b = layer.b - learning_rate * g.db
        updated.append(Dense(W, b, layer.activation))
    return updated
