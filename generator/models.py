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

from generator import core, gradcheck
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


def _grad(whole: str, entry: str = "") -> Symbol:
    """A gradient symbol: a fraction, so it takes parentheses before a transpose."""
    return Symbol(whole, entry, superscripted=True)


def _column(row: np.ndarray) -> np.ndarray:
    return row.reshape(-1, 1)


# Independent numeric derivatives of the smooth activations (not the core's backward rules).
_NUMERIC_ACTIVATIONS = {
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1.0 / np.cosh(z) ** 2),
}


def _random_sizes(seed: int, names: tuple[str, ...], count: int = 4, high: int = 7, low: int = 1) -> tuple[Sizes, ...]:
    """``count`` random sizes from ``low`` to ``high`` for each name (fixed seed)."""
    rng = np.random.default_rng(seed)
    return tuple({n: int(rng.integers(low, high + 1)) for n in names} for _ in range(count))


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
    "dJ_da": _grad(rf"\pd{{\cost}}{{\act{{{LAYER}}}}}", rf"\pd{{\cost}}{{{_entry('actentry', LAYER, 1)}}}"),
    "dJ_dz": _grad(rf"\pd{{\cost}}{{\preact{{{LAYER}}}}}", rf"\pd{{\cost}}{{{_entry('preactentry', LAYER, 1)}}}"),
    "dJ_dW": _grad(rf"\pd{{\cost}}{{\weight{{{LAYER}}}}}", rf"\pd{{\cost}}{{{_entry('weightentry', LAYER, 2)}}}"),
    "dJ_db": _grad(rf"\pd{{\cost}}{{\bias{{{LAYER}}}}}", rf"\pd{{\cost}}{{{_entry('biasentry', LAYER, 1)}}}"),
    "dJ_daprev": _grad(rf"\pd{{\cost}}{{\act{{{BELOW}}}}}", rf"\pd{{\cost}}{{{_entry('actentry', BELOW, 1)}}}"),
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
    "dJ_da": _grad(r"\pd{\cost}{\act{out}}", r"\pd{\cost}{\actentry{out}{%0}}"),
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
    "tanh": Symbol(r"\tanh"),
    "dtanh": Symbol(r"\tanh'(\scalarpre)"),
}


def _scalar_exact(sizes: Sizes) -> Env:
    z = sp.Symbol("z", real=True)
    sigma = lambda v: 1 / (1 + sp.exp(-v))  # noqa: E731
    relu = sp.Piecewise((z, z > 0), (0, True))
    values = {"z": z, "dsigma": sp.diff(sigma(z), z), "drelu": sp.diff(relu, z), "dtanh": sp.diff(sp.tanh(z), z)}
    return Env(SympyOps(), values, {"sigma": _elementwise(sigma), "tanh": _elementwise(sp.tanh)})


def _scalar_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
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


