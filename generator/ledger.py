"""The ledger: the one path by which a number reaches the page (invariant 1).

``format_fixed`` is the only rounding rule in the project: the value is converted to ``Decimal``
exactly (a float64 is a dyadic rational) and rounded half away from zero to a fixed number of
decimal places. ``Ledger.record`` formats a value and remembers what quantity it is, its exact
value, the printed text, the precision and the template line that asked for it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext

# Kinds that belong to one example of the batch (they carry an example number).
PER_EXAMPLE_KINDS = frozenset(
    {
        "input",
        "target",
        "preactivation",
        "activation",
        "activation_derivative",
        "activation_gradient",
        "error",
        "hand_activation_derivative",
        "input_gradient",
        "formula",
        "example_activation_gradient",
        "example_error",
    }
)
# Kinds printed as a bound, the power of ten just above the value: a measured float64 error
# has no exact value to round, only an order of magnitude that both oracle and core stay below.
BOUND_KINDS = frozenset({"relative_error_bound"})


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


def format_fixed(value: float | Decimal, decimals: int) -> str:
    """Round ``value`` half away from zero to ``decimals`` places; a zero result has no sign."""
    exact = Decimal(value)
    if not exact.is_finite():
        raise ValueError(f"cannot print a non-finite value: {value!r}")
    with localcontext() as context:  # enough digits for any float64 at any number of places
        context.prec = max(exact.adjusted(), 0) + decimals + 2
        rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded.is_zero():
        rounded = abs(rounded)
    return f"{rounded:f}"


def format_bound(value: float | Decimal) -> str:
    """The smallest power of ten above ``value`` (``"0"`` for zero), as ``1e-7``."""
    exact = abs(Decimal(value))
    if not exact.is_finite():
        raise ValueError(f"cannot bound a non-finite value: {value!r}")
    if exact.is_zero():
        return "0"
    return f"1e{exact.adjusted() + 1}"


def half_unit(decimals: int) -> Decimal:
    """Half a unit in the last place of a number printed with ``decimals`` places."""
    return Decimal(5).scaleb(-(decimals + 1))


@dataclass(frozen=True)
class Entry:
    """One printed number: what it is, the core's value, the text on the page and where it came from."""

    quantity: Quantity
    value: float
    text: str
    decimals: int
    template: str
    line: int


@dataclass
class Ledger:
    """The numbers one chapter printed, in the order the templates asked for them."""

    chapter: str
    entries: list[Entry] = field(default_factory=list)

    def record(self, quantity: Quantity, value: float, decimals: int, template: str, line: int) -> Entry:
        text = format_bound(value) if quantity.kind in BOUND_KINDS else format_fixed(value, decimals)
        entry = Entry(quantity, float(value), text, decimals, template, line)
        self.entries.append(entry)
        return entry

    def to_json(self) -> str:
        rows = []
        for entry in self.entries:
            row = asdict(entry)
            row["quantity"] = str(entry.quantity)
            row["value"] = repr(entry.value)
            rows.append(row)
        return json.dumps({"chapter": self.chapter, "entries": rows}, indent=1, sort_keys=True) + "\n"
