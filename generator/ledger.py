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

from generator.quantities import BY_NAME, Quantity


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


# A printed bound lies at least this factor above the value it bounds, so that another correct
# float64 implementation, with its own round-off, reproduces it.
BOUND_MARGIN = 10


def format_integer(value: float | Decimal) -> str:
    """A count, which must be a whole number."""
    if Decimal(value) != Decimal(value).to_integral_value():
        raise ValueError(f"a count must be a whole number, got {value!r}")
    return str(int(value))


def format_exact(value: float | Decimal) -> str:
    """A constant as the code holds it, in its shortest decimal form: 0.01, -100, 1e-12."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def format_bound(value: float | Decimal) -> str:
    """The smallest power of ten above ``value`` (``"0"`` for zero), as ``1e-7``."""
    exact = abs(Decimal(value))
    if not exact.is_finite():
        raise ValueError(f"cannot bound a non-finite value: {value!r}")
    if exact.is_zero():
        return "0"
    return f"1e{exact.adjusted() + 1}"


# Small counts read better as words in prose ("two inputs"); past twelve a count prints in digits.
NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)


def as_words(text: str) -> str:
    """A count's text as the page shows it in words: ``"2"`` is ``"two"``; larger counts stay digits."""
    number = int(text)
    return NUMBER_WORDS[number] if 0 <= number < len(NUMBER_WORDS) else text


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
    in_example: bool = False  # printed in a worked example: its operands must be printed before it
    words: bool = False  # a count printed as a word ("two")
    # The result of a displayed step: the quantities the step works it out from (None otherwise).
    worked_from: tuple[Quantity, ...] | None = None
    # Drawn as a coordinate of a plot (``\plotvalue{text}``), not printed as text: the PDF's text
    # does not show it, the plot's source does.
    plotted: bool = False

    @property
    def shown(self) -> str:
        """The text as the page shows it: the number, or a count's word."""
        return as_words(self.text) if self.words else self.text


@dataclass
class Ledger:
    """The numbers one chapter printed, in the order the templates asked for them."""

    chapter: str
    entries: list[Entry] = field(default_factory=list)

    def record(
        self,
        quantity: Quantity,
        value: float,
        decimals: int,
        template: str,
        line: int,
        in_example: bool = False,
        words: bool = False,
        plotted: bool = False,
    ) -> Entry:
        printed = BY_NAME[quantity.kind].printed
        if printed == "bound":
            text = format_bound(BOUND_MARGIN * value)
        elif printed == "integer":
            text = format_integer(value)
        elif printed == "exact":
            text = format_exact(value)
        else:
            text = format_fixed(value, decimals)
        entry = Entry(
            quantity,
            float(value),
            text,
            decimals,
            template,
            line,
            in_example,
            words and printed == "integer",
            plotted=plotted,
        )
        self.entries.append(entry)
        return entry

    def to_json(self) -> str:
        rows = []
        for entry in self.entries:
            row = asdict(entry)
            row["quantity"] = str(entry.quantity)
            row["value"] = repr(entry.value)
            row["shown"] = entry.shown
            rows.append(row)
        return json.dumps({"chapter": self.chapter, "entries": rows}, indent=1, sort_keys=True) + "\n"
