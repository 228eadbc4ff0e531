"""Small models in which the book's formulas hold, each in two versions.

* ``exact(sizes)``: SymPy matrices of symbols, the loss an *undefined* function ``f`` of the
  model's output (and activations undefined functions ``g`` where the formula is generic), every
  gradient obtained by ``sympy.diff`` entry by entry. A formula that holds here holds for every
  loss and activation, on those sizes.
* ``numeric(sizes, rng)``: float64 values from the NumPy core: random inputs and weights, a
  random upstream gradient, and the gradients the core's backward pass returns.

A model also says how each quantity prints, in notation macros, and which sizes to check.
Vectors are column matrices in both versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from generator import core
from generator.expr import Env, NumpyOps, Symbol, SympyOps

Sizes = dict[str, int]


@dataclass(frozen=True)
class Model:
    """A setting for formulas: how its quantities print and how to build both environments."""

    name: str
    symbols: dict[str, Symbol]
    exact: Callable[[Sizes], Env]
    numeric: Callable[[Sizes, np.random.Generator], Env]
    exact_sizes: tuple[Sizes, ...]
    numeric_sizes: tuple[Sizes, ...]
    # Named constraints that a link of a chain may use, as substitutions on exact values.
    constraints: dict[str, Callable[[Sizes], dict[Any, Any]]] | None = None


def _matrix(name: str, rows: int, columns: int) -> sp.Matrix:
    return sp.Matrix(rows, columns, lambda i, j: sp.Symbol(f"{name}_{i + 1}_{j + 1}"))


def _partials(f: sp.FunctionClass, at: sp.Matrix) -> sp.Matrix:
    """The gradient of the undefined scalar function ``f`` with respect to each entry, at ``at``."""
    dummies = [sp.Symbol(f"u_{n}") for n in range(len(at))]
    point = f(*dummies)
    values = [sp.Subs(sp.diff(point, u), dummies, list(at)) for u in dummies]
    return sp.Matrix(at.shape[0], at.shape[1], values)


def _gradient(J: sp.Expr, variables: sp.Matrix) -> sp.Matrix:
    return variables.applyfunc(lambda v: sp.diff(J, v))


def _generic_derivative(g: sp.FunctionClass) -> Callable[[sp.Expr], sp.Expr]:
    """``v -> g'(v)`` for an undefined ``g``, written as a substitution so ``v`` may be any expression."""
    x = sp.Symbol("x_")
    return lambda v: sp.Subs(sp.diff(g(x), x), x, v)


def _elementwise(function: Callable[[sp.Expr], sp.Expr]) -> Callable[[Any], Any]:
    """Apply a scalar SymPy function to a scalar or to every entry of a matrix."""
    return lambda v: v.applyfunc(function) if isinstance(v, sp.MatrixBase) else function(v)


def _column(row: np.ndarray) -> np.ndarray:
    return row.reshape(-1, 1)


# Independent numeric derivatives of the smooth activations (not the core's backward rules).
_NUMERIC_ACTIVATIONS = {
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1.0 / np.cosh(z) ** 2),
}


def _random_sizes(seed: int, names: tuple[str, ...], count: int = 4, high: int = 7) -> tuple[Sizes, ...]:
    rng = np.random.default_rng(seed)
    return tuple({n: int(rng.integers(1, high + 1)) for n in names} for _ in range(count))


# --------------------------------------------------------------------------- one layer of an MLP

LAYER, BELOW = r"\ell", r"\ell-1"


def _entry(macro: str, layer: str, indices: int) -> str:
    """``\\macro{layer}{%0}{%1}``: an entry macro with index placeholders."""
    return rf"\{macro}{{{layer}}}" + "".join(f"{{%{n}}}" for n in range(indices))


