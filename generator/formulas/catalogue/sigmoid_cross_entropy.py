"""A sigmoid output with the binary cross-entropy, in two notations: one output unit of note 000's
network (chapter ``matrix-form``) and the single output of note 002's (chapter ``three-layer``).
The loss, its derivative and selector form, the sigmoid's slope, the cancellation to a - y, and
the loss from the logit, plain and stable."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import sympy as sp

from generator.formulas.formula import Formula
from generator.formulas.language import (
    Abs,
    Add,
    Apply,
    Complement,
    Div,
    Env,
    Mul,
    Neg,
    NumpyOps,
    PositivePart,
    Q,
    Selector,
    Symbol,
    SympyOps,
    gradient_symbol,
    notation_symbol,
    partial_symbol,
    scalar,
)
from generator.formulas.model import NUMERIC_ACTIVATIONS, Model, Sizes, binary_cross_entropy, elementwise, sigmoid

Macro = tuple[str, ...]  # a notation macro and its arguments: ("actentry", "out", "k")


def symbols(prob: Macro, label: Macro, logit: Macro, loss: Macro) -> dict[str, Symbol]:
    """The symbols of a sigmoid unit with cross-entropy, printed as the given macros."""
    probability, logit_symbol, loss_symbol = notation_symbol(*prob), notation_symbol(*logit), notation_symbol(*loss)
    return {
        "z": logit_symbol,
        "y": notation_symbol(*label),
        "a": probability,
        "L": loss_symbol,
        "sigma": notation_symbol("sigmoid"),
        "log": notation_symbol("log"),
        "exp": notation_symbol("exp"),
        "dL_da": gradient_symbol(loss_symbol.whole, probability),
        "dL_dz": gradient_symbol(loss_symbol.whole, logit_symbol),
        "da_dz": partial_symbol(probability.whole, logit_symbol.whole),
    }


def _exact(sizes: Sizes) -> Env:
    # A logit of each sign in turn, so that |z| and max(z, 0) take a definite form.
    z, y = sizes["sign"] * sp.Symbol("p", positive=True), sp.Symbol("y")
    a, u, w = sigmoid(z), sp.Symbol("u"), sp.Symbol("w", real=True)  # u, w: free points to differentiate at
    loss = binary_cross_entropy(a, y)
    values = {
        "z": z,
        "y": y,
        "a": a,
        "L": loss,
        "dL_da": sp.diff(binary_cross_entropy(u, y), u).subs(u, a),
        "dL_dz": sp.diff(binary_cross_entropy(sigmoid(w), y), w).subs(w, z),
        "da_dz": sp.diff(sigmoid(w), w).subs(w, z),
    }
    return Env(SympyOps(), values, {"sigma": elementwise(sigmoid), "log": sp.log, "exp": sp.exp})


def _numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    z = np.array([[rng.normal(0, 3)]])
    y = np.array([[float(sizes["case"] % 2)]])  # labels of zero and of one, in turn
    activation, loss = core.ACTIVATIONS["sigmoid"], core.LOSSES["bce"]
    a = activation.forward(z)
    dL_da = loss.gradient(a, y)
    values = {
        "z": z[0, 0],
        "y": y[0, 0],
        "a": a[0, 0],
        "L": float(loss.per_example_from_logits(z, y)[0]),
        "dL_da": dL_da[0, 0],
        "dL_dz": activation.backward(dL_da, z, a)[0, 0],
        "da_dz": activation.backward(np.ones_like(z), z, a)[0, 0],
    }
    return Env(NumpyOps(), values, {"sigma": NUMERIC_ACTIVATIONS["sigmoid"][0], "log": np.log, "exp": np.exp})


def model(name: str, prob: Macro, label: Macro, logit: Macro, loss: Macro) -> Model:
    return Model(
        name,
        symbols(prob, label, logit, loss),
        _exact,
        _numeric,
        exact_sizes=({"sign": 1}, {"sign": -1}),
        numeric_sizes=tuple({"case": n} for n in range(6)),
        requires=frozenset({"sigmoid", "bce"}),
    )


def formulas(prefix: str, on: Model, shown: tuple[str, ...]) -> tuple[Formula, ...]:
    """Of the loss, its derivative and selector form, the sigmoid's slope, the cancellation and the
    logit forms, those a chapter shows (``shown``, by name without the prefix)."""
    a, y, z = Q("a"), Q("y"), Q("z")
    loss_derivative = Div(Complement(y), Complement(a)) - Div(y, a)
    every = (
        Formula(
            f"{prefix}_bce_loss",
            on,
            Q("L"),
            (Neg(y * Apply("log", a) + Complement(y) * Apply("log", Complement(a))),),
            kind="definition",
        ),
        Formula(f"{prefix}_bce_derivative", on, Q("dL_da"), (loss_derivative,)),
        Formula(
            f"{prefix}_bce_selector",
            on,
            Q("dL_da"),
            (Selector(y, Neg(Div(scalar(1), a)), Div(scalar(1), Complement(a))),),
        ),
        Formula(f"{prefix}_sigmoid_slope", on, Q("da_dz"), (Mul(a, Complement(a)),)),
        Formula(
            f"{prefix}_bce_cancellation",
            on,
            Q("dL_dz"),
            (Mul(Q("dL_da"), Q("da_dz")), Mul(loss_derivative, Mul(a, Complement(a))), a - y),
        ),
        Formula(f"{prefix}_bce_from_logit", on, Q("L"), (Apply("log", Add(scalar(1), Apply("exp", z))) - Mul(y, z),)),
        Formula(
            f"{prefix}_bce_stable",
            on,
            Q("L"),
            (PositivePart(z) - Mul(y, z) + Apply("log", Add(scalar(1), Apply("exp", Neg(Abs(z))))),),
        ),
    )
    slips = (
        # Note 002, pages 9 and 10: the hats lost, label over label where the prediction belongs.
        Formula(
            f"wrong_{prefix}_bce_derivative_hats_lost",
            on,
            Q("dL_da"),
            (Div(Complement(y), Complement(y)) - Div(y, y),),
            kind="wrong",
        ),
        # Note 002, page 9: the sigmoid's slope with an extra factor of its complement.
        Formula(
            f"wrong_{prefix}_bce_slope_extra_factor",
            on,
            Q("dL_dz"),
            (Mul(Q("dL_da"), Mul(Mul(a, Complement(a)), Complement(a))),),
            kind="wrong",
        ),
    )
    by_name = {formula.name.removeprefix(f"{prefix}_"): formula for formula in every}
    by_name.update({formula.name.replace(f"_{prefix}_", "_", 1): formula for formula in slips})
    return tuple(by_name[name] for name in shown)
