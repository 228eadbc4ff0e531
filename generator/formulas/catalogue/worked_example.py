"""Chapter ``worked-example`` (note 001) and the Conventions: one layer of an MLP, its backward
rules entry by entry and as vectors, a batch through a layer, the squared error, the slopes of
the activations, the SGD update, and two instances on the 2-2-2 network."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import sympy as sp

from generator.formulas.formula import Formula
from generator.formulas.language import (
    Apply,
    Entry,
    Env,
    Hadamard,
    Mul,
    NumpyOps,
    PositiveCases,
    Q,
    Square,
    Sum,
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
    column,
    elementwise,
    generic_derivative,
    gradient,
    matrix,
    partials,
    pd,
    random_sizes,
)

CHAPTER = "worked-example"

# --------------------------------------------------------------------------- one layer of an MLP

LAYER, BELOW = r"\ell", r"\ell-1"


def _entry(macro: str, layer: str, indices: int) -> str:
    """``\\macro{layer}{%0}{%1}``: an entry macro with index placeholders."""
    return rf"\{macro}{{{layer}}}" + "".join(f"{{%{n}}}" for n in range(indices))


_W = notation_symbol("weight", LAYER, entry=_entry("weightentry", LAYER, 2), superscripted=True)
_b = notation_symbol("bias", LAYER, entry=_entry("biasentry", LAYER, 1), superscripted=True)
_aprev = notation_symbol("act", BELOW, entry=_entry("actentry", BELOW, 1), superscripted=True)
_z = notation_symbol("preact", LAYER, entry=_entry("preactentry", LAYER, 1), superscripted=True)
_a = notation_symbol("act", LAYER, entry=_entry("actentry", LAYER, 1), superscripted=True)
MLP_LAYER_SYMBOLS = {
    "W": _W,
    "b": _b,
    "aprev": _aprev,
    "z": _z,
    "a": _a,
    "delta": notation_symbol("err", LAYER, entry=_entry("errentry", LAYER, 1), superscripted=True),
    "dJ_da": gradient_symbol(r"\cost", _a, pd(r"\cost", _entry("actentry", LAYER, 1))),
    "dJ_dz": gradient_symbol(r"\cost", _z, pd(r"\cost", _entry("preactentry", LAYER, 1))),
    "dJ_dW": gradient_symbol(r"\cost", _W, pd(r"\cost", _entry("weightentry", LAYER, 2))),
    "dJ_db": gradient_symbol(r"\cost", _b, pd(r"\cost", _entry("biasentry", LAYER, 1))),
    "dJ_daprev": gradient_symbol(r"\cost", _aprev, pd(r"\cost", _entry("actentry", BELOW, 1))),
    "g": notation_symbol("actfn", LAYER),
    "gprime": notation_symbol("actfnprime", LAYER),
    "lrate": notation_symbol("lrate"),
    # The weight after one step prints as the weight: the update rule writes W <- W - eta dJ/dW.
    "W_new": _W,
}


def _mlp_layer_exact(sizes: Sizes) -> Env:
    k, t = sizes["k"], sizes["t"]
    W, b, aprev = matrix("W", k, t), matrix("b", k, 1), matrix("a0", t, 1)
    g, f = sp.Function("g"), sp.Function("f")
    z = W * aprev + b
    a = z.applyfunc(g)
    J = f(*a)
    dJ_da = partials(f, a)
    z_free = matrix("z", k, 1)  # dJ/dz: differentiate f(g(z)) in free z, then put z back
    dJ_dz = gradient(f(*z_free.applyfunc(g)), z_free).subs(dict(zip(z_free, z, strict=True)))
    values = {
        "W": W,
        "b": b,
        "aprev": aprev,
        "z": z,
        "a": a,
        "dJ_da": dJ_da,
        "delta": dJ_dz,
        "dJ_dz": dJ_dz,
        "dJ_dW": gradient(J, W),
        "dJ_db": gradient(J, b),
        "dJ_daprev": gradient(J, aprev),
        "k": k,
        "t": t,
    }
    lrate = sp.Symbol("eta", positive=True)  # gradient descent: the step against the gradient, by its definition
    values.update({"lrate": lrate, "W_new": W - lrate * values["dJ_dW"]})
    gprime = generic_derivative(g)
    return Env(SympyOps(), values, {"g": elementwise(g), "gprime": elementwise(gprime)})


def _mlp_layer_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    k, t = sizes["k"], sizes["t"]
    name = ("tanh", "sigmoid")[int(rng.integers(0, 2))]
    layer = core.Dense(rng.normal(0, 1, (k, t)), rng.normal(0, 1, k), name)
    aprev = rng.normal(0, 1, (1, t))
    (record,) = core.forward([layer], aprev)
    dJ_da = rng.normal(0, 1, (1, k))  # the upstream gradient: J is any loss with this slope
    dz = core.ACTIVATIONS[name].backward(dJ_da, record.Z, record.A)
    daprev, dW, db = core.dense_backward(dz, record.cache)
    values = {
        "W": layer.W,
        "b": column(layer.b),
        "aprev": column(aprev),
        "z": column(record.Z),
        "a": column(record.A),
        "dJ_da": column(dJ_da),
        "delta": column(dz),
        "dJ_dz": column(dz),
        "dJ_dW": dW,
        "dJ_db": column(db),
        "dJ_daprev": column(daprev),
        "k": k,
        "t": t,
    }
    lrate = float(rng.uniform(0.01, 1.0))  # the core's SGD step with this learning rate
    (updated,) = core.sgd_step([layer], [core.LayerGradients(column(dJ_da).T, dz, dW, db)], lrate)
    values.update({"lrate": lrate, "W_new": updated.W})
    forward, derivative = NUMERIC_ACTIVATIONS[name]
    return Env(NumpyOps(), values, {"g": forward, "gprime": derivative})


MLP_LAYER = Model(
    "mlp_layer",
    MLP_LAYER_SYMBOLS,
    _mlp_layer_exact,
    _mlp_layer_numeric,
    exact_sizes=({"k": 2, "t": 3},),
    numeric_sizes=random_sizes(11, ("k", "t")),
    shapes={
        "W": ("k", "t"),
        "b": ("k", "1"),
        "aprev": ("t", "1"),
        "z": ("k", "1"),
        "a": ("k", "1"),
        "delta": ("k", "1"),
        "dJ_da": ("k", "1"),
        "dJ_dz": ("k", "1"),
        "dJ_dW": ("k", "t"),
        "dJ_db": ("k", "1"),
        "dJ_daprev": ("t", "1"),
    },
)


# --------------------------------------------------------------------------- sum of squared errors

_a_out = notation_symbol("act", "out", entry=r"\actentry{out}{%0}", superscripted=True)
SSE_SYMBOLS = {
    "a": _a_out,
    "y": notation_symbol("target", entry=r"\targetentry{%0}"),
    "J": notation_symbol("cost"),
    "dJ_da": gradient_symbol(r"\cost", _a_out, r"\pd{\cost}{\actentry{out}{%0}}"),
}


def _sse_exact(sizes: Sizes) -> Env:
    a, y = matrix("a", sizes["K"], 1), matrix("y", sizes["K"], 1)
    J = sum((a[i] - y[i]) ** 2 for i in range(sizes["K"]))
    return Env(SympyOps(), {"a": a, "y": y, "J": J, "dJ_da": gradient(J, a), "K": sizes["K"]})


def _sse_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    a, y = rng.normal(0, 1, (1, sizes["K"])), rng.normal(0, 1, (1, sizes["K"]))
    rule = core.LOSSES["sse"]
    values = {
        "a": column(a),
        "y": column(y),
        "J": float(rule.per_example(a, y)[0]),
        "dJ_da": column(rule.gradient(a, y)),
        "K": sizes["K"],
    }
    return Env(NumpyOps(), values)


SSE = Model(
    "sse",
    SSE_SYMBOLS,
    _sse_exact,
    _sse_numeric,
    exact_sizes=({"K": 3},),
    numeric_sizes=random_sizes(12, ("K",)),
    requires=frozenset({"sse"}),
)


# --------------------------------------------------------------------------- scalar activations

SCALAR_SYMBOLS = {
    "z": notation_symbol("scalarpre"),
    "sigma": notation_symbol("sigmoid"),
    "dsigma": plain_symbol(r"\sigmoid'(\scalarpre)"),
    "relu": notation_symbol("relu"),
    "drelu": plain_symbol(r"\relu'(\scalarpre)"),
    "tanh": notation_symbol("tanh"),
    "dtanh": plain_symbol(r"\tanh'(\scalarpre)"),
}


def _scalar_exact(sizes: Sizes) -> Env:
    z = sp.Symbol("z", real=True)

    def sigma(v: sp.Expr) -> sp.Expr:
        return 1 / (1 + sp.exp(-v))

    relu = sp.Piecewise((z, z > 0), (0, True))
    values = {"z": z, "dsigma": sp.diff(sigma(z), z), "drelu": sp.diff(relu, z), "dtanh": sp.diff(sp.tanh(z), z)}
    return Env(SympyOps(), values, {"sigma": elementwise(sigma), "tanh": elementwise(sp.tanh)})


def _scalar_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    # Include the kink itself: the book's convention ReLU'(0) = 0 is part of what is checked.
    z = float(rng.choice([rng.normal(0, 3), 0.0]))
    at = np.array([[z]])
    ones = np.ones_like(at)
    sigmoid, relu, tanh = core.ACTIVATIONS["sigmoid"], core.ACTIVATIONS["relu"], core.ACTIVATIONS["tanh"]
    values = {
        "z": z,
        "dsigma": float(sigmoid.backward(ones, at, sigmoid.forward(at))[0, 0]),
        "drelu": float(relu.backward(ones, at, relu.forward(at))[0, 0]),
        "dtanh": float(tanh.backward(ones, at, tanh.forward(at))[0, 0]),
    }
    return Env(NumpyOps(), values, {"sigma": lambda v: 1.0 / (1.0 + np.exp(-v)), "tanh": np.tanh})


SCALAR = Model(
    "scalar",
    SCALAR_SYMBOLS,
    _scalar_exact,
    _scalar_numeric,
    # Scalars have no sizes: "case" only numbers the six random points in messages.
    exact_sizes=({},),
    numeric_sizes=tuple({"case": n} for n in range(6)),
)

# --------------------------------------------------------------------------- a batch through a layer

BATCH_SYMBOLS = {
    "W": _W,
    "b": _b,
    "Aprev": notation_symbol("Act", BELOW, superscripted=True),
    "Z": notation_symbol("Preact", LAYER, superscripted=True),
    "ones": notation_symbol("ones"),
}


def _batch_exact(sizes: Sizes) -> Env:
    n, k, t = sizes["n"], sizes["k"], sizes["t"]
    W, b, Aprev = matrix("W", k, t), matrix("b", k, 1), matrix("A", n, t)
    # Row e of Z is the single-example pre-activation of example e, written out entry by entry.
    Z = sp.Matrix(n, k, lambda e, i: sum(W[i, j] * Aprev[e, j] for j in range(t)) + b[i])
    return Env(SympyOps(), {"W": W, "b": b, "Aprev": Aprev, "Z": Z, "ones": sp.ones(n, 1), "n": n, "k": k, "t": t})


def _batch_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    n, k, t = sizes["n"], sizes["k"], sizes["t"]
    W, b, Aprev = rng.normal(0, 1, (k, t)), rng.normal(0, 1, k), rng.normal(0, 1, (n, t))
    Z, _ = core.dense_forward(Aprev, W, b)
    values = {"W": W, "b": column(b), "Aprev": Aprev, "Z": Z, "ones": np.ones((n, 1)), "n": n, "k": k, "t": t}
    return Env(NumpyOps(), values)


BATCH = Model(
    "batch",
    BATCH_SYMBOLS,
    _batch_exact,
    _batch_numeric,
    exact_sizes=({"n": 2, "k": 2, "t": 3},),
    numeric_sizes=random_sizes(13, ("n", "k", "t")),
    shapes={"Z": ("n", "k"), "Aprev": ("n", "t"), "W": ("k", "t"), "b": ("k", "1"), "ones": ("n", "1")},
)


# --------------------------------------------------------------------------- the formulas

_k, _t = "k", "t"
_delta_k, _a_t = Entry("delta", (_k,)), Entry("aprev", (_t,))

FORMULAS = (
    Formula(
        "error_term",
        MLP_LAYER,
        Entry("delta", (_k,)),
        (Entry("dJ_dz", (_k,)), Mul(Entry("dJ_da", (_k,)), Apply("gprime", Entry("z", (_k,))))),
        free={_k: "k"},
    ),
    Formula("weight_gradient", MLP_LAYER, Entry("dJ_dW", (_k, _t)), (Mul(_delta_k, _a_t),), free={_k: "k", _t: "t"}),
    Formula(
        "activation_gradient_below",
        MLP_LAYER,
        Entry("dJ_daprev", (_t,)),
        (Sum(_k, "k", Mul(_delta_k, Entry("W", (_k, _t)))),),
        free={_t: "t"},
    ),
    Formula("error_vector", MLP_LAYER, Q("delta"), (Hadamard(Q("dJ_da"), Apply("gprime", Q("z"))),)),
    Formula("activation_gradient_vector", MLP_LAYER, Q("dJ_daprev"), (Q("W").T @ Q("delta"),)),
    Formula("weight_gradient_vector", MLP_LAYER, Q("dJ_dW"), (Q("delta") @ Q("aprev").T,)),
    Formula(
        "preactivation",
        MLP_LAYER,
        Entry("z", (_k,)),
        (Sum(_t, "t", Mul(Entry("W", (_k, _t)), _a_t)) + Entry("b", (_k,)),),
        free={_k: "k"},
    ),
    Formula("activation", MLP_LAYER, Entry("a", (_k,)), (Apply("g", Entry("z", (_k,))),), free={_k: "k"}),
    Formula("layer_forward", MLP_LAYER, Q("z"), (Q("W") @ Q("aprev") + Q("b"),), kind="definition"),
    Formula("layer_activation", MLP_LAYER, Q("a"), (Apply("g", Q("z")),), kind="definition"),
    Formula("error_definition", MLP_LAYER, Q("delta"), (Q("dJ_dz"),), kind="definition"),
    Formula("batch_forward", BATCH, Q("Z"), (Q("Aprev") @ Q("W").T + Q("ones") @ Q("b").T,), kind="definition"),
    Formula(
        "sgd_update",
        MLP_LAYER,
        Entry("W_new", (_k, _t)),
        (Entry("W", (_k, _t)) - Mul(Q("lrate"), Entry("dJ_dW", (_k, _t))),),
        kind="definition",
        relation=r"\leftarrow",
        free={_k: "k", _t: "t"},
    ),
    # Losses and activations.
    Formula("sse_loss", SSE, Q("J"), (Sum(_k, "K", Square(Entry("a", (_k,)) - Entry("y", (_k,)))),), kind="definition"),
    Formula(
        "sse_gradient",
        SSE,
        Entry("dJ_da", (_k,)),
        (Mul(scalar(2), Entry("a", (_k,)) - Entry("y", (_k,))),),
        free={_k: "K"},
    ),
    Formula(
        "sigmoid_derivative",
        SCALAR,
        Q("dsigma"),
        (Mul(Apply("sigma", Q("z")), scalar(1) - Apply("sigma", Q("z"))),),
        needs=frozenset({"sigmoid"}),
    ),
    Formula(
        "relu_derivative",
        SCALAR,
        Q("drelu"),
        (PositiveCases(Q("z"), scalar(1), scalar(0)),),
        needs=frozenset({"relu"}),
    ),
    Formula(
        "tanh_derivative",
        SCALAR,
        Q("dtanh"),
        (scalar(1) - Square(Apply("tanh", Q("z"))),),
        needs=frozenset({"tanh"}),
    ),
)
