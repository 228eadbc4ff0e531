"""The formulas of the general derivations: note 000, note 002 and the four equations for L layers.

Each is a ``Formula`` over a model of ``generator.network_models``; see ``generator.formulas``.
"""

from __future__ import annotations

from generator.expr import (
    Abs, Add, Apply, Column, Complement, Div, Entry, Hadamard, Maximum, Mul, Neg, PositivePart, Q, Selector, Square, Sum, scalar,
)
from generator.formulas import Formula

# The shape of each quantity of the network models, in their size names.
LOGISTIC_BATCH_SHAPES = {"X": ("n", "m"), "Y": ("n", "t"), "W_hid": ("d", "m"), "W_out": ("t", "d"), "V_hid": ("m", "d"),
                 "V_out": ("d", "t"), "A_hid": ("n", "d"), "A_out": ("n", "t"), "D_hid": ("n", "d"),
                 "D_out": ("n", "t"), "dJ_dW_hid": ("d", "m"), "dJ_dW_out": ("t", "d"), "dJ_dV_hid": ("m", "d"),
                 "dJ_dV_out": ("d", "t")}
DEEP_SHAPES = {"W": ("k", "t"), "Wnext": ("u", "k"), "Aprev": ("m", "t"), "Z": ("m", "k"), "D": ("m", "k"),
               "Dnext": ("m", "u"), "ZL": ("m", "K"), "DL": ("m", "K"), "dJ_dAL": ("m", "K"), "dS_dAL": ("m", "K"),
               "dJ_dW": ("k", "t"), "dJ_db": ("k", "1"), "ones": ("m", "1"), "dJ_dZ": ("m", "k")}


def _bce(model: str) -> list[Formula]:
    """Sigmoid with binary cross-entropy: the loss derivative, its selector form, the cancellation."""
    a, y, z = Q("a"), Q("y"), Q("z")
    p = model.removeprefix("bce_")
    loss_derivative = Div(Complement(y), Complement(a)) - Div(y, a)
    return [
        Formula(f"{p}_bce_loss", model, Q("L"), (Neg(y * Apply("log", a) + Complement(y) * Apply("log", Complement(a))),),
                kind="definition"),
        Formula(f"{p}_bce_derivative", model, Q("dL_da"), (loss_derivative,)),
        Formula(f"{p}_bce_selector", model, Q("dL_da"),
                (Selector(y, Neg(Div(scalar(1), a)), Div(scalar(1), Complement(a))),)),
        Formula(f"{p}_sigmoid_slope", model, Q("da_dz"), (Mul(a, Complement(a)),)),
        Formula(f"{p}_bce_cancellation", model, Q("dL_dz"),
                (Mul(Q("dL_da"), Q("da_dz")), Mul(loss_derivative, Mul(a, Complement(a))), a - y)),
        Formula(f"{p}_bce_from_logit", model, Q("L"),
                (Apply("log", Add(scalar(1), Apply("exp", z))) - Mul(y, z),)),
        Formula(f"{p}_bce_stable", model, Q("L"),
                (PositivePart(z) - Mul(y, z) + Apply("log", Add(scalar(1), Apply("exp", Neg(Abs(z))))),)),
    ]


