"""The gradient check: central finite differences of the core's loss, compared with its backward pass.

A parameter ``theta`` is moved by ``+step`` and ``-step`` and the loss recomputed by the core's
forward pass; ``(J(theta + step) - J(theta - step)) / (2 step)`` approximates ``dJ/dtheta`` with an
error of order ``step**2`` (plus the round-off of the two losses, of order ``eps / step``). The
relative error is CS231n's ``|analytic - numerical| / max(|analytic|, |numerical|)``, and
``VERDICTS`` is the rule of thumb that reads it; the book prints both from here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from types import ModuleType

import numpy as np

# Upper bounds on the relative error, each with what it means (CS231n's rule of thumb, float64).
# Each meaning completes "the gradient is ...".
VERDICTS: tuple[tuple[float, str], ...] = (
    (1e-7, "right"),
    (1e-4, "right only if a unit is near its kink (ReLU)"),
    (1e-2, "suspicious: look for a bug"),
    (float("inf"), "wrong"),
)
# When the two evaluations of the central difference see a unit on different sides of its kink,
# the difference measures no derivative, and the relative error says nothing about the gradient.
AT_A_KINK = "not judged: the two evaluations straddle a kink"
# Activations with a kink at zero (a ReLU-type unit is "on" for a positive pre-activation).
KINKED = frozenset({"relu", "leaky_relu"})

Parameter = tuple[int, str, tuple[int, ...]]  # (layer number from 0, "W" or "b", index from 0)


def relative_error(analytic: float, numerical: float) -> float:
    """``|a - n| / max(|a|, |n|)``, and zero when both are zero."""
    scale = max(abs(analytic), abs(numerical))
    return 0.0 if scale == 0.0 else abs(analytic - numerical) / scale


def verdict(error: float, kinks: int = 0) -> str:
    """What a relative error says about a gradient, by ``VERDICTS``; with ``kinks`` straddled, nothing."""
    if kinks > 0:
        return AT_A_KINK
    return next(meaning for bound, meaning in VERDICTS if error < bound)


def straddles_kink(core: ModuleType, layers: Sequence, X, parameter: Parameter, step: float) -> bool:
    """Whether the two evaluations of the central difference see some ReLU-type unit on different
    sides of its kink (on for one, off for the other)."""
    up = core.forward(moved(layers, parameter, step), X)
    down = core.forward(moved(layers, parameter, -step), X)
    return any(
        bool(np.any((above.Z > 0) != (below.Z > 0)))
        for layer, above, below in zip(layers, up, down, strict=True)
        if layer.activation in KINKED
    )


def parameters(layers: Sequence) -> Iterator[Parameter]:
    """Every weight and bias of a network, layer by layer."""
    for n, layer in enumerate(layers):
        yield from ((n, "W", index) for index in np.ndindex(*layer.W.shape))
        if layer.b is not None:
            yield from ((n, "b", index) for index in np.ndindex(*layer.b.shape))


def moved(layers: Sequence, parameter: Parameter, by: float) -> list:
    """A copy of the network with one parameter moved by ``by``."""
    n, which, index = parameter
    array = getattr(layers[n], which).copy()
    array[index] += by
    moved = list(layers)
    moved[n] = replace(layers[n], **{which: array})
    return moved


def numerical_gradient(
    core: ModuleType,
    layers: Sequence,
    X,
    Y,
    loss: str,
    reduction: str,
    parameter: Parameter,
    step: float,
) -> float:
    """The central difference of the core's loss in one parameter."""

    def J(at: list) -> float:
        return core.loss_value(at, core.forward(at, X), Y, loss, reduction)

    up = J(moved(layers, parameter, step))
    down = J(moved(layers, parameter, -step))
    return (up - down) / (2.0 * step)
