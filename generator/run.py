"""``handbook run CHAPTER``: the chapter's network run through the core, its numbers as a table.

The numbers come by the book's one path: ``Computation.value`` of a ``Quantity`` (the compute
stage over the core), rounded by ``ledger.format_fixed`` at the precision the chapter's spec gives
for the kind (and layer), so that every number the table shows is the text the book prints for it.
A kind the spec gives no precision for (the chapter never prints it) is shown with
``DEFAULT_DECIMALS`` places, and the table's head says which kinds those are. Each row names the
template call that prints the number (``v.z("hid", 1)``) and the quantity as the ledger records it.
The table does not depend on the notation profile: it names quantities, not symbols.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from generator.compute import Computation
from generator.ledger import format_fixed
from generator.quantities import BY_NAME, Quantity
from generator.spec import ChapterSpec

DEFAULT_DECIMALS = 6


@dataclass(frozen=True)
class Row:
    """One number of the table: the template call that prints it, its quantity and its text."""

    call: str
    quantity: Quantity
    text: str
    precise_by_default: bool = False  # the spec gives no precision for it: DEFAULT_DECIMALS places


# The sections of the table and the kinds in each, in the order of a training step.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("the network and its data", ("input", "target", "weight", "bias", "learning_rate")),
    ("forward pass", ("preactivation", "activation", "loss")),
    (
        "backward pass",
        ("activation_gradient", "activation_derivative", "error", "weight_gradient", "bias_gradient", "input_gradient"),
    ),
    ("SGD step", ("updated_weight", "updated_bias")),
)


def _quantities(spec: ChapterSpec, kind: str) -> Iterator[tuple[str, Quantity]]:
    """Every quantity of ``kind`` in the chapter's network, with the template call that prints it."""
    examples = range(1, len(spec.inputs) + 1)
    batch = len(examples) > 1

    def ex(e: int) -> str:
        return f", example={e}" if batch else ""

    call = BY_NAME[kind].call
    if kind in ("input", "input_gradient", "target"):
        size = spec.input_size if kind != "target" else spec.layers[-1].size
        for e in examples:
            for j in range(1, size + 1):
                yield f"v.{call}({j}{ex(e)})", Quantity(kind, None, e, (j,))
        return
    if kind in ("learning_rate", "loss"):
        yield f"v.{call}()", Quantity(kind)
        return
    width = spec.input_size
    for layer in spec.layers:
        units, sources = range(1, layer.size + 1), range(1, width + 1)
        width = layer.size
        if kind in ("weight", "weight_gradient", "updated_weight"):
            for k in units:
                for t in sources:
                    yield f'v.{call}("{layer.name}", {k}, {t})', Quantity(kind, layer.name, None, (k, t))
        elif kind in ("bias", "bias_gradient", "updated_bias"):
            if layer.biases is not None:
                for k in units:
                    yield f'v.{call}("{layer.name}", {k})', Quantity(kind, layer.name, None, (k,))
        else:  # per unit and example
            for e in examples:
                for k in units:
                    yield f'v.{call}("{layer.name}", {k}{ex(e)})', Quantity(kind, layer.name, e, (k,))


def rows(computation: Computation) -> list[tuple[str, list[Row]]]:
    """The table's sections, each with its rows, every value from ``computation`` through the ledger's rounding."""
    spec = computation.spec
    sections = []
    for title, kinds in SECTIONS:
        section = []
        for kind in kinds:
            for call, quantity in _quantities(spec, kind):
                places = spec.decimals(kind, quantity.layer)
                text = format_fixed(computation.value(quantity), DEFAULT_DECIMALS if places is None else places)
                section.append(Row(call, quantity, text, places is None))
        sections.append((title, section))
    return sections


def table(computation: Computation) -> str:
    """The whole table as text: a head naming the network, then one block per section."""
    spec = computation.spec
    sizes = "--".join(str(n) for n in (spec.input_size, *(layer.size for layer in spec.layers)))
    activations = ", ".join(f"{layer.name} {layer.activation}" for layer in spec.layers)
    examples = len(spec.inputs)
    lines = [
        f"{spec.name}: the {sizes} network ({activations}), loss {spec.loss} ({spec.reduction} over "
        f"{examples} example{'s' if examples != 1 else ''}), learning rate {spec.learning_rate}, "
        f"through {computation.core.__name__}",
    ]
    sections = rows(computation)
    unset = sorted(
        {
            row.quantity.kind + (f"[{row.quantity.layer}]" if row.quantity.layer else "")
            for _, section in sections
            for row in section
            if row.precise_by_default
        }
    )
    lines.append("each number at the precision the chapter prints its kind with (chapters/*.toml, [precision])")
    if unset:
        lines.append(f"kinds the chapter does not print, at {DEFAULT_DECIMALS} places: {', '.join(unset)}")
    width = max(len(row.call) for _, section in sections for row in section)
    value_width = max(len(row.text) for _, section in sections for row in section)
    for title, section in sections:
        if not section:
            continue
        lines += ["", title]
        lines += [f"  {row.call:<{width}}  {row.text:>{value_width}}  {row.quantity}" for row in section]
    return "\n".join(lines)