MLP_LAYER_SYMBOLS = {
    "W": Symbol(rf"\weight{{{LAYER}}}", _entry("weightentry", LAYER, 2), superscripted=True),
    "b": Symbol(rf"\bias{{{LAYER}}}", _entry("biasentry", LAYER, 1), superscripted=True),
    "aprev": Symbol(rf"\act{{{BELOW}}}", _entry("actentry", BELOW, 1), superscripted=True),
    "z": Symbol(rf"\preact{{{LAYER}}}", _entry("preactentry", LAYER, 1), superscripted=True),
    "a": Symbol(rf"\act{{{LAYER}}}", _entry("actentry", LAYER, 1), superscripted=True),
    "delta": Symbol(rf"\err{{{LAYER}}}", _entry("errentry", LAYER, 1), superscripted=True),
    "dJ_da": Symbol(rf"\pd{{\cost}}{{\act{{{LAYER}}}}}", rf"\pd{{\cost}}{{{_entry('actentry', LAYER, 1)}}}"),
    "dJ_dz": Symbol(rf"\pd{{\cost}}{{\preact{{{LAYER}}}}}", rf"\pd{{\cost}}{{{_entry('preactentry', LAYER, 1)}}}"),
    "dJ_dW": Symbol(rf"\pd{{\cost}}{{\weight{{{LAYER}}}}}", rf"\pd{{\cost}}{{{_entry('weightentry', LAYER, 2)}}}"),
    "dJ_db": Symbol(rf"\pd{{\cost}}{{\bias{{{LAYER}}}}}", rf"\pd{{\cost}}{{{_entry('biasentry', LAYER, 1)}}}"),
    "dJ_daprev": Symbol(rf"\pd{{\cost}}{{\act{{{BELOW}}}}}", rf"\pd{{\cost}}{{{_entry('actentry', BELOW, 1)}}}"),
    "g": Symbol(rf"\actfn{{{LAYER}}}"),
    "gprime": Symbol(rf"\actfnprime{{{LAYER}}}"),
    "lrate": Symbol(r"\lrate"),
}


def _mlp_layer_exact(sizes: Sizes) -> Env:
    k, t = sizes["k"], sizes["t"]
    W, b, aprev = _matrix("W", k, t), _matrix("b", k, 1), _matrix("a0", t, 1)
    g, f = sp.Function("g"), sp.Function("f")
    z = W * aprev + b
    a = z.applyfunc(g)
    J = f(*a)
    dJ_da = _partials(f, a)
    z_free = _matrix("z", k, 1)  # dJ/dz: differentiate f(g(z)) in free z, then put z back
    dJ_dz = _gradient(f(*z_free.applyfunc(g)), z_free).subs(dict(zip(z_free, z)))
    values = {
        "W": W, "b": b, "aprev": aprev, "z": z, "a": a, "dJ_da": dJ_da, "delta": dJ_dz, "dJ_dz": dJ_dz,
        "dJ_dW": _gradient(J, W), "dJ_db": _gradient(J, b), "dJ_daprev": _gradient(J, aprev), "k": k, "t": t,
    }
    gprime = _generic_derivative(g)
    return Env(SympyOps(), values, {"g": _elementwise(g), "gprime": _elementwise(gprime)})


def _mlp_layer_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    k, t = sizes["k"], sizes["t"]
    name = ("tanh", "sigmoid")[int(rng.integers(0, 2))]
    layer = core.Dense(rng.normal(0, 1, (k, t)), rng.normal(0, 1, k), name)
    aprev = rng.normal(0, 1, (1, t))
    (record,) = core.forward([layer], aprev)
    dJ_da = rng.normal(0, 1, (1, k))  # the upstream gradient: J is any loss with this slope
    dz = core.ACTIVATIONS[name].backward(dJ_da, record.Z, record.A)
    daprev, dW, db = core.dense_backward(dz, (aprev, layer.W, True))
    values = {
        "W": layer.W, "b": _column(layer.b), "aprev": _column(aprev), "z": _column(record.Z), "a": _column(record.A),
        "dJ_da": _column(dJ_da), "delta": _column(dz), "dJ_dz": _column(dz), "dJ_dW": dW, "dJ_db": _column(db),
        "dJ_daprev": _column(daprev), "k": k, "t": t,
    }
    forward, derivative = _NUMERIC_ACTIVATIONS[name]
    return Env(NumpyOps(), values, {"g": forward, "gprime": derivative})


MLP_LAYER = Model(
    "mlp_layer", MLP_LAYER_SYMBOLS, _mlp_layer_exact, _mlp_layer_numeric,
    exact_sizes=({"k": 2, "t": 3},), numeric_sizes=_random_sizes(11, ("k", "t")),
)


