"""Exact derivatives by one reverse sweep agree with SymPy's differentiation, symbol by symbol."""

from __future__ import annotations

import sympy as sp
from helpers import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.build import Project, load_chapters
from generator.oracle import Oracle
from generator.reverse_diff import gradients

u, v, w = sp.symbols("u v w", real=True)
g = sp.Function("g")

_leaves = st.sampled_from([u, v, w, sp.Integer(2), sp.Rational(-1, 3)])


def _combine(children: st.SearchStrategy[sp.Expr]) -> st.SearchStrategy[sp.Expr]:
    unary = st.sampled_from(
        [
            sp.exp,
            sp.tanh,
            lambda a: sp.log(1 + a**2),
            lambda a: 1 / (1 + sp.exp(-a)),
            lambda a: sp.Piecewise((a, a > 0), (a / 10, True)),
            g,
        ]
    )
    return st.one_of(
        st.builds(lambda a, b: a + b, children, children),
        st.builds(lambda a, b: a * b, children, children),
        st.builds(lambda a, k: a**k, children, st.sampled_from([2, 3, -1])),
        st.builds(lambda f, a: f(a), unary, children),
        st.builds(lambda a, b: sp.Piecewise((a, a > b), (b, True)), children, children),
    )


@settings(max_examples=40, deadline=None)
@given(st.recursive(_leaves, _combine, max_leaves=10))
def test_reverse_sweep_equals_sympy_diff(expression) -> None:
    """For random expressions (exp, tanh, log, powers, Piecewise, an undefined g) each gradient has
    sympy.diff's value at a point (g made concrete there)."""
    found = gradients(expression, [u, v, w])
    point = {u: sp.Rational(3, 7), v: sp.Rational(-5, 11), w: sp.Rational(2, 13)}
    x = sp.Dummy()
    for symbol in (u, v, w):
        difference = found[symbol] - sp.diff(expression, symbol)
        # g made a concrete function, its derivatives worked out, the difference valued at a point
        concrete = difference.replace(g, sp.Lambda(x, sp.exp(x) / 3)).doit().xreplace(point)
        assert abs(sp.N(concrete, 40)) < sp.Float("1e-30"), (symbol, difference)


def test_a_symbol_the_expression_lacks_has_gradient_zero() -> None:
    """A symbol that does not occur gets 0, not a missing key."""
    assert gradients(u * v, [w]) == {w: 0}


def test_the_kink_convention_is_sympys() -> None:
    """At z = 0 the ReLU's derivative is 0 and a max's tie sends the gradient to its second input, as in SymPy."""
    relu = sp.Piecewise((u, u > 0), (0, True))
    tie = sp.Piecewise((u, u > v), (v, True))
    at_zero = {u: sp.Integer(0), v: sp.Integer(0)}
    assert gradients(relu, [u])[u].xreplace(at_zero) == 0
    assert gradients(tie, [u, v])[v].xreplace(at_zero) == 1
    assert gradients(tie, [u, v])[u].xreplace(at_zero) == 0


def test_every_chapters_loss_gradient_equals_sympy_diff() -> None:
    """On every chapter's network the oracle's gradients equal sympy.diff of its loss to every printed digit."""
    for spec in load_chapters(Project(ROOT)):
        oracle = Oracle(spec)
        found = gradients(oracle.J, oracle.values)
        for symbol in list(oracle.values)[::7]:  # a spread of parameters and shifts
            assert oracle._evaluate(found[symbol]) == oracle._evaluate(sp.diff(oracle.J, symbol)), (spec.name, symbol)