def _note000() -> list[Formula]:
    k, j, e = "k", "j", "e"
    a_k, y_k = Entry("a", (k,)), Entry("y", (k,))
    shapes = LOGISTIC_BATCH_SHAPES
    D_out, D_hid, A_hid, A_out = Q("D_out"), Q("D_hid"), Q("A_hid"), Q("A_out")
    one_minus = Complement(A_hid)
    A_ek, Y_ek = Entry("A_out", (e, k)), Entry("Y", (e, k))
    return [
        Formula("logistic_weight_chain", "logistic_example", Entry("dJ_dW", (k, j)),
                (Mul(Mul(Entry("dJ_da", (k,)), Entry("da_dz", (k,))), Entry("dz_dW", (k, j))),
                 Mul(Mul(Div(Complement(y_k), Complement(a_k)) - Div(y_k, a_k), Mul(a_k, Complement(a_k))),
                     Entry("a_hid", (j,))),
                 Mul(a_k - y_k, Entry("a_hid", (j,)))),
                free={k: "t", j: "d"}),
        Formula("logistic_loss", "logistic_batch", Q("J"),
                (Neg(Sum(e, "n", Sum(k, "t", Mul(Y_ek, Apply("log", A_ek))
                                     + Mul(Complement(Y_ek), Apply("log", Complement(A_ek)))))),),
                kind="definition"),
        Formula("logistic_forward_hidden", "logistic_batch", Q("Z_hid"), (Q("X") @ Q("W_hid").T,), kind="definition",
                shapes={**shapes, "Z_hid": ("n", "d")}),
        Formula("logistic_forward_output", "logistic_batch", Q("Z_out"), (A_hid @ Q("W_out").T,), kind="definition",
                shapes={**shapes, "Z_out": ("n", "t")}),
        Formula("logistic_io_forward_output", "logistic_batch", Q("Z_out"), (A_hid @ Q("V_out"),), kind="definition",
                shapes={**shapes, "Z_out": ("n", "t")}),
        Formula("logistic_weight_entry", "logistic_batch", Entry("dJ_dW_out", (k, j)),
                (Sum(e, "n", Mul(A_ek - Y_ek, Entry("A_hid", (e, j)))),), free={k: "t", j: "d"}),
        Formula("logistic_output_error", "logistic_batch", D_out, (A_out - Q("Y"),), shapes=shapes),
        Formula("logistic_output_gradient", "logistic_batch", Q("dJ_dW_out"), (D_out.T @ A_hid,), shapes=shapes),
        Formula("logistic_hidden_error", "logistic_batch", D_hid,
                (Hadamard(Hadamard(D_out @ Q("W_out"), A_hid), one_minus),), shapes=shapes),
        Formula("logistic_hidden_gradient", "logistic_batch", Q("dJ_dW_hid"), (D_hid.T @ Q("X"),), shapes=shapes),
        # Weights stored input-by-output (the note's Z = A W): the transposes move.
        Formula("logistic_io_output_gradient", "logistic_batch", Q("dJ_dV_out"), (A_hid.T @ D_out,), shapes=shapes),
        Formula("logistic_io_hidden_error", "logistic_batch", D_hid,
                (Hadamard(Hadamard(D_out @ Q("V_out").T, A_hid), one_minus),), shapes=shapes),
        Formula("logistic_io_hidden_gradient", "logistic_batch", Q("dJ_dV_hid"), (Q("X").T @ D_hid,), shapes=shapes),
        Formula("wrong_logistic_output_gradient_orientation", "logistic_batch", Q("dJ_dW_out"), (A_hid.T @ D_out,),
                kind="wrong", shapes=shapes),
    ]


