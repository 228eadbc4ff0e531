"""Chapter ``linear-layer`` (note 003): y = W x + b in index and vector form, batched as rows and as
columns, an elementwise activation with the Hadamard product, and the note's swapped index."""

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
    Kronecker,
    Mul,
    NumpyOps,
    Q,
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

CHAPTER = "linear-layer"

# --------------------------------------------------------------------------- a linear layer y = W x + b

_W = notation_symbol("linW", entry=r"\linWentry{%0}{%1}")
_x = notation_symbol("inputvec", entry=r"\inputentry{%0}")
_b = notation_symbol("linb", entry=r"\linbentry{%0}")
_y = notation_symbol("liny", entry=r"\linyentry{%0}")
_X = notation_symbol("Inputs", entry=r"\Inputsentry{%0}{%1}")
_Y = notation_symbol("linY", entry=r"\linYentry{%0}{%1}")
LINEAR_SYMBOLS = {
    "W": _W,
    "x": _x,
    "b": _b,
    "y": _y,
    "X": _X,
    "Y": _Y,
    "ones": notation_symbol("ones"),
    "dJ_dy": gradient_symbol(r"\cost", _y, pd(r"\cost", r"\linyentry{%0}")),
    "dJ_dW": gradient_symbol(r"\cost", _W, pd(r"\cost", r"\linWentry{%0}{%1}")),
    "dJ_dx": gradient_symbol(r"\cost", _x, pd(r"\cost", r"\inputentry{%0}")),
    "dJ_db": gradient_symbol(r"\cost", _b, pd(r"\cost", r"\linbentry{%0}")),
    "dJ_dY": gradient_symbol(r"\cost", _Y, pd(r"\cost", r"\linYentry{%0}{%1}")),
    "dJ_dX": gradient_symbol(r"\cost", _X, pd(r"\cost", r"\Inputsentry{%0}{%1}")),
    "dy_dW": plain_symbol("", pd(r"\linyentry{%0}", r"\linWentry{%1}{%2}")),
    "dy_db": plain_symbol("", pd(r"\linyentry{%0}", r"\linbentry{%1}")),
    "dy_dx": plain_symbol("", pd(r"\linyentry{%0}", r"\inputentry{%1}")),
    "kronecker": plain_symbol("", r"\kron{%0}{%1}"),
}


def _linear_exact(sizes: Sizes) -> Env:
    m, d = sizes["m"], sizes["d"]
    W, x, b = matrix("W", m, d), matrix("x", d, 1), matrix("b", m, 1)
    y = W * x + b
    f = sp.Function("f")
    J = f(*y)
    values = {
        "W": W,
        "x": x,
        "b": b,
        "y": y,
        "dJ_dy": partials(f, y),
        "dJ_dW": gradient(J, W),
        "dJ_dx": gradient(J, x),
        "dJ_db": gradient(J, b),
        "dy_dW": {(r, i, j): sp.diff(y[r], W[i, j]) for r in range(m) for i in range(m) for j in range(d)},
        "dy_db": {(r, i): sp.diff(y[r], b[i]) for r in range(m) for i in range(m)},
        "dy_dx": {(r, i): sp.diff(y[r], x[i]) for r in range(m) for i in range(d)},
        "m": m,
        "d": d,
    }
    return Env(SympyOps(), values)


def _linear_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    m, d = sizes["m"], sizes["d"]
    W, x, b = rng.normal(0, 1, (m, d)), rng.normal(0, 1, (1, d)), rng.normal(0, 1, m)
    y, cache = core.dense_forward(x, W, b)
    dJ_dy = rng.normal(0, 1, (1, m))  # any loss: only its gradient at y matters
    dx, dW, db = core.dense_backward(dJ_dy, cache)
    dy_dW, dy_dx, dy_db = {}, {}, {}
    for r in range(m):  # the core's derivative of the single output y_r
        unit = np.zeros((1, m))
        unit[0, r] = 1.0
        dx_r, dW_r, db_r = core.dense_backward(unit, cache)
        dy_dW.update({(r, i, j): dW_r[i, j] for i in range(m) for j in range(d)})
        dy_dx.update({(r, i): dx_r[0, i] for i in range(d)})
        dy_db.update({(r, i): db_r[i] for i in range(m)})
    values = {
        "W": W,
        "x": column(x),
        "b": column(b),
        "y": column(y),
        "dJ_dy": column(dJ_dy),
        "dJ_dW": dW,
        "dJ_dx": column(dx),
        "dJ_db": column(db),
        "dy_dW": dy_dW,
        "dy_dx": dy_dx,
        "dy_db": dy_db,
        "m": m,
        "d": d,
    }
    return Env(NumpyOps(), values)