# --------------------------------------------------------------------------- sum of squared errors

SSE_SYMBOLS = {
    "a": Symbol(r"\act{out}", r"\actentry{out}{%0}", superscripted=True),
    "y": Symbol(r"\target", r"\targetentry{%0}"),
    "J": Symbol(r"\cost"),
    "dJ_da": Symbol(r"\pd{\cost}{\act{out}}", r"\pd{\cost}{\actentry{out}{%0}}"),
}


def _sse_exact(sizes: Sizes) -> Env:
    a, y = _matrix("a", sizes["K"], 1), _matrix("y", sizes["K"], 1)
    J = sum((a[i] - y[i]) ** 2 for i in range(sizes["K"]))
    return Env(SympyOps(), {"a": a, "y": y, "J": J, "dJ_da": _gradient(J, a), "K": sizes["K"]})


def _sse_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    a, y = rng.normal(0, 1, (1, sizes["K"])), rng.normal(0, 1, (1, sizes["K"]))
    rule = core.LOSSES["sse"]
    values = {"a": _column(a), "y": _column(y), "J": float(rule.per_example(a, y)[0]),
              "dJ_da": _column(rule.gradient(a, y)), "K": sizes["K"]}
    return Env(NumpyOps(), values)


SSE = Model("sse", SSE_SYMBOLS, _sse_exact, _sse_numeric,
            exact_sizes=({"K": 3},), numeric_sizes=_random_sizes(12, ("K",)))


# --------------------------------------------------------------------------- scalar activations

SCALAR_SYMBOLS = {
    "z": Symbol(r"\scalarpre"),
    "sigma": Symbol(r"\sigmoid"),
    "dsigma": Symbol(r"\sigmoid'(\scalarpre)"),
    "relu": Symbol(r"\relu"),
    "drelu": Symbol(r"\relu'(\scalarpre)"),
}


def _scalar_exact(sizes: Sizes) -> Env:
    z = sp.Symbol("z", real=True)
    sigma = lambda v: 1 / (1 + sp.exp(-v))  # noqa: E731
    relu = sp.Piecewise((z, z > 0), (0, True))
    values = {"z": z, "dsigma": sp.diff(sigma(z), z), "drelu": sp.diff(relu, z)}
    return Env(SympyOps(), values, {"sigma": _elementwise(sigma)})


def _scalar_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    # Include the kink itself: the book's convention ReLU'(0) = 0 is part of what is checked.
    z = float(rng.choice([rng.normal(0, 3), 0.0]))
    at = np.array([[z]])
    ones = np.ones_like(at)
    sigmoid, relu = core.ACTIVATIONS["sigmoid"], core.ACTIVATIONS["relu"]
    values = {
        "z": z,
        "dsigma": float(sigmoid.backward(ones, at, sigmoid.forward(at))[0, 0]),
        "drelu": float(relu.backward(ones, at, relu.forward(at))[0, 0]),
    }
    return Env(NumpyOps(), values, {"sigma": lambda v: 1.0 / (1.0 + np.exp(-v))})


SCALAR = Model("scalar", SCALAR_SYMBOLS, _scalar_exact, _scalar_numeric,
               exact_sizes=({},), numeric_sizes=tuple({"case": n} for n in range(6)))

# --------------------------------------------------------------------------- a batch through a layer

BATCH_SYMBOLS = {
    "W": MLP_LAYER_SYMBOLS["W"],
    "b": MLP_LAYER_SYMBOLS["b"],
    "Aprev": Symbol(rf"\Act{{{BELOW}}}", superscripted=True),
    "Z": Symbol(rf"\Preact{{{LAYER}}}", superscripted=True),
    "ones": Symbol(r"\ones"),
}


def _batch_exact(sizes: Sizes) -> Env:
    n, k, t = sizes["n"], sizes["k"], sizes["t"]
    W, b, Aprev = _matrix("W", k, t), _matrix("b", k, 1), _matrix("A", n, t)
    # Row e of Z is the single-example pre-activation of example e, written out entry by entry.
    Z = sp.Matrix(n, k, lambda e, i: sum(W[i, j] * Aprev[e, j] for j in range(t)) + b[i])
    return Env(SympyOps(), {"W": W, "b": b, "Aprev": Aprev, "Z": Z, "ones": sp.ones(n, 1), "n": n, "k": k, "t": t})


