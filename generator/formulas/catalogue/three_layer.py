"""Chapter ``three-layer`` (note 002): z = W^T a + b with examples as columns, a single sigmoid output
with the mean cross-entropy over m examples, generic hidden activations, the error terms and the
weight and bias gradients of every layer."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import sympy as sp

from generator.formulas.catalogue import sigmoid_cross_entropy
from generator.formulas.formula import Formula
from generator.formulas.language import (
    Apply,
    Column,
    Div,
    Entry,
    Env,
    Hadamard,
    Mul,
    NumpyOps,
    Q,
    Sum,
    Symbol,
    SympyOps,
    gradient_symbol,
    notation_symbol,
    plain_symbol,
    scalar,
)
from generator.formulas.model import (
    NUMERIC_ACTIVATIONS,
    Model,
    Sizes,
    at,
    binary_cross_entropy,
    column,
    elementwise,
    generic_derivative,
    gradient,
    matrix,
    pd,
    random_sizes,
    sigmoid,
)

CHAPTER = "three-layer"

# The single output of the network: its sigmoid with the cross-entropy, in the note's letters.
BCE_HAT = sigmoid_cross_entropy.model("bce_hat", ("yhat",), ("ylabel",), ("scalarpre",), ("exloss",))

LAYERS = (1, 2, 3)


def _symbols() -> dict[str, Symbol]:
    symbols: dict[str, Symbol] = {
        "m": notation_symbol("nbatch"),
        "J": notation_symbol("cost"),
        "Lex": plain_symbol("", r"\exlossex{%0}"),
        "yhat": notation_symbol("yhat", entry=r"\yhatex{%0}"),
        "y": notation_symbol("ylabel", entry=r"\ylabelex{%0}"),
    }
    for layer in ("0", "1", "2", "3"):
        symbols[f"A{layer}"] = notation_symbol("act", layer, entry=rf"\actex{{{layer}}}{{%0}}", superscripted=True)
        symbols[f"Ae{layer}"] = notation_symbol(
            "act", layer, entry=rf"\Actentry{{{layer}}}{{%1}}{{%0}}", superscripted=True
        )
    for layer in ("1", "2", "3"):
        weights = notation_symbol(
            "weightio", layer, entry=rf"\weightioentry{{{layer}}}{{%0}}{{%1}}", superscripted=True
        )
        biases = notation_symbol("bias", layer, superscripted=True)
        symbols[f"W{layer}"], symbols[f"b{layer}"] = weights, biases
        symbols[f"Z{layer}"] = notation_symbol(
            "preact", layer, entry=rf"\preactex{{{layer}}}{{%0}}", superscripted=True
        )
        symbols[f"D{layer}"] = notation_symbol("err", layer, entry=rf"\errex{{{layer}}}{{%0}}", superscripted=True)
        symbols[f"De{layer}"] = notation_symbol(
            "err", layer, entry=rf"\errexentry{{{layer}}}{{%0}}{{%1}}", superscripted=True
        )
        symbols[f"dJ_dW{layer}"] = gradient_symbol(
            r"\cost", weights, pd(r"\cost", rf"\weightioentry{{{layer}}}{{%0}}{{%1}}")
        )
        symbols[f"dJ_db{layer}"] = gradient_symbol(r"\cost", biases)
        symbols[f"gprime{layer}"] = notation_symbol("actfnprime", layer)
        symbols[f"g{layer}"] = notation_symbol("actfn", layer)
    symbols["sigma"] = notation_symbol("sigmoid")
    return symbols


def _columns_affine(W: sp.Matrix, A: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    """``W^T a(e) + b`` for every column e of ``A``, entry by entry."""
    return sp.Matrix(W.cols, A.cols, lambda j, e: sum(W[i, j] * A[i, e] for i in range(W.rows)) + b[j])


def _exact(sizes: Sizes) -> Env:
    m, widths = sizes["m"], (sizes["n0"], sizes["n1"], sizes["n2"], 1)
    A0, y = matrix("x", widths[0], m), matrix("y", 1, m)
    W = [sp.zeros(0, 0)] + [matrix(f"W{n}", widths[n - 1], widths[n]) for n in LAYERS]
    b = [sp.zeros(0, 0)] + [matrix(f"b{n}", widths[n], 1) for n in LAYERS]
    # Generic hidden activations; the output is the sigmoid and the loss the cross-entropy of note 002.
    g = [sigmoid, sp.Function("g1"), sp.Function("g2"), sigmoid]

    def up(A: sp.Matrix, start: int) -> list[sp.Matrix]:
        """Pre-activations of layers start.. 3 from the activations A of layer start - 1."""
        Zs = []
        for n in range(start, 4):
            Zs.append(_columns_affine(W[n], A, b[n]))
            A = Zs[-1].applyfunc(g[n])
        return Zs

    def loss_of_top(Z3: sp.Matrix) -> sp.Expr:
        return sum(binary_cross_entropy(g[3](Z3[0, e]), y[0, e]) for e in range(m)) / m

    Z1, Z2, Z3 = up(A0, 1)
    A1, A2, A3 = Z1.applyfunc(g[1]), Z2.applyfunc(g[2]), Z3.applyfunc(g[3])
    J = loss_of_top(Z3)
    values: dict = {
        "J": J,
        "Lex": sp.Matrix(m, 1, lambda e, _: binary_cross_entropy(A3[0, e], y[0, e])),
        "A0": A0,
        "Ae0": A0,
        "A1": A1,
        "Ae1": A1,
        "A2": A2,
        "Ae2": A2,
        "A3": A3,
        "yhat": A3,
        "y": y,
        "Z1": Z1,
        "Z2": Z2,
        "Z3": Z3,
        **sizes,
    }
    for n, Z in ((1, Z1), (2, Z2), (3, Z3)):
        free = matrix(f"r{n}", widths[n], m)
        Z_top = up(free.applyfunc(g[n]), n + 1)[-1] if n < 3 else free
        # The per-example error term: the derivative of the summed (not averaged) loss.
        values[f"D{n}"] = values[f"De{n}"] = at(gradient(m * loss_of_top(Z_top), free), free, Z)
        values[f"W{n}"], values[f"b{n}"] = W[n], b[n]
        values[f"dJ_dW{n}"], values[f"dJ_db{n}"] = gradient(J, W[n]), gradient(J, b[n])
    functions = {f"gprime{n}": elementwise(generic_derivative(g[n])) for n in (1, 2)}
    functions.update({f"g{n}": elementwise(g[n]) for n in (1, 2)})
    functions["sigma"] = elementwise(sigmoid)
    return Env(SympyOps(), values, functions)


def _numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    m, widths = sizes["m"], (sizes["n0"], sizes["n1"], sizes["n2"], 1)
    names = [("tanh", "sigmoid")[int(rng.integers(0, 2))] for _ in range(2)] + ["sigmoid"]
    layers = [
        core.Dense(rng.normal(0, 1, (widths[n], widths[n - 1])), rng.normal(0, 1, widths[n]), names[n - 1])
        for n in LAYERS
    ]
    X, Y = rng.normal(0, 1, (m, widths[0])), rng.integers(0, 2, (m, 1)).astype(np.float64)
    records = core.forward(layers, X)
    mean = core.backward(layers, records, X, Y, "bce", "mean")
    summed = core.backward(layers, records, X, Y, "bce", "sum")  # per-example error terms, no 1/m
    values: dict = {
        "A0": X.T,
        "Ae0": X.T,
        "y": Y.T,
        "yhat": records[2].A.T,
        **sizes,
        "J": core.loss_value(layers, records, Y, "bce", "mean"),
        "Lex": core.LOSSES["bce"].per_example_from_logits(records[2].Z, Y).reshape(-1, 1),
    }
    functions = {}
    for n in LAYERS:
        record, layer = records[n - 1], layers[n - 1]
        values.update(
            {
                f"A{n}": record.A.T,
                f"Ae{n}": record.A.T,
                f"Z{n}": record.Z.T,
                f"D{n}": summed[n - 1].dZ.T,
                f"De{n}": summed[n - 1].dZ.T,
                f"W{n}": layer.W.T,
                f"b{n}": column(layer.b),
                f"dJ_dW{n}": mean[n - 1].dW.T,
                f"dJ_db{n}": column(mean[n - 1].db),
            }
        )
        functions[f"gprime{n}"] = NUMERIC_ACTIVATIONS[names[n - 1]][1]
        functions[f"g{n}"] = NUMERIC_ACTIVATIONS[names[n - 1]][0]
    functions["sigma"] = NUMERIC_ACTIVATIONS["sigmoid"][0]
    return Env(NumpyOps(), values, functions)


_WIDTHS = ("n0", "n1", "n2", "1")  # the single output unit of layer three
WTA_NET = Model(
    "wta_net",
    _symbols(),
    _exact,
    _numeric,
    exact_sizes=({"m": 2, "n0": 2, "n1": 2, "n2": 2},),
    numeric_sizes=random_sizes(23, ("m", "n0", "n1", "n2")),
    shapes={
        **{f"A{n - 1}": (_WIDTHS[n - 1], "m") for n in LAYERS},
        **{f"D{n}": (_WIDTHS[n], "m") for n in LAYERS},
        **{f"dJ_dW{n}": (_WIDTHS[n - 1], _WIDTHS[n]) for n in LAYERS},
        **{f"dJ_db{n}": (_WIDTHS[n], "1") for n in LAYERS},
    },
    requires=frozenset({"sigmoid", "bce"}),
)


# --------------------------------------------------------------------------- the formulas

_i, _j, _e = "i", "j", "e"


def _mean(body):
    return Mul(Div(scalar(1), Q("m")), Sum(_e, "m", body))


def _error_below(layer: int) -> Formula:
    return Formula(
        f"wta_error_{layer}",
        WTA_NET,
        Column(f"D{layer}", _e),
        (Hadamard(Apply(f"gprime{layer}", Column(f"Z{layer}", _e)), Q(f"W{layer + 1}") @ Column(f"D{layer + 1}", _e)),),
        free={_e: "m"},
    )


SHOWN_BCE = (
    "wrong_bce_derivative_hats_lost",
    "wrong_bce_slope_extra_factor",
    "bce_loss",
    "bce_derivative",
    "bce_selector",
    "sigmoid_slope",
    "bce_cancellation",
    "bce_from_logit",
    "bce_stable",
)
FORMULAS = (
    *sigmoid_cross_entropy.formulas("hat", BCE_HAT, SHOWN_BCE),
    *(
        Formula(
            f"wta_forward_{n}",
            WTA_NET,
            Column(f"Z{n}", _e),
            (Q(f"W{n}").T @ Column(f"A{n - 1}", _e) + Q(f"b{n}"),),
            kind="definition",
            free={_e: "m"},
        )
        for n in LAYERS
    ),
    *(
        Formula(
            f"wta_activation_{n}",
            WTA_NET,
            Column(f"A{n}", _e),
            (Apply(f"g{n}", Column(f"Z{n}", _e)),),
            kind="definition",
            free={_e: "m"},
        )
        for n in (1, 2)
    ),
    Formula(
        "wta_prediction",
        WTA_NET,
        Column("yhat", _e),
        (Apply("sigma", Column("Z3", _e)),),
        kind="definition",
        free={_e: "m"},
    ),
    Formula("wta_cost", WTA_NET, Q("J"), (_mean(Entry("Lex", (_e,))),), kind="definition"),
    Formula("wta_error_3", WTA_NET, Column("D3", _e), (Column("yhat", _e) - Column("y", _e),), free={_e: "m"}),
    _error_below(2),
    _error_below(1),
    Formula(
        "wta_weight_entry_1",
        WTA_NET,
        Entry("dJ_dW1", (_i, _j)),
        (_mean(Mul(Entry("Ae0", (_i, _e)), Entry("De1", (_j, _e)))),),
        free={_i: "n0", _j: "n1"},
    ),
    *(
        formula
        for n in LAYERS
        for formula in (
            Formula(
                f"wta_weight_gradient_{n}",
                WTA_NET,
                Q(f"dJ_dW{n}"),
                (_mean(Column(f"A{n - 1}", _e) @ Column(f"D{n}", _e).T),),
            ),
            Formula(f"wta_bias_gradient_{n}", WTA_NET, Q(f"dJ_db{n}"), (_mean(Column(f"D{n}", _e)),)),
        )
    ),
)