LINEAR = Model(
    "linear",
    LINEAR_SYMBOLS,
    _linear_exact,
    _linear_numeric,
    exact_sizes=({"m": 2, "d": 3},),
    numeric_sizes=random_sizes(15, ("m", "d")),
    shapes={
        "W": ("m", "d"),
        "x": ("d", "1"),
        "b": ("m", "1"),
        "y": ("m", "1"),
        "dJ_dy": ("m", "1"),
        "dJ_dW": ("m", "d"),
        "dJ_dx": ("d", "1"),
        "dJ_db": ("m", "1"),
    },
)


def _batch_linear_exact(sizes: Sizes, rows: bool) -> Env:
    n, m, d = sizes["n"], sizes["m"], sizes["d"]
    W, b = matrix("W", m, d), matrix("b", m, 1)
    ones = sp.ones(n, 1)
    if rows:
        X = matrix("x", n, d)
        Y = sp.Matrix(n, m, lambda e, i: sum(W[i, j] * X[e, j] for j in range(d)) + b[i])
    else:
        X = matrix("x", d, n)
        Y = sp.Matrix(m, n, lambda i, e: sum(W[i, j] * X[j, e] for j in range(d)) + b[i])
    f = sp.Function("f")
    J = f(*Y)
    values = {
        "W": W,
        "b": b,
        "X": X,
        "Y": Y,
        "ones": ones,
        "dJ_dY": partials(f, Y),
        "dJ_dW": gradient(J, W),
        "dJ_dX": gradient(J, X),
        "dJ_db": gradient(J, b),
        "n": n,
        "m": m,
        "d": d,
    }
    return Env(SympyOps(), values)


def _batch_linear_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType, rows: bool) -> Env:
    n, m, d = sizes["n"], sizes["m"], sizes["d"]
    W, b, X = rng.normal(0, 1, (m, d)), rng.normal(0, 1, m), rng.normal(0, 1, (n, d))
    Y, cache = core.dense_forward(X, W, b)  # the core batches rows
    dJ_dY = rng.normal(0, 1, (n, m))
    dX, dW, db = core.dense_backward(dJ_dY, cache)
    if not rows:  # the same numbers with examples as columns
        X, Y, dJ_dY, dX = X.T, Y.T, dJ_dY.T, dX.T
    values = {
        "W": W,
        "b": column(b),
        "X": X,
        "Y": Y,
        "ones": np.ones((n, 1)),
        "dJ_dY": dJ_dY,
        "dJ_dW": dW,
        "dJ_dX": dX,
        "dJ_db": column(db),
        "n": n,
        "m": m,
        "d": d,
    }
    return Env(NumpyOps(), values)


_BATCH_SIZES = ({"n": 2, "m": 2, "d": 3},)
_SHARED = {"W": ("m", "d"), "b": ("m", "1"), "ones": ("n", "1"), "dJ_dW": ("m", "d"), "dJ_db": ("m", "1")}
LINEAR_ROWS = Model(
    "linear_rows",
    LINEAR_SYMBOLS,
    lambda s: _batch_linear_exact(s, True),
    lambda s, rng, core: _batch_linear_numeric(s, rng, core, True),
    exact_sizes=_BATCH_SIZES,
    numeric_sizes=random_sizes(16, ("n", "m", "d")),
    shapes={**_SHARED, "X": ("n", "d"), "Y": ("n", "m"), "dJ_dY": ("n", "m"), "dJ_dX": ("n", "d")},
)
# With examples as columns the batch matrices are the transposes of the book's (one example per row):
# they print through the companions, X^T and Z^T, so that each symbol keeps its one meaning.
_XT = notation_symbol("InputsT", entry=r"\Inputsentry{%1}{%0}")
_YT = notation_symbol("linYT", entry=r"\linYentry{%1}{%0}")
LINEAR_COLUMN_SYMBOLS = {
    **LINEAR_SYMBOLS,
    "X": _XT,
    "Y": _YT,
    "dJ_dY": gradient_symbol(r"\cost", _YT, pd(r"\cost", r"\linYentry{%1}{%0}")),
    "dJ_dX": gradient_symbol(r"\cost", _XT, pd(r"\cost", r"\Inputsentry{%1}{%0}")),
}
LINEAR_COLUMNS = Model(
    "linear_columns",
    LINEAR_COLUMN_SYMBOLS,
    lambda s: _batch_linear_exact(s, False),
    lambda s, rng, core: _batch_linear_numeric(s, rng, core, False),
    exact_sizes=_BATCH_SIZES,
    numeric_sizes=random_sizes(17, ("n", "m", "d")),
    shapes={**_SHARED, "X": ("d", "n"), "Y": ("m", "n"), "dJ_dY": ("m", "n"), "dJ_dX": ("d", "n")},
)