def _batch_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    n, k, t = sizes["n"], sizes["k"], sizes["t"]
    W, b, Aprev = rng.normal(0, 1, (k, t)), rng.normal(0, 1, k), rng.normal(0, 1, (n, t))
    Z, _ = core.dense_forward(Aprev, W, b)
    values = {"W": W, "b": _column(b), "Aprev": Aprev, "Z": Z, "ones": np.ones((n, 1)), "n": n, "k": k, "t": t}
    return Env(NumpyOps(), values)


BATCH = Model("batch", BATCH_SYMBOLS, _batch_exact, _batch_numeric,
              exact_sizes=({"n": 2, "k": 2, "t": 3},), numeric_sizes=_random_sizes(13, ("n", "k", "t")))


# --------------------------------------------------------------------------- the two layers hid and out

TWO_LAYER_SYMBOLS = {
    "W_out": Symbol(r"\weight{out}", r"\weightentry{out}{%0}{%1}", superscripted=True),
    "delta_out": Symbol(r"\err{out}", r"\errentry{out}{%0}", superscripted=True),
    "a_hid": Symbol(r"\act{hid}", r"\actentry{hid}{%0}", superscripted=True),
    "dJ_dahid": Symbol(r"\pd{\cost}{\act{hid}}", r"\pd{\cost}{\actentry{hid}{%0}}"),
    "dJ_dWout": Symbol(r"\pd{\cost}{\weight{out}}", r"\pd{\cost}{\weightentry{out}{%0}{%1}}"),
}


def _two_layer_exact(sizes: Sizes) -> Env:
    n0, n1, n2 = sizes["n0"], sizes["n1"], sizes["n2"]
    W_hid, W_out, x = _matrix("V", n1, n0), _matrix("W", n2, n1), _matrix("x", n0, 1)
    g_hid, g_out, f = sp.Function("g"), sp.Function("h"), sp.Function("f")
    a_hid = (W_hid * x).applyfunc(g_hid)
    z_out = W_out * a_hid
    J = f(*z_out.applyfunc(g_out))
    free_z, free_a = _matrix("z", n2, 1), _matrix("u", n1, 1)
    delta_out = _gradient(f(*free_z.applyfunc(g_out)), free_z).subs(dict(zip(free_z, z_out)))
    dJ_dahid = _gradient(f(*(W_out * free_a).applyfunc(g_out)), free_a).subs(dict(zip(free_a, a_hid)))
    values = {"W_out": W_out, "delta_out": delta_out, "a_hid": a_hid, "dJ_dahid": dJ_dahid,
              "dJ_dWout": _gradient(J, W_out), "n0": n0, "n1": n1, "n2": n2}
    return Env(SympyOps(), values)


def _two_layer_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    n0, n1, n2 = sizes["n0"], sizes["n1"], sizes["n2"]
    layers = [core.Dense(rng.normal(0, 1, (n1, n0)), None, "tanh"), core.Dense(rng.normal(0, 1, (n2, n1)), None, "sigmoid")]
    X, Y = rng.normal(0, 1, (1, n0)), rng.normal(0, 1, (1, n2))
    records = core.forward(layers, X)
    hid, out = core.backward(layers, records, X, Y, "sse", "sum")
    values = {"W_out": layers[1].W, "delta_out": _column(out.dZ), "a_hid": _column(records[0].A),
              "dJ_dahid": _column(hid.dA), "dJ_dWout": out.dW, "n0": n0, "n1": n1, "n2": n2}
    return Env(NumpyOps(), values)


TWO_LAYER = Model("two_layer", TWO_LAYER_SYMBOLS, _two_layer_exact, _two_layer_numeric,
                  # The instances spell out sums over two neurons: they hold for the 2-2-2 network only.
                  exact_sizes=({"n0": 2, "n1": 2, "n2": 2},),
                  numeric_sizes=tuple({"n0": n0, "n1": 2, "n2": 2} for n0 in (1, 2, 3, 5)))

MODELS: dict[str, Model] = {m.name: m for m in (MLP_LAYER, SSE, SCALAR, BATCH, TWO_LAYER)}
