"""Evaluate SymPy expressions at exact rational points to many significant digits, fast.

``sympy.N`` walks an expression as a tree and re-evaluates every repeated subexpression; the
oracle's derivatives of a deep network repeat the same ``tanh(z)`` thousands of times, so ``N``
spends seconds on one gradient. Here each distinct subexpression is evaluated once in mpmath
(memoised per precision), at two working precisions. Where the two agree to ``digits + 2``
significant digits the value is taken; where they do not (cancellation), or where the
expression holds something this evaluator does not know, or a Piecewise condition is too close
to call, SymPy's adaptive ``N`` decides, as before.
"""

from __future__ import annotations

from decimal import Decimal

import mpmath
import sympy as sp

_FUNCTIONS = {sp.exp: mpmath.exp, sp.log: mpmath.log, sp.tanh: mpmath.tanh}
_RELATIONS = {
    sp.StrictGreaterThan: lambda d: d > 0,
    sp.GreaterThan: lambda d: d >= 0,
    sp.StrictLessThan: lambda d: d < 0,
    sp.LessThan: lambda d: d <= 0,
}


class _Undecided(Exception):
    """The fast path cannot vouch for the value; SymPy's adaptive evaluation takes over."""


class PreciseEvaluator:
    """Values of expressions in the symbols of ``values`` (exact rationals), to ``digits`` digits."""

    def __init__(self, values: dict[sp.Symbol, sp.Expr], digits: int) -> None:
        self.values = values
        self.digits = digits
        self.precisions = (digits + 20, digits + 40)
        self._memo: dict[int, dict[sp.Basic, mpmath.mpf]] = {p: {} for p in self.precisions}

    def __call__(self, expr: sp.Expr) -> Decimal:
        expr = sp.sympify(expr)
        fast = self.approximate(expr)
        return fast if fast is not None else self._adaptive(expr)

    def approximate(self, expr: sp.Expr) -> Decimal | None:
        """The value by the fast path alone, or None where it cannot vouch for ``digits`` digits."""
        try:
            low, high = (self._at(sp.sympify(expr), precision) for precision in self.precisions)
        except (_Undecided, ArithmeticError):  # ArithmeticError: a pole, e.g. log(0) or 1/0
            return None
        with mpmath.workdps(self.precisions[-1]):
            if high == low or abs(high - low) <= abs(high) * mpmath.mpf(10) ** -(self.digits + 2):
                return Decimal(mpmath.nstr(high, self.digits, min_fixed=-mpmath.inf, max_fixed=mpmath.inf))
        return None

    def _adaptive(self, expr: sp.Expr) -> Decimal:
        return Decimal(str(sp.N(expr.xreplace(self.values), self.digits)))

    def _at(self, expr: sp.Basic, precision: int) -> mpmath.mpf:
        with mpmath.workdps(precision):
            return self._value(expr, self._memo[precision], precision)

    def _value(self, expr: sp.Basic, memo: dict[sp.Basic, mpmath.mpf], precision: int) -> mpmath.mpf:
        known = memo.get(expr)
        if known is not None:
            return known
        if expr.is_Symbol:
            if expr not in self.values:
                raise _Undecided
            value = self._value(self.values[expr], memo, precision)
        elif expr.is_Rational:
            value = mpmath.mpf(int(expr.p)) / int(expr.q)
        elif expr.is_Add:
            value = mpmath.fsum(self._value(term, memo, precision) for term in expr.args)
        elif expr.is_Mul:
            value = mpmath.fprod(self._value(factor, memo, precision) for factor in expr.args)
        elif expr.is_Pow:
            base, exponent = expr.args
            base_value = self._value(base, memo, precision)
            value = base_value ** (int(exponent) if exponent.is_Integer else self._value(exponent, memo, precision))
        elif expr.func in _FUNCTIONS:
            value = _FUNCTIONS[expr.func](self._value(expr.args[0], memo, precision))
        elif isinstance(expr, sp.Piecewise):
            value = self._piecewise(expr, memo, precision)
        else:
            raise _Undecided
        if isinstance(value, mpmath.mpc):  # a log or power of a negative number: not a real value
            raise _Undecided
        memo[expr] = value
        return value

    def _piecewise(self, expr: sp.Piecewise, memo: dict[sp.Basic, mpmath.mpf], precision: int) -> mpmath.mpf:
        for piece, condition in expr.args:
            if condition is sp.true:
                return self._value(piece, memo, precision)
            if condition.func not in _RELATIONS:
                raise _Undecided
            difference = self._value(condition.lhs - condition.rhs, memo, precision)
            if abs(difference) <= mpmath.mpf(10) ** -(precision - 10):  # at a kink: only exact arithmetic decides
                raise _Undecided
            if _RELATIONS[condition.func](difference):
                return self._value(piece, memo, precision)
        raise _Undecided