# --------------------------------------------------------------------------- an elementwise activation

_Z = notation_symbol("linY", entry=r"\linYentry{%0}{%1}")
_A = notation_symbol("ewpost", entry=r"\ewpostentry{%0}{%1}")
ELEMENTWISE_SYMBOLS = {
    "Z": _Z,
    "A": _A,
    "dJ_dA": gradient_symbol(r"\cost", _A, pd(r"\cost", r"\ewpostentry{%0}{%1}")),
    "dJ_dZ": gradient_symbol(r"\cost", _Z, pd(r"\cost", r"\linYentry{%0}{%1}")),
    "sigma": notation_symbol("ewfn"),  # any activation, not only the sigmoid
    "sigmaprime": plain_symbol(r"\ewfn'"),
}


def _elementwise_exact(sizes: Sizes) -> Env:
    Z = matrix("z", sizes["m"], sizes["n"])
    sigma, f = sp.Function("sigma"), sp.Function("f")
    A = Z.applyfunc(sigma)
    values = {"Z": Z, "A": A, "dJ_dA": partials(f, A), "dJ_dZ": gradient(f(*A), Z), "m": sizes["m"], "n": sizes["n"]}
    return Env(SympyOps(), values, {"sigma": elementwise(sigma), "sigmaprime": elementwise(generic_derivative(sigma))})


def _elementwise_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    name = ("tanh", "sigmoid")[int(rng.integers(0, 2))]
    Z = rng.normal(0, 1.5, (sizes["m"], sizes["n"]))
    activation = core.ACTIVATIONS[name]
    A = activation.forward(Z)
    dJ_dA = rng.normal(0, 1, Z.shape)
    values = {
        "Z": Z,
        "A": A,
        "dJ_dA": dJ_dA,
        "dJ_dZ": activation.backward(dJ_dA, Z, A),
        "m": sizes["m"],
        "n": sizes["n"],
    }
    forward, derivative = NUMERIC_ACTIVATIONS[name]
    return Env(NumpyOps(), values, {"sigma": forward, "sigmaprime": derivative})


ELEMENTWISE = Model(
    "elementwise",
    ELEMENTWISE_SYMBOLS,
    _elementwise_exact,
    _elementwise_numeric,
    exact_sizes=({"m": 2, "n": 2},),
    numeric_sizes=random_sizes(18, ("m", "n")),
    shapes={"A": ("m", "n"), "Z": ("m", "n"), "dJ_dZ": ("m", "n"), "dJ_dA": ("m", "n")},
)


# --------------------------------------------------------------------------- the formulas

_i, _j, _r = "i", "j", "r"


def _dJ_dy(index: str) -> Entry:
    return Entry("dJ_dy", (index,))


