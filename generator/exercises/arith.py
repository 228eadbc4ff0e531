"""The generator's own arithmetic: a small network in plain Python floats, to choose variants.

It decides only which variant and which instance an exercise uses (that no unit sits at a kink,
that no gradient vanishes, that answers differ, that a step reproduces from its printed operands).
What the book prints is computed by the core and proved by the oracle like every other number;
this module shares no code with either. Gradients are central differences of the loss in a shift
of the quantity, fine enough to screen with a margin of a unit in the printed place.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from generator.quantities import Quantity
from generator.spec import ChapterSpec

LEAKY = 0.01
STEP = 1e-6
# Slopes from the two sides of a point differing by more than this (relative) part: a kink there; a
# smooth function's differ by about its curvature times STEP.
KINK_SLOPES = 1e-3
Shifts = dict[tuple, float]


def _activation(name: str, z: list[float]) -> list[float]:
    if name == "identity":
        return list(z)
    if name == "sigmoid":  # each side in the form whose exponential cannot overflow
        return [1 / (1 + math.exp(-v)) if v >= 0 else math.exp(v) / (1 + math.exp(v)) for v in z]
    if name == "tanh":
        return [math.tanh(v) for v in z]
    if name == "relu":
        return [v if v > 0 else 0.0 for v in z]
    if name == "leaky_relu":
        return [v if v > 0 else LEAKY * v for v in z]
    if name == "softmax":
        top = max(z)
        exps = [math.exp(v - top) for v in z]
        return [v / sum(exps) for v in exps]
    raise ValueError(f"unknown activation {name!r}")


def _log(p: float) -> float:
    """The logarithm of a probability; minus infinity for a saturated one (the screen refuses it)."""
    return math.log(p) if p > 0 else -math.inf


def _loss(name: str, a: list[float], y: list[float]) -> float:
    if name == "sse":
        return sum((p - t) ** 2 for p, t in zip(a, y, strict=True))
    if name == "mse":
        return sum((p - t) ** 2 for p, t in zip(a, y, strict=True)) / len(a)
    if name == "bce":
        return -sum(t * _log(p) + (1 - t) * _log(1 - p) for p, t in zip(a, y, strict=True))
    if name == "softmax_ce":
        return -sum(t * _log(p) for p, t in zip(a, y, strict=True) if t)
    raise ValueError(f"unknown loss {name!r}")


class Floats:
    """Every value a screened quantity can have, for one spec's network, in float64."""

    def __init__(self, spec: ChapterSpec) -> None:
        self.spec = spec
        self.layers = [
            (
                layer.activation,
                [[float(w) for w in row] for row in layer.weights],
                [float(b) for b in layer.biases] if layer.biases is not None else [0.0] * layer.size,
            )
            for layer in spec.layers
        ]
        self.X = [[float(v) for v in row] for row in spec.inputs]
        self.Y = [[float(v) for v in row] for row in spec.targets]
        self.z, self.a, self.per_example, self.J = self._forward({})

    def _forward(self, shifts: Shifts) -> tuple[dict, dict, list[float], float]:
        z_all: dict[tuple[int, int, int], float] = {}
        a_all: dict[tuple[int, int, int], float] = {}
        losses = []
        for e, (x, y) in enumerate(zip(self.X, self.Y, strict=True), start=1):
            below = [v + shifts.get(("x", e, j), 0.0) for j, v in enumerate(x, start=1)]
            for n, (activation, W, b) in enumerate(self.layers, start=1):
                z = []
                for k, row in enumerate(W, start=1):
                    total = sum(
                        (w + shifts.get(("W", n, k, t), 0.0)) * v
                        for t, (w, v) in enumerate(zip(row, below, strict=True), start=1)
                    )
                    z.append(total + b[k - 1] + shifts.get(("b", n, k), 0.0) + shifts.get(("z", n, e, k), 0.0))
                a = _activation(activation, z)
                a = [v + shifts.get(("a", n, e, k), 0.0) for k, v in enumerate(a, start=1)]
                for k in range(1, len(z) + 1):
                    z_all[n, e, k], a_all[n, e, k] = z[k - 1], a[k - 1]
                below = a
            losses.append(_loss(self.spec.loss, below, y))
        total = sum(losses)
        return z_all, a_all, losses, total if self.spec.reduction == "sum" else total / len(losses)

    def _slope(self, key: tuple, of: Callable[[tuple], float]) -> float:
        return (of(self._forward({key: STEP})) - of(self._forward({key: -STEP}))) / (2 * STEP)

    def _derivative(self, q: Quantity) -> tuple[tuple, Callable[[tuple], float]] | None:
        """For a derivative kind: the input it moves (a key of ``_forward``'s shifts) and what it reads."""
        e = q.example or 1
        n = self.spec.layer_number(q.layer) if q.layer is not None else 0
        i = q.index

        def loss(result: tuple) -> float:
            return result[3]

        match q.kind:
            case "activation_derivative":
                return ("z", n, e, i[0]), lambda r: r[1][n, e, i[0]] - 0.0
            case "activation_gradient":
                return ("a", n, e, i[0]), loss
            case "error":
                return ("z", n, e, i[0]), loss
            case "weight_gradient":
                return ("W", n, i[0], i[1]), loss
            case "bias_gradient":
                return ("b", n, i[0]), loss
            case "input_gradient":
                return ("x", e, i[0]), loss
            case "example_activation_gradient":
                return ("a", n, e, i[0]), lambda r: r[2][e - 1]
            case "example_error":
                return ("z", n, e, i[0]), lambda r: r[2][e - 1]
        return None

    def value(self, q: Quantity) -> float:
        """The float value of ``q`` (1-based indices), for the kinds an exercise uses."""
        derivative = self._derivative(q)
        if derivative is not None:
            return self._slope(*derivative)
        e = q.example or 1
        n = self.spec.layer_number(q.layer) if q.layer is not None else 0
        i = q.index
        match q.kind:
            case "input":
                return self.X[e - 1][i[0] - 1]
            case "target":
                return self.Y[e - 1][i[0] - 1]
            case "weight":
                return self.layers[n - 1][1][i[0] - 1][i[1] - 1]
            case "bias":
                return self.layers[n - 1][2][i[0] - 1]
            case "loss":
                return self.J
            case "preactivation":
                return self.z[n, e, i[0]]
            case "activation":
                return self.a[n, e, i[0]]
        raise ValueError(f"the generator does not screen quantities of kind {q.kind!r}")

    def one_sided(self, q: Quantity, side: int) -> float:
        """``value(q)``, a derivative taken from one side only: from the right (``side`` 1) or the left (-1)."""
        derivative = self._derivative(q)
        if derivative is None:
            return self.value(q)
        key, of = derivative
        return side * (of(self._forward({key: side * STEP})) - of(self._forward({}))) / STEP

    def at_a_kink(self, q: Quantity) -> bool:
        """Whether the derivative ``q`` sits on a kink: its slopes from the left and from the right differ,
        and a central difference, which averages them, is no derivative (the book's own is one side's)."""
        right, left = self.one_sided(q, 1), self.one_sided(q, -1)
        return abs(right - left) > KINK_SLOPES * max(1.0, abs(right), abs(left))

    def parameter_gradients(self) -> list[tuple[Quantity, float]]:
        """Every weight's and bias's gradient."""
        found = []
        for layer in self.spec.layers:
            for k, row in enumerate(layer.weights, start=1):
                for t in range(1, len(row) + 1):
                    q = Quantity("weight_gradient", layer.name, None, (k, t))
                    found.append((q, self.value(q)))
                if layer.biases is not None:
                    q = Quantity("bias_gradient", layer.name, None, (k,))
                    found.append((q, self.value(q)))
        return found
