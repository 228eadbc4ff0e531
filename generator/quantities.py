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

Printed = Literal["fixed", "bound", "integer", "exact"]
OracleKind = Literal["exact", "high precision"]

# How a number is printed: "fixed" decimals at the spec's precision, a "bound" (the power of ten
# above it), an "integer" (a count) or "exact" (a constant, as the code holds it).
# How a call's parameters map to a quantity: a layer name, indices counted from one (``k`` a unit of
# the layer, ``t`` an input to it, ``j`` an input to the network), an example, a formula's name,
# any number of indices (``index``), and another chapter's network or a variant of this chapter's
# network that an exercise asks about, ``variant_<seed>`` (``network``); a node of a
# computational graph is named by its graph and its own name (``graph``, ``node``);
# ``s`` a number of training steps (from one), ``gx`` and ``gy`` a point of the training grid (from one).
INDEX_PARAMETERS = ("k", "t", "j", "s", "gx", "gy")


@dataclass(frozen=True)
class Kind:
    """One kind of printed number."""

    name: str
    call: str  # templates ask for it as v.<call>(...)
    parameters: tuple[str, ...]  # "layer", "k", "t", "j", "example", "name", "*index", "network", "layer?",
    # "graph", "node"
    meaning: str
    per_example: bool = False
    printed: Printed = "fixed"
    # Printed in prose, labelled by the words around it ("three inputs", "a logit above 36.7"),
    # rather than beside a symbol.
    prose: bool = False
    oracle: OracleKind = "exact"
    # How one entry prints, in notation macros: a format with {layer}, {k}, {t}, {j} and {e} (the
    # example, where a batch has more than one). "" for kinds that have no symbol of their own.
    symbol: str = ""
    symbol_in_batch: str = ""  # the same in a batch of several examples (default: ``symbol``)
    # The whole matrix or vector: its notation macro (with the layer as argument where it has one),
    # for a batch and for a single example, and the scalar it is the gradient of ("" if none).
    matrix: str = ""
    vector: str = ""
    gradient_of: str = ""

    def entry_symbol(
        self,
        layer: str | None,
        index: tuple[int, ...],
        example: int | None,
        batch: bool,
        graph: dict[str, str] | None = None,
    ) -> str:
        """The LaTeX of one entry: ``\\weightentry{out}{1}{2}``, ``\\Actentry{hid}{2}{1}``; a graph's
        node prints by the names in ``graph``: ``node``, ``output`` (its graph's) and ``user``."""
        template = self.symbol_in_batch if batch and self.symbol_in_batch else self.symbol
        if not template:
            raise QuantityError(f"the quantity kind {self.name!r} has no symbol of its own")
        names = dict(zip(("k", "t"), index, strict=False))
        if self.parameters and self.parameters[0] == "j":
            names = {"j": index[0]}
        if "*index" in self.parameters and index:  # a parameter of the gradient check: a weight (k, t) or a bias (k)
            kind = "weight" if len(index) == 2 else "bias"
            names["parameter"] = BY_NAME[kind].entry_symbol(layer, index, None, False)  # type: ignore[assignment]
        return template.format(layer=layer, e=example, **names, **(graph or {}))

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


def _pd(inner: str) -> str:
    """The gradient of the cost with respect to a symbol (both format templates)."""
    return r"\pd{{\cost}}{{" + inner + "}}"