FORMULAS = (
    Formula("linear_forward", LINEAR, Q("y"), (Q("W") @ Q("x") + Q("b"),), kind="definition"),
    Formula(
        "linear_forward_entry",
        LINEAR,
        Entry("y", (_r,)),
        (Sum(_j, "d", Mul(Entry("W", (_r, _j)), Entry("x", (_j,)))) + Entry("b", (_r,)),),
        kind="definition",
        free={_r: "m"},
    ),
    Formula("linear_dy_db", LINEAR, Entry("dy_db", (_r, _i)), (Kronecker(_r, _i),), free={_r: "m", _i: "m"}),
    # Note 003, solution of 4.1.1.4: "dy/db = 1", where the Jacobian is the identity.
    Formula(
        "wrong_linear_dy_db_one", LINEAR, Entry("dy_db", (_r, _i)), (scalar(1),), free={_r: "m", _i: "m"}, kind="wrong"
    ),
    Formula(
        "linear_dy_dW",
        LINEAR,
        Entry("dy_dW", (_r, _i, _j)),
        (Mul(Kronecker(_r, _i), Entry("x", (_j,))),),
        free={_r: "m", _i: "m", _j: "d"},
    ),
    Formula(
        "linear_dW_index",
        LINEAR,
        Entry("dJ_dW", (_i, _j)),
        (
            Sum(_r, "m", Mul(_dJ_dy(_r), Entry("dy_dW", (_r, _i, _j)))),
            Sum(_r, "m", Mul(_dJ_dy(_r), Mul(Kronecker(_r, _i), Entry("x", (_j,))))),
            Mul(_dJ_dy(_i), Entry("x", (_j,))),
        ),
        free={_i: "m", _j: "d"},
    ),
    Formula("linear_dW_vector", LINEAR, Q("dJ_dW"), (Q("dJ_dy") @ Q("x").T,)),
    Formula(
        "linear_dx_index",
        LINEAR,
        Entry("dJ_dx", (_i,)),
        (Sum(_r, "m", Mul(_dJ_dy(_r), Entry("dy_dx", (_r, _i)))), Sum(_r, "m", Mul(_dJ_dy(_r), Entry("W", (_r, _i))))),
        free={_i: "d"},
    ),
    Formula("linear_dx_vector", LINEAR, Q("dJ_dx"), (Q("W").T @ Q("dJ_dy"),)),
    Formula("linear_db_vector", LINEAR, Q("dJ_db"), (Q("dJ_dy"),)),
    # Batches: examples as rows (the book's convention) and as columns.
    Formula("rows_forward", LINEAR_ROWS, Q("Y"), (Q("X") @ Q("W").T + Q("ones") @ Q("b").T,), kind="definition"),
    Formula("rows_dW", LINEAR_ROWS, Q("dJ_dW"), (Q("dJ_dY").T @ Q("X"),)),
    Formula("rows_dX", LINEAR_ROWS, Q("dJ_dX"), (Q("dJ_dY") @ Q("W"),)),
    Formula("rows_db", LINEAR_ROWS, Q("dJ_db"), (Q("dJ_dY").T @ Q("ones"),)),
    Formula("columns_forward", LINEAR_COLUMNS, Q("Y"), (Q("W") @ Q("X") + Q("b") @ Q("ones").T,), kind="definition"),
    Formula("columns_dW", LINEAR_COLUMNS, Q("dJ_dW"), (Q("dJ_dY") @ Q("X").T,)),
    Formula("columns_dX", LINEAR_COLUMNS, Q("dJ_dX"), (Q("W").T @ Q("dJ_dY"),)),
    Formula("columns_db", LINEAR_COLUMNS, Q("dJ_db"), (Q("dJ_dY") @ Q("ones"),)),
    # An elementwise activation A = sigma(Z).
    Formula("elementwise_forward", ELEMENTWISE, Q("A"), (Apply("sigma", Q("Z")),), kind="definition"),
    Formula(
        "elementwise_index",
        ELEMENTWISE,
        Entry("dJ_dZ", (_i, _j)),
        (Mul(Entry("dJ_dA", (_i, _j)), Apply("sigmaprime", Entry("Z", (_i, _j)))),),
        free={_i: "m", _j: "n"},
    ),
    Formula("elementwise_vector", ELEMENTWISE, Q("dJ_dZ"), (Hadamard(Q("dJ_dA"), Apply("sigmaprime", Q("Z"))),)),
    # Mistakes that real texts have printed: each must FAIL its check.
    Formula(
        "wrong_dW_index_swapped",
        LINEAR,
        Entry("dJ_dW", (_i, _j)),
        (Mul(_dJ_dy(_j), Entry("x", (_j,))),),
        kind="wrong",
        free={_i: "m", _j: "d"},
    ),
    Formula("wrong_dx_transpose_dropped", LINEAR, Q("dJ_dx"), (Q("W") @ Q("dJ_dy"),), kind="wrong"),
    Formula("wrong_rows_dW_transpose_misplaced", LINEAR_ROWS, Q("dJ_dW"), (Q("X").T @ Q("dJ_dY"),), kind="wrong"),
)
