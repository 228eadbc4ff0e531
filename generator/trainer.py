"""Training-sized work: the core's training step, with its buffers kept and its passes fused.

The book prints ``forward``, ``backward`` and ``sgd_step`` of ``generator.core`` beside their
equations, written as a student reads them: ``dA * (1.0 - A * A)`` makes two temporaries and
three passes over memory, and ``W - lr * dW`` makes a new matrix every step. For a 1024-wide
network those passes and the page faults of fresh arrays cost a third as much as the matrix
products themselves. ``Trainer`` runs the same operations, in the same order and with the same
roundings, into arrays it allocates once: its weights after any number of steps equal, bit for
bit, those of the listed functions (``tests/test_trainer.py`` checks that for every activation
and loss), so the book's listings stay the readable statement of what it computes.

    trainer = Trainer(layers, loss="softmax_ce", reduction="mean", learning_rate=0.1)
    for X, Y in batches:
        trainer.step(X, Y)
    layers = trainer.layers()
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from generator import core
from generator.core import Array, CoreError, Dense


class Trainer:
    """Full-batch SGD steps of one network on batches of one shape, computed in place.

    The weights given are copied: ``layers()`` returns the trained network, and the caller's
    arrays are never written.
    """

    def __init__(self, layers: Sequence[Dense], loss: str, reduction: str, learning_rate: float) -> None:
        if not layers:
            raise CoreError("trainer: a network needs at least one layer")
        core._check_array(layers[0].W, "layer 1: weights", 2)
        core._check_network(layers, np.zeros((1, layers[0].W.shape[1])))  # a batch of the right width
        if loss not in core.LOSSES:
            raise CoreError(f"loss: unknown loss {loss!r} (known: {', '.join(sorted(core.LOSSES))})")
        core._batch_scale(reduction, 1)  # an unknown reduction is an error now, not at the first step
        self.loss = loss
        self.reduction = reduction
        self.learning_rate = float(learning_rate)
        self._W = [layer.W.copy() for layer in layers]
        self._b = [None if layer.b is None else layer.b.copy() for layer in layers]
        self._activations = [layer.activation for layer in layers]
        rule = core.LOSSES[loss]
        self._fused = self._activations[-1] == rule.fused_activation
        self._batch: int | None = None

    def layers(self) -> list[Dense]:
        """The network as it stands, as the core's layers (copies)."""
        return [
            Dense(W.copy(), None if b is None else b.copy(), name)
            for W, b, name in zip(self._W, self._b, self._activations, strict=True)
        ]

    def _allocate(self, m: int) -> None:
        """Buffers for batches of ``m`` rows: one per layer for Z, A, dA and dW, reused every step."""
        widths = [W.shape[0] for W in self._W]
        self._Z = [np.empty((m, n)) for n in widths]
        # tanh is computed in place, over Z: its backward rule reads A only.
        self._A = [
            z if name == "tanh" else np.empty_like(z) for z, name in zip(self._Z, self._activations, strict=True)
        ]
        self._dA = [np.empty((m, W.shape[1])) for W in self._W]
        self._dW = [np.empty_like(W) for W in self._W]
        self._db = [None if b is None else np.empty_like(b) for b in self._b]
        self._batch = m

    def step(self, X: Array, Y: Array) -> None:
        """One step of gradient descent on the batch ``(X, Y)``: forward, backward, update."""
        core._check_array(X, "input", 2)
        if X.shape[1] != self._W[0].shape[1]:
            raise CoreError(f"input: {X.shape[1]} columns, the first layer takes {self._W[0].shape[1]}")
        if self._batch != X.shape[0]:
            self._allocate(X.shape[0])
        a = X
        for n, W in enumerate(self._W):
            z = np.matmul(a, W.T, out=self._Z[n])
            if self._b[n] is not None:
                z += self._b[n]
            a = self._activate(n, z)
        core._check_targets(Y, a, self.loss)
        self._backward(X, Y, core._batch_scale(self.reduction, X.shape[0]))

    def _activate(self, n: int, z: Array) -> Array:
        name, out = self._activations[n], self._A[n]
        if name == "tanh":
            return np.tanh(z, out=out)
        if name == "softmax":  # core.softmax, in place: exp(z - max) / sum
            np.subtract(z, z.max(axis=1, keepdims=True), out=out)
            np.exp(out, out=out)
            out /= out.sum(axis=1, keepdims=True)
            return out
        out[...] = core.ACTIVATIONS[name].forward(z)
        return out

    def _backward(self, X: Array, Y: Array, scale: float) -> None:
        last = len(self._W) - 1
        A = self._A[last]
        if self._fused:  # core.backward's fused output, over A: dZ = scale (A - Y)
            dz = np.subtract(A, Y, out=A)
            dz *= scale
        else:
            dA = scale * core.LOSSES[self.loss].gradient(A, Y)
            dz = self._slope(last, dA)
        for n in range(last, -1, -1):
            below = X if n == 0 else self._A[n - 1]
            dW = np.matmul(dz.T, below, out=self._dW[n])
            db = None if self._b[n] is None else np.sum(dz, axis=0, out=self._db[n])
            dA_below = np.matmul(dz, self._W[n], out=self._dA[n]) if n > 0 else None
            self._update(n, dW, db)
            if dA_below is not None:
                dz = self._slope(n - 1, dA_below)

    def _slope(self, n: int, dA: Array) -> Array:
        """dZ from dA for layer ``n``; tanh's ``dA * (1 - A*A)`` written over dA and A.

        Nothing reads layer ``n``'s A after its slope: the weight gradient above it is taken.
        """
        name = self._activations[n]
        if name == "tanh":
            A = self._A[n]
            np.multiply(A, A, out=A)
            np.subtract(1.0, A, out=A)
            dA *= A
            return dA
        return core.ACTIVATIONS[name].backward(dA, self._Z[n], self._A[n])

    def _update(self, n: int, dW: Array, db: Array | None) -> None:
        """core.sgd_step in place: ``W - lr dW``, the product rounded first as there."""
        dW *= self.learning_rate
        self._W[n] -= dW
        if db is not None:
            db *= self.learning_rate
            self._b[n] -= db  # type: ignore[operator]
