"""Chapter ``gradient-checking``: difference quotients and their error terms (exact for a cubic),
and the relative error held to the code that the gradient check runs."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import sympy as sp

from generator import gradcheck
from generator.formulas.formula import Formula
from generator.formulas.language import (
    Abs,
    Div,
    Env,
    Maximum,
    Mul,
    NumpyOps,
    Q,
    Square,
    SympyOps,
    notation_symbol,
    plain_symbol,
    scalar,
)
from generator.formulas.model import Model, Sizes

CHAPTER = "gradient-checking"

SYMBOLS = {
    "J_plus": plain_symbol(r"\cost(\param + \step)"),
    "J_minus": plain_symbol(r"\cost(\param - \step)"),
    "J_at": plain_symbol(r"\cost(\param)"),
    "h": notation_symbol("step"),
    "dJ": plain_symbol(r"\cost'(\param)"),
    "d2J": plain_symbol(r"\cost''(\param)"),
    "d3J": plain_symbol(r"\cost'''(\param)"),
    "analytic": notation_symbol("gradanalytic"),
    "numerical": notation_symbol("gradnumerical"),
    "relative": notation_symbol("relerr"),
}


def _exact(sizes: Sizes) -> Env:
    """A cubic in the parameter: its difference quotients have exact error terms."""
    theta, h = sp.Symbol("theta"), sp.Symbol("h", positive=True)
    c = sp.symbols("c0:4")

    def J(at: sp.Expr) -> sp.Expr:
        return sum(c[n] * at**n for n in range(4))

    # Relative error: two positive gradients, the numerical one the larger by a positive amount.
    analytic, gap = sp.Symbol("p", positive=True), sp.Symbol("q", positive=True)
    values = {
        "J_plus": J(theta + h),
        "J_minus": J(theta - h),
        "J_at": J(theta),
        "h": h,
        "dJ": sp.diff(J(theta), theta),
        "d2J": sp.diff(J(theta), theta, 2),
        "d3J": sp.diff(J(theta), theta, 3),
        "analytic": analytic,
        "numerical": analytic + gap,
        "relative": gap / (analytic + gap),
    }
    return Env(SympyOps(), values)


def _numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    c, theta, h = rng.normal(0, 1, 4), rng.normal(0, 1), 0.1

    def J(at: float) -> float:
        return sum(c[n] * at**n for n in range(4))

    analytic, numerical = rng.normal(0, 1), rng.normal(0, 1)
    values = {
        "J_plus": J(theta + h),
        "J_minus": J(theta - h),
        "J_at": J(theta),
        "h": h,
        "dJ": c[1] + 2 * c[2] * theta + 3 * c[3] * theta**2,
        "d2J": 2 * c[2] + 6 * c[3] * theta,
        "d3J": 6 * c[3],
        "analytic": analytic,
        "numerical": numerical,
        # The book's definition is held to the code that the gradient check runs.
        "relative": gradcheck.relative_error(analytic, numerical),
    }
    return Env(NumpyOps(), values)


FINITE_DIFFERENCE = Model(
    "finite_difference",
    SYMBOLS,
    _exact,
    _numeric,
    exact_sizes=({},),
    # No sizes: "case" only numbers the random cubics in messages.
    numeric_sizes=tuple({"case": n} for n in range(6)),
    # The differences are exact only for a cubic loss, which is how they are checked.
    derivation=r"by Taylor's theorem, for a loss $\cost$ that is a cubic in $\param$",
)

_h, _J_at = Q("h"), Q("J_at")
FORMULAS = (
    Formula(
        "central_difference",
        FINITE_DIFFERENCE,
        Div(Q("J_plus") - Q("J_minus"), Mul(scalar(2), _h)),
        (Q("dJ") + Mul(Div(Square(_h), scalar(6)), Q("d3J")),),
    ),
    Formula(
        "forward_difference",
        FINITE_DIFFERENCE,
        Div(Q("J_plus") - _J_at, _h),
        (Q("dJ") + Mul(Div(_h, scalar(2)), Q("d2J")) + Mul(Div(Square(_h), scalar(6)), Q("d3J")),),
    ),
    Formula(
        "relative_error",
        FINITE_DIFFERENCE,
        Q("relative"),
        (Div(Abs(Q("analytic") - Q("numerical")), Maximum(Abs(Q("analytic")), Abs(Q("numerical")))),),
        kind="definition",
    ),
)
