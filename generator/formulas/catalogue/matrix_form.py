"""Chapter ``matrix-form`` (note 000): a 2-2-2 sigmoid network with the cross-entropy, the chain rule
for one output weight, the cancellation to a - y, the batch form in both weight orientations, and
the note's orientation mix-up."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import sympy as sp

from generator.formulas.catalogue import sigmoid_cross_entropy
from generator.formulas.formula import Formula
from generator.formulas.language import (
    Apply,
    Complement,
    Div,
    Entry,
    Env,
    Hadamard,
    Mul,
    Neg,
    NumpyOps,
    Q,
    Sum,
    SympyOps,
    gradient_symbol,
    notation_symbol,
    plain_symbol,
)
from generator.formulas.model import (
    NUMERIC_ACTIVATIONS,
    Model,
    Sizes,
    at,
    binary_cross_entropy,
    column,
    elementwise,
    gradient,
    matrix,
    pd,
    random_sizes,
    rows_affine,
    sigmoid,
)

CHAPTER = "matrix-form"

# One output unit of the network: its sigmoid with the cross-entropy.
BCE_OUT = sigmoid_cross_entropy.model(
    "bce_out", ("actentry", "out", "k"), ("targetentry", "k"), ("preactentry", "out", "k"), ("cost",)
)

# --------------------------------------------------------------------------- one example, one weight

_a = notation_symbol("act", "out", entry=r"\actentry{out}{%0}", superscripted=True)
_W = notation_symbol("weight", "out", entry=r"\weightentry{out}{%0}{%1}", superscripted=True)
EXAMPLE_SYMBOLS = {
    "a": _a,
    "y": notation_symbol("target", entry=r"\targetentry{%0}"),
    "a_hid": notation_symbol("act", "hid", entry=r"\actentry{hid}{%0}", superscripted=True),
    "dJ_dW": gradient_symbol(r"\cost", _W, pd(r"\cost", r"\weightentry{out}{%0}{%1}")),
    "dJ_da": gradient_symbol(r"\cost", _a, pd(r"\cost", r"\actentry{out}{%0}")),
    "da_dz": plain_symbol("", pd(r"\actentry{out}{%0}", r"\preactentry{out}{%0}")),
    "dz_dW": plain_symbol("", pd(r"\preactentry{out}{%0}", r"\weightentry{out}{%0}{%1}")),
    # The hidden layer by the sum over paths (chapter chain-rule): one path through each output.
    "W": _W,
    "delta_out": notation_symbol("err", "out", entry=r"\errentry{out}{%0}", superscripted=True),
    "delta_hid": notation_symbol("err", "hid", entry=r"\errentry{hid}{%0}", superscripted=True),
    "dz_da": plain_symbol("", pd(r"\preactentry{out}{%0}", r"\actentry{hid}{%1}")),
    "da_dz_hid": plain_symbol("", pd(r"\actentry{hid}{%0}", r"\preactentry{hid}{%0}")),
}


def _example_exact(sizes: Sizes) -> Env:
    d, t, m = sizes["d"], sizes["t"], sizes["m"]
    x, V, W, y = matrix("x", m, 1), matrix("V", d, m), matrix("W", t, d), matrix("y", t, 1)
    a_hid = (V * x).applyfunc(sigmoid)
    z = W * a_hid
    a = z.applyfunc(sigmoid)
    J = sum(binary_cross_entropy(a[k], y[k]) for k in range(t))
    free = matrix("u", t, 1)
    values = {
        "a": a,
        "y": y,
        "a_hid": a_hid,
        "dJ_dW": gradient(J, W),
        "dJ_da": at(gradient(sum(binary_cross_entropy(free[k], y[k]) for k in range(t)), free), free, a),
        "da_dz": z.applyfunc(lambda v: sp.diff(sigmoid(free[0]), free[0]).subs(free[0], v)),
        "dz_dW": {(k, j): sp.diff(z[k], W[k, j]) for k in range(t) for j in range(d)},
        "d": d,
        "t": t,
    }
    # The error terms as derivatives of the loss in free pre-activations, put back at their values.
    z_hid, zh, zo, ah = V * x, matrix("zh", d, 1), matrix("zo", t, 1), matrix("ah", d, 1)

    def loss_from_output(pre: sp.Matrix) -> sp.Expr:
        return sum(binary_cross_entropy(sigmoid(pre[k]), y[k]) for k in range(t))

    values.update(
        {
            "W": W,
            "delta_out": at(gradient(loss_from_output(zo), zo), zo, z),
            "delta_hid": at(gradient(loss_from_output(W * zh.applyfunc(sigmoid)), zh), zh, z_hid),
            "dz_da": {(k, j): sp.diff((W * ah)[k], ah[j]) for k in range(t) for j in range(d)},
            "da_dz_hid": z_hid.applyfunc(lambda v: sp.diff(sigmoid(free[0]), free[0]).subs(free[0], v)),
        }
    )
    return Env(SympyOps(), values)


def _example_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    d, t, m = sizes["d"], sizes["t"], sizes["m"]
    layers = [
        core.Dense(rng.normal(0, 1, (d, m)), None, "sigmoid"),
        core.Dense(rng.normal(0, 1, (t, d)), None, "sigmoid"),
    ]
    x, y = rng.normal(0, 1, (1, m)), rng.integers(0, 2, (1, t)).astype(np.float64)
    hid, out = core.forward(layers, x)
    grads = core.backward(layers, [hid, out], x, y, "bce", "sum")
    activation = core.ACTIVATIONS["sigmoid"]
    dz_dW = {}
    for k in range(t):  # the core's derivative of the single pre-activation z_k
        unit = np.zeros((1, t))
        unit[0, k] = 1.0
        dW_k = core.dense_backward(unit, out.cache)[1]
        dz_dW.update({(k, j): dW_k[k, j] for j in range(d)})
    values = {
        "a": column(out.A),
        "y": column(y),
        "a_hid": column(hid.A),
        "dJ_dW": grads[1].dW,
        "dJ_da": column(core.LOSSES["bce"].gradient(out.A, y)),
        "da_dz": column(activation.backward(np.ones_like(out.Z), out.Z, out.A)),
        "dz_dW": dz_dW,
        "d": d,
        "t": t,
    }
    dz_da = {}
    for k in range(t):  # the core's derivative of z_k in the hidden activations
        unit = np.zeros((1, t))
        unit[0, k] = 1.0
        dA_k = core.dense_backward(unit, out.cache)[0]
        dz_da.update({(k, j): dA_k[0, j] for j in range(d)})
    values.update(
        {
            "W": layers[1].W,
            "delta_out": column(grads[1].dZ),
            "delta_hid": column(grads[0].dZ),
            "dz_da": dz_da,
            "da_dz_hid": column(activation.backward(np.ones_like(hid.Z), hid.Z, hid.A)),
        }
    )
    return Env(NumpyOps(), values)


LOGISTIC_EXAMPLE = Model(
    "logistic_example",
    EXAMPLE_SYMBOLS,
    _example_exact,
    _example_numeric,
    exact_sizes=({"m": 2, "d": 2, "t": 2},),
    numeric_sizes=random_sizes(21, ("m", "d", "t")),
    requires=frozenset({"sigmoid", "bce"}),
)


# --------------------------------------------------------------------------- a batch, both orientations

_matrices = {
    name: notation_symbol(macro, layer, entry=entry, superscripted=True)
    for name, macro, layer, entry in (
        ("W_hid", "weight", "hid", ""),
        ("W_out", "weight", "out", r"\weightentry{out}{%0}{%1}"),
        ("V_hid", "weightio", "hid", ""),
        ("V_out", "weightio", "out", ""),
        ("A_hid", "Act", "hid", r"\Actentry{hid}{%0}{%1}"),
        ("A_out", "Act", "out", r"\Actentry{out}{%0}{%1}"),
        ("Z_hid", "Preact", "hid", ""),
        ("Z_out", "Preact", "out", ""),
        ("D_hid", "Err", "hid", ""),
        ("D_out", "Err", "out", ""),
    )
}
BATCH_SYMBOLS = {
    "X": notation_symbol("Inputs"),
    "Y": notation_symbol("Targets", entry=r"\Targetsentry{%0}{%1}"),
    **_matrices,
    "dJ_dW_hid": gradient_symbol(r"\cost", _matrices["W_hid"]),
    "dJ_dW_out": gradient_symbol(r"\cost", _matrices["W_out"], pd(r"\cost", r"\weightentry{out}{%0}{%1}")),
    "dJ_dV_hid": gradient_symbol(r"\cost", _matrices["V_hid"]),
    "dJ_dV_out": gradient_symbol(r"\cost", _matrices["V_out"]),
    "J": notation_symbol("cost"),
    "log": notation_symbol("log"),
    "sigma": notation_symbol("sigmoid"),
}


def _batch_exact(sizes: Sizes) -> Env:
    n, m, d, t = sizes["n"], sizes["m"], sizes["d"], sizes["t"]
    X, Y, V_hid, V_out = matrix("x", n, m), matrix("y", n, t), matrix("V", m, d), matrix("U", d, t)
    W_hid, W_out = V_hid.T, V_out.T  # the same symbols: the book's orientation is the transpose

    def loss(A: sp.Matrix) -> sp.Expr:
        return sum(binary_cross_entropy(A[e, k], Y[e, k]) for e in range(n) for k in range(t))

    Z_hid = rows_affine(X, W_hid)
    A_hid = Z_hid.applyfunc(sigmoid)
    Z_out = rows_affine(A_hid, W_out)
    A_out = Z_out.applyfunc(sigmoid)
    J = loss(A_out)
    free_out, free_hid = matrix("p", n, t), matrix("q", n, d)
    D_out = at(gradient(loss(free_out.applyfunc(sigmoid)), free_out), free_out, Z_out)
    D_hid = at(
        gradient(loss(rows_affine(free_hid.applyfunc(sigmoid), W_out).applyfunc(sigmoid)), free_hid), free_hid, Z_hid
    )
    values = {
        "X": X,
        "Y": Y,
        "W_hid": W_hid,
        "W_out": W_out,
        "V_hid": V_hid,
        "V_out": V_out,
        "A_hid": A_hid,
        "A_out": A_out,
        "Z_hid": Z_hid,
        "Z_out": Z_out,
        "D_hid": D_hid,
        "D_out": D_out,
        "J": J,
        "dJ_dW_hid": gradient(J, W_hid),
        "dJ_dW_out": gradient(J, W_out),
        "dJ_dV_hid": gradient(J, V_hid),
        "dJ_dV_out": gradient(J, V_out),
        **sizes,
    }
    return Env(SympyOps(), values, {"log": elementwise(sp.log), "sigma": elementwise(sigmoid)})


def _batch_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    n, m, d, t = sizes["n"], sizes["m"], sizes["d"], sizes["t"]
    layers = [
        core.Dense(rng.normal(0, 1, (d, m)), None, "sigmoid"),
        core.Dense(rng.normal(0, 1, (t, d)), None, "sigmoid"),
    ]
    X, Y = rng.normal(0, 1, (n, m)), rng.integers(0, 2, (n, t)).astype(np.float64)
    records = core.forward(layers, X)
    hid, out = core.backward(layers, records, X, Y, "bce", "sum")
    values = {
        "X": X,
        "Y": Y,
        "W_hid": layers[0].W,
        "W_out": layers[1].W,
        "V_hid": layers[0].W.T,
        "V_out": layers[1].W.T,
        "A_hid": records[0].A,
        "A_out": records[1].A,
        "Z_hid": records[0].Z,
        "Z_out": records[1].Z,
        "D_hid": hid.dZ,
        "D_out": out.dZ,
        "J": core.loss_value(layers, records, Y, "bce", "sum"),
        "dJ_dW_hid": hid.dW,
        "dJ_dW_out": out.dW,
        "dJ_dV_hid": hid.dW.T,
        "dJ_dV_out": out.dW.T,
        **sizes,
    }
    return Env(NumpyOps(), values, {"log": np.log, "sigma": NUMERIC_ACTIVATIONS["sigmoid"][0]})


LOGISTIC_BATCH = Model(
    "logistic_batch",
    BATCH_SYMBOLS,
    _batch_exact,
    _batch_numeric,
    exact_sizes=({"n": 2, "m": 2, "d": 2, "t": 2},),
    numeric_sizes=random_sizes(22, ("n", "m", "d", "t")),
    shapes={
        "X": ("n", "m"),
        "Y": ("n", "t"),
        "W_hid": ("d", "m"),
        "W_out": ("t", "d"),
        "V_hid": ("m", "d"),
        "V_out": ("d", "t"),
        "A_hid": ("n", "d"),
        "A_out": ("n", "t"),
        "Z_hid": ("n", "d"),
        "Z_out": ("n", "t"),
        "D_hid": ("n", "d"),
        "D_out": ("n", "t"),
        "dJ_dW_hid": ("d", "m"),
        "dJ_dW_out": ("t", "d"),
        "dJ_dV_hid": ("m", "d"),
        "dJ_dV_out": ("d", "t"),
    },
    requires=frozenset({"sigmoid", "bce"}),
)


# --------------------------------------------------------------------------- the formulas

_k, _j, _e = "k", "j", "e"
_a_k, _y_k = Entry("a", (_k,)), Entry("y", (_k,))
_D_out, _D_hid, _A_hid, _A_out = Q("D_out"), Q("D_hid"), Q("A_hid"), Q("A_out")
_A_ek, _Y_ek = Entry("A_out", (_e, _k)), Entry("Y", (_e, _k))

FORMULAS = (
    *sigmoid_cross_entropy.formulas("out", BCE_OUT, ("bce_derivative", "sigmoid_slope", "bce_cancellation")),
    Formula(
        "logistic_weight_chain",
        LOGISTIC_EXAMPLE,
        Entry("dJ_dW", (_k, _j)),
        (
            Mul(Mul(Entry("dJ_da", (_k,)), Entry("da_dz", (_k,))), Entry("dz_dW", (_k, _j))),
            Mul(
                Mul(Div(Complement(_y_k), Complement(_a_k)) - Div(_y_k, _a_k), Mul(_a_k, Complement(_a_k))),
                Entry("a_hid", (_j,)),
            ),
            Mul(_a_k - _y_k, Entry("a_hid", (_j,))),
        ),
        free={_k: "t", _j: "d"},
    ),
    Formula(
        "logistic_hidden_paths",
        LOGISTIC_EXAMPLE,
        Entry("delta_hid", (_j,)),
        (
            Sum(_k, "t", Mul(Mul(Entry("delta_out", (_k,)), Entry("dz_da", (_k, _j))), Entry("da_dz_hid", (_j,)))),
            Sum(
                _k,
                "t",
                Mul(
                    Mul(Entry("delta_out", (_k,)), Entry("W", (_k, _j))),
                    Mul(Entry("a_hid", (_j,)), Complement(Entry("a_hid", (_j,)))),
                ),
            ),
        ),
        free={_j: "d"},
    ),
    Formula(
        "logistic_loss",
        LOGISTIC_BATCH,
        Q("J"),
        (
            Neg(
                Sum(
                    _e,
                    "n",
                    Sum(
                        _k,
                        "t",
                        Mul(_Y_ek, Apply("log", _A_ek)) + Mul(Complement(_Y_ek), Apply("log", Complement(_A_ek))),
                    ),
                )
            ),
        ),
        kind="definition",
    ),
    Formula(
        "logistic_preactivation_slope",
        LOGISTIC_EXAMPLE,
        Entry("dz_dW", (_k, _j)),
        (Entry("a_hid", (_j,)),),
        free={_k: "t", _j: "d"},
    ),
    Formula("logistic_activation_hidden", LOGISTIC_BATCH, _A_hid, (Apply("sigma", Q("Z_hid")),), kind="definition"),
    Formula("logistic_activation_output", LOGISTIC_BATCH, _A_out, (Apply("sigma", Q("Z_out")),), kind="definition"),
    Formula("logistic_weightio_definition", LOGISTIC_BATCH, Q("V_out"), (Q("W_out").T,), kind="definition"),
    # Note 000, section 1: the loss without brackets, so the minus sign binds its first term only.
    Formula(
        "wrong_logistic_loss_brackets",
        LOGISTIC_BATCH,
        Q("J"),
        (
            Neg(Sum(_e, "n", Sum(_k, "t", Mul(_Y_ek, Apply("log", _A_ek)))))
            + Sum(_e, "n", Sum(_k, "t", Mul(Complement(_Y_ek), Apply("log", Complement(_A_ek))))),
        ),
        kind="wrong",
    ),
    Formula("logistic_forward_hidden", LOGISTIC_BATCH, Q("Z_hid"), (Q("X") @ Q("W_hid").T,), kind="definition"),
    Formula("logistic_forward_output", LOGISTIC_BATCH, Q("Z_out"), (_A_hid @ Q("W_out").T,), kind="definition"),
    Formula("logistic_io_forward_output", LOGISTIC_BATCH, Q("Z_out"), (_A_hid @ Q("V_out"),), kind="definition"),
    Formula(
        "logistic_weight_entry",
        LOGISTIC_BATCH,
        Entry("dJ_dW_out", (_k, _j)),
        (Sum(_e, "n", Mul(_A_ek - _Y_ek, Entry("A_hid", (_e, _j)))),),
        free={_k: "t", _j: "d"},
    ),
    Formula("logistic_output_error", LOGISTIC_BATCH, _D_out, (_A_out - Q("Y"),)),
    Formula("logistic_output_gradient", LOGISTIC_BATCH, Q("dJ_dW_out"), (_D_out.T @ _A_hid,)),
    Formula(
        "logistic_hidden_error",
        LOGISTIC_BATCH,
        _D_hid,
        (Hadamard(Hadamard(_D_out @ Q("W_out"), _A_hid), Complement(_A_hid)),),
    ),
    Formula("logistic_hidden_gradient", LOGISTIC_BATCH, Q("dJ_dW_hid"), (_D_hid.T @ Q("X"),)),
    # Weights stored input-by-output (the note's Z = A W): the transposes move.
    Formula("logistic_io_output_gradient", LOGISTIC_BATCH, Q("dJ_dV_out"), (_A_hid.T @ _D_out,)),
    Formula(
        "logistic_io_hidden_error",
        LOGISTIC_BATCH,
        _D_hid,
        (Hadamard(Hadamard(_D_out @ Q("V_out").T, _A_hid), Complement(_A_hid)),),
    ),
    Formula("logistic_io_hidden_gradient", LOGISTIC_BATCH, Q("dJ_dV_hid"), (Q("X").T @ _D_hid,)),
    Formula(
        "wrong_logistic_output_gradient_orientation", LOGISTIC_BATCH, Q("dJ_dW_out"), (_A_hid.T @ _D_out,), kind="wrong"
    ),
)
