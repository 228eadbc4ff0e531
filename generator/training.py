"""Training: full-batch gradient descent with the core's forward pass, backward pass and SGD step.

The training chapter runs the chapter's network for ``steps`` steps on its batch and draws the
loss after each step and the network's output on a grid of inputs, before and after. Every step
is the core's own: ``forward``, ``backward`` and ``sgd_step`` of ``generator.core`` (passed in as
``core``, so that tests can train with a deliberately broken copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType

import numpy as np


@dataclass(frozen=True)
class Trajectory:
    """The networks and losses of a training run: ``networks[s]`` and ``losses[s]`` after ``s`` steps."""

    networks: tuple[list, ...]
    losses: tuple[float, ...]


def train(
    core: ModuleType,
    layers: Sequence,
    X: np.ndarray,
    Y: np.ndarray,
    loss: str,
    reduction: str,
    rate: float,
    steps: int,
) -> Trajectory:
    """``steps`` full-batch gradient descent steps: W <- W - rate dJ/dW, b too."""
    networks, losses = [list(layers)], []
    for _ in range(steps + 1):
        network = networks[-1]
        records = core.forward(network, X)
        losses.append(core.loss_value(network, records, Y, loss, reduction))
        if len(losses) > steps:
            break
        grads = core.backward(network, records, X, Y, loss, reduction)
        networks.append(core.sgd_step(network, grads, rate))
    return Trajectory(tuple(networks), tuple(losses))


def outputs(core: ModuleType, layers: Sequence, points: np.ndarray) -> np.ndarray:
    """The network's output activations at each row of ``points``."""
    return core.forward(layers, points)[-1].A
