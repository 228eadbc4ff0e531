"""The one table of quantity kinds: every kind of number the book can print, declared once.

A kind says how templates ask for it (``v.<call>(...)`` with its parameters), what it means,
whether it belongs to one example of the batch, how it is printed (fixed decimals, at the
precision the chapter's spec gives for the kind, or as the power of ten above it) and which
oracle re-derives it (SymPy exactly, or mpmath in high precision for the gradient check's
floating-point figures). The spec, the ledger, the renderer, the compute stage and the oracle
all read this table; compute and oracle each dispatch on the kind's name with ``match``, and a
test proves that both handle exactly the kinds listed here. The oracle reads only these names:
it shares no arithmetic with the core.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Literal

Printed = Literal["fixed", "bound"]
OracleKind = Literal["exact", "high precision"]

# How a call's parameters map to a quantity: a layer name, indices counted from one (``k`` a unit of
# the layer, ``t`` an input to it, ``j`` an input to the network), an example, a formula's name,
# any number of indices (``index``), and another chapter's network (``network``).
INDEX_PARAMETERS = ("k", "t", "j")


@dataclass(frozen=True)
class Kind:
    """One kind of printed number."""

    name: str
    call: str  # templates ask for it as v.<call>(...)
    parameters: tuple[str, ...]  # "layer", "k", "t", "j", "example", "name", "*index", "network", "layer?"
    meaning: str
    per_example: bool = False
    printed: Printed = "fixed"
    oracle: OracleKind = "exact"

    @property
    def signature(self) -> inspect.Signature:
        """The call's signature: ``v.z(layer, k, example=1)``."""
        parameters, after_variadic = [], False
        for name in self.parameters:
            optional = name.endswith("?")
            name = name.rstrip("?")
            if name == "*index":
                parameters.append(inspect.Parameter("index", inspect.Parameter.VAR_POSITIONAL))
                after_variadic = True
                continue
            kind = inspect.Parameter.KEYWORD_ONLY if after_variadic else inspect.Parameter.POSITIONAL_OR_KEYWORD
            default = {"example": 1, "network": None}.get(name, None if optional else inspect.Parameter.empty)
            parameters.append(inspect.Parameter(name, kind, default=default))
        return inspect.Signature(parameters)

    def usage(self) -> str:
        """How a template calls it, for messages and the authors' reference."""
        return f"v.{self.call}{self.signature}"


KINDS: tuple[Kind, ...] = (
    Kind("input", "x", ("j", "example"), "input j of an example", per_example=True),
    Kind("target", "y", ("k", "example"), "target k of an example (one per output unit)", per_example=True),
    Kind("weight", "W", ("layer", "k", "t"), "the weight into unit k of the layer from its input t"),
    Kind("bias", "b", ("layer", "k"), "the bias of unit k of the layer"),
    Kind("learning_rate", "lr", (), "the learning rate of the SGD step"),
    Kind("loss", "J", (), "the loss of the batch (summed or averaged over its examples, as the spec says)"),
    Kind("preactivation", "z", ("layer", "k", "example"), "the pre-activation of unit k", per_example=True),
    Kind("activation", "a", ("layer", "k", "example"), "the activation of unit k", per_example=True),
    Kind(
        "activation_derivative",
        "gprime",
        ("layer", "k", "example"),
        "the slope of the layer's activation at unit k's pre-activation",
        per_example=True,
    ),
    Kind(
        "activation_gradient",
        "dA",
        ("layer", "k", "example"),
        "the gradient of the loss with respect to unit k's activation",
        per_example=True,
    ),
    Kind(
        "error",
        "delta",
        ("layer", "k", "example"),
        "the error term of unit k: the gradient of the loss with respect to its pre-activation",
        per_example=True,
    ),
    Kind("weight_gradient", "dW", ("layer", "k", "t"), "the gradient of the loss with respect to a weight"),
    Kind("bias_gradient", "db", ("layer", "k"), "the gradient of the loss with respect to a bias"),
    Kind("updated_weight", "W_new", ("layer", "k", "t"), "a weight after one SGD step"),
    Kind("updated_bias", "b_new", ("layer", "k"), "a bias after one SGD step"),
    Kind(
        "input_gradient", "dx", ("j", "example"), "the gradient of the loss with respect to input j", per_example=True
    ),
    Kind(
        "formula",
        "formula",
        ("name", "layer", "*index", "example"),
        "the value a formula's right side claims on the chapter's network (a counterexample of a mistake)",
        per_example=True,
    ),
    Kind(
        "example_activation_gradient",
        "dl_da",
        ("layer", "k", "example"),
        "the gradient of one example's loss alone (no 1/m) with respect to unit k's activation",
        per_example=True,
    ),
    Kind(
        "example_error",
        "dl_dz",
        ("layer", "k", "example"),
        "the error term of one example's loss alone (no 1/m)",
        per_example=True,
    ),
    Kind("finite_difference_step", "step", (), "the step of the gradient check's central differences"),
    Kind(
        "numerical_gradient",
        "fd",
        ("layer", "*index", "network"),
        "the central difference of the loss in a weight (k, t) or a bias (k)",
        oracle="high precision",
    ),
    Kind(
        "relative_error",
        "rel_err",
        ("layer", "*index", "network"),
        "the relative error of backpropagation against the central difference",
        oracle="high precision",
    ),
    Kind(
        "relative_error_bound",
        "max_rel_err",
        ("network?", "layer?", "*index"),
        "a power of ten above the largest relative error of one parameter, a layer or the network",
        printed="bound",
        oracle="high precision",
    ),
    Kind(
        "hand_activation_derivative",
        "hand_gprime",
        ("layer", "k", "example"),
        "the activation's slope at the pre-activation rounded as the tables print it",
        per_example=True,
    ),
    Kind(
        "hand_weight_gradient",
        "hand_dW",
        ("layer", "k", "t"),
        "a weight gradient chained by hand from the rounded values of the tables",
    ),
    Kind("hand_updated_weight", "hand_W_new", ("layer", "k", "t"), "a weight after one SGD step with that gradient"),
)

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
BY_CALL: dict[str, Kind] = {kind.call: kind for kind in KINDS}
PER_EXAMPLE = frozenset(kind.name for kind in KINDS if kind.per_example)
BOUNDS = frozenset(kind.name for kind in KINDS if kind.printed == "bound")
PRECISION_KINDS = tuple(kind.name for kind in KINDS if kind.printed == "fixed")
HIGH_PRECISION = frozenset(kind.name for kind in KINDS if kind.oracle == "high precision")


@dataclass(frozen=True, order=True)
class Quantity:
    """What a printed number is: a kind, a layer name, an example (1-based) and 1-based indices.

    For the kind ``formula`` it is the value of the formula's last side, bound to the layer,
    at the free indices ``index``; ``formula`` names the formula.
    """

    kind: str
    layer: str | None = None
    example: int | None = None
    index: tuple[int, ...] = ()
    formula: str | None = None
    # Another chapter whose network the quantity belongs to (the gradient check runs on them all).
    network: str | None = None

    def __str__(self) -> str:
        text = self.kind if self.formula is None else f"formula {self.formula}"
        if self.layer is not None:
            text += f"[{self.layer}]"
        if self.index:
            text += "_" + ",".join(str(i) for i in self.index)
        if self.example is not None:
            text += f" (example {self.example})"
        if self.network is not None:
            text += f" of the network of {self.network}"
        return text


class QuantityError(LookupError):
    """A chapter asks for a quantity that does not exist (no such parameter, no step, a model that cannot bind)."""