KINDS: tuple[Kind, ...] = (
    Kind(
        "input",
        "x",
        ("j", "example", "network?"),
        "input j of an example",
        per_example=True,
        symbol=r"\inputentry{{{j}}}",
        symbol_in_batch=r"\Inputsentry{{{e}}}{{{j}}}",
        matrix="Inputs",
        vector="inputvec",
    ),
    Kind(
        "target",
        "y",
        ("k", "example", "network?"),
        "target k of an example (one per output unit)",
        per_example=True,
        symbol=r"\targetentry{{{k}}}",
        symbol_in_batch=r"\Targetsentry{{{e}}}{{{k}}}",
        matrix="Targets",
        vector="target",
    ),
    Kind(
        "weight",
        "W",
        ("layer", "k", "t", "network?"),
        "the weight into unit k of the layer from its input t",
        symbol=r"\weightentry{{{layer}}}{{{k}}}{{{t}}}",
        matrix="weight",
    ),
    Kind(
        "bias",
        "b",
        ("layer", "k", "network?"),
        "the bias of unit k of the layer",
        symbol=r"\biasentry{{{layer}}}{{{k}}}",
        vector="bias",
    ),
    Kind("learning_rate", "lr", (), "the learning rate of the SGD step", symbol=r"\lrate"),
    Kind(
        "loss",
        "J",
        (),
        "the loss of the batch (summed or averaged over its examples, as the spec says)",
        symbol=r"\cost",
    ),
    Kind(
        "preactivation",
        "z",
        ("layer", "k", "example", "network?"),
        "the pre-activation of unit k",
        per_example=True,
        symbol=r"\preactentry{{{layer}}}{{{k}}}",
        symbol_in_batch=r"\Preactentry{{{layer}}}{{{e}}}{{{k}}}",
        matrix="Preact",
        vector="preact",
    ),
    Kind(
        "activation",
        "a",
        ("layer", "k", "example", "network?"),
        "the activation of unit k",
        per_example=True,
        symbol=r"\actentry{{{layer}}}{{{k}}}",
        symbol_in_batch=r"\Actentry{{{layer}}}{{{e}}}{{{k}}}",
        matrix="Act",
        vector="act",
    ),
    Kind(
        "activation_derivative",
        "gprime",
        ("layer", "k", "example"),
        "the slope of the layer's activation at unit k's pre-activation",
        per_example=True,
        symbol=r"\actfnprime{{{layer}}}\bigl(\preactentry{{{layer}}}{{{k}}}\bigr)",
        symbol_in_batch=r"\actfnprime{{{layer}}}\bigl(\Preactentry{{{layer}}}{{{e}}}{{{k}}}\bigr)",
    ),
    Kind(
        "activation_gradient",
        "dA",
        ("layer", "k", "example", "network?"),
        "the gradient of the loss with respect to unit k's activation",
        per_example=True,
        symbol=_pd(r"\actentry{{{layer}}}{{{k}}}"),
        symbol_in_batch=_pd(r"\Actentry{{{layer}}}{{{e}}}{{{k}}}"),
        matrix="Act",
        vector="act",
        gradient_of=r"\cost",
    ),
    Kind(
        "error",
        "delta",
        ("layer", "k", "example", "network?"),
        "the error term of unit k: the gradient of the loss with respect to its pre-activation",
        per_example=True,
        symbol=r"\errentry{{{layer}}}{{{k}}}",
        symbol_in_batch=r"\Errentry{{{layer}}}{{{e}}}{{{k}}}",
        matrix="Err",
        vector="err",
    ),
    Kind(
        "weight_gradient",
        "dW",
        ("layer", "k", "t", "network?"),
        "the gradient of the loss with respect to a weight",
        symbol=_pd(r"\weightentry{{{layer}}}{{{k}}}{{{t}}}"),
        matrix="weight",
        gradient_of=r"\cost",
    ),
    Kind(
        "bias_gradient",
        "db",
        ("layer", "k", "network?"),
        "the gradient of the loss with respect to a bias",
        symbol=_pd(r"\biasentry{{{layer}}}{{{k}}}"),
        vector="bias",
        gradient_of=r"\cost",
    ),
    Kind(
        "updated_weight",
        "W_new",
        ("layer", "k", "t"),
        "a weight after one SGD step",
        symbol=r"\updated{{\weightentry{{{layer}}}{{{k}}}{{{t}}}}}",
    ),
    Kind(
        "updated_bias",
        "b_new",
        ("layer", "k"),
        "a bias after one SGD step",
        symbol=r"\updated{{\biasentry{{{layer}}}{{{k}}}}}",
    ),
    Kind(
        "input_gradient",
        "dx",
        ("j", "example"),
        "the gradient of the loss with respect to input j",
        per_example=True,
        symbol=_pd(r"\inputentry{{{j}}}"),
        symbol_in_batch=_pd(r"\Inputsentry{{{e}}}{{{j}}}"),
        matrix="Inputs",
        vector="inputvec",
        gradient_of=r"\cost",
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
        symbol=r"\pd{{\exlossex{{{e}}}}}{{\actentry{{{layer}}}{{{k}}}}}",
        symbol_in_batch=r"\pd{{\exlossex{{{e}}}}}{{\Actentry{{{layer}}}{{{e}}}{{{k}}}}}",
    ),
    Kind(
        "example_error",
        "dl_dz",
        ("layer", "k", "example"),
        "the error term of one example's loss alone (no 1/m)",
        per_example=True,
        symbol=r"\pd{{\exlossex{{{e}}}}}{{\preactentry{{{layer}}}{{{k}}}}}",
        symbol_in_batch=r"\pd{{\exlossex{{{e}}}}}{{\Preactentry{{{layer}}}{{{e}}}{{{k}}}}}",
    ),
    Kind("finite_difference_step", "step", (), "the step of the gradient check's central differences", symbol=r"\step"),
    Kind(
        "numerical_gradient",
        "fd",
        ("layer", "*index", "network"),
        "the central difference of the loss in a weight (k, t) or a bias (k)",
        oracle="high precision",
        symbol=r"\gradnumerical\bigl({parameter}\bigr)",
    ),
    Kind(
        "relative_error",
        "rel_err",
        ("layer", "*index", "network"),
        "the relative error of backpropagation against the central difference",
        oracle="high precision",
        symbol=r"\relerr\bigl({parameter}\bigr)",
    ),
    Kind(
        "relative_error_bound",
        "max_rel_err",
        ("layer?", "*index", "network?"),
        "a power of ten above the largest relative error of one parameter, a layer or the network",
        printed="bound",
        oracle="high precision",
        symbol=r"\max\relerr",
    ),
    Kind(
        "kinks",
        "kinks",
        ("layer?", "*index", "network?"),
        "how many parameters (of one parameter, a layer or the network) have a central difference whose "
        "two evaluations straddle the kink of a ReLU-type unit",
        printed="integer",
    ),
    Kind(
        "hand_preactivation",
        "hand_z",
        ("layer", "k", "example"),
        "a pre-activation rounded as a source's table prints it (training.hand_decimals)",
        per_example=True,
        symbol=r"\rounded{{\preactentry{{{layer}}}{{{k}}}}}",
    ),
    Kind(
        "hand_activation",
        "hand_a",
        ("layer", "k", "example"),
        "an activation rounded as a source's table prints it",
        per_example=True,
        symbol=r"\rounded{{\actentry{{{layer}}}{{{k}}}}}",
    ),
    Kind(
        "hand_activation_gradient",
        "hand_dA",
        ("layer", "k", "example"),
        "the gradient at an activation rounded as a source's table prints it",
        per_example=True,
        symbol=r"\rounded{{" + _pd(r"\actentry{{{layer}}}{{{k}}}") + "}}",
    ),
    Kind(
        "hand_activation_derivative",
        "hand_gprime",
        ("layer", "k", "example"),
        "the activation's slope at the pre-activation rounded as the tables print it",
        per_example=True,
        symbol=r"\rounded{{\actfnprime{{{layer}}}\bigl(\preactentry{{{layer}}}{{{k}}}\bigr)}}",
    ),
    Kind(
        "hand_weight_gradient",
        "hand_dW",
        ("layer", "k", "t"),
        "a weight gradient chained by hand from the rounded values of the tables",
        symbol=r"\rounded{{" + _pd(r"\weightentry{{{layer}}}{{{k}}}{{{t}}}") + "}}",
    ),
    Kind(
        "hand_updated_weight",
        "hand_W_new",
        ("layer", "k", "t"),
        "a weight after one SGD step with that gradient",
        symbol=r"\rounded{{\updated{{\weightentry{{{layer}}}{{{k}}}{{{t}}}}}}}",
    ),
    Kind(
        "graph_value",
        "node",
        ("graph", "node"),
        "the value of a node of a computational graph ([[graphs]] of the spec)",
        symbol=r"\graphnode{{{node}}}",
    ),
    Kind(
        "graph_gradient",
        "grad",
        ("graph", "node"),
        "the gradient of a computational graph's output with respect to one of its nodes",
        symbol=r"\pd{{\graphnode{{{output}}}}}{{\graphnode{{{node}}}}}",
    ),
    Kind(
        "graph_edge_gradient",
        "edge_grad",
        ("graph", "node", "user"),
        "what the gradient of a graph's output sends back to a node along its edge into one user: "
        "the user's gradient times the user's local derivative in the node",
        symbol=r"\pd{{\graphnode{{{output}}}}}{{\graphnode{{{user}}}}}\pd{{\graphnode{{{user}}}}}{{\graphnode{{{node}}}}}",
    ),
    Kind(
        "count",
        "count",
        ("name", "layer?", "network?"),
        "a count: inputs, units, parameters, weights or multiply-adds of the network (or of one layer), examples",
        printed="integer",
        prose=True,
    ),
    Kind(
        "constant",
        "constant",
        ("name",),
        "a constant of the core's conventions: leaky_slope, log_floor, gradient_floor, bound_margin, "
        "relu_slope_at_kink",
        printed="exact",
        prose=True,
    ),
    Kind(
        "limit",
        "limit",
        ("name",),
        "a limit of double-precision arithmetic for the core's functions: sigmoid_saturation, the "
        "smallest logit at which the sigmoid rounds to exactly one",
        prose=True,
    ),
)

