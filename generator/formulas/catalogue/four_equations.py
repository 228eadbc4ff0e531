"""Chapter ``four-equations``: the four equations of backpropagation for L layers and a batch as
rows, where the batch's 1/m goes, and the forward matrix used backwards as a mistake."""

from __future__ import annotations

from types import ModuleType

import numpy as np
import sympy as sp

from generator.formulas.formula import Formula
from generator.formulas.language import (
    Apply,
    Div,
    Env,
    Hadamard,
    Mul,
    NumpyOps,
    Q,
    SympyOps,
    gradient_symbol,
    notation_symbol,
    scalar,
)
from generator.formulas.model import (
    NUMERIC_ACTIVATIONS,
    Model,
    Sizes,
    at,
    column,
    elementwise,
    generic_derivative,
    gradient,
    matrix,
    rows_affine,
)

CHAPTER = "four-equations"

_ELL, _BELOW, _ABOVE = r"\ell", r"\ell-1", r"\ell+1"
_W = notation_symbol("weight", _ELL, superscripted=True)
_Z = notation_symbol("Preact", _ELL, superscripted=True)
_L = r"\nlayers"  # the output layer
_A_L = notation_symbol("Act", _L, superscripted=True)
SYMBOLS = {
    "W": _W,
    "Wnext": notation_symbol("weight", _ABOVE, superscripted=True),
    "Aprev": notation_symbol("Act", _BELOW, superscripted=True),
    "Z": _Z,
    "A": notation_symbol("Act", _ELL, superscripted=True),
    "J": notation_symbol("cost"),
    "S": notation_symbol("costsum"),
    "D": notation_symbol("Err", _ELL, superscripted=True),
    "Dnext": notation_symbol("Err", _ABOVE, superscripted=True),
    "ZL": notation_symbol("Preact", _L, superscripted=True),
    "DL": notation_symbol("Err", _L, superscripted=True),
    "ones": notation_symbol("ones"),
    "m": notation_symbol("nbatch"),
    "dJ_dW": gradient_symbol(r"\cost", _W),
    "dJ_db": gradient_symbol(r"\cost", notation_symbol("bias", _ELL)),
    "dJ_dAL": gradient_symbol(r"\cost", _A_L),
    "dS_dAL": gradient_symbol(r"\costsum", _A_L),
    "dJ_dZ": gradient_symbol(r"\cost", _Z),
    "g": notation_symbol("actfn", _ELL),
    "gprime": notation_symbol("actfnprime", _ELL),
    "gprimeL": notation_symbol("actfnprime", _L),
}


def _exact(sizes: Sizes) -> Env:
    depth, here, m = sizes["L"], sizes["l"], sizes["m"]
    widths = [sizes["w"]] * (depth + 1)
    X = matrix("x", m, widths[0])
    W = [sp.zeros(0, 0)] + [matrix(f"W{n}", widths[n], widths[n - 1]) for n in range(1, depth + 1)]
    b = [sp.zeros(0, 0)] + [matrix(f"b{n}", widths[n], 1) for n in range(1, depth + 1)]
    g = [sp.Function(f"g{n}") for n in range(depth + 1)]
    per_example = [sp.Function(f"f{e}") for e in range(m)]  # the loss of example e: any function of its outputs

    def summed_loss(A: sp.Matrix) -> sp.Expr:
        return sum(per_example[e](*A.row(e)) for e in range(m))

    def top_from(Z: sp.Matrix, layer: int) -> sp.Matrix:
        A = Z.applyfunc(g[layer])
        for n in range(layer + 1, depth + 1):
            A = rows_affine(A, W[n], b[n]).applyfunc(g[n])
        return A

    Zs, A = [sp.zeros(0, 0)], X
    for n in range(1, depth + 1):
        Zs.append(rows_affine(A, W[n], b[n]))
        A = Zs[-1].applyfunc(g[n])
    J = summed_loss(A) / m

    def error(layer: int) -> sp.Matrix:
        free = matrix(f"r{layer}", m, widths[layer])
        return at(gradient(summed_loss(top_from(free, layer)) / m, free), free, Zs[layer])

    free_top = matrix("s", m, widths[depth])
    dS_dAL = at(gradient(summed_loss(free_top), free_top), free_top, A)
    Aprev = X if here == 1 else Zs[here - 1].applyfunc(g[here - 1])
    values = {
        "W": W[here],
        "Aprev": Aprev,
        "Z": Zs[here],
        "A": Zs[here].applyfunc(g[here]),
        "J": J,
        "S": summed_loss(A),
        "D": error(here),
        "ZL": Zs[depth],
        "DL": error(depth),
        "ones": sp.ones(m, 1),
        "dJ_dW": gradient(J, W[here]),
        "dJ_db": gradient(J, b[here]),
        "dJ_dZ": error(here),
        "dJ_dAL": dS_dAL / m,
        "dS_dAL": dS_dAL,
        "m": m,
        "k": widths[here],
        "t": widths[here - 1],
        "K": widths[depth],
    }
    if here < depth:
        values.update({"Wnext": W[here + 1], "Dnext": error(here + 1), "u": widths[here + 1]})
    functions = {
        "g": elementwise(g[here]),
        "gprime": elementwise(generic_derivative(g[here])),
        "gprimeL": elementwise(generic_derivative(g[depth])),
    }
    return Env(SympyOps(), values, functions)


