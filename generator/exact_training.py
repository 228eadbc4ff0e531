"""The oracle's training run: gradient descent again, in high precision, from the spec alone.

It shares no code with the core or with ``generator.training``: the loss is the oracle's SymPy
expression of the spec's network, every gradient its exact derivative (``generator.reverse_diff``),
and the steps run in mpmath at ``WORKING_DIGITS`` significant digits. Exact rational arithmetic over hundreds of steps
is too slow (the numbers' denominators grow with every exponential), and at this precision the
round-off of the whole run stays some forty digits below the places the book prints: a value is
given to ``DIGITS`` digits, like the gradient check's figures. The core's float64 run then must
agree with it to half a unit of each printed place (``generator.verify``).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import mpmath
import sympy as sp

from generator.reverse_diff import gradients

DIGITS = 50
WORKING_DIGITS = 70


def _mp(value: sp.Expr) -> mpmath.mpf:
    rational = sp.Rational(value)
    return mpmath.mpf(int(rational.p)) / int(rational.q)


def _decimal(value: mpmath.mpf) -> Decimal:
    return Decimal(mpmath.nstr(value, DIGITS, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))


class HighPrecisionTraining:
    """Full-batch gradient descent on ``loss`` over ``parameters``, from their values in ``values``.

    ``loss`` is an expression in the parameters (and in symbols ``values`` fixes, such as the
    oracle's shift symbols at zero); ``rate`` the exact learning rate.
    """

    def __init__(
        self, loss: sp.Expr, parameters: list[sp.Symbol], values: dict[sp.Symbol, sp.Expr], rate: sp.Rational
    ) -> None:
        fixed = {s: v for s, v in values.items() if s not in parameters}
        self.parameters = parameters
        self.start = [values[p] for p in parameters]
        self.fixed = fixed
        expression = loss.xreplace(fixed)
        found = gradients(expression, parameters)
        gradient = [found[p] for p in parameters]
        self._step: Callable = sp.lambdify(parameters, [expression, *gradient], modules="mpmath", cse=True)
        self.rate = rate
        self.losses: list[mpmath.mpf] = []
        self.points: list[list[mpmath.mpf]] = []

    def run(self, steps: int) -> None:
        """Take ``steps`` steps (once): ``losses[s]`` and ``points[s]`` after ``s`` of them."""
        if len(self.losses) > steps:
            return
        with mpmath.workdps(WORKING_DIGITS):
            rate = _mp(self.rate)
            point = [_mp(v) for v in self.start]
            self.losses, self.points = [], []
            for s in range(steps + 1):
                loss, *gradient = self._step(*point)
                self.losses.append(loss)
                self.points.append(point)
                if s < steps:
                    point = [p - rate * g for p, g in zip(point, gradient, strict=True)]

    def loss(self, s: int) -> Decimal:
        """The loss after ``s`` steps, to ``DIGITS`` digits."""
        return _decimal(self.losses[s])

    def parameter_values(self, s: int) -> dict[sp.Symbol, Decimal]:
        """Each parameter after ``s`` steps, to ``DIGITS`` digits."""
        return {p: _decimal(v) for p, v in zip(self.parameters, self.points[s], strict=True)}

    def evaluate(self, expressions: list[sp.Expr], s: int) -> list[Decimal]:
        """Expressions in the parameters (and the fixed symbols) at the point after ``s`` steps."""
        function = sp.lambdify(self.parameters, [e.xreplace(self.fixed) for e in expressions], modules="mpmath")
        with mpmath.workdps(WORKING_DIGITS):
            return [_decimal(v) for v in function(*self.points[s])]
