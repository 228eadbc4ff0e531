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

from generator.quantities import BOUNDS, Quantity


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
        text = format_bound(value) if quantity.kind in BOUNDS else format_fixed(value, decimals)
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
