"""Bind a formula's model to a chapter's network: which ledger quantity each model entry is.

A binding holds no numbers. The core side (``compute``) and the oracle fill the same binding
with their own values, so a formula's value at a chapter's numbers can be printed through the
ledger and checked like any other number (the "counterexample" of a common mistake).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from generator.formulas.language import Entry, Q
from generator.quantities import Quantity, QuantityError
from generator.spec import ChapterSpec

Binding = dict[str, Any]  # name -> rows of Quantity objects (a matrix), or a size


def _column(quantities: list[Quantity]) -> list[list[Quantity]]:
    return [[q] for q in quantities]


def bind_linear(spec: ChapterSpec, layer: str, example: int) -> Binding:
    """The ``linear`` model (y = W x + b, one example) as layer ``layer`` of the chapter's network."""
    if len(spec.inputs) != 1:
        raise QuantityError(f"the linear model is for one example; {spec.path} has {len(spec.inputs)}")
    number = spec.layer_number(layer)
    layer_spec = spec.layers[number - 1]
    m, d = layer_spec.size, len(layer_spec.weights[0])
    below = spec.layers[number - 2].name if number > 1 else None
    rows, columns = range(1, m + 1), range(1, d + 1)
    if below is None:
        x = [Quantity("input", None, example, (j,)) for j in columns]
        dJ_dx = [Quantity("input_gradient", None, example, (j,)) for j in columns]
    else:
        x = [Quantity("activation", below, example, (j,)) for j in columns]
        dJ_dx = [Quantity("activation_gradient", below, example, (j,)) for j in columns]
    binding: Binding = {
        "W": [[Quantity("weight", layer, None, (i, j)) for j in columns] for i in rows],
        "x": _column(x),
        "y": _column([Quantity("preactivation", layer, example, (i,)) for i in rows]),
        "dJ_dy": _column([Quantity("error", layer, example, (i,)) for i in rows]),
        "dJ_dW": [[Quantity("weight_gradient", layer, None, (i, j)) for j in columns] for i in rows],
        "dJ_dx": _column(dJ_dx),
        "m": m,
        "d": d,
    }
    if layer_spec.biases is not None:
        binding["b"] = _column([Quantity("bias", layer, None, (i,)) for i in rows])
        binding["dJ_db"] = _column([Quantity("bias_gradient", layer, None, (i,)) for i in rows])
    return binding


def bind_softmax(spec: ChapterSpec, layer: str, example: int) -> Binding:
    """The ``softmax`` model (a = softmax(z), cross-entropy with y) as the chapter's layer ``layer``."""
    size = spec.layers[spec.layer_number(layer) - 1].size
    classes = range(1, size + 1)
    return {
        "z": _column([Quantity("preactivation", layer, example, (k,)) for k in classes]),
        "a": _column([Quantity("activation", layer, example, (k,)) for k in classes]),
        "y": _column([Quantity("target", None, example, (k,)) for k in classes]),
        "dL_dz": _column([Quantity("error", layer, example, (k,)) for k in classes]),
        "K": size,
    }


def bind_softmax_net(spec: ChapterSpec, layer: str, example: int) -> Binding:
    """The ``softmax_net`` model (a sigmoid hidden layer, a softmax output, the whole batch as rows)
    as the chapter's network; ``layer`` names its output layer, ``example`` is unused (the model's
    entries carry the example as an index)."""
    if len(spec.layers) != 2 or spec.layer_number(layer) != 2:
        raise QuantityError(f"the softmax_net model is a two-layer network bound at its output layer, not {layer!r}")
    hid, out = spec.layers
    examples = range(1, len(spec.inputs) + 1)

    def batch(kind: str, name: str | None, units: int) -> list[list[Quantity]]:
        return [[Quantity(kind, name, e, (k,)) for k in range(1, units + 1)] for e in examples]

    def weights(kind: str, name: str, rows: int, columns: int) -> list[list[Quantity]]:
        return [[Quantity(kind, name, None, (k, t)) for t in range(1, columns + 1)] for k in range(1, rows + 1)]

    return {
        "X": batch("input", None, spec.input_size),
        "Y": batch("target", None, out.size),
        "W1": weights("weight", hid.name, hid.size, spec.input_size),
        "W2": weights("weight", out.name, out.size, hid.size),
        "Z1": batch("preactivation", hid.name, hid.size),
        "A1": batch("activation", hid.name, hid.size),
        "Z2": batch("preactivation", out.name, out.size),
        "A2": batch("activation", out.name, out.size),
        "dL_dZ2": batch("error", out.name, out.size),
        "dL_dA1": batch("activation_gradient", hid.name, hid.size),
        "dL_dZ1": batch("error", hid.name, hid.size),
        # the weights' gradients, which no formula reads but a slip's counterexample is held against
        "dL_dW1": weights("weight_gradient", hid.name, hid.size, spec.input_size),
        "dL_dW2": weights("weight_gradient", out.name, out.size, hid.size),
        "n": len(spec.inputs),
        "d": spec.input_size,
        "h": hid.size,
        "K": out.size,
    }


