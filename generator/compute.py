"""Stage 2: run the NumPy core on a chapter spec and answer "what is the value of quantity q?".

The core module is a parameter so that tests can run the pipeline with a deliberately broken copy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from types import ModuleType

import numpy as np

from generator import core as default_core
from generator import gradcheck
from generator.bindings import bind, fill
from generator.expr import Env, NumpyOps
from generator.formulas import get_formula
from generator.ledger import Quantity, format_fixed
from generator.spec import ChapterSpec, SpecError


def _array(rows: tuple[tuple[Decimal, ...], ...]) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in rows], dtype=np.float64)


@dataclass(frozen=True)
class Computation:
    """The core's forward pass, backward pass and SGD step for one spec."""

    spec: ChapterSpec
    core: ModuleType
    X: np.ndarray
    Y: np.ndarray
    layers: list
    records: list
    grads: list
    updated: list
    loss: float

    def value(self, q: Quantity) -> float:
        """The core's float64 value of ``q`` (indices and examples are 1-based)."""
        if q.network is not None and q.network != self.spec.name:
            # The other chapter's network, checked with this chapter's finite-difference step.
            other = compute(replace(self.spec.network_spec(q.network), step=self.spec.step), self.core)
            return other.value(replace(q, network=None))
        spec = self.spec
        idx = tuple(i - 1 for i in q.index)
        e = (q.example or 1) - 1
        n = spec.layer_number(q.layer) - 1 if q.layer is not None else -1
        kind = q.kind
        if kind == "input":
            return float(self.X[e, idx[0]])
        if kind == "target":
            return float(self.Y[e, idx[0]])
        if kind == "learning_rate":
            return float(spec.learning_rate)
        if kind == "loss":
            return self.loss
        if kind == "weight":
            return float(self.layers[n].W[idx])
        if kind == "bias":
            return float(self.layers[n].b[idx[0]])
        if kind == "preactivation":
            return float(self.records[n].Z[e, idx[0]])
        if kind == "activation":
            return float(self.records[n].A[e, idx[0]])
        if kind == "activation_derivative":
            return self._derivative_at(n, self.records[n].Z[e : e + 1], idx[0])
        if kind == "activation_gradient":
            return float(self.grads[n].dA[e, idx[0]])
        if kind == "error":
            return float(self.grads[n].dZ[e, idx[0]])
        if kind == "weight_gradient":
            return float(self.grads[n].dW[idx])
        if kind == "bias_gradient":
            return float(self.grads[n].db[idx[0]])
        if kind == "updated_weight":
            return float(self.updated[n].W[idx])
        if kind == "updated_bias":
            return float(self.updated[n].b[idx[0]])
        if kind == "hand_activation_derivative":
            z = self._rounded(self.records[n].Z[e : e + 1])
            return self._derivative_at(n, z, idx[0])
        if kind == "hand_weight_gradient":
            return self._hand_weight_gradient(n, idx)
        if kind == "input_gradient":
            first = self.layers[0]
            dX, _, _ = self.core.dense_backward(self.grads[0].dZ, (self.X, first.W, first.b is not None))
            return float(dX[e, idx[0]])
        if kind == "formula":
            return float(self._formula_value(q))
        if kind in ("example_activation_gradient", "example_error"):
            example = self._example_gradients(e)[n]
            return float((example.dA if kind == "example_activation_gradient" else example.dZ)[0, idx[0]])
        if kind == "finite_difference_step":
            if spec.step is None:
                raise KeyError(f"{spec.path} has no gradient_check.step")
            return float(spec.step)
        if kind == "numerical_gradient":
            return self._numerical(self._parameter(n, idx))
        if kind == "relative_error":
            parameter = self._parameter(n, idx)
            return gradcheck.relative_error(self._analytic(parameter), self._numerical(parameter))
        if kind == "relative_error_bound":  # one parameter, or the largest over a layer or the network
            chosen = [self._parameter(n, idx)] if idx else [
                p for p in gradcheck.parameters(self.layers) if q.layer is None or p[0] == n]
            return max(gradcheck.relative_error(self._analytic(p), self._numerical(p)) for p in chosen)
        if kind == "hand_updated_weight":
            return float(self.layers[n].W[idx]) - float(spec.learning_rate) * self._hand_weight_gradient(n, idx)
        raise KeyError(f"the core does not know the quantity kind {kind!r}")

    def _example_gradients(self, e: int) -> list:
        """The backward pass of example ``e`` alone, its loss summed: per-example gradients without 1/m."""
        records = [self.core.LayerForward(r.Z[e : e + 1], r.A[e : e + 1]) for r in self.records]
        return self.core.backward(self.layers, records, self.X[e : e + 1], self.Y[e : e + 1], self.spec.loss, "sum")

    @staticmethod
    def _parameter(n: int, idx: tuple[int, ...]) -> gradcheck.Parameter:
        return (n, "W", idx) if len(idx) == 2 else (n, "b", idx)

    def _analytic(self, parameter: gradcheck.Parameter) -> float:
        n, which, index = parameter
        return float((self.grads[n].dW if which == "W" else self.grads[n].db)[index])

    def _numerical(self, parameter: gradcheck.Parameter) -> float:
        if self.spec.step is None:
            raise KeyError(f"{self.spec.path} has no gradient_check.step")
        return gradcheck.numerical_gradient(self.core, self.layers, self.X, self.Y, self.spec.loss,
                                            self.spec.reduction, parameter, float(self.spec.step))

    def _formula_value(self, q: Quantity) -> float:
        """The formula's last side evaluated on this network's numbers (NumPy)."""
        formula = get_formula(q.formula or "")
        binding = bind(formula.model, self.spec, q.layer or "", q.example or 1)
        values = fill(binding, self.value, lambda rows: np.array(rows, dtype=np.float64))
        index = dict(zip(formula.free, (i - 1 for i in q.index)))
        return float(np.asarray(formula.chain[-1].evaluate(Env(NumpyOps(), values), index)).reshape(-1)[0])

    def _rounded(self, values: np.ndarray) -> np.ndarray:
        """The values as a reader sees them in the tables: rounded by the ledger's own rule."""
        places = self.spec.hand_decimals
        return np.vectorize(lambda v: float(format_fixed(v, places)))(values).astype(np.float64)

    def _derivative_at(self, n: int, z_row: np.ndarray, k: int) -> float:
        """d a_k / d z_k of layer n at the pre-activation row ``z_row`` (the Jacobian's diagonal)."""
        activation = self.core.ACTIVATIONS[self.spec.layers[n].activation]
        a_row = activation.forward(z_row)
        unit = np.zeros_like(z_row)
        unit[0, k] = 1.0
        return float(activation.backward(unit, z_row, a_row)[0, k])

    def _hand_weight_gradient(self, n: int, idx: tuple[int, ...]) -> float:
        """dJ/dW_kt as computed by hand from the rounded table values, summed over examples."""
        k, t = idx
        a_prev = self.X if n == 0 else self.records[n - 1].A
        total = 0.0
        for e in range(self.X.shape[0]):
            dA = float(self._rounded(self.grads[n].dA[e : e + 1, k : k + 1])[0, 0])
            slope = self._derivative_at(n, self._rounded(self.records[n].Z[e : e + 1]), k)
            total += dA * slope * float(self._rounded(a_prev[e : e + 1, t : t + 1])[0, 0])
        return total


def compute(spec: ChapterSpec, core: ModuleType = default_core) -> Computation:
    """Forward, loss, backward and one SGD step of the spec's network on the spec's batch.

    Input the core refuses (``CoreError``) is bad input in the spec: it is named with the spec's file.
    """
    try:
        return _compute(spec, core)
    except core.CoreError as error:
        raise SpecError(spec.path, "(network)", f"the core refuses it: {error}") from None


def _compute(spec: ChapterSpec, core: ModuleType) -> Computation:
    X, Y = _array(spec.inputs), _array(spec.targets)
    layers = [
        core.Dense(
            _array(layer.weights),
            None if layer.biases is None else np.array([float(v) for v in layer.biases], dtype=np.float64),
            layer.activation,
        )
        for layer in spec.layers
    ]
    records = core.forward(layers, X)
    grads = core.backward(layers, records, X, Y, spec.loss, spec.reduction)
    return Computation(
        spec=spec,
        core=core,
        X=X,
        Y=Y,
        layers=layers,
        records=records,
        grads=grads,
        updated=core.sgd_step(layers, grads, float(spec.learning_rate)),
        loss=core.loss_value(layers, records, Y, spec.loss, spec.reduction),
    )
