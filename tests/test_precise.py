"""The fast many-digit evaluator and the fast identity proof the checks rely on."""

from __future__ import annotations

from decimal import Decimal

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.formulas.check import _is_zero
from generator.formulas.rational_zero import NotRational, is_identically_zero
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
    assert is_identically_zero(sp.exp(u) ** 2 * sp.exp(-v) - sp.exp(2 * u - v))
    assert not is_identically_zero(sp.exp(u) ** 2 * sp.exp(v) - sp.exp(2 * u - v))


def test_sigmoid_identity_is_proved_and_a_wrong_one_is_not() -> None:
    """sigma' = sigma (1 - sigma) holds; sigma' = sigma (1 + sigma) does not."""
    sigma = 1 / (1 + sp.exp(-u))
    assert _is_zero(sp.diff(sigma, u) - sigma * (1 - sigma))
    assert not _is_zero(sp.diff(sigma, u) - sigma * (1 + sigma))


def test_relations_beyond_the_rational_function_still_prove() -> None:
    """tanh(u)**2 + 1/cosh(u)**2 = 1 needs more than the unknowns; the slower rewrites find it."""
    identity = sp.tanh(u) ** 2 + 1 / sp.cosh(u) ** 2 - 1
    assert not is_identically_zero(identity)
    assert _is_zero(identity)


def test_a_derivative_is_one_unknown_whatever_its_variable() -> None:
    """g'(p) written with two different bound variables is the same unknown, and g'(p) - g'(q) is not zero."""
    g = sp.Function("g")
    x, y = sp.symbols("x y")
    first = sp.Subs(sp.Derivative(g(x), x), x, u + v)
    second = sp.Subs(sp.Derivative(g(y), y), y, u + v)
    assert is_identically_zero(w * first - second * w)
    assert not is_identically_zero(first - sp.Subs(sp.Derivative(g(y), y), y, u - v))


def test_what_is_not_a_rational_function_is_said() -> None:
    """A float or a fractional power is not decided by the rational test: it raises, and the slower proofs run."""
    for expression in (sp.sqrt(u) - v, sp.Float(0.5) * u - v, sp.exp(u / 2) - v):
        try:
            is_identically_zero(expression)
        except NotRational:
            continue
        raise AssertionError(f"{expression} was decided")


_g = sp.Function("g")
_leaves = st.sampled_from([u, v, w, sp.Integer(1), sp.Integer(2), sp.Rational(-3, 2), _g(u), sp.tanh(v)])


def _combine(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    return st.one_of(
        st.builds(lambda a, b: a + b, children, children),
        st.builds(lambda a, b: a * b, children, children),
        st.builds(lambda a, b: a - b, children, children),
        st.builds(lambda a, k: (a + 2) ** k, children, st.sampled_from([-1, 2])),
    )


@settings(max_examples=50, deadline=None)
@given(st.recursive(_leaves, _combine, max_leaves=6), st.recursive(_leaves, _combine, max_leaves=6))
def test_rational_test_agrees_with_sympys_expansion(first, second) -> None:
    """On random rational expressions in u, v, w, g(u), tanh(v) the test says zero exactly when the
    expanded numerator of SymPy's single fraction is zero."""
    for difference in (first - second, sp.expand(first) - first):
        unknowns = {_g(u): sp.Symbol("G"), sp.tanh(v): sp.Symbol("T")}
        # cancel() may return an unevaluated -1/4 + 1/4: the numerator, expanded, is unambiguous
        expected = sp.expand(sp.numer(sp.together(difference.xreplace(unknowns)))) == 0
        assert is_identically_zero(difference) == expected
