"""The one rounding rule and the ledger's records."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from generator.ledger import Ledger, format_fixed, half_unit
from generator.quantities import Quantity


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (0.61, 2, "0.61"),
        (-0.854, 2, "-0.85"),
        (0.125, 2, "0.13"),  # 0.125 is exact in binary: half rounds away from zero
        (-0.125, 2, "-0.13"),
        (2.675, 2, "2.67"),  # the double nearest 2.675 lies below it: rounding sees the exact value
        (-0.001, 2, "0.00"),  # no negative zero on the page
        (1.0, 4, "1.0000"),
        (-1.4076294365952582, 4, "-1.4076"),
        (7, 0, "7"),
    ],
)
def test_format_fixed_prints_exact_strings(value: float, decimals: int, text: str) -> None:
    """format_fixed rounds the exact binary value half away from zero, with fixed decimals."""
    assert format_fixed(value, decimals) == text


def test_format_fixed_refuses_non_finite_values() -> None:
    """NaN and infinity are not numbers a page can print."""
    with pytest.raises(ValueError, match="non-finite"):
        format_fixed(float("nan"), 2)


def test_half_unit_is_half_the_last_place() -> None:
    """half_unit(d) is 5 * 10^-(d+1)."""
    assert half_unit(2) == Decimal("0.005")
    assert half_unit(0) == Decimal("0.5")


def test_ledger_records_quantity_text_precision_and_place() -> None:
    """A recorded entry keeps the quantity, the exact value, the text, the precision and the line."""
    ledger = Ledger("demo")
    q = Quantity("preactivation", "hid", 1, (2,))
    entry = ledger.record(q, -0.64, 2, "chapters/demo.tex.j2", 12)
    assert (entry.quantity, entry.value, entry.text, entry.decimals) == (q, -0.64, "-0.64", 2)
    row = json.loads(ledger.to_json())["entries"][0]
    assert row["quantity"] == "preactivation[hid]_2 (example 1)"
    assert (row["template"], row["line"], row["value"]) == ("chapters/demo.tex.j2", 12, "-0.64")
