"""Models of whole networks for the general derivations (notes 000 and 002, and L layers).

Like ``generator.models``: an exact version (SymPy, every gradient by ``sympy.diff`` of the
scalar loss; an error term is the derivative with respect to a free pre-activation put back
afterwards) and a numeric version (the NumPy core on random sizes). Where a derivation holds
for any activation or loss, the exact version uses undefined functions for them.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from generator import core
from generator.expr import Env, NumpyOps, Symbol, SympyOps
from generator.models import (
    _NUMERIC_ACTIVATIONS, Model, Sizes, _column, _elementwise, _generic_derivative, _grad, _gradient, _matrix,
    _pd_entry, _random_sizes,
)


def _sigmoid(v: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-v))


def _bce(a: sp.Expr, y: sp.Expr) -> sp.Expr:
    return -(y * sp.log(a) + (1 - y) * sp.log(1 - a))


def _rows_affine(A: sp.Matrix, W: sp.Matrix, b: sp.Matrix | None = None) -> sp.Matrix:
    """``A W^T + 1 b^T`` written entry by entry (examples as rows, W of shape (out, in))."""
    return sp.Matrix(A.rows, W.rows, lambda e, i: sum(W[i, j] * A[e, j] for j in range(A.cols))
                     + (b[i] if b is not None else 0))


def _at(gradient_of: sp.Matrix, free: sp.Matrix, value: sp.Matrix) -> sp.Matrix:
    return gradient_of.subs(dict(zip(free, value)))


# --------------------------------------------------------------------------- sigmoid with cross-entropy


def _bce_symbols(prob: str, label: str, logit: str, loss: str) -> dict[str, Symbol]:
    return {
        "z": Symbol(logit), "y": Symbol(label), "a": Symbol(prob), "L": Symbol(loss),
        "sigma": Symbol(r"\sigmoid"), "log": Symbol(r"\log"), "exp": Symbol(r"\exp"),
        "dL_da": _grad(_pd_entry(loss, prob)), "dL_dz": _grad(_pd_entry(loss, logit)),
        "da_dz": _grad(_pd_entry(prob, logit)),
    }


def _bce_exact(sizes: Sizes) -> Env:
    # A logit of each sign in turn, so that |z| and max(z, 0) take a definite form.
    z, y = sizes["sign"] * sp.Symbol("p", positive=True), sp.Symbol("y")
    a, u, w = _sigmoid(z), sp.Symbol("u"), sp.Symbol("w", real=True)  # u, w: free points to differentiate at
    loss = _bce(a, y)
    values = {"z": z, "y": y, "a": a, "L": loss, "dL_da": sp.diff(_bce(u, y), u).subs(u, a),
              "dL_dz": sp.diff(_bce(_sigmoid(w), y), w).subs(w, z), "da_dz": sp.diff(_sigmoid(w), w).subs(w, z)}
    return Env(SympyOps(), values, {"sigma": _elementwise(_sigmoid), "log": sp.log, "exp": sp.exp})


def _bce_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    z = np.array([[rng.normal(0, 3)]])
    y = np.array([[float(sizes["case"] % 2)]])  # labels of zero and of one, in turn
    sigmoid, bce = core.ACTIVATIONS["sigmoid"], core.LOSSES["bce"]
    a = sigmoid.forward(z)
    dL_da = bce.gradient(a, y)
    values = {"z": z[0, 0], "y": y[0, 0], "a": a[0, 0], "L": float(bce.per_example_from_logits(z, y)[0]),
              "dL_da": dL_da[0, 0], "dL_dz": sigmoid.backward(dL_da, z, a)[0, 0],
              "da_dz": sigmoid.backward(np.ones_like(z), z, a)[0, 0]}
    return Env(NumpyOps(), values, {"sigma": _NUMERIC_ACTIVATIONS["sigmoid"][0], "log": np.log, "exp": np.exp})


_BCE_SIZES = {"exact_sizes": ({"sign": 1}, {"sign": -1}), "numeric_sizes": tuple({"case": n} for n in range(6))}
# One output unit of note 000's network, and the single output of note 002's.
BCE_OUT = Model("bce_out", _bce_symbols(r"\actentry{out}{k}", r"\targetentry{k}", r"\preactentry{out}{k}", r"\cost"),
                _bce_exact, _bce_numeric, **_BCE_SIZES)
BCE_HAT = Model("bce_hat", _bce_symbols(r"\yhat", r"\ylabel", r"\logit", r"\exloss"),
                _bce_exact, _bce_numeric, **_BCE_SIZES)


# --------------------------------------------------------------------------- note 000: one example, one weight

LOGISTIC_EXAMPLE_SYMBOLS = {
    "a": Symbol(r"\act{out}", r"\actentry{out}{%0}", superscripted=True),
    "y": Symbol(r"\target", r"\targetentry{%0}"),
    "a_hid": Symbol(r"\act{hid}", r"\actentry{hid}{%0}", superscripted=True),
    "dJ_dW": _grad(r"\pd{\cost}{\weight{out}}", _pd_entry(r"\cost", r"\weightentry{out}{%0}{%1}")),
    "dJ_da": _grad(r"\pd{\cost}{\act{out}}", _pd_entry(r"\cost", r"\actentry{out}{%0}")),
    "da_dz": Symbol("", _pd_entry(r"\actentry{out}{%0}", r"\preactentry{out}{%0}")),
    "dz_dW": Symbol("", _pd_entry(r"\preactentry{out}{%0}", r"\weightentry{out}{%0}{%1}")),
}


def _logistic_example_exact(sizes: Sizes) -> Env:
    d, t, m = sizes["d"], sizes["t"], sizes["m"]
    x, V, W, y = _matrix("x", m, 1), _matrix("V", d, m), _matrix("W", t, d), _matrix("y", t, 1)
    a_hid = (V * x).applyfunc(_sigmoid)
    z = W * a_hid
    a = z.applyfunc(_sigmoid)
    J = sum(_bce(a[k], y[k]) for k in range(t))
    free = _matrix("u", t, 1)
    values = {
        "a": a, "y": y, "a_hid": a_hid, "dJ_dW": _gradient(J, W),
        "dJ_da": _at(_gradient(sum(_bce(free[k], y[k]) for k in range(t)), free), free, a),
        "da_dz": z.applyfunc(lambda v: sp.diff(_sigmoid(free[0]), free[0]).subs(free[0], v)),
        "dz_dW": {(k, j): sp.diff(z[k], W[k, j]) for k in range(t) for j in range(d)},
        "d": d, "t": t,
    }
    return Env(SympyOps(), values)


def _logistic_example_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    d, t, m = sizes["d"], sizes["t"], sizes["m"]
    layers = [core.Dense(rng.normal(0, 1, (d, m)), None, "sigmoid"), core.Dense(rng.normal(0, 1, (t, d)), None, "sigmoid")]
    x, y = rng.normal(0, 1, (1, m)), rng.integers(0, 2, (1, t)).astype(np.float64)
    hid, out = core.forward(layers, x)
    grads = core.backward(layers, [hid, out], x, y, "bce", "sum")
    sigmoid = core.ACTIVATIONS["sigmoid"]
    cache = (hid.A, layers[1].W, False)
    dz_dW = {}
    for k in range(t):  # the core's derivative of the single pre-activation z_k
        unit = np.zeros((1, t))
        unit[0, k] = 1.0
        dW_k = core.dense_backward(unit, cache)[1]
        dz_dW.update({(k, j): dW_k[k, j] for j in range(d)})
    values = {"a": _column(out.A), "y": _column(y), "a_hid": _column(hid.A), "dJ_dW": grads[1].dW,
              "dJ_da": _column(core.LOSSES["bce"].gradient(out.A, y)),
              "da_dz": _column(sigmoid.backward(np.ones_like(out.Z), out.Z, out.A)), "dz_dW": dz_dW, "d": d, "t": t}
    return Env(NumpyOps(), values)


LOGISTIC_EXAMPLE = Model("logistic_example", LOGISTIC_EXAMPLE_SYMBOLS, _logistic_example_exact,
                         _logistic_example_numeric, exact_sizes=({"m": 2, "d": 2, "t": 2},),
                         numeric_sizes=_random_sizes(21, ("m", "d", "t")))


# --------------------------------------------------------------------------- note 000: a batch, both orientations

LOGISTIC_BATCH_SYMBOLS = {
    "X": Symbol(r"\Inputs"),
    "Y": Symbol(r"\Targets", r"\Targetsentry{%0}{%1}"),
    "W_hid": Symbol(r"\weight{hid}", superscripted=True),
    "W_out": Symbol(r"\weight{out}", superscripted=True),
    "V_hid": Symbol(r"\weightio{hid}", superscripted=True),
    "V_out": Symbol(r"\weightio{out}", superscripted=True),
    "A_hid": Symbol(r"\Act{hid}", r"\Actentry{hid}{%0}{%1}", superscripted=True),
    "A_out": Symbol(r"\Act{out}", r"\Actentry{out}{%0}{%1}", superscripted=True),
    "Z_hid": Symbol(r"\Preact{hid}", superscripted=True),
    "Z_out": Symbol(r"\Preact{out}", superscripted=True),
    "D_hid": Symbol(r"\Err{hid}", superscripted=True),
    "D_out": Symbol(r"\Err{out}", superscripted=True),
    "dJ_dW_hid": _grad(r"\pd{\cost}{\weight{hid}}"),
    "dJ_dW_out": _grad(r"\pd{\cost}{\weight{out}}", _pd_entry(r"\cost", r"\weightentry{out}{%0}{%1}")),
    "dJ_dV_hid": _grad(r"\pd{\cost}{\weightio{hid}}"),
    "dJ_dV_out": _grad(r"\pd{\cost}{\weightio{out}}"),
    "J": Symbol(r"\cost"),
    "log": Symbol(r"\log"),
    "sigma": Symbol(r"\sigmoid"),
}


def _logistic_batch_exact(sizes: Sizes) -> Env:
    n, m, d, t = sizes["n"], sizes["m"], sizes["d"], sizes["t"]
    X, Y, V_hid, V_out = _matrix("x", n, m), _matrix("y", n, t), _matrix("V", m, d), _matrix("U", d, t)
    W_hid, W_out = V_hid.T, V_out.T  # the same symbols: the book's orientation is the transpose
    loss = lambda A: sum(_bce(A[e, k], Y[e, k]) for e in range(n) for k in range(t))  # noqa: E731
    Z_hid = _rows_affine(X, W_hid)
    A_hid = Z_hid.applyfunc(_sigmoid)
    Z_out = _rows_affine(A_hid, W_out)
    A_out = Z_out.applyfunc(_sigmoid)
    J = loss(A_out)
    free_out, free_hid = _matrix("p", n, t), _matrix("q", n, d)
    D_out = _at(_gradient(loss(free_out.applyfunc(_sigmoid)), free_out), free_out, Z_out)
    D_hid = _at(_gradient(loss(_rows_affine(free_hid.applyfunc(_sigmoid), W_out).applyfunc(_sigmoid)), free_hid),
                free_hid, Z_hid)
    values = {"X": X, "Y": Y, "W_hid": W_hid, "W_out": W_out, "V_hid": V_hid, "V_out": V_out, "A_hid": A_hid,
              "A_out": A_out, "Z_hid": Z_hid, "Z_out": Z_out, "D_hid": D_hid, "D_out": D_out, "J": J,
              "dJ_dW_hid": _gradient(J, W_hid), "dJ_dW_out": _gradient(J, W_out),
              "dJ_dV_hid": _gradient(J, V_hid), "dJ_dV_out": _gradient(J, V_out), **sizes}
    return Env(SympyOps(), values, {"log": _elementwise(sp.log), "sigma": _elementwise(_sigmoid)})


def _logistic_batch_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    n, m, d, t = sizes["n"], sizes["m"], sizes["d"], sizes["t"]
    layers = [core.Dense(rng.normal(0, 1, (d, m)), None, "sigmoid"), core.Dense(rng.normal(0, 1, (t, d)), None, "sigmoid")]
    X, Y = rng.normal(0, 1, (n, m)), rng.integers(0, 2, (n, t)).astype(np.float64)
    records = core.forward(layers, X)
    hid, out = core.backward(layers, records, X, Y, "bce", "sum")
    values = {"X": X, "Y": Y, "W_hid": layers[0].W, "W_out": layers[1].W, "V_hid": layers[0].W.T,
              "V_out": layers[1].W.T, "A_hid": records[0].A, "A_out": records[1].A, "Z_hid": records[0].Z,
              "Z_out": records[1].Z, "D_hid": hid.dZ, "D_out": out.dZ,
              "J": core.loss_value(layers, records, Y, "bce", "sum"), "dJ_dW_hid": hid.dW, "dJ_dW_out": out.dW,
              "dJ_dV_hid": hid.dW.T, "dJ_dV_out": out.dW.T, **sizes}
    return Env(NumpyOps(), values, {"log": np.log, "sigma": _NUMERIC_ACTIVATIONS["sigmoid"][0]})


LOGISTIC_BATCH = Model("logistic_batch", LOGISTIC_BATCH_SYMBOLS, _logistic_batch_exact, _logistic_batch_numeric,
                       exact_sizes=({"n": 2, "m": 2, "d": 2, "t": 2},),
                       numeric_sizes=_random_sizes(22, ("n", "m", "d", "t")))


# --------------------------------------------------------------------------- note 002: z = W^T a + b, examples as columns


def _wta_symbols() -> dict[str, Symbol]:
    symbols: dict[str, Symbol] = {
        "m": Symbol("m"), "J": Symbol(r"\cost"), "Lex": Symbol("", r"\exlossex{%0}"),
        "yhat": Symbol(r"\yhat", r"\yhatex{%0}"), "y": Symbol(r"\ylabel", r"\ylabelex{%0}"),
    }
    for layer in ("0", "1", "2", "3"):
        symbols[f"A{layer}"] = Symbol(rf"\act{{{layer}}}", rf"\actex{{{layer}}}{{%0}}", superscripted=True)
        symbols[f"Ae{layer}"] = Symbol(rf"\act{{{layer}}}", rf"\actexentry{{{layer}}}{{%0}}{{%1}}", superscripted=True)
    for layer in ("1", "2", "3"):
        symbols[f"W{layer}"] = Symbol(rf"\weightio{{{layer}}}", rf"\weightioentry{{{layer}}}{{%0}}{{%1}}",
                                      superscripted=True)
        symbols[f"b{layer}"] = Symbol(rf"\bias{{{layer}}}", superscripted=True)
        symbols[f"Z{layer}"] = Symbol(rf"\preact{{{layer}}}", rf"\preactex{{{layer}}}{{%0}}", superscripted=True)
        symbols[f"D{layer}"] = Symbol(rf"\err{{{layer}}}", rf"\errex{{{layer}}}{{%0}}", superscripted=True)
        symbols[f"De{layer}"] = Symbol(rf"\err{{{layer}}}", rf"\errexentry{{{layer}}}{{%0}}{{%1}}", superscripted=True)
        symbols[f"dJ_dW{layer}"] = _grad(rf"\pd{{\cost}}{{\weightio{{{layer}}}}}",
                                         _pd_entry(r"\cost", rf"\weightioentry{{{layer}}}{{%0}}{{%1}}"))
        symbols[f"dJ_db{layer}"] = _grad(rf"\pd{{\cost}}{{\bias{{{layer}}}}}")
        symbols[f"gprime{layer}"] = Symbol(rf"\actfnprime{{{layer}}}")
    return symbols


def _columns_affine(W: sp.Matrix, A: sp.Matrix, b: sp.Matrix) -> sp.Matrix:
    """``W^T a(e) + b`` for every column e of ``A``, entry by entry."""
    return sp.Matrix(W.cols, A.cols, lambda j, e: sum(W[i, j] * A[i, e] for i in range(W.rows)) + b[j])


def _wta_exact(sizes: Sizes) -> Env:
    m, widths = sizes["m"], (sizes["n0"], sizes["n1"], sizes["n2"], 1)
    A0, y = _matrix("x", widths[0], m), _matrix("y", 1, m)
    W = [None] + [_matrix(f"W{l}", widths[l - 1], widths[l]) for l in (1, 2, 3)]
    b = [None] + [_matrix(f"b{l}", widths[l], 1) for l in (1, 2, 3)]
    # Generic hidden activations; the output is the sigmoid and the loss the cross-entropy of note 002.
    g = [None, sp.Function("g1"), sp.Function("g2"), _sigmoid]
    f = _bce
    def up(A: sp.Matrix, start: int) -> list[sp.Matrix]:
        """Pre-activations of layers start.. 3 from the activations A of layer start - 1."""
        Zs = []
        for l in range(start, 4):
            Zs.append(_columns_affine(W[l], A, b[l]))
            A = Zs[-1].applyfunc(g[l])
        return Zs
    def loss_of_top(Z3: sp.Matrix) -> sp.Expr:
        return sum(f(g[3](Z3[0, e]), y[0, e]) for e in range(m)) / m
    Z1, Z2, Z3 = up(A0, 1)
    A1, A2, A3 = Z1.applyfunc(g[1]), Z2.applyfunc(g[2]), Z3.applyfunc(g[3])
    J = loss_of_top(Z3)
    values: dict = {"J": J, "Lex": sp.Matrix(m, 1, lambda e, _: f(A3[0, e], y[0, e])),"A0": A0, "Ae0": A0, "A1": A1, "Ae1": A1, "A2": A2, "Ae2": A2, "A3": A3, "yhat": A3, "y": y,
                    "Z1": Z1, "Z2": Z2, "Z3": Z3, **sizes}
    for l, Z in ((1, Z1), (2, Z2), (3, Z3)):
        free = _matrix(f"r{l}", widths[l], m)
        Z_top = up(free.applyfunc(g[l]), l + 1)[-1] if l < 3 else free
        # The per-example error term: the derivative of the summed (not averaged) loss.
        values[f"D{l}"] = values[f"De{l}"] = _at(_gradient(m * loss_of_top(Z_top), free), free, Z)
        values[f"W{l}"], values[f"b{l}"] = W[l], b[l]
        values[f"dJ_dW{l}"], values[f"dJ_db{l}"] = _gradient(J, W[l]), _gradient(J, b[l])
    functions = {f"gprime{l}": _elementwise(_generic_derivative(g[l])) for l in (1, 2)}
    return Env(SympyOps(), values, functions)


def _wta_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    m, widths = sizes["m"], (sizes["n0"], sizes["n1"], sizes["n2"], 1)
    names = [("tanh", "sigmoid")[int(rng.integers(0, 2))] for _ in range(2)] + ["sigmoid"]
    layers = [core.Dense(rng.normal(0, 1, (widths[l], widths[l - 1])), rng.normal(0, 1, widths[l]), names[l - 1])
              for l in (1, 2, 3)]
    X, Y = rng.normal(0, 1, (m, widths[0])), rng.integers(0, 2, (m, 1)).astype(np.float64)
    records = core.forward(layers, X)
    mean = core.backward(layers, records, X, Y, "bce", "mean")
    summed = core.backward(layers, records, X, Y, "bce", "sum")  # per-example error terms, no 1/m
    values: dict = {"A0": X.T, "Ae0": X.T, "y": Y.T, "yhat": records[2].A.T, **sizes,
                    "J": core.loss_value(layers, records, Y, "bce", "mean"),
                    "Lex": core.LOSSES["bce"].per_example_from_logits(records[2].Z, Y).reshape(-1, 1)}
    functions = {}
    for l in (1, 2, 3):
        record, layer = records[l - 1], layers[l - 1]
        values.update({f"A{l}": record.A.T, f"Ae{l}": record.A.T, f"Z{l}": record.Z.T, f"D{l}": summed[l - 1].dZ.T,
                       f"De{l}": summed[l - 1].dZ.T, f"W{l}": layer.W.T, f"b{l}": _column(layer.b),
                       f"dJ_dW{l}": mean[l - 1].dW.T, f"dJ_db{l}": _column(mean[l - 1].db)})
        functions[f"gprime{l}"] = _NUMERIC_ACTIVATIONS[names[l - 1]][1]
    return Env(NumpyOps(), values, functions)


WTA_NET = Model("wta_net", _wta_symbols(), _wta_exact, _wta_numeric,
                exact_sizes=({"m": 2, "n0": 2, "n1": 2, "n2": 2},),
                numeric_sizes=_random_sizes(23, ("m", "n0", "n1", "n2")))


# --------------------------------------------------------------------------- L layers, a batch as rows


def _deep_symbols() -> dict[str, Symbol]:
    ell, below, above = r"\ell", r"\ell-1", r"\ell+1"
    return {
        "W": Symbol(rf"\weight{{{ell}}}", superscripted=True),
        "Wnext": Symbol(rf"\weight{{{above}}}", superscripted=True),
        "Aprev": Symbol(rf"\Act{{{below}}}", superscripted=True),
        "Z": Symbol(rf"\Preact{{{ell}}}", superscripted=True),
        "D": Symbol(rf"\Err{{{ell}}}", superscripted=True),
        "Dnext": Symbol(rf"\Err{{{above}}}", superscripted=True),
        "ZL": Symbol(r"\Preact{L}", superscripted=True),
        "DL": Symbol(r"\Err{L}", superscripted=True),
        "ones": Symbol(r"\ones"),
        "m": Symbol("m"),
        "dJ_dW": _grad(rf"\pd{{\cost}}{{\weight{{{ell}}}}}"),
        "dJ_db": _grad(rf"\pd{{\cost}}{{\bias{{{ell}}}}}"),
        "dJ_dAL": _grad(r"\pd{\cost}{\Act{L}}"),
        "dS_dAL": _grad(r"\pd{\costsum}{\Act{L}}"),
        "dJ_dZ": _grad(rf"\pd{{\cost}}{{\Preact{{{ell}}}}}"),
        "gprime": Symbol(rf"\actfnprime{{{ell}}}"),
        "gprimeL": Symbol(r"\actfnprime{L}"),
    }




def _deep_exact(sizes: Sizes) -> Env:
    depth, l, m = sizes["L"], sizes["l"], sizes["m"]
    widths = [sizes["w"]] * (depth + 1)
    X = _matrix("x", m, widths[0])
    W = [None] + [_matrix(f"W{n}", widths[n], widths[n - 1]) for n in range(1, depth + 1)]
    b = [None] + [_matrix(f"b{n}", widths[n], 1) for n in range(1, depth + 1)]
    g = [None] + [sp.Function(f"g{n}") for n in range(1, depth + 1)]
    per_example = [sp.Function(f"f{e}") for e in range(m)]  # the loss of example e: any function of its outputs
    def summed_loss(A: sp.Matrix) -> sp.Expr:
        return sum(per_example[e](*A.row(e)) for e in range(m))
    def top_from(Z: sp.Matrix, layer: int) -> sp.Matrix:
        A = Z.applyfunc(g[layer])
        for n in range(layer + 1, depth + 1):
            A = _rows_affine(A, W[n], b[n]).applyfunc(g[n])
        return A
    Zs, A = [None], X
    for n in range(1, depth + 1):
        Zs.append(_rows_affine(A, W[n], b[n]))
        A = Zs[-1].applyfunc(g[n])
    J = summed_loss(A) / m
    def error(layer: int) -> sp.Matrix:
        free = _matrix(f"r{layer}", m, widths[layer])
        return _at(_gradient(summed_loss(top_from(free, layer)) / m, free), free, Zs[layer])
    free_top = _matrix("s", m, widths[depth])
    dS_dAL = _at(_gradient(summed_loss(free_top), free_top), free_top, A)
    Aprev = X if l == 1 else Zs[l - 1].applyfunc(g[l - 1])
    values = {"W": W[l], "Aprev": Aprev, "Z": Zs[l], "D": error(l), "ZL": Zs[depth], "DL": error(depth),
              "ones": sp.ones(m, 1), "dJ_dW": _gradient(J, W[l]), "dJ_db": _gradient(J, b[l]),
              "dJ_dZ": error(l), "dJ_dAL": dS_dAL / m, "dS_dAL": dS_dAL, "m": m,
              "k": widths[l], "t": widths[l - 1], "K": widths[depth]}
    if l < depth:
        values.update({"Wnext": W[l + 1], "Dnext": error(l + 1), "u": widths[l + 1]})
    functions = {"gprime": _elementwise(_generic_derivative(g[l])), "gprimeL": _elementwise(_generic_derivative(g[depth]))}
    return Env(SympyOps(), values, functions)


def _deep_numeric(sizes: Sizes, rng: np.random.Generator) -> Env:
    depth, l, m = sizes["L"], sizes["l"], sizes["m"]
    widths = [int(rng.integers(1, 8)) for _ in range(depth + 1)]
    names = [("tanh", "sigmoid")[int(rng.integers(0, 2))] for _ in range(depth)]
    layers = [core.Dense(rng.normal(0, 1, (widths[n], widths[n - 1])), rng.normal(0, 1, widths[n]), names[n - 1])
              for n in range(1, depth + 1)]
    X, Y = rng.normal(0, 1, (m, widths[0])), rng.normal(0, 1, (m, widths[depth]))
    records = core.forward(layers, X)
    grads = core.backward(layers, records, X, Y, "sse", "mean")
    summed = core.LOSSES["sse"].gradient(records[-1].A, Y)  # rows: d J_e / d a(e), no 1/m
    values = {"W": layers[l - 1].W, "Aprev": X if l == 1 else records[l - 2].A, "Z": records[l - 1].Z,
              "D": grads[l - 1].dZ, "ZL": records[-1].Z, "DL": grads[-1].dZ, "ones": np.ones((m, 1)),
              "dJ_dW": grads[l - 1].dW, "dJ_db": _column(grads[l - 1].db), "dJ_dZ": grads[l - 1].dZ,
              "dJ_dAL": grads[-1].dA, "dS_dAL": summed, "m": m,
              "k": widths[l], "t": widths[l - 1], "K": widths[depth]}
    if l < depth:
        values.update({"Wnext": layers[l].W, "Dnext": grads[l].dZ, "u": widths[l + 1]})
    functions = {"gprime": _NUMERIC_ACTIVATIONS[names[l - 1]][1], "gprimeL": _NUMERIC_ACTIVATIONS[names[-1]][1]}
    return Env(NumpyOps(), values, functions)


def _deep_numeric_sizes(seed: int, count: int = 8) -> tuple[Sizes, ...]:
    """Random depths 2..5, a random layer below the top, random batch sizes (widths are drawn per case)."""
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(count):
        depth = int(rng.integers(2, 6))
        found.append({"L": depth, "l": int(rng.integers(1, depth)), "m": int(rng.integers(1, 9))})
    return tuple(found)


DEEP = Model("deep", _deep_symbols(), _deep_exact, _deep_numeric,
             # Three layers, two examples: a layer with the input below it and one with a layer below.
             exact_sizes=({"L": 3, "l": 1, "m": 2, "w": 2}, {"L": 3, "l": 2, "m": 2, "w": 2}),
             numeric_sizes=_deep_numeric_sizes(24))

NETWORK_MODELS = (BCE_OUT, BCE_HAT, LOGISTIC_EXAMPLE, LOGISTIC_BATCH, WTA_NET, DEEP)