# Training (the training chapter): the trajectory of full-batch gradient descent over training.steps
# steps. The oracle re-runs it in high precision (mpmath, gradients by sympy.diff of the loss): exact
# arithmetic over hundreds of steps is too slow, and the float64 run differs from the exact one by
# far less than half a unit of the printed places (the spec's precision says why for its values).
TRAINING_KINDS: tuple[Kind, ...] = (
    Kind(
        "trained_loss",
        "J_at",
        ("s",),
        "the loss of the batch after s steps of full-batch gradient descent",
        oracle="high precision",
        symbol=r"\cost",
    ),
    Kind(
        "trained_output",
        "a_trained",
        ("layer", "k", "example"),
        "the activation of unit k for an example after training.steps steps of gradient descent",
        per_example=True,
        oracle="high precision",
        symbol=r"\trained{{\actentry{{{layer}}}{{{k}}}}}",
        symbol_in_batch=r"\trained{{\Actentry{{{layer}}}{{{e}}}{{{k}}}}}",
    ),
    Kind(
        "grid_output",
        "a_grid",
        ("gx", "gy"),
        "the network's first output at grid point (gx, gy) of training.grid, before training",
        oracle="high precision",
    ),
    Kind(
        "trained_grid_output",
        "a_grid_trained",
        ("gx", "gy"),
        "the network's first output at grid point (gx, gy) of training.grid, after training.steps steps",
        oracle="high precision",
    ),
)
KINDS += TRAINING_KINDS

