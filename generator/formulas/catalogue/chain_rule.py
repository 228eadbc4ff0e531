"""Chapter ``chain-rule``: the chain rule for one variable and for several paths, and the local
rules of the gates of a computational graph (add, multiply, max, and a branch).

The exact models use undefined functions (the rules hold for any differentiable function); the
numeric models hold each rule to the graph core (``generator.core_graph``) on random graphs. The
graph core is imported only when a numeric model runs: the oracle reads this catalogue and shares
no code with either core.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp

from generator.formulas.formula import Formula
from generator.formulas.language import (
    Entry,
    Env,
    Maximum,
    Mul,
    NumpyOps,
    PositiveCases,
    Q,
    Sum,
    SympyOps,
    plain_symbol,
    scalar,
)
from generator.formulas.model import Model, Sizes, random_sizes

CHAPTER = "chain-rule"


def _n(name: str) -> str:
    return rf"\graphnode{{{name}}}"


def _pd(of: str, wrt: str) -> str:
    return rf"\pd{{{_n(of)}}}{{{_n(wrt)}}}"


def _graph_core() -> ModuleType:
    """The graph core, imported where a numeric model runs (never by the oracle)."""
    import generator.core_graph

    return generator.core_graph


def _node(name: str, op: str, inputs: tuple[str, ...] = (), value: float | None = None) -> Any:
    return _graph_core().Node(name, op, inputs, value)


def _run(nodes: list[Any], output: str) -> Any:
    return _graph_core().evaluate(nodes, output)


# --------------------------------------------------------------------------- one path and several

CHAIN_SYMBOLS = {
    "df_dx": plain_symbol(_pd("f", "x")),
    "df_du": plain_symbol(_pd("f", "u"), _pd("f", "u_{%0}")),
    "du_dx": plain_symbol(_pd("u", "x"), _pd("u_{%0}", "x")),
}


def _single_exact(sizes: Sizes) -> Env:
    """f = F(u), u = G(x) for undefined F and G."""
    x, u_ = sp.Symbol("x"), sp.Symbol("u_")
    F, G = sp.Function("F"), sp.Function("G")
    u = G(x)
    values = {
        "df_dx": sp.diff(F(u), x),
        "df_du": sp.Subs(sp.diff(F(u_), u_), u_, u),
        "du_dx": sp.diff(u, x),
    }
    return Env(SympyOps(), values)


# Gates of one input that the random graphs draw from.
_UNARY = ("exp", "sigmoid", "neg", "inc")


def _single_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    """x -> u = g(x) -> f = h(u) on the graph core, two random gates of one input."""
    g, h = (str(rng.choice(_UNARY)) for _ in range(2))
    x = float(rng.normal(0, 1))
    nodes = [_node("x", "input", (), x), _node("u", g, ("x",)), _node("f", h, ("u",))]
    whole, inner = _run(nodes, "f"), _run(nodes, "u")
    values = {"df_dx": whole.gradients["x"], "df_du": whole.gradients["u"], "du_dx": inner.gradients["x"]}
    return Env(NumpyOps(), values)


SINGLE = Model(
    "chain_single",
    CHAIN_SYMBOLS,
    _single_exact,
    _single_numeric,
    exact_sizes=({},),
    numeric_sizes=tuple({"case": n} for n in range(6)),
)


def _paths_exact(sizes: Sizes) -> Env:
    """f = F(u_1, ..., u_p), u_i = G_i(x), for undefined F and G_i."""
    x, p = sp.Symbol("x"), sizes["p"]
    F = sp.Function("F")
    u = [sp.Function(f"G{i}")(x) for i in range(p)]
    free = [sp.Symbol(f"u{i}") for i in range(p)]
    at_u = dict(zip(free, u, strict=True))
    values = {
        "df_dx": sp.diff(F(*u), x),
        "df_du": sp.Matrix(p, 1, [sp.Subs(sp.diff(F(*free), v), free, u).doit() for v in free]).subs(at_u),
        "du_dx": sp.Matrix(p, 1, [sp.diff(ui, x) for ui in u]),
        "p": p,
    }
    return Env(SympyOps(), values)


def _paths_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    """x feeds p random gates u_i; f multiplies and adds them up (a random tree over the u_i)."""
    p = sizes["p"]
    nodes = [_node("x", "input", (), float(rng.normal(0, 1)))]
    nodes += [_node(f"u{i}", str(rng.choice(_UNARY)), ("x",)) for i in range(p)]
    top = "u0"
    for i in range(1, p):
        nodes.append(_node(f"c{i}", str(rng.choice(("add", "mul", "max"))), (top, f"u{i}")))
        top = f"c{i}"
    whole = _run(nodes, top)
    values = {
        "df_dx": whole.gradients["x"],
        "df_du": np.array([[whole.gradients[f"u{i}"]] for i in range(p)]),
        "du_dx": np.array([[_run(nodes, f"u{i}").gradients["x"]] for i in range(p)]),
        "p": p,
    }
    return Env(NumpyOps(), values)


PATHS = Model(
    "chain_paths",
    CHAIN_SYMBOLS,
    _paths_exact,
    _paths_numeric,
    exact_sizes=({"p": 3},),
    numeric_sizes=random_sizes(41, ("p",), high=5),
    shapes={"df_du": ("p", "1"), "du_dx": ("p", "1")},
)


# --------------------------------------------------------------------------- the gates

GATE_SYMBOLS = {
    "g": plain_symbol(_n("g")),
    "u": plain_symbol(_n("u")),
    "v": plain_symbol(_n("v")),
    "df_dg": plain_symbol(_pd("f", "g")),
    "df_dh": plain_symbol(_pd("f", "h")),
    "dg_du": plain_symbol(_pd("g", "u")),
    "dh_du": plain_symbol(_pd("h", "u")),
    "df_du": plain_symbol(_pd("f", "u")),
    "df_dv": plain_symbol(_pd("f", "v")),
}


def _gate_model(op: str) -> Model:
    """g = op(u, v) somewhere inside a graph whose output is f = F(g) (exact: F undefined)."""

    def exact(sizes: Sizes) -> Env:
        u, v, g_ = sp.Symbol("u"), sp.Symbol("v"), sp.Symbol("g_")
        if op == "max":  # one exact case per side of the kink: u above v, or below
            gap = sp.Symbol("gap", positive=True)
            u = v + gap if sizes["case"] == 0 else v - gap
        g = {"add": u + v, "mul": u * v, "max": sp.Piecewise((u, u - v > 0), (v, True))}[op]
        F = sp.Function("F")
        free_u, free_v = sp.Symbol("fu"), sp.Symbol("fv")
        g_free = {"add": free_u + free_v, "mul": free_u * free_v, "max": sp.Max(free_u, free_v)}[op]
        at = {free_u: u, free_v: v}
        values = {
            "g": g,
            "u": u,
            "v": v,
            "df_dg": sp.Subs(sp.diff(F(g_), g_), g_, g),
            "df_du": sp.diff(F(g_free), free_u).subs(at),
            "df_dv": sp.diff(F(g_free), free_v).subs(at),
        }
        if op == "max":  # the derivative of Max is written with Heaviside; at a gap of known sign it is 0 or 1
            values = {k: sp.sympify(e).rewrite(sp.Piecewise).doit() for k, e in values.items()}
        return Env(SympyOps(), values)

    def numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
        u, v, c = (float(x) for x in rng.normal(0, 1, 3))
        nodes = [
            _node("u", "input", (), u),
            _node("v", "input", (), v),
            _node("c", "input", (), c),
            _node("g", op, ("u", "v")),
            _node("f", "mul", ("g", "c")),
        ]
        run = _run(nodes, "f")
        values = {
            "g": run.values["g"],
            "u": u,
            "v": v,
            "df_dg": run.gradients["g"],
            "df_du": run.gradients["u"],
            "df_dv": run.gradients["v"],
        }
        return Env(NumpyOps(), values)

    return Model(
        f"gate_{op}",
        GATE_SYMBOLS,
        exact,
        numeric,
        exact_sizes=({"case": 0}, {"case": 1}) if op == "max" else ({},),
        numeric_sizes=tuple({"case": n} for n in range(6)),
    )


def _branch_exact(sizes: Sizes) -> Env:
    """u feeds g = G(u) and h = H(u); f = F(g, h) for undefined F, G, H."""
    u, a, b = sp.Symbol("u"), sp.Symbol("a_"), sp.Symbol("b_")
    F, G, H = sp.Function("F"), sp.Function("G"), sp.Function("H")
    g, h = G(u), H(u)
    values = {
        "df_du": sp.diff(F(g, h), u),
        "df_dg": sp.Subs(sp.diff(F(a, h), a), a, g),
        "df_dh": sp.Subs(sp.diff(F(g, b), b), b, h),
        "dg_du": sp.diff(g, u),
        "dh_du": sp.diff(h, u),
    }
    return Env(SympyOps(), values)


def _branch_numeric(sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    """u feeds two random gates g and h (each with an input of its own), and f joins them."""
    nodes = [
        _node("u", "input", (), float(rng.normal(0, 1))),
        _node("s", "input", (), float(rng.normal(0, 1))),
        _node("t", "input", (), float(rng.normal(0, 1))),
        _node("g", str(rng.choice(("add", "mul"))), ("u", "s")),
        _node("h", str(rng.choice(("add", "mul"))), ("t", "u")),
        _node("f", str(rng.choice(("add", "mul"))), ("g", "h")),
    ]
    whole = _run(nodes, "f")
    values = {
        "df_du": whole.gradients["u"],
        "df_dg": whole.gradients["g"],
        "df_dh": whole.gradients["h"],
        "dg_du": _run(nodes, "g").gradients["u"],
        "dh_du": _run(nodes, "h").gradients["u"],
    }
    return Env(NumpyOps(), values)


BRANCH = Model(
    "gate_branch",
    GATE_SYMBOLS,
    _branch_exact,
    _branch_numeric,
    exact_sizes=({},),
    numeric_sizes=tuple({"case": n} for n in range(6)),
)

ADD, MULTIPLY, MAX = _gate_model("add"), _gate_model("mul"), _gate_model("max")
_df_dg = Q("df_dg")

FORMULAS = (
    Formula("gate_add", ADD, Q("g"), (Q("u") + Q("v"),), kind="definition"),
    Formula("gate_mul", MULTIPLY, Q("g"), (Mul(Q("u"), Q("v")),), kind="definition"),
    Formula("gate_max", MAX, Q("g"), (Maximum(Q("u"), Q("v")),), kind="definition"),
    Formula("chain_rule_single", SINGLE, Q("df_dx"), (Mul(Q("df_du"), Q("du_dx")),)),
    Formula(
        "chain_rule_paths",
        PATHS,
        Q("df_dx"),
        (Sum("i", "p", Mul(Entry("df_du", ("i",)), Entry("du_dx", ("i",)))),),
    ),
    Formula("gate_add_input", ADD, Q("df_du"), (_df_dg,)),
    Formula("gate_mul_first", MULTIPLY, Q("df_du"), (Mul(_df_dg, Q("v")),)),
    Formula("gate_mul_second", MULTIPLY, Q("df_dv"), (Mul(_df_dg, Q("u")),)),
    Formula("gate_max_input", MAX, Q("df_du"), (PositiveCases(Q("u") - Q("v"), _df_dg, scalar(0)),)),
    Formula(
        "gate_branch",
        BRANCH,
        Q("df_du"),
        (Mul(Q("df_dg"), Q("dg_du")) + Mul(Q("df_dh"), Q("dh_du")),),
    ),
)
