"""The fast many-digit evaluator and the fast identity proof the checks rely on."""

from __future__ import annotations

from decimal import Decimal

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from generator.formulas.check import _as_rational_function, _is_zero
from generator.precise import PreciseEvaluator

u, v, w = sp.symbols("u v w", real=True)


@given(st.fractions(-3, 3, max_denominator=50), st.fractions(-3, 3, max_denominator=50))
def test_agrees_with_sympy_to_every_digit(first, second) -> None:
    """On a nested tanh/exp/log expression the value equals SymPy's adaptive N to 50 digits."""
    values = {u: sp.Rational(first.numerator, first.denominator), v: sp.Rational(second.numerator, second.denominator)}
    expression = sp.tanh(u * sp.exp(v) - 1) ** 2 + sp.log(1 + sp.exp(-u)) / (2 + sp.tanh(v))
    expected = Decimal(str(sp.N(expression.xreplace(values), 50)))
    assert abs(PreciseEvaluator(values, 50)(expression) - expected) <= abs(expected) * Decimal("1e-49")


def test_cancellation_is_left_to_sympy() -> None:
    """A difference that cancels below the working precisions is not trusted to the fast path."""
    cancelling = sp.Add(u + sp.Rational(1, 10**80), -u, evaluate=False)  # (1/3 + 1e-80) - 1/3
    evaluator = PreciseEvaluator({u: sp.Rational(1, 3)}, 50)
    assert evaluator.approximate(cancelling) is None
    assert evaluator(cancelling) == Decimal("1e-80")


def test_a_kink_is_decided_exactly() -> None:
    """A ReLU slope at an argument that is exactly zero takes the exact branch, not round-off's."""
    zero = u + v - w  # 1/10 + 2/10 - 3/10: exactly zero, a few units in binary
    slope = sp.Piecewise((1, zero > 0), (0, True))
    values = {u: sp.Rational(1, 10), v: sp.Rational(2, 10), w: sp.Rational(3, 10)}
    assert PreciseEvaluator(values, 50).approximate(slope) is None
    assert PreciseEvaluator(values, 50)(slope) == 0


def test_exp_keeps_its_law_in_the_rational_function() -> None:
    """exp(2u - v) becomes E_u**2 / E_v, so that exp(u)**2 exp(-v) - exp(2u - v) is zero."""
    assert sp.cancel(_as_rational_function(sp.exp(u) ** 2 * sp.exp(-v) - sp.exp(2 * u - v))) == 0


def test_sigmoid_identity_is_proved_and_a_wrong_one_is_not() -> None:
    """sigma' = sigma (1 - sigma) holds; sigma' = sigma (1 + sigma) does not."""
    sigma = 1 / (1 + sp.exp(-u))
    assert _is_zero(sp.diff(sigma, u) - sigma * (1 - sigma))
    assert not _is_zero(sp.diff(sigma, u) - sigma * (1 + sigma))


def test_relations_beyond_the_rational_function_still_prove() -> None:
    """tanh(u)**2 + 1/cosh(u)**2 = 1 needs more than the unknowns; the slower rewrites find it."""
    identity = sp.tanh(u) ** 2 + 1 / sp.cosh(u) ** 2 - 1
    assert sp.cancel(sp.together(_as_rational_function(identity))) != 0
    assert _is_zero(identity)