def _numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    depth, here, m = sizes["L"], sizes["l"], sizes["m"]
    widths = [int(rng.integers(1, 8)) for _ in range(depth + 1)]
    names = [("tanh", "sigmoid")[int(rng.integers(0, 2))] for _ in range(depth)]
    layers = [
        core.Dense(rng.normal(0, 1, (widths[n], widths[n - 1])), rng.normal(0, 1, widths[n]), names[n - 1])
        for n in range(1, depth + 1)
    ]
    X, Y = rng.normal(0, 1, (m, widths[0])), rng.normal(0, 1, (m, widths[depth]))
    records = core.forward(layers, X)
    grads = core.backward(layers, records, X, Y, "sse", "mean")
    summed = core.LOSSES["sse"].gradient(records[-1].A, Y)  # rows: d J_e / d a(e), no 1/m
    summed_loss = core.loss_value(layers, records, Y, "sse", "sum")
    values = {
        "W": layers[here - 1].W,
        "Aprev": X if here == 1 else records[here - 2].A,
        "Z": records[here - 1].Z,
        "A": records[here - 1].A,
        "J": core.loss_value(layers, records, Y, "sse", "mean"),
        "S": summed_loss,
        "D": grads[here - 1].dZ,
        "ZL": records[-1].Z,
        "DL": grads[-1].dZ,
        "ones": np.ones((m, 1)),
        "dJ_dW": grads[here - 1].dW,
        "dJ_db": column(grads[here - 1].db),
        "dJ_dZ": grads[here - 1].dZ,
        "dJ_dAL": grads[-1].dA,
        "dS_dAL": summed,
        "m": m,
        "k": widths[here],
        "t": widths[here - 1],
        "K": widths[depth],
    }
    if here < depth:
        values.update({"Wnext": layers[here].W, "Dnext": grads[here].dZ, "u": widths[here + 1]})
    functions = {
        "g": NUMERIC_ACTIVATIONS[names[here - 1]][0],
        "gprime": NUMERIC_ACTIVATIONS[names[here - 1]][1],
        "gprimeL": NUMERIC_ACTIVATIONS[names[-1]][1],
    }
    return Env(NumpyOps(), values, functions)


def _numeric_sizes(seed: int, count: int = 8) -> tuple[Sizes, ...]:
    """Random depths 2..5, a random layer below the top, random batch sizes (widths are drawn per case)."""
    rng = np.random.default_rng(seed)
    found = []
    for _ in range(count):
        depth = int(rng.integers(2, 6))
        found.append({"L": depth, "l": int(rng.integers(1, depth)), "m": int(rng.integers(1, 9))})
    return tuple(found)


DEEP = Model(
    "deep",
    SYMBOLS,
    _exact,
    _numeric,
    # Three layers, two examples: a layer with the input below it and one with a layer below.
    exact_sizes=({"L": 3, "l": 1, "m": 2, "w": 2}, {"L": 3, "l": 2, "m": 2, "w": 2}),
    numeric_sizes=_numeric_sizes(24),
    shapes={
        "W": ("k", "t"),
        "Wnext": ("u", "k"),
        "Aprev": ("m", "t"),
        "Z": ("m", "k"),
        "A": ("m", "k"),
        "D": ("m", "k"),
        "Dnext": ("m", "u"),
        "ZL": ("m", "K"),
        "DL": ("m", "K"),
        "dJ_dAL": ("m", "K"),
        "dS_dAL": ("m", "K"),
        "dJ_dW": ("k", "t"),
        "dJ_db": ("k", "1"),
        "ones": ("m", "1"),
        "dJ_dZ": ("m", "k"),
    },
)

FORMULAS = (
    Formula("bp_output_error", DEEP, Q("DL"), (Hadamard(Q("dJ_dAL"), Apply("gprimeL", Q("ZL"))),)),
    Formula("bp_error_recursion", DEEP, Q("D"), (Hadamard(Q("Dnext") @ Q("Wnext"), Apply("gprime", Q("Z"))),)),
    Formula("bp_bias_gradient", DEEP, Q("dJ_db"), (Q("D").T @ Q("ones"),)),
    Formula("bp_weight_gradient", DEEP, Q("dJ_dW"), (Q("D").T @ Q("Aprev"),)),
    Formula(
        "bp_mean_output_error",
        DEEP,
        Q("DL"),
        (Mul(Div(scalar(1), Q("m")), Hadamard(Q("dS_dAL"), Apply("gprimeL", Q("ZL")))),),
    ),
    Formula("batch_activation", DEEP, Q("A"), (Apply("g", Q("Z")),)),
    Formula("mean_cost", DEEP, Q("J"), (Div(Q("S"), Q("m")),), kind="definition"),
    Formula("bp_error_definition", DEEP, Q("D"), (Q("dJ_dZ"),), kind="definition"),
    Formula(
        "wrong_bp_error_recursion_transpose",
        DEEP,
        Q("D"),
        (Hadamard(Q("Dnext") @ Q("Wnext").T, Apply("gprime", Q("Z"))),),
        kind="wrong",
    ),
)