SCALAR = Model("scalar", SCALAR_SYMBOLS, _scalar_exact, _scalar_numeric,
               # Scalars have no sizes: "case" only numbers the six random points in messages.
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
    "dJ_dahid": _grad(r"\pd{\cost}{\act{hid}}", r"\pd{\cost}{\actentry{hid}{%0}}"),
    "dJ_dWout": _grad(r"\pd{\cost}{\weight{out}}", r"\pd{\cost}{\weightentry{out}{%0}{%1}}"),
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

# --------------------------------------------------------------------------- a linear layer y = W x + b

def _pd_entry(of: str, entry: str) -> str:
    return rf"\pd{{{of}}}{{{entry}}}"


LINEAR_SYMBOLS = {
    "W": Symbol(r"\linW", r"\linWentry{%0}{%1}"),
    "x": Symbol(r"\linx", r"\linxentry{%0}"),
    "b": Symbol(r"\linb", r"\linbentry{%0}"),
    "y": Symbol(r"\liny", r"\linyentry{%0}"),
    "X": Symbol(r"\linX", r"\linXentry{%0}{%1}"),
    "Y": Symbol(r"\linY", r"\linYentry{%0}{%1}"),
    "ones": Symbol(r"\ones"),
    "dJ_dy": _grad(r"\pd{\cost}{\liny}", _pd_entry(r"\cost", r"\linyentry{%0}")),
    "dJ_dW": _grad(r"\pd{\cost}{\linW}", _pd_entry(r"\cost", r"\linWentry{%0}{%1}")),
    "dJ_dx": _grad(r"\pd{\cost}{\linx}", _pd_entry(r"\cost", r"\linxentry{%0}")),
    "dJ_db": _grad(r"\pd{\cost}{\linb}", _pd_entry(r"\cost", r"\linbentry{%0}")),
    "dJ_dY": _grad(r"\pd{\cost}{\linY}", _pd_entry(r"\cost", r"\linYentry{%0}{%1}")),
    "dJ_dX": _grad(r"\pd{\cost}{\linX}", _pd_entry(r"\cost", r"\linXentry{%0}{%1}")),
    "dy_dW": Symbol("", _pd_entry(r"\linyentry{%0}", r"\linWentry{%1}{%2}")),
    "dy_dx": Symbol("", _pd_entry(r"\linyentry{%0}", r"\linxentry{%1}")),
    "kronecker": Symbol("", r"\kron{%0}{%1}"),
}


def _linear_exact(sizes: Sizes) -> Env:
    m, d = sizes["m"], sizes["d"]
    W, x, b = _matrix("W", m, d), _matrix("x", d, 1), _matrix("b", m, 1)
    y = W * x + b
    f = sp.Function("f")
    J = f(*y)
    values = {
        "W": W, "x": x, "b": b, "y": y, "dJ_dy": _partials(f, y), "dJ_dW": _gradient(J, W),
        "dJ_dx": _gradient(J, x), "dJ_db": _gradient(J, b),
        "dy_dW": {(r, i, j): sp.diff(y[r], W[i, j]) for r in range(m) for i in range(m) for j in range(d)},
        "dy_dx": {(r, i): sp.diff(y[r], x[i]) for r in range(m) for i in range(d)},
        "m": m, "d": d,
    }
    return Env(SympyOps(), values)


def _linear_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    m, d = sizes["m"], sizes["d"]
    W, x, b = rng.normal(0, 1, (m, d)), rng.normal(0, 1, (1, d)), rng.normal(0, 1, m)
    y, cache = core.dense_forward(x, W, b)
    dJ_dy = rng.normal(0, 1, (1, m))  # any loss: only its gradient at y matters
    dx, dW, db = core.dense_backward(dJ_dy, cache)
    dy_dW, dy_dx = {}, {}
    for r in range(m):  # the core's derivative of the single output y_r
        unit = np.zeros((1, m))
        unit[0, r] = 1.0
        dx_r, dW_r, _ = core.dense_backward(unit, cache)
        dy_dW.update({(r, i, j): dW_r[i, j] for i in range(m) for j in range(d)})
        dy_dx.update({(r, i): dx_r[0, i] for i in range(d)})
    values = {
        "W": W, "x": _column(x), "b": _column(b), "y": _column(y), "dJ_dy": _column(dJ_dy), "dJ_dW": dW,
        "dJ_dx": _column(dx), "dJ_db": _column(db), "dy_dW": dy_dW, "dy_dx": dy_dx, "m": m, "d": d,
    }
    return Env(NumpyOps(), values)


LINEAR = Model("linear", LINEAR_SYMBOLS, _linear_exact, _linear_numeric,
               exact_sizes=({"m": 2, "d": 3},), numeric_sizes=_random_sizes(15, ("m", "d")))


def _batch_linear_exact(sizes: Sizes, rows: bool) -> Env:
    n, m, d = sizes["n"], sizes["m"], sizes["d"]
    W, b = _matrix("W", m, d), _matrix("b", m, 1)
    ones = sp.ones(n, 1)
    if rows:
        X = _matrix("x", n, d)
        Y = sp.Matrix(n, m, lambda e, i: sum(W[i, j] * X[e, j] for j in range(d)) + b[i])
    else:
        X = _matrix("x", d, n)
        Y = sp.Matrix(m, n, lambda i, e: sum(W[i, j] * X[j, e] for j in range(d)) + b[i])
    f = sp.Function("f")
    J = f(*Y)
    values = {"W": W, "b": b, "X": X, "Y": Y, "ones": ones, "dJ_dY": _partials(f, Y), "dJ_dW": _gradient(J, W),
              "dJ_dX": _gradient(J, X), "dJ_db": _gradient(J, b), "n": n, "m": m, "d": d}
    return Env(SympyOps(), values)


def _batch_linear_numeric(sizes: Sizes, rng: np.random.Generator, rows: bool) -> Env:
    n, m, d = sizes["n"], sizes["m"], sizes["d"]
    W, b, X = rng.normal(0, 1, (m, d)), rng.normal(0, 1, m), rng.normal(0, 1, (n, d))
    Y, cache = core.dense_forward(X, W, b)  # the core batches rows
    dJ_dY = rng.normal(0, 1, (n, m))
    dX, dW, db = core.dense_backward(dJ_dY, cache)
    if not rows:  # the same numbers with examples as columns
        X, Y, dJ_dY, dX = X.T, Y.T, dJ_dY.T, dX.T
    values = {"W": W, "b": _column(b), "X": X, "Y": Y, "ones": np.ones((n, 1)), "dJ_dY": dJ_dY, "dJ_dW": dW,
              "dJ_dX": dX, "dJ_db": _column(db), "n": n, "m": m, "d": d}
    return Env(NumpyOps(), values)


LINEAR_ROWS = Model("linear_rows", LINEAR_SYMBOLS, lambda s: _batch_linear_exact(s, True),
                    lambda s, rng: _batch_linear_numeric(s, rng, True),
                    exact_sizes=({"n": 2, "m": 2, "d": 3},), numeric_sizes=_random_sizes(16, ("n", "m", "d")))
LINEAR_COLUMNS = Model("linear_columns", LINEAR_SYMBOLS, lambda s: _batch_linear_exact(s, False),
                       lambda s, rng: _batch_linear_numeric(s, rng, False),
                       exact_sizes=({"n": 2, "m": 2, "d": 3},), numeric_sizes=_random_sizes(17, ("n", "m", "d")))


# --------------------------------------------------------------------------- an elementwise activation

ELEMENTWISE_SYMBOLS = {
    "Z": Symbol(r"\ewpre", r"\ewpreentry{%0}{%1}"),
    "A": Symbol(r"\ewpost", r"\ewpostentry{%0}{%1}"),
    "dJ_dA": _grad(r"\pd{\cost}{\ewpost}", _pd_entry(r"\cost", r"\ewpostentry{%0}{%1}")),
    "dJ_dZ": _grad(r"\pd{\cost}{\ewpre}", _pd_entry(r"\cost", r"\ewpreentry{%0}{%1}")),
    "sigma": Symbol(r"\sigmoid"),
    "sigmaprime": Symbol(r"\sigmoid'"),
}


def _elementwise_exact(sizes: Sizes) -> Env:
    Z = _matrix("z", sizes["m"], sizes["n"])
    sigma, f = sp.Function("sigma"), sp.Function("f")
    A = Z.applyfunc(sigma)
    values = {"Z": Z, "A": A, "dJ_dA": _partials(f, A), "dJ_dZ": _gradient(f(*A), Z), "m": sizes["m"], "n": sizes["n"]}
    return Env(SympyOps(), values, {"sigma": _elementwise(sigma), "sigmaprime": _elementwise(_generic_derivative(sigma))})


def _elementwise_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    name = ("tanh", "sigmoid")[int(rng.integers(0, 2))]
    Z = rng.normal(0, 1.5, (sizes["m"], sizes["n"]))
    activation = core.ACTIVATIONS[name]
    A = activation.forward(Z)
    dJ_dA = rng.normal(0, 1, Z.shape)
    values = {"Z": Z, "A": A, "dJ_dA": dJ_dA, "dJ_dZ": activation.backward(dJ_dA, Z, A), "m": sizes["m"], "n": sizes["n"]}
    forward, derivative = _NUMERIC_ACTIVATIONS[name]
    return Env(NumpyOps(), values, {"sigma": forward, "sigmaprime": derivative})


ELEMENTWISE = Model("elementwise", ELEMENTWISE_SYMBOLS, _elementwise_exact, _elementwise_numeric,
                    exact_sizes=({"m": 2, "n": 2},), numeric_sizes=_random_sizes(18, ("m", "n")))

# --------------------------------------------------------------------------- softmax with cross-entropy

SOFTMAX_SYMBOLS = {
    "z": Symbol(r"\preact{out}", r"\preactentry{out}{%0}", superscripted=True),
    "a": Symbol(r"\act{out}", r"\actentry{out}{%0}", superscripted=True),
    "y": Symbol(r"\target", r"\targetentry{%0}"),
    "jac": _grad(r"\pd{\act{out}}{\preact{out}}", _pd_entry(r"\actentry{out}{%0}", r"\preactentry{out}{%1}")),
    "dL_da": _grad(r"\pd{\cost}{\act{out}}", _pd_entry(r"\cost", r"\actentry{out}{%0}")),
    "dL_dz": _grad(r"\pd{\cost}{\preact{out}}", _pd_entry(r"\cost", r"\preactentry{out}{%0}")),
    "L": Symbol(r"\cost"),
    "exp": Symbol(r"\exp"),
    "log": Symbol(r"\log"),
    "kronecker": Symbol("", r"\kron{%0}{%1}"),
}


def _softmax_exact(sizes: Sizes) -> Env:
    K = sizes["K"]
    z, y = _matrix("z", K, 1), _matrix("y", K, 1)
    total = sum(sp.exp(v) for v in z)
    a = z.applyfunc(lambda v: sp.exp(v) / total)
    L = -sum(y[k] * sp.log(a[k]) for k in range(K))
    free_a = _matrix("u", K, 1)
    dL_da = _gradient(-sum(y[k] * sp.log(free_a[k]) for k in range(K)), free_a).subs(dict(zip(free_a, a)))
    values = {"z": z, "a": a, "y": y, "L": L, "jac": sp.Matrix(K, K, lambda i, j: sp.diff(a[i], z[j])),
              "dL_da": dL_da, "dL_dz": _gradient(L, z), "K": K}
    return Env(SympyOps(), values, {"exp": _elementwise(sp.exp), "log": _elementwise(sp.log)})


def _targets_sum_to_one(sizes: Sizes) -> dict[Any, Any]:
    """Use sum_j y_j = 1 by writing the last target in terms of the others."""
    K = sizes["K"]
    y = [sp.Symbol(f"y_{k + 1}_1") for k in range(K)]
    return {y[-1]: 1 - sum(y[:-1])}


def _softmax_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    K = sizes["K"]
    softmax = core.ACTIVATIONS["softmax"]
    z = rng.normal(0, 2, (1, K))
    a = softmax.forward(z)
    y = rng.dirichlet(np.ones(K), size=1)  # a distribution: its entries sum to one
    jac = np.column_stack([softmax.backward(np.eye(K)[j : j + 1], z, a)[0] for j in range(K)])
    dL_da = core.LOSSES["softmax_ce"].gradient(a, y)
    values = {"z": _column(z), "a": _column(a), "y": _column(y), "L": float(core.LOSSES["softmax_ce"].per_example(a, y)[0]),
              "jac": jac, "dL_da": _column(dL_da), "dL_dz": _column(softmax.backward(dL_da, z, a)), "K": K}
    return Env(NumpyOps(), values, {"exp": np.exp, "log": np.log})


SOFTMAX = Model("softmax", SOFTMAX_SYMBOLS, _softmax_exact, _softmax_numeric,
                exact_sizes=({"K": 3},), numeric_sizes=_random_sizes(19, ("K",), low=2),
                constraints={"sum_y_is_one": _targets_sum_to_one})


# --------------------------------------------------------------------------- a sigmoid-softmax network

NET_SYMBOLS = {
    "X": Symbol(r"\Inputs"),
    "Y": Symbol(r"\Targets"),
    "ones": Symbol(r"\ones"),
    "W1": Symbol(r"\weight{hid}", superscripted=True),
    "W2": Symbol(r"\weight{out}", superscripted=True),
    "b1": Symbol(r"\bias{hid}", superscripted=True),
    "b2": Symbol(r"\bias{out}", superscripted=True),
    "sigma": Symbol(r"\sigmoid"),
    "Z1": Symbol(r"\Preact{hid}", superscripted=True),
    "A1": Symbol(r"\Act{hid}", superscripted=True),
    "Z2": Symbol(r"\Preact{out}", superscripted=True),
    "A2": Symbol(r"\Act{out}", superscripted=True),
    "dL_dZ2": _grad(r"\pd{\cost}{\Preact{out}}"),
    "dL_dW2": _grad(r"\pd{\cost}{\weight{out}}"),
    "dL_db2": _grad(r"\pd{\cost}{\bias{out}}"),
    "dL_dA1": _grad(r"\pd{\cost}{\Act{hid}}"),
    "dL_dZ1": _grad(r"\pd{\cost}{\Preact{hid}}"),
    "dL_dW1": _grad(r"\pd{\cost}{\weight{hid}}"),
    "dL_db1": _grad(r"\pd{\cost}{\bias{hid}}"),
}


def _rows_softmax(Z: sp.Matrix) -> sp.Matrix:
    totals = [sum(sp.exp(Z[e, k]) for k in range(Z.cols)) for e in range(Z.rows)]
    return sp.Matrix(Z.rows, Z.cols, lambda e, k: sp.exp(Z[e, k]) / totals[e])


def _affine(A: sp.Matrix, W: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    return sp.Matrix(A.rows, W.rows, lambda e, i: sum(W[i, j] * A[e, j] for j in range(A.cols)) + b[i])


def _net_exact(sizes: Sizes) -> Env:
    n, d, h, K = sizes["n"], sizes["d"], sizes["h"], sizes["K"]
    X, W1, b1, W2, b2 = _matrix("x", n, d), _matrix("V", h, d), _matrix("c", h, 1), _matrix("W", K, h), _matrix("b", K, 1)
    free_Y = _matrix("y", n, K)
    Y = sp.Matrix(n, K, lambda e, k: free_Y[e, k] if k < K - 1 else 1 - sum(free_Y[e, :K - 1]))  # rows sum to one
    loss = lambda A2: -sum(Y[e, k] * sp.log(A2[e, k]) for e in range(n) for k in range(K))  # noqa: E731
    Z1 = _affine(X, W1, b1)
    A1 = Z1.applyfunc(lambda v: 1 / (1 + sp.exp(-v)))
    Z2 = _affine(A1, W2, b2)
    A2 = _rows_softmax(Z2)
    L = loss(A2)
    fZ2, fA1, fZ1 = _matrix("p", n, K), _matrix("q", n, h), _matrix("r", n, h)
    dL_dZ2 = _gradient(loss(_rows_softmax(fZ2)), fZ2).subs(dict(zip(fZ2, Z2)))
    dL_dA1 = _gradient(loss(_rows_softmax(_affine(fA1, W2, b2))), fA1).subs(dict(zip(fA1, A1)))
    fA1_of_Z1 = fZ1.applyfunc(lambda v: 1 / (1 + sp.exp(-v)))
    dL_dZ1 = _gradient(loss(_rows_softmax(_affine(fA1_of_Z1, W2, b2))), fZ1).subs(dict(zip(fZ1, Z1)))
    values = {"X": X, "Y": Y, "ones": sp.ones(n, 1), "W1": W1, "W2": W2, "b1": b1, "b2": b2,
              "Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2,
              "dL_dZ2": dL_dZ2, "dL_dW2": _gradient(L, W2), "dL_db2": _gradient(L, b2), "dL_dA1": dL_dA1,
              "dL_dZ1": dL_dZ1, "dL_dW1": _gradient(L, W1), "dL_db1": _gradient(L, b1), **sizes}
    return Env(SympyOps(), values, {"sigma": _elementwise(lambda v: 1 / (1 + sp.exp(-v)))})


def _net_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    n, d, h, K = sizes["n"], sizes["d"], sizes["h"], sizes["K"]
    layers = [core.Dense(rng.normal(0, 1, (h, d)), rng.normal(0, 1, h), "sigmoid"),
              core.Dense(rng.normal(0, 1, (K, h)), rng.normal(0, 1, K), "softmax")]
    X, Y = rng.normal(0, 1, (n, d)), rng.dirichlet(np.ones(K), size=n)
    records = core.forward(layers, X)
    hid, out = core.backward(layers, records, X, Y, "softmax_ce", "sum")
    # dL/dZ2 through the unfused rules (softmax's Jacobian times -Y/A), not the fused A - Y.
    softmax = core.ACTIVATIONS["softmax"]
    dL_dZ2 = softmax.backward(core.LOSSES["softmax_ce"].gradient(records[1].A, Y), records[1].Z, records[1].A)
    values = {"X": X, "Y": Y, "ones": np.ones((n, 1)), "W1": layers[0].W, "W2": layers[1].W,
              "b1": _column(layers[0].b), "b2": _column(layers[1].b),
              "Z1": records[0].Z, "A1": records[0].A, "Z2": records[1].Z, "A2": records[1].A,
              "dL_dZ2": dL_dZ2, "dL_dW2": out.dW, "dL_db2": _column(out.db), "dL_dA1": hid.dA, "dL_dZ1": hid.dZ,
              "dL_dW1": hid.dW, "dL_db1": _column(hid.db), **sizes}
    return Env(NumpyOps(), values, {"sigma": _NUMERIC_ACTIVATIONS["sigmoid"][0]})


SOFTMAX_NET = Model("softmax_net", NET_SYMBOLS, _net_exact, _net_numeric,
                    # Softmax over one class is the constant 1: at least two classes.
                    exact_sizes=({"n": 2, "d": 2, "h": 2, "K": 2},),
                    numeric_sizes=tuple({**sizes, "K": max(2, sizes["K"])}
                                        for sizes in _random_sizes(20, ("n", "d", "h", "K"))))

# --------------------------------------------------------------------------- finite differences

FINITE_DIFFERENCE_SYMBOLS = {
    "J_plus": Symbol(r"\cost(\param + \step)"),
    "J_minus": Symbol(r"\cost(\param - \step)"),
    "J_at": Symbol(r"\cost(\param)"),
    "h": Symbol(r"\step"),
    "dJ": Symbol(r"\cost'(\param)"),
    "d2J": Symbol(r"\cost''(\param)"),
    "d3J": Symbol(r"\cost'''(\param)"),
    "analytic": Symbol(r"\gradanalytic"),
    "numerical": Symbol(r"\gradnumerical"),
    "relative": Symbol(r"\relerr"),
}


def _finite_difference_exact(sizes: Sizes) -> Env:
    """A cubic in the parameter: its difference quotients have exact error terms."""
    theta, h = sp.Symbol("theta"), sp.Symbol("h", positive=True)
    c = sp.symbols("c0:4")
    J = lambda at: sum(c[n] * at**n for n in range(4))  # noqa: E731
    # Relative error: two positive gradients, the numerical one the larger by a positive amount.
    analytic, gap = sp.Symbol("p", positive=True), sp.Symbol("q", positive=True)
    values = {"J_plus": J(theta + h), "J_minus": J(theta - h), "J_at": J(theta), "h": h,
              "dJ": sp.diff(J(theta), theta), "d2J": sp.diff(J(theta), theta, 2), "d3J": sp.diff(J(theta), theta, 3),
              "analytic": analytic, "numerical": analytic + gap, "relative": gap / (analytic + gap)}
    return Env(SympyOps(), values)


def _finite_difference_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    c, theta, h = rng.normal(0, 1, 4), rng.normal(0, 1), 0.1
    J = lambda at: sum(c[n] * at**n for n in range(4))  # noqa: E731
    analytic, numerical = rng.normal(0, 1), rng.normal(0, 1)
    values = {"J_plus": J(theta + h), "J_minus": J(theta - h), "J_at": J(theta), "h": h,
              "dJ": c[1] + 2 * c[2] * theta + 3 * c[3] * theta**2, "d2J": 2 * c[2] + 6 * c[3] * theta,
              "d3J": 6 * c[3], "analytic": analytic, "numerical": numerical,
              # The book's definition is held to the code that the gradient check runs.
              "relative": gradcheck.relative_error(analytic, numerical)}
    return Env(NumpyOps(), values)


FINITE_DIFFERENCE = Model("finite_difference", FINITE_DIFFERENCE_SYMBOLS, _finite_difference_exact,
                          _finite_difference_numeric, exact_sizes=({},),
                          # No sizes: "case" only numbers the random cubics in messages.
                          numeric_sizes=tuple({"case": n} for n in range(6)))


SINGLE_MODELS: tuple[Model, ...] = (
    MLP_LAYER, SSE, SCALAR, BATCH, TWO_LAYER, LINEAR, LINEAR_ROWS, LINEAR_COLUMNS, ELEMENTWISE, SOFTMAX, SOFTMAX_NET,
    FINITE_DIFFERENCE,
)