def _batch(kind: str, layer: str | None, examples: range, units: int) -> list[list[Quantity]]:
    return [[Quantity(kind, layer, e, (k,)) for k in range(1, units + 1)] for e in examples]


def bind_logistic_batch(spec: ChapterSpec, layer: str, example: int) -> Binding:
    """The ``logistic_batch`` model (a sigmoid hidden and output layer, the logistic loss, the batch
    as rows) as the chapter's two-layer network; ``layer`` names its output layer."""
    if len(spec.layers) != 2 or spec.layer_number(layer) != 2:
        raise QuantityError(f"the logistic_batch model is a two-layer network bound at its output layer, not {layer!r}")
    hid, out = spec.layers
    examples = range(1, len(spec.inputs) + 1)
    return {
        "X": _batch("input", None, examples, spec.input_size),
        "Y": _batch("target", None, examples, out.size),
        "A_hid": _batch("activation", hid.name, examples, hid.size),
        "A_out": _batch("activation", out.name, examples, out.size),
        "Z_hid": _batch("preactivation", hid.name, examples, hid.size),
        "Z_out": _batch("preactivation", out.name, examples, out.size),
        "J": [[Quantity("loss")]],
        "n": len(spec.inputs),
        "m": spec.input_size,
        "d": hid.size,
        "t": out.size,
    }


def bind_bce_hat(spec: ChapterSpec, layer: str, example: int) -> Binding:
    """The ``bce_hat`` model (one sigmoid output with the cross-entropy) as the single unit of
    ``layer``, for one example: the loss of that example alone (no mean over the batch)."""
    if spec.layers[spec.layer_number(layer) - 1].size != 1:
        raise QuantityError(f"the bce_hat model is a single output unit; layer {layer!r} has more")
    return {
        "z": [[Quantity("preactivation", layer, example, (1,))]],
        "a": [[Quantity("activation", layer, example, (1,))]],
        "y": [[Quantity("target", None, example, (1,))]],
        "dL_da": [[Quantity("example_activation_gradient", layer, example, (1,))]],
        "dL_dz": [[Quantity("example_error", layer, example, (1,))]],
        "da_dz": [[Quantity("activation_derivative", layer, example, (1,))]],
    }


BINDERS: dict[str, Callable[[ChapterSpec, str, int], Binding]] = {
    "logistic_batch": bind_logistic_batch,
    "bce_hat": bind_bce_hat,
    "linear": bind_linear,
    "softmax": bind_softmax,
    "softmax_net": bind_softmax_net,
}


def bind(model: str, spec: ChapterSpec, layer: str, example: int) -> Binding:
    """The binding of ``model`` to ``layer`` of ``spec``'s network for one example."""
    if model not in BINDERS:
        raise QuantityError(f"formulas of the model {model!r} cannot be bound to a chapter's network yet")
    return BINDERS[model](spec, layer, example)


def fill(
    binding: Binding, value: Callable[[Quantity], Any], matrix: Callable[[list[list[Any]]], Any]
) -> dict[str, Any]:
    """Replace every quantity by ``value(q)``; build matrices with ``matrix``."""
    return {
        name: item if isinstance(item, int) else matrix([[value(q) for q in row] for row in item])
        for name, item in binding.items()
    }


def lhs_quantity(binding: Binding, lhs: Q | Entry, free: dict[str, str], index: tuple[int, ...]) -> Quantity | None:
    """The chapter's quantity a formula's left side names at one instance (``index``, a number for each
    free index), or None when the left side is no single quantity of the binding."""
    grid = binding[lhs.name]
    at = dict(zip(free, index, strict=True))
    if isinstance(lhs, Q):
        return grid[0][0] if len(grid) == 1 and len(grid[0]) == 1 else None
    positions = [at[i] if isinstance(i, str) else i for i in lhs.indices]
    if len(positions) == 1:
        positions.append(1)
    try:
        return grid[positions[0] - 1][positions[1] - 1]
    except IndexError:
        return None