def _note002() -> list[Formula]:
    i, j, e = "i", "j", "e"
    mean = lambda body: Mul(Div(scalar(1), Q("m")), Sum(e, "m", body))  # noqa: E731
    def error_below(layer: int) -> Formula:
        return Formula(f"wta_error_{layer}", "wta_net", Column(f"D{layer}", e),
                       (Hadamard(Apply(f"gprime{layer}", Column(f"Z{layer}", e)),
                                 Q(f"W{layer + 1}") @ Column(f"D{layer + 1}", e)),),
                       free={e: "m"})
    forward = [
        Formula(f"wta_forward_{layer}", "wta_net", Column(f"Z{layer}", e),
                (Q(f"W{layer}").T @ Column(f"A{layer - 1}", e) + Q(f"b{layer}"),), kind="definition", free={e: "m"})
        for layer in (1, 2, 3)
    ]
    formulas = forward + [
        Formula("wta_cost", "wta_net", Q("J"), (mean(Entry("Lex", (e,))),), kind="definition"),
        Formula("wta_error_3", "wta_net", Column("D3", e), (Column("yhat", e) - Column("y", e),), free={e: "m"}),
        error_below(2),
        error_below(1),
        Formula("wta_weight_entry_1", "wta_net", Entry("dJ_dW1", (i, j)),
                (mean(Mul(Entry("Ae0", (i, e)), Entry("De1", (j, e)))),), free={i: "n0", j: "n1"}),
    ]
    widths = ("n0", "n1", "n2", "1")  # the single output unit of layer three
    for layer in (1, 2, 3):
        below, here = widths[layer - 1], widths[layer]
        formulas += [
            Formula(f"wta_weight_gradient_{layer}", "wta_net", Q(f"dJ_dW{layer}"),
                    (mean(Column(f"A{layer - 1}", e) @ Column(f"D{layer}", e).T),),
                    shapes={f"dJ_dW{layer}": (below, here), f"A{layer - 1}": (below, "m"), f"D{layer}": (here, "m")}),
            Formula(f"wta_bias_gradient_{layer}", "wta_net", Q(f"dJ_db{layer}"), (mean(Column(f"D{layer}", e)),),
                    shapes={f"dJ_db{layer}": (here, "1"), f"D{layer}": (here, "m")}),
        ]
    return formulas


def _four_equations() -> list[Formula]:
    D, shapes = Q("D"), DEEP_SHAPES
    return [
        Formula("bp_output_error", "deep", Q("DL"), (Hadamard(Q("dJ_dAL"), Apply("gprimeL", Q("ZL"))),), shapes=shapes),
        Formula("bp_error_recursion", "deep", D,
                (Hadamard(Q("Dnext") @ Q("Wnext"), Apply("gprime", Q("Z"))),), shapes=shapes),
        Formula("bp_bias_gradient", "deep", Q("dJ_db"), (D.T @ Q("ones"),), shapes=shapes),
        Formula("bp_weight_gradient", "deep", Q("dJ_dW"), (D.T @ Q("Aprev"),), shapes=shapes),
        Formula("bp_mean_output_error", "deep", Q("DL"),
                (Mul(Div(scalar(1), Q("m")), Hadamard(Q("dS_dAL"), Apply("gprimeL", Q("ZL")))),), shapes=shapes),
        Formula("bp_error_definition", "deep", D, (Q("dJ_dZ"),), kind="definition", shapes=shapes),
        Formula("wrong_bp_error_recursion_transpose", "deep", D,
                (Hadamard(Q("Dnext") @ Q("Wnext").T, Apply("gprime", Q("Z"))),), kind="wrong",
                shapes=shapes),
    ]


def _gradient_check() -> list[Formula]:
    """Difference quotients and their error terms (exact for a cubic), and the relative error."""
    h, J_at = Q("h"), Q("J_at")
    return [
        Formula("central_difference", "finite_difference", Div(Q("J_plus") - Q("J_minus"), Mul(scalar(2), h)),
                (Q("dJ") + Mul(Div(Square(h), scalar(6)), Q("d3J")),)),
        Formula("forward_difference", "finite_difference", Div(Q("J_plus") - J_at, h),
                (Q("dJ") + Mul(Div(h, scalar(2)), Q("d2J")) + Mul(Div(Square(h), scalar(6)), Q("d3J")),)),
        Formula("relative_error", "finite_difference", Q("relative"),
                (Div(Abs(Q("analytic") - Q("numerical")), Maximum(Abs(Q("analytic")), Abs(Q("numerical")))),),
                kind="definition"),
    ]


def network_formulas() -> list[Formula]:
    """Every formula of the general-derivation chapters and of the gradient check."""
    return _bce("bce_out") + _bce("bce_hat") + _note000() + _note002() + _four_equations() + _gradient_check()