BY_NAME: dict[str, Kind] = {kind.name: kind for kind in KINDS}
BY_CALL: dict[str, Kind] = {kind.call: kind for kind in KINDS}
PER_EXAMPLE = frozenset(kind.name for kind in KINDS if kind.per_example)
BOUNDS = frozenset(kind.name for kind in KINDS if kind.printed == "bound")
PRECISION_KINDS = tuple(kind.name for kind in KINDS if kind.printed == "fixed")
UNROUNDED = frozenset(kind.name for kind in KINDS if kind.printed in ("integer", "exact"))  # printed exactly
HIGH_PRECISION = frozenset(kind.name for kind in KINDS if kind.oracle == "high precision")


@dataclass(frozen=True, order=True)
class Quantity:
    """What a printed number is: a kind, a layer name, an example (1-based) and 1-based indices.

    For the kind ``formula`` it is the value of the formula's last side, bound to the layer,
    at the free indices ``index``; ``name`` names the formula. For a count or a constant, ``name``
    says which.
    """

    kind: str
    layer: str | None = None
    example: int | None = None
    index: tuple[int, ...] = ()
    name: str | None = None
    # Another chapter whose network the quantity belongs to (the gradient check runs on them all).
    network: str | None = None

    def __str__(self) -> str:
        text = self.kind if self.name is None else f"{self.kind} {self.name}"
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
