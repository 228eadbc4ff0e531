"""Chapter ``softmax-cross-entropy`` (note 004): softmax, its Jacobian, cross-entropy, dL/dz = a - y,
a sigmoid-softmax network with a batch as rows, and the note's -a_i a_i."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp

from generator.formulas.formula import Formula
from generator.formulas.language import (
    Apply,
    Complement,
    Diag,
    Div,
    Entry,
    Env,
    Hadamard,
    Kronecker,
    Mul,
    Neg,
    NumpyOps,
    Q,
    Sum,
    SympyOps,
    gradient_symbol,
    notation_symbol,
    partial_symbol,
    plain_symbol,
    scalar,
)
from generator.formulas.model import (
    NUMERIC_ACTIVATIONS,
    Model,
    Sizes,
    column,
    elementwise,
    gradient,
    matrix,
    pd,
    random_sizes,
    sigmoid,
)

CHAPTER = "softmax-cross-entropy"

# --------------------------------------------------------------------------- softmax with cross-entropy

_z = notation_symbol("preact", "out", entry=r"\preactentry{out}{%0}", superscripted=True)
_a = notation_symbol("act", "out", entry=r"\actentry{out}{%0}", superscripted=True)
SOFTMAX_SYMBOLS = {
    "z": _z,
    "a": _a,
    "y": notation_symbol("target", entry=r"\targetentry{%0}"),
    "jac": partial_symbol(r"\act{out}", r"\preact{out}", pd(r"\actentry{out}{%0}", r"\preactentry{out}{%1}")),
    "dL_da": gradient_symbol(r"\cost", _a, pd(r"\cost", r"\actentry{out}{%0}")),
    "dL_dz": gradient_symbol(r"\cost", _z, pd(r"\cost", r"\preactentry{out}{%0}")),
    "L": notation_symbol("cost"),
    "exp": notation_symbol("exp"),
    "log": notation_symbol("log"),
    "kronecker": plain_symbol("", r"\kron{%0}{%1}"),
}


def _softmax_exact(sizes: Sizes) -> Env:
    K = sizes["K"]
    z, y = matrix("z", K, 1), matrix("y", K, 1)
    total = sum(sp.exp(v) for v in z)
    a = z.applyfunc(lambda v: sp.exp(v) / total)
    L = -sum(y[k] * sp.log(a[k]) for k in range(K))
    free_a = matrix("u", K, 1)
    dL_da = gradient(-sum(y[k] * sp.log(free_a[k]) for k in range(K)), free_a).subs(dict(zip(free_a, a, strict=True)))
    values = {
        "z": z,
        "a": a,
        "y": y,
        "L": L,
        "jac": sp.Matrix(K, K, lambda i, j: sp.diff(a[i], z[j])),
        "dL_da": dL_da,
        "dL_dz": gradient(L, z),
        "K": K,
    }
    return Env(SympyOps(), values, {"exp": elementwise(sp.exp), "log": elementwise(sp.log)})


def _targets_sum_to_one(sizes: Sizes) -> dict[Any, Any]:
    """Use sum_j y_j = 1 by writing the last target in terms of the others."""
    K = sizes["K"]
    y = [sp.Symbol(f"y_{k + 1}_1") for k in range(K)]
    return {y[-1]: 1 - sum(y[:-1])}


def _softmax_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    K = sizes["K"]
    softmax = core.ACTIVATIONS["softmax"]
    z = rng.normal(0, 2, (1, K))
    a = softmax.forward(z)
    y = rng.dirichlet(np.ones(K), size=1)  # a distribution: its entries sum to one
    jac = np.column_stack([softmax.backward(np.eye(K)[j : j + 1], z, a)[0] for j in range(K)])
    dL_da = core.LOSSES["softmax_ce"].gradient(a, y)
    values = {
        "z": column(z),
        "a": column(a),
        "y": column(y),
        "L": float(core.LOSSES["softmax_ce"].per_example(a, y)[0]),
        "jac": jac,
        "dL_da": column(dL_da),
        "dL_dz": column(softmax.backward(dL_da, z, a)),
        "K": K,
    }
    return Env(NumpyOps(), values, {"exp": np.exp, "log": np.log})


SOFTMAX = Model(
    "softmax",
    SOFTMAX_SYMBOLS,
    _softmax_exact,
    _softmax_numeric,
    exact_sizes=({"K": 3},),
    numeric_sizes=random_sizes(19, ("K",), low=2),
    shapes={"jac": ("K", "K"), "a": ("K", "1"), "dL_dz": ("K", "1"), "y": ("K", "1")},
    constraints={"sum_y_is_one": _targets_sum_to_one},
    requires=frozenset({"softmax", "softmax_ce"}),
)


# --------------------------------------------------------------------------- a sigmoid-softmax network

_quantities = {
    name: notation_symbol(macro, *args, entry=entry, superscripted=bool(args))
    for name, macro, args, entry in (
        ("W1", "weight", ("hid",), ""),
        ("W2", "weight", ("out",), r"\weightentry{out}{%0}{%1}"),
        ("b1", "bias", ("hid",), ""),
        ("b2", "bias", ("out",), ""),
        ("Z1", "Preact", ("hid",), ""),
        ("A1", "Act", ("hid",), r"\Actentry{hid}{%0}{%1}"),
        ("Z2", "Preact", ("out",), ""),
        ("A2", "Act", ("out",), r"\Actentry{out}{%0}{%1}"),
    )
}
NET_SYMBOLS = {
    "X": notation_symbol("Inputs"),
    "Y": notation_symbol("Targets", entry=r"\Targetsentry{%0}{%1}"),
    "ones": notation_symbol("ones"),
    **_quantities,
    "sigma": notation_symbol("sigmoid"),
    **{f"dL_d{name}": gradient_symbol(r"\cost", _quantities[name]) for name in ("b2", "W1", "b1")},
    "dL_dW2": gradient_symbol(r"\cost", _quantities["W2"], pd(r"\cost", r"\weightentry{out}{%0}{%1}")),
    # The gradients with respect to the pre-activations are the error terms, named as everywhere.
    "dL_dZ2": notation_symbol("Err", "out", superscripted=True),
    "dL_dZ1": notation_symbol("Err", "hid", superscripted=True),
    "dL_dA1": gradient_symbol(r"\cost", _quantities["A1"], pd(r"\cost", r"\Actentry{hid}{%0}{%1}")),
}


def _rows_softmax(Z: sp.Matrix) -> sp.Matrix:
    totals = [sum(sp.exp(Z[e, k]) for k in range(Z.cols)) for e in range(Z.rows)]
    return sp.Matrix(Z.rows, Z.cols, lambda e, k: sp.exp(Z[e, k]) / totals[e])


def _affine(A: sp.Matrix, W: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    return sp.Matrix(A.rows, W.rows, lambda e, i: sum(W[i, j] * A[e, j] for j in range(A.cols)) + b[i])


def _net_exact(sizes: Sizes) -> Env:
    n, d, h, K = sizes["n"], sizes["d"], sizes["h"], sizes["K"]
    X, W1, b1, W2, b2 = matrix("x", n, d), matrix("V", h, d), matrix("c", h, 1), matrix("W", K, h), matrix("b", K, 1)
    free_Y = matrix("y", n, K)
    Y = sp.Matrix(n, K, lambda e, k: free_Y[e, k] if k < K - 1 else 1 - sum(free_Y[e, : K - 1]))  # rows sum to one

    def loss(A2: sp.Matrix) -> sp.Expr:
        return -sum(Y[e, k] * sp.log(A2[e, k]) for e in range(n) for k in range(K))

    Z1 = _affine(X, W1, b1)
    A1 = Z1.applyfunc(sigmoid)
    Z2 = _affine(A1, W2, b2)
    A2 = _rows_softmax(Z2)
    L = loss(A2)
    fZ2, fA1, fZ1 = matrix("p", n, K), matrix("q", n, h), matrix("r", n, h)
    dL_dZ2 = gradient(loss(_rows_softmax(fZ2)), fZ2).subs(dict(zip(fZ2, Z2, strict=True)))
    dL_dA1 = gradient(loss(_rows_softmax(_affine(fA1, W2, b2))), fA1).subs(dict(zip(fA1, A1, strict=True)))
    fA1_of_Z1 = fZ1.applyfunc(sigmoid)
    dL_dZ1 = gradient(loss(_rows_softmax(_affine(fA1_of_Z1, W2, b2))), fZ1).subs(dict(zip(fZ1, Z1, strict=True)))
    values = {
        "X": X,
        "Y": Y,
        "ones": sp.ones(n, 1),
        "W1": W1,
        "W2": W2,
        "b1": b1,
        "b2": b2,
        "Z1": Z1,
        "A1": A1,
        "Z2": Z2,
        "A2": A2,
        "dL_dZ2": dL_dZ2,
        "dL_dW2": gradient(L, W2),
        "dL_db2": gradient(L, b2),
        "dL_dA1": dL_dA1,
        "dL_dZ1": dL_dZ1,
        "dL_dW1": gradient(L, W1),
        "dL_db1": gradient(L, b1),
        **sizes,
    }
    return Env(SympyOps(), values, {"sigma": elementwise(sigmoid)})


def _net_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    n, d, h, K = sizes["n"], sizes["d"], sizes["h"], sizes["K"]
    layers = [
        core.Dense(rng.normal(0, 1, (h, d)), rng.normal(0, 1, h), "sigmoid"),
        core.Dense(rng.normal(0, 1, (K, h)), rng.normal(0, 1, K), "softmax"),
    ]
    X, Y = rng.normal(0, 1, (n, d)), rng.dirichlet(np.ones(K), size=n)
    records = core.forward(layers, X)
    hid, out = core.backward(layers, records, X, Y, "softmax_ce", "sum")
    # dL/dZ2 through the unfused rules (softmax's Jacobian times -Y/A), not the fused A - Y.
    softmax = core.ACTIVATIONS["softmax"]
    dL_dZ2 = softmax.backward(core.LOSSES["softmax_ce"].gradient(records[1].A, Y), records[1].Z, records[1].A)
    values = {
        "X": X,
        "Y": Y,
        "ones": np.ones((n, 1)),
        "W1": layers[0].W,
        "W2": layers[1].W,
        "b1": column(layers[0].b),
        "b2": column(layers[1].b),
        "Z1": records[0].Z,
        "A1": records[0].A,
        "Z2": records[1].Z,
        "A2": records[1].A,
        "dL_dZ2": dL_dZ2,
        "dL_dW2": out.dW,
        "dL_db2": column(out.db),
        "dL_dA1": hid.dA,
        "dL_dZ1": hid.dZ,
        "dL_dW1": hid.dW,
        "dL_db1": column(hid.db),
        **sizes,
    }
    return Env(NumpyOps(), values, {"sigma": NUMERIC_ACTIVATIONS["sigmoid"][0]})


SOFTMAX_NET = Model(
    "softmax_net",
    NET_SYMBOLS,
    _net_exact,
    _net_numeric,
    # Softmax over one class is the constant 1: at least two classes.
    exact_sizes=({"n": 2, "d": 2, "h": 2, "K": 2},),
    numeric_sizes=tuple({**sizes, "K": max(2, sizes["K"])} for sizes in random_sizes(20, ("n", "d", "h", "K"))),
    shapes={
        "X": ("n", "d"),
        "Y": ("n", "K"),
        "A1": ("n", "h"),
        "A2": ("n", "K"),
        "W1": ("h", "d"),
        "W2": ("K", "h"),
        "ones": ("n", "1"),
        "Z1": ("n", "h"),
        "Z2": ("n", "K"),
        "b1": ("h", "1"),
        "b2": ("K", "1"),
        "dL_dZ2": ("n", "K"),
        "dL_dW2": ("K", "h"),
        "dL_db2": ("K", "1"),
        "dL_dA1": ("n", "h"),
        "dL_dZ1": ("n", "h"),
        "dL_dW1": ("h", "d"),
        "dL_db1": ("h", "1"),
    },
    requires=frozenset({"sigmoid", "softmax", "softmax_ce"}),
)


# --------------------------------------------------------------------------- the formulas

_i, _j, _e, _l = "i", "j", "e", "l"


def _a_at(letter: str) -> Entry:
    return Entry("a", (letter,))


def _y_at(letter: str) -> Entry:
    return Entry("y", (letter,))


def _z_at(letter: str) -> Entry:
    return Entry("z", (letter,))


FORMULAS = (
    Formula(
        "softmax_definition",
        SOFTMAX,
        _a_at(_i),
        (Div(Apply("exp", _z_at(_i)), Sum(_j, "K", Apply("exp", _z_at(_j)))),),
        kind="definition",
        free={_i: "K"},
    ),
    Formula(
        "softmax_jacobian_entry",
        SOFTMAX,
        Entry("jac", (_i, _j)),
        (Mul(_a_at(_i), Kronecker(_i, _j) - _a_at(_j)),),
        free={_i: "K", _j: "K"},
    ),
    Formula(
        "softmax_jacobian_diagonal",
        SOFTMAX,
        Entry("jac", (_i, _i)),
        (Mul(_a_at(_i), Complement(_a_at(_i))),),
        free={_i: "K"},
    ),
    Formula(
        "softmax_jacobian_offdiagonal",
        SOFTMAX,
        Entry("jac", (_i, _j)),
        (Neg(Mul(_a_at(_i), _a_at(_j))),),
        free={_i: "K", _j: "K"},
        indices="distinct",
    ),
    Formula("softmax_jacobian_matrix", SOFTMAX, Q("jac"), (Diag(Q("a")) - Q("a") @ Q("a").T,)),
    Formula(
        "cross_entropy",
        SOFTMAX,
        Q("L"),
        (Neg(Sum(_j, "K", Mul(_y_at(_j), Apply("log", _a_at(_j))))),),
        kind="definition",
    ),
    Formula(
        "softmax_ce_chain",
        SOFTMAX,
        Entry("dL_dz", (_i,)),
        (
            Neg(Sum(_j, "K", Mul(Mul(_y_at(_j), Div(scalar(1), _a_at(_j))), Entry("jac", (_j, _i))))),
            Neg(Sum(_j, "K", Mul(_y_at(_j), Kronecker(_j, _i) - _a_at(_i)))),
            Mul(_a_at(_i), Sum(_j, "K", _y_at(_j))) - _y_at(_i),
            _a_at(_i) - _y_at(_i),
        ),
        free={_i: "K"},
        uses={3: "sum_y_is_one"},
    ),
    Formula("softmax_ce_vector", SOFTMAX, Q("dL_dz"), (Q("a") - Q("y"),), uses={0: "sum_y_is_one"}),
    # Note 004, equation (19), second line: the denominator lost its square and became sum - e^{z_j}.
    Formula(
        "wrong_softmax_jacobian_diagonal_denominator",
        SOFTMAX,
        Entry("jac", (_i, _i)),
        (
            Div(
                Mul(Apply("exp", _z_at(_i)), Sum(_l, "K", Apply("exp", _z_at(_l))) - Apply("exp", _z_at(_i))),
                Sum(_l, "K", Apply("exp", _z_at(_l))) - Apply("exp", _z_at(_i)),
            ),
        ),
        free={_i: "K"},
        kind="wrong",
    ),
    # Note 004, equations (6) and (7): one path through the softmax, where every output depends on z_i.
    Formula(
        "wrong_softmax_ce_single_path",
        SOFTMAX,
        Entry("dL_dz", (_i,)),
        (Neg(Mul(_y_at(_i), Complement(_a_at(_i)))),),
        free={_i: "K"},
        kind="wrong",
    ),
    Formula(
        "wrong_softmax_jacobian_offdiagonal",
        SOFTMAX,
        Entry("jac", (_i, _j)),
        (Neg(Mul(_a_at(_i), _a_at(_i))),),
        kind="wrong",
        free={_i: "K", _j: "K"},
        indices="distinct",
    ),
    Formula(
        "wrong_softmax_ce_sign",
        SOFTMAX,
        Entry("dL_dz", (_i,)),
        (_y_at(_i) - _a_at(_i),),
        kind="wrong",
        free={_i: "K"},
        uses={0: "sum_y_is_one"},
    ),
    # The two-layer network of the note, with a batch of examples as rows.
    Formula("net_Z1", SOFTMAX_NET, Q("Z1"), (Q("X") @ Q("W1").T + Q("ones") @ Q("b1").T,), kind="definition"),
    Formula("net_A1", SOFTMAX_NET, Q("A1"), (Apply("sigma", Q("Z1")),), kind="definition"),
    Formula("net_Z2", SOFTMAX_NET, Q("Z2"), (Q("A1") @ Q("W2").T + Q("ones") @ Q("b2").T,), kind="definition"),
    Formula("net_dZ2", SOFTMAX_NET, Q("dL_dZ2"), (Q("A2") - Q("Y"),)),
    Formula("net_dW2", SOFTMAX_NET, Q("dL_dW2"), (Q("dL_dZ2").T @ Q("A1"), (Q("A2") - Q("Y")).T @ Q("A1"))),
    Formula("net_db2", SOFTMAX_NET, Q("dL_db2"), (Q("dL_dZ2").T @ Q("ones"),)),
    Formula("net_dA1", SOFTMAX_NET, Q("dL_dA1"), (Q("dL_dZ2") @ Q("W2"),)),
    Formula("net_dZ1", SOFTMAX_NET, Q("dL_dZ1"), (Hadamard(Hadamard(Q("dL_dA1"), Q("A1")), Complement(Q("A1"))),)),
    Formula("net_dW1", SOFTMAX_NET, Q("dL_dW1"), (Q("dL_dZ1").T @ Q("X"),)),
    Formula("net_db1", SOFTMAX_NET, Q("dL_db1"), (Q("dL_dZ1").T @ Q("ones"),)),
    # Note 004, equations (9) and (6): one index for two units, so only the weight from hidden unit i
    # to output unit i has a gradient (and an output without a hidden unit of its number has none).
    Formula(
        "wrong_net_dW2_one_index",
        SOFTMAX_NET,
        Entry("dL_dW2", (_i, _j)),
        (Sum(_e, "n", Mul(Entry("A2", (_e, _i)) - Entry("Y", (_e, _i)), Entry("A1", (_e, _i)))),),
        free={_i: "K", _j: "h"},
        kind="wrong",
    ),
    # Note 004's equation (10): one output unit's error times one weight, where the chain rule sums
    # over every output unit that the hidden activation feeds.
    Formula(
        "wrong_net_dA1_missing_sum",
        SOFTMAX_NET,
        Entry("dL_dA1", (_e, _i)),
        (Mul(Entry("A2", (_e, _i)) - Entry("Y", (_e, _i)), Entry("W2", (_i, _i))),),
        free={_e: "n", _i: "h"},
        kind="wrong",
    ),
    Formula(
        "wrong_net_dW2_transpose_misplaced", SOFTMAX_NET, Q("dL_dW2"), (Q("A1").T @ (Q("A2") - Q("Y")),), kind="wrong"
    ),
)
