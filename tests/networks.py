"""Random networks and data for the oracle and property tests, as hypothesis strategies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from generator import core

ACTIVATION_NAMES = sorted(core.ACTIVATIONS)
# Output activation for each loss: the fused pairs and unfused ones, so both backward routes run.
LOSS_OUTPUTS = (
    ("sse", "identity"),
    ("sse", "sigmoid"),
    ("mse", "tanh"),
    ("mse", "softmax"),
    ("mse", "leaky_relu"),
    ("bce", "sigmoid"),
    ("bce", "softmax"),
    ("softmax_ce", "softmax"),
    ("softmax_ce", "sigmoid"),
)


@dataclass(frozen=True)
class Case:
    """A network, a batch and how its loss is taken."""

    layers: list
    X: np.ndarray
    Y: np.ndarray
    loss: str
    reduction: str
    learning_rate: float

    def __repr__(self) -> str:  # what hypothesis prints for a failing case
        widths = [self.X.shape[1]] + [layer.W.shape[0] for layer in self.layers]
        acts = [layer.activation for layer in self.layers]
        return (
            f"Case(widths={widths}, activations={acts}, batch={self.X.shape[0]}, loss={self.loss!r}, "
            f"reduction={self.reduction!r})"
        )


def targets(rng: np.random.Generator, loss: str, shape: tuple[int, int]) -> np.ndarray:
    """Targets that the loss accepts: distributions, probabilities or any reals."""
    if loss == "softmax_ce":
        return rng.dirichlet(np.ones(shape[1]), size=shape[0])
    if loss == "bce":
        return rng.uniform(0, 1, shape)
    return rng.normal(0, 1, shape)


def build(
    seed: int,
    widths: list[int],
    activations: list[str],
    loss: str,
    output: str,
    batch: int,
    reduction: str,
    scale: float = 1.0,
) -> Case:
    """A case from a seed; ``scale`` multiplies the weights (large values reach extreme logits)."""
    rng = np.random.default_rng(seed)
    names = [*activations, output]
    layers = [
        core.Dense(scale * rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in)), rng.normal(0, 0.3, n_out), name)
        for n_in, n_out, name in zip(widths[:-1], widths[1:], names, strict=True)
    ]
    X = rng.normal(0, 1, (batch, widths[0]))
    return Case(layers, X, targets(rng, loss, (batch, widths[-1])), loss, reduction, float(rng.uniform(0.01, 1)))


@st.composite
def cases(draw, max_depth: int = 5, max_width: int = 64, max_batch: int = 128) -> Case:
    """Depth 1..max_depth, widths 1..max_width, batch 1..max_batch, activations and losses at random."""
    depth = draw(st.integers(1, max_depth))
    widths = draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1))
    loss, output = draw(st.sampled_from(LOSS_OUTPUTS))
    if output == "softmax" or loss == "softmax_ce":
        widths[-1] = max(widths[-1], 2)  # softmax over one class is the constant one
    hidden = draw(st.lists(st.sampled_from(ACTIVATION_NAMES), min_size=depth - 1, max_size=depth - 1))
    return build(
        draw(st.integers(0, 2**32 - 1)),
        widths,
        hidden,
        loss,
        output,
        draw(st.integers(1, max_batch)),
        draw(st.sampled_from(core.REDUCTIONS)),
    )
