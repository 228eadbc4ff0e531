"""The book's formulas as checked objects (invariant 3).

A ``Formula`` is defined once: a left side and a chain of right sides (``lhs = r1 = r2 ...``),
written in the expression language of ``generator.expr`` over the quantities of a model
(``generator.models``). The same object typesets itself through the notation table and is
verified by ``generator.formula_check``: exactly with SymPy on small sizes, and numerically
against the NumPy core on random sizes. Templates show a formula by name; they never carry its
LaTeX. A ``definition`` is rendered from its object but states no result; a ``wrong`` formula is
one that real texts have printed, and its check asserts that it fails.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Literal

from generator.expr import (
    Apply, Complement, at_indices, Diag, Div, Entry, Hadamard, Kronecker, Mul, Neg, Node, PositiveCases, Q, Square, Sum, scalar,
    in_own_letters, symbol_macro, transposed,
)

Kind = Literal["result", "definition", "wrong"]


@dataclass(frozen=True, eq=False)
class Formula:
    """A displayed equation (or chain of equations) that the build can check."""

    name: str
    model: str
    lhs: Node
    chain: tuple[Node, ...]
    kind: Kind = "result"
    # Index letters that range freely, with the size each ranges over: {"k": "k", "t": "t"}.
    free: dict[str, str] = field(default_factory=dict)
    # The shape each named quantity must have, in size names ("1" for a single row or column).
    shapes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # For chains: the constraint (a model's named substitution) a link uses, by link number.
    uses: dict[int, str] = field(default_factory=dict)
    # Which values of the first two free letters the formula states: all, or only unequal ones.
    indices: Literal["all", "distinct"] = "all"
    # The relation printed between the sides: "=", or "\leftarrow" for an update rule.
    relation: str = "="
    # False only for a definition that no model can evaluate (an update rule): printed, not checked.
    checked: bool = True

    @property
    def model_object(self):
        from generator.registry import MODELS  # imported when printing or checking, not by the oracle

        return MODELS[self.model]

    def sides(self) -> tuple[Node, ...]:
        return (self.lhs, *self.chain)

    def lhs_macro(self) -> str | None:
        """The notation macro of a whole-matrix left side (``\\Preact`` of ``Z``), else None."""
        if not isinstance(self.lhs, Q) or self.lhs.name not in self.shapes:
            return None
        return symbol_macro(self.model_object.symbols[self.lhs.name].whole)

    def transposed(self) -> Formula:
        """Both sides transposed, the transposes moved down to the leaves: ``Z^T = W A^T + b 1^T``.

        What a profile that stores the left side transposed prints; verified as a formula of its own.
        """
        matrices = frozenset(self.shapes)
        return replace(self, name=self.name + TRANSPOSED, lhs=transposed(self.lhs, matrices),
                       chain=tuple(transposed(side, matrices) for side in self.chain))

    def in_own_letters(self, flipped: frozenset[str]) -> Formula:
        """The formula as a profile that stores the quantities of the ``flipped`` macros transposed
        prints it: ``(A - Y)^T`` rather than ``(A)^T - (Y)^T`` (``expr.in_own_letters``)."""
        symbols = self.model_object.symbols
        sides = tuple(
            in_own_letters(side, lambda name: symbol_macro(symbols[name].whole) in flipped,
                           lambda name: symbols[name].whole.startswith("\\pd{"), frozenset(self.shapes))
            for side in self.sides()
        )
        return replace(self, name=own_letters_name(self.name, flipped), lhs=sides[0], chain=sides[1:])

    def tex(self) -> str:
        """Math-mode LaTeX: ``lhs = r1 = r2``."""
        symbols = self.model_object.symbols
        return f" {self.relation} ".join(side.tex(symbols) for side in self.sides())

    def tex_result(self) -> str:
        """Only the ends of a chain, ``lhs = last``: what the chain proves (each link is checked)."""
        symbols = self.model_object.symbols
        return f"{self.lhs.tex(symbols)} {self.relation} {self.chain[-1].tex(symbols)}"

    def tex_at(self, links: int | None = None, **indices: int) -> str:
        """``tex()`` with free index letters replaced by numbers: one instance of a checked formula.

        ``links`` keeps only the first links of a chain (1: ``lhs = r1``).
        """
        symbols = self.model_object.symbols
        unknown = set(indices) - set(self.free)
        if unknown:
            raise KeyError(f"formula {self.name!r} has no free index {', '.join(sorted(unknown))}")
        sides = self.sides()[: None if links is None else links + 1]
        return f" {self.relation} ".join(at_indices(side, indices).tex(symbols) for side in sides)

    def tex_aligned(self) -> str:
        """The chain for an ``align`` body: one link per line, aligned at the equals sign."""
        symbols = self.model_object.symbols
        first, *rest = self.sides()
        lines = [f"{first.tex(symbols)} &{self.relation} {rest[0].tex(symbols)}"]
        lines += [f"&{self.relation} {side.tex(symbols)}" for side in rest[1:]]
        return " \\\\\n".join(lines)


def _build() -> dict[str, Formula]:
    k, t = "k", "t"
    delta_k, a_t = Entry("delta", (k,)), Entry("aprev", (t,))
    formulas = [
        # ---- one MLP layer (chapter: worked example)
        Formula("error_term", "mlp_layer", Entry("delta", (k,)),
                (Entry("dJ_dz", (k,)), Mul(Entry("dJ_da", (k,)), Apply("gprime", Entry("z", (k,))))),
                free={k: "k"}),
        Formula("weight_gradient", "mlp_layer", Entry("dJ_dW", (k, t)), (Mul(delta_k, a_t),), free={k: "k", t: "t"}),
        Formula("activation_gradient_below", "mlp_layer", Entry("dJ_daprev", (t,)),
                (Sum(k, "k", Mul(delta_k, Entry("W", (k, t)))),), free={t: "t"}),
        Formula("error_vector", "mlp_layer", Q("delta"), (Hadamard(Q("dJ_da"), Apply("gprime", Q("z"))),),
                shapes={"delta": ("k", "1"), "dJ_da": ("k", "1"), "z": ("k", "1")}),
        Formula("activation_gradient_vector", "mlp_layer", Q("dJ_daprev"), (Q("W").T @ Q("delta"),),
                shapes={"dJ_daprev": ("t", "1"), "W": ("k", "t"), "delta": ("k", "1")}),
        Formula("weight_gradient_vector", "mlp_layer", Q("dJ_dW"), (Q("delta") @ Q("aprev").T,),
                shapes={"dJ_dW": ("k", "t"), "delta": ("k", "1"), "aprev": ("t", "1")}),
        Formula("bias_gradient_vector", "mlp_layer", Q("dJ_db"), (Q("delta"),),
                shapes={"dJ_db": ("k", "1"), "delta": ("k", "1")}),
        Formula("preactivation", "mlp_layer", Entry("z", (k,)),
                (Sum(t, "t", Mul(Entry("W", (k, t)), a_t)) + Entry("b", (k,)),), free={k: "k"}),
        Formula("activation", "mlp_layer", Entry("a", (k,)), (Apply("g", Entry("z", (k,))),), free={k: "k"}),
        Formula("layer_forward", "mlp_layer", Q("z"), (Q("W") @ Q("aprev") + Q("b"),), kind="definition",
                shapes={"z": ("k", "1"), "W": ("k", "t"), "aprev": ("t", "1"), "b": ("k", "1")}),
        Formula("layer_activation", "mlp_layer", Q("a"), (Apply("g", Q("z")),), kind="definition",
                shapes={"a": ("k", "1"), "z": ("k", "1")}),
        Formula("error_definition", "mlp_layer", Q("delta"), (Q("dJ_dz"),), kind="definition",
                shapes={"delta": ("k", "1"), "dJ_dz": ("k", "1")}),
        Formula("batch_forward", "batch", Q("Z"), (Q("Aprev") @ Q("W").T + Q("ones") @ Q("b").T,), kind="definition",
                shapes={"Z": ("n", "k"), "Aprev": ("n", "t"), "W": ("k", "t"), "b": ("k", "1"), "ones": ("n", "1")}),
        # ---- instances in the worked example (fixed indices of the 2-2-2 network)
        Formula("hidden_gradient_instance", "two_layer", Entry("dJ_dahid", (1,)),
                (Mul(Entry("delta_out", (1,)), Entry("W_out", (1, 1))) + Mul(Entry("delta_out", (2,)), Entry("W_out", (2, 1))),)),
        Formula("output_weight_gradient_instance", "two_layer", Entry("dJ_dWout", (1, 1)),
                (Mul(Entry("delta_out", (1,)), Entry("a_hid", (1,))),)),
        Formula("sgd_update", "mlp_layer", Entry("W", (k, t)),
                (Entry("W", (k, t)) - Mul(Q("lrate"), Entry("dJ_dW", (k, t))),), kind="definition",
                relation=r"\leftarrow", checked=False),
        # ---- losses and activations
        Formula("sse_loss", "sse", Q("J"), (Sum(k, "K", Square(Entry("a", (k,)) - Entry("y", (k,)))),), kind="definition"),
        Formula("sse_gradient", "sse", Entry("dJ_da", (k,)), (Mul(scalar(2), Entry("a", (k,)) - Entry("y", (k,))),),
                free={k: "K"}),
        Formula("sigmoid_derivative", "scalar", Q("dsigma"),
                (Mul(Apply("sigma", Q("z")), scalar(1) - Apply("sigma", Q("z"))),)),
        Formula("relu_derivative", "scalar", Q("drelu"), (PositiveCases(Q("z"), scalar(1), scalar(0)),)),
        Formula("tanh_derivative", "scalar", Q("dtanh"), (scalar(1) - Square(Apply("tanh", Q("z"))),)),
    ] + _linear_layer() + _softmax()
    from generator.network_formulas import network_formulas  # it builds on Formula, defined above

    return {f.name: f for f in formulas + network_formulas()}


def _softmax() -> list[Formula]:
    """Note 004: softmax, its Jacobian, cross-entropy, dL/dz = a - y, and a two-layer network."""
    i, j = "i", "j"
    a, y, z = (lambda letter, name=name: Entry(name, (letter,)) for name in ("a", "y", "z"))
    net = {"X": ("n", "d"), "Y": ("n", "K"), "A1": ("n", "h"), "A2": ("n", "K"), "W1": ("h", "d"), "W2": ("K", "h"),
           "ones": ("n", "1"), "Z1": ("n", "h"), "dL_dZ2": ("n", "K"), "dL_dW2": ("K", "h"), "dL_db2": ("K", "1"),
           "dL_dA1": ("n", "h"), "dL_dZ1": ("n", "h"), "dL_dW1": ("h", "d"), "dL_db1": ("h", "1")}
    return [
        Formula("softmax_definition", "softmax", a(i),
                (Div(Apply("exp", z(i)), Sum(j, "K", Apply("exp", z(j)))),), kind="definition", free={i: "K"}),
        Formula("softmax_jacobian_entry", "softmax", Entry("jac", (i, j)), (Mul(a(i), Kronecker(i, j) - a(j)),),
                free={i: "K", j: "K"}),
        Formula("softmax_jacobian_diagonal", "softmax", Entry("jac", (i, i)), (Mul(a(i), Complement(a(i))),),
                free={i: "K"}),
        Formula("softmax_jacobian_offdiagonal", "softmax", Entry("jac", (i, j)), (Neg(Mul(a(i), a(j))),),
                free={i: "K", j: "K"}, indices="distinct"),
        Formula("softmax_jacobian_matrix", "softmax", Q("jac"), (Diag(Q("a")) - Q("a") @ Q("a").T,),
                shapes={"jac": ("K", "K"), "a": ("K", "1")}),
        Formula("cross_entropy", "softmax", Q("L"), (Neg(Sum(j, "K", Mul(y(j), Apply("log", a(j))))),),
                kind="definition"),
        Formula("softmax_ce_chain", "softmax", Entry("dL_dz", (i,)),
                (Neg(Sum(j, "K", Mul(Mul(y(j), Div(scalar(1), a(j))), Entry("jac", (j, i))))),
                 Neg(Sum(j, "K", Mul(y(j), Kronecker(j, i) - a(i)))),
                 Mul(a(i), Sum(j, "K", y(j))) - y(i),
                 a(i) - y(i)),
                free={i: "K"}, uses={3: "sum_y_is_one"}),
        Formula("softmax_ce_vector", "softmax", Q("dL_dz"), (Q("a") - Q("y"),), uses={0: "sum_y_is_one"},
                shapes={"dL_dz": ("K", "1"), "a": ("K", "1"), "y": ("K", "1")}),
        Formula("wrong_softmax_jacobian_offdiagonal", "softmax", Entry("jac", (i, j)), (Neg(Mul(a(i), a(i))),),
                kind="wrong", free={i: "K", j: "K"}, indices="distinct"),
        Formula("wrong_softmax_ce_sign", "softmax", Entry("dL_dz", (i,)), (y(i) - a(i),), kind="wrong",
                free={i: "K"}, uses={0: "sum_y_is_one"}),
        # The two-layer network of the note, with a batch of examples as rows.
        Formula("net_Z1", "softmax_net", Q("Z1"), (Q("X") @ Q("W1").T + Q("ones") @ Q("b1").T,), kind="definition",
                shapes={**net, "b1": ("h", "1")}),
        Formula("net_A1", "softmax_net", Q("A1"), (Apply("sigma", Q("Z1")),), kind="definition", shapes=net),
        Formula("net_Z2", "softmax_net", Q("Z2"), (Q("A1") @ Q("W2").T + Q("ones") @ Q("b2").T,), kind="definition",
                shapes={**net, "Z2": ("n", "K"), "b2": ("K", "1")}),
        Formula("net_dZ2", "softmax_net", Q("dL_dZ2"), (Q("A2") - Q("Y"),), shapes=net),
        Formula("net_dW2", "softmax_net", Q("dL_dW2"), (Q("dL_dZ2").T @ Q("A1"), (Q("A2") - Q("Y")).T @ Q("A1")),
                shapes=net),
        Formula("net_db2", "softmax_net", Q("dL_db2"), (Q("dL_dZ2").T @ Q("ones"),), shapes=net),
        Formula("net_dA1", "softmax_net", Q("dL_dA1"), (Q("dL_dZ2") @ Q("W2"),), shapes=net),
        Formula("net_dZ1", "softmax_net", Q("dL_dZ1"), (Hadamard(Hadamard(Q("dL_dA1"), Q("A1")), Complement(Q("A1"))),),
                shapes=net),
        Formula("net_dW1", "softmax_net", Q("dL_dW1"), (Q("dL_dZ1").T @ Q("X"),), shapes=net),
        Formula("net_db1", "softmax_net", Q("dL_db1"), (Q("dL_dZ1").T @ Q("ones"),), shapes=net),
        Formula("wrong_net_dW2_transpose_misplaced", "softmax_net", Q("dL_dW2"), (Q("A1").T @ (Q("A2") - Q("Y")),),
                kind="wrong", shapes=net),
    ]


def _linear_layer() -> list[Formula]:
    """Note 003: y = W x + b, its batched forms, and an elementwise activation."""
    i, j, r = "i", "j", "r"
    dJ_dy = lambda idx: Entry("dJ_dy", (idx,))  # noqa: E731
    vector_shapes = {"W": ("m", "d"), "x": ("d", "1"), "b": ("m", "1"), "y": ("m", "1"), "dJ_dy": ("m", "1")}
    rows = {"X": ("n", "d"), "Y": ("n", "m"), "dJ_dY": ("n", "m"), "W": ("m", "d"), "b": ("m", "1"), "ones": ("n", "1")}
    columns = {"X": ("d", "n"), "Y": ("m", "n"), "dJ_dY": ("m", "n"), "W": ("m", "d"), "b": ("m", "1"), "ones": ("n", "1")}
    return [
        Formula("linear_forward", "linear", Q("y"), (Q("W") @ Q("x") + Q("b"),), kind="definition", shapes=vector_shapes),
        Formula("linear_forward_entry", "linear", Entry("y", (r,)),
                (Sum(j, "d", Mul(Entry("W", (r, j)), Entry("x", (j,)))) + Entry("b", (r,)),), kind="definition",
                free={r: "m"}),
        Formula("linear_dy_dW", "linear", Entry("dy_dW", (r, i, j)), (Mul(Kronecker(r, i), Entry("x", (j,))),),
                free={r: "m", i: "m", j: "d"}),
        Formula("linear_dW_index", "linear", Entry("dJ_dW", (i, j)),
                (Sum(r, "m", Mul(dJ_dy(r), Entry("dy_dW", (r, i, j)))),
                 Sum(r, "m", Mul(dJ_dy(r), Mul(Kronecker(r, i), Entry("x", (j,))))),
                 Mul(dJ_dy(i), Entry("x", (j,)))),
                free={i: "m", j: "d"}),
        Formula("linear_dW_vector", "linear", Q("dJ_dW"), (Q("dJ_dy") @ Q("x").T,),
                shapes={**vector_shapes, "dJ_dW": ("m", "d")}),
        Formula("linear_dx_index", "linear", Entry("dJ_dx", (i,)),
                (Sum(r, "m", Mul(dJ_dy(r), Entry("dy_dx", (r, i)))), Sum(r, "m", Mul(dJ_dy(r), Entry("W", (r, i))))),
                free={i: "d"}),
        Formula("linear_dx_vector", "linear", Q("dJ_dx"), (Q("W").T @ Q("dJ_dy"),),
                shapes={**vector_shapes, "dJ_dx": ("d", "1")}),
        Formula("linear_db_vector", "linear", Q("dJ_db"), (Q("dJ_dy"),), shapes={**vector_shapes, "dJ_db": ("m", "1")}),
        # Batches: examples as rows (the book's convention) and as columns.
        Formula("rows_forward", "linear_rows", Q("Y"), (Q("X") @ Q("W").T + Q("ones") @ Q("b").T,), kind="definition",
                shapes=rows),
        Formula("rows_dW", "linear_rows", Q("dJ_dW"), (Q("dJ_dY").T @ Q("X"),), shapes={**rows, "dJ_dW": ("m", "d")}),
        Formula("rows_dX", "linear_rows", Q("dJ_dX"), (Q("dJ_dY") @ Q("W"),), shapes={**rows, "dJ_dX": ("n", "d")}),
        Formula("rows_db", "linear_rows", Q("dJ_db"), (Q("dJ_dY").T @ Q("ones"),), shapes={**rows, "dJ_db": ("m", "1")}),
        Formula("columns_forward", "linear_columns", Q("Y"), (Q("W") @ Q("X") + Q("b") @ Q("ones").T,),
                kind="definition", shapes=columns),
        Formula("columns_dW", "linear_columns", Q("dJ_dW"), (Q("dJ_dY") @ Q("X").T,), shapes={**columns, "dJ_dW": ("m", "d")}),
        Formula("columns_dX", "linear_columns", Q("dJ_dX"), (Q("W").T @ Q("dJ_dY"),), shapes={**columns, "dJ_dX": ("d", "n")}),
        Formula("columns_db", "linear_columns", Q("dJ_db"), (Q("dJ_dY") @ Q("ones"),), shapes={**columns, "dJ_db": ("m", "1")}),
        # An elementwise activation A = sigma(Z).
        Formula("elementwise_forward", "elementwise", Q("A"), (Apply("sigma", Q("Z")),), kind="definition",
                shapes={"A": ("m", "n"), "Z": ("m", "n")}),
        Formula("elementwise_index", "elementwise", Entry("dJ_dZ", (i, j)),
                (Mul(Entry("dJ_dA", (i, j)), Apply("sigmaprime", Entry("Z", (i, j)))),), free={i: "m", j: "n"}),
        Formula("elementwise_vector", "elementwise", Q("dJ_dZ"), (Hadamard(Q("dJ_dA"), Apply("sigmaprime", Q("Z"))),),
                shapes={"dJ_dZ": ("m", "n"), "dJ_dA": ("m", "n"), "Z": ("m", "n")}),
        # Mistakes that real texts have printed: each must FAIL its check.
        Formula("wrong_dW_index_swapped", "linear", Entry("dJ_dW", (i, j)), (Mul(dJ_dy(j), Entry("x", (j,))),),
                kind="wrong", free={i: "m", j: "d"}),
        Formula("wrong_dx_transpose_dropped", "linear", Q("dJ_dx"), (Q("W") @ Q("dJ_dy"),), kind="wrong"),
        Formula("wrong_rows_dW_transpose_misplaced", "linear_rows", Q("dJ_dW"), (Q("X").T @ Q("dJ_dY"),), kind="wrong"),
    ]


FORMULAS: dict[str, Formula] = _build()


TRANSPOSED = "@T"  # suffix of a formula's name: the formula transposed (``Formula.transposed``)
# Suffix and comma-separated macros: the formula in the letters of a profile that stores those
# macros' quantities transposed (``Formula.in_own_letters``).
OWN_LETTERS = "@own:"


def own_letters_name(name: str, flipped: frozenset[str]) -> str:
    """The name under which ``get_formula`` finds formula ``name`` in the letters of ``flipped``."""
    return f"{name}{OWN_LETTERS}{','.join(sorted(flipped))}"


@functools.lru_cache(maxsize=None)
def get_formula(name: str) -> Formula:
    """The formula called ``name``; ``name@T`` is that formula transposed, ``name@own:A,B`` that
    formula in the letters of a profile that stores A and B transposed."""
    if OWN_LETTERS in name:
        base, flipped = name.split(OWN_LETTERS, 1)
        return get_formula(base).in_own_letters(frozenset(flipped.split(",")))
    if name.endswith(TRANSPOSED):
        return get_formula(name.removesuffix(TRANSPOSED)).transposed()
    try:
        return FORMULAS[name]
    except KeyError:
        raise KeyError(f"no formula called {name!r} (known: {', '.join(sorted(FORMULAS))})") from None
