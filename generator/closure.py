"""A worked example is closed (invariant 9): a reader can redo every number of it by hand.

A template marks its worked examples (``v.example_begin()`` ... ``v.example_end()``). Every number
printed inside one must have its operands printed earlier in the chapter: a pre-activation needs
the weights into its unit, its bias and the activations below; an activation its pre-activation;
an error term the gradient at its activation and the slope there; a weight gradient the error
terms and the activations it multiplies, for every example; and so on. ``operands`` says what
each kind of number is worked out from, by the book's own equations; a step's operands are its
own. Numbers no reader works out by hand (a central difference, a formula's claimed value) need
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from generator.ledger import Entry
from generator.quantities import Quantity
from generator.spec import ChapterSpec

# Output activations with a loss whose error term is prediction minus target, fused in the core.
FUSED = {("sigmoid", "bce"), ("softmax", "softmax_ce")}
Requirement = tuple[Quantity, ...]  # any one of these printed will do


def _below(spec: ChapterSpec, n: int, t: int, e: int) -> Quantity:
    """The t-th input to layer n (1-based), for example e: an input of the network or an activation."""
    return Quantity("input", None, e, (t,)) if n == 1 else Quantity("activation", spec.layers[n - 2].name, e, (t,))


def operands(q: Quantity, spec: ChapterSpec) -> Iterator[Requirement]:
    """What a reader needs printed to work ``q`` out by hand, each requirement a choice of quantities."""
    if q.network is not None and q.network != spec.name:
        return
    n = spec.layer_number(q.layer) if q.layer is not None else 0
    layer = spec.layers[n - 1] if n else None
    e = q.example or 1
    examples = range(1, len(spec.inputs) + 1)
    top = len(spec.layers)
    match q.kind:
        case "preactivation" if layer is not None:
            (k,) = q.index
            for t in range(1, len(layer.weights[0]) + 1):
                yield (Quantity("weight", layer.name, None, (k, t)),)
                yield (_below(spec, n, t, e),)
            if layer.biases is not None:
                yield (Quantity("bias", layer.name, None, (k,)),)
        case "activation" if layer is not None:
            units = range(1, layer.size + 1) if layer.activation == "softmax" else q.index
            for k in units:
                yield (Quantity("preactivation", layer.name, e, (k,)),)
        case "activation_derivative" if layer is not None:
            yield (Quantity("preactivation", layer.name, e, q.index), Quantity("activation", layer.name, e, q.index))
        case "hand_activation_derivative" if layer is not None:
            yield (
                Quantity("hand_preactivation", layer.name, e, q.index),
                Quantity("preactivation", layer.name, e, q.index),
            )
        case "hand_preactivation" | "hand_activation" | "hand_activation_gradient" if layer is not None:
            yield (Quantity(q.kind.removeprefix("hand_"), layer.name, e, q.index),)
        case "activation_gradient" | "example_activation_gradient" if layer is not None:
            (k,) = q.index
            if n == top:
                yield (Quantity("activation", layer.name, e, (k,)),)
                yield (Quantity("target", None, e, (k,)),)
            else:
                above = spec.layers[n]
                for j in range(1, above.size + 1):
                    kind = "error" if q.kind == "activation_gradient" else "example_error"
                    yield (Quantity(kind, above.name, e, (j,)),)
                    yield (Quantity("weight", above.name, None, (j, k)),)
        case "error" | "example_error" if layer is not None:
            (k,) = q.index
            if n == top and (layer.activation, spec.loss) in FUSED:
                yield (Quantity("activation", layer.name, e, (k,)),)
                yield (Quantity("target", None, e, (k,)),)
            else:
                gradient = "activation_gradient" if q.kind == "error" else "example_activation_gradient"
                yield (Quantity(gradient, layer.name, e, (k,)),)
                yield (
                    Quantity("activation_derivative", layer.name, e, (k,)),
                    Quantity("preactivation", layer.name, e, (k,)),
                    Quantity("activation", layer.name, e, (k,)),
                )
        case "weight_gradient" if layer is not None:
            k, t = q.index
            for example in examples:  # the error term of the cost, or of the example's own loss
                yield (
                    Quantity("error", layer.name, example, (k,)),
                    Quantity("example_error", layer.name, example, (k,)),
                )
                yield (_below(spec, n, t, example),)
        case "bias_gradient" if layer is not None:
            for example in examples:
                yield (
                    Quantity("error", layer.name, example, q.index),
                    Quantity("example_error", layer.name, example, q.index),
                )
        case "updated_weight" | "updated_bias":
            yield (Quantity("weight" if q.kind == "updated_weight" else "bias", q.layer, None, q.index),)
            yield (
                Quantity("weight_gradient" if q.kind == "updated_weight" else "bias_gradient", q.layer, None, q.index),
            )
            yield (Quantity("learning_rate"),)
        case "hand_weight_gradient" if layer is not None:
            k, t = q.index
            for example in examples:
                yield (Quantity("hand_activation_gradient", layer.name, example, (k,)),)
                yield (Quantity("hand_activation_derivative", layer.name, example, (k,)),)
                yield (_below(spec, n, t, example),)
        case "hand_updated_weight":
            yield (Quantity("weight", q.layer, None, q.index),)
            yield (Quantity("hand_weight_gradient", q.layer, None, q.index),)
            yield (Quantity("learning_rate"),)
        case "input_gradient":
            first = spec.layers[0]
            (j,) = q.index
            for k in range(1, first.size + 1):
                yield (Quantity("error", first.name, e, (k,)),)
                yield (Quantity("weight", first.name, None, (k, j)),)
        case "loss":
            output = spec.layers[-1]
            for example in examples:
                for k in range(1, output.size + 1):
                    yield (Quantity("activation", output.name, example, (k,)),)
                    yield (Quantity("target", None, example, (k,)),)


def unprinted(entries: list[Entry], spec: ChapterSpec) -> Iterator[tuple[Entry, Requirement]]:
    """Each number of a worked example first printed without an operand printed before it in the
    chapter. A step's result needs the step's own operands; a number printed again needs nothing."""
    printed: set[Quantity] = set()
    for entry in entries:
        if entry.in_example and entry.quantity not in printed:
            if entry.worked_from is not None:
                requirements: Iterator[Requirement] = ((q,) for q in entry.worked_from)
            else:
                requirements = operands(entry.quantity, spec)
            for requirement in requirements:
                if not any(q in printed for q in requirement):
                    yield entry, requirement
        printed.add(entry.quantity)
