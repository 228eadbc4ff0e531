"""Stage 4: verify a rendered chapter (invariants 2, 3 and 4).

Every formula the chapter shows is verified (``generator.formula_check``). Every ledger entry is recomputed by the exact oracle, which shares no code with the core, and the
printed text must lie within half a unit in its last place of the exact value. The rendered
LaTeX is scanned for numerals typed by hand. Each failure names chapter, quantity, printed and
exact values, and the template line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import hashlib
from importlib import metadata
from pathlib import Path

from generator import bindings, expr, formulas, ledger, precise
from generator import oracle as oracle_module
from generator.formula_check import verify_formula
from generator.formulas import get_formula
from generator.ledger import Entry, half_unit
from generator.oracle import Oracle
from generator.render import RenderedChapter
from generator.scan import scan


@dataclass(frozen=True)
class Failure:
    """One failed check."""

    chapter: str
    message: str

    def __str__(self) -> str:
        return f"chapter {self.chapter}: {self.message}"


def check_entry(entry: Entry, exact: Decimal) -> str | None:
    """Why ``entry``'s printed text is not ``exact`` to half a unit in its last place, or None."""
    printed = Decimal(entry.text)
    if entry.quantity.kind in ledger.BOUND_KINDS:
        if abs(exact) < printed or exact == printed == 0:
            return None
        return (f"{entry.quantity}: printed the bound {entry.text}, but the exact value {exact:.3e} "
                f"is not below it ({entry.template}:{entry.line})")
    difference = abs(printed - exact)
    if difference <= half_unit(entry.decimals):
        return None
    return (f"{entry.quantity}: printed {entry.text}, exact {exact:.{entry.decimals + 6}f}, "
            f"|printed - exact| = {difference:.2e} > {half_unit(entry.decimals)} "
            f"({entry.template}:{entry.line})")


def ledger_key(rendered: RenderedChapter) -> str:
    """A hash of what a ledger's verdict depends on: the spec, the ledger and the oracle's code
    (with the evaluator it computes its values by)."""
    digest = hashlib.sha256(rendered.spec.path.read_bytes())
    for other in rendered.spec.check_networks:
        digest.update(other.path.read_bytes())
    digest.update(rendered.ledger.to_json().encode())
    for module in (oracle_module, bindings, expr, formulas, ledger, precise):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(metadata.version("sympy").encode())
    return digest.hexdigest()[:32]


def verify_ledger(rendered: RenderedChapter, cache: Path | None = None) -> list[Failure]:
    """Every printed number against the exact oracle; a passing ledger is stamped in ``cache``."""
    name = rendered.spec.name
    stamp = cache / f"{name}-{ledger_key(rendered)}.ok" if cache is not None else None
    if stamp is not None and stamp.exists():
        return []
    oracle = Oracle(rendered.spec)
    failures: list[Failure] = []
    exact_by_quantity: dict[object, Decimal] = {}
    for entry in rendered.ledger.entries:
        if entry.quantity not in exact_by_quantity:
            exact_by_quantity[entry.quantity] = oracle.value(entry.quantity)
        problem = check_entry(entry, exact_by_quantity[entry.quantity])
        if problem is not None:
            failures.append(Failure(name, problem))
    if not failures and stamp is not None:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(name + "\n")
    return failures


def verify_chapter(
    rendered: RenderedChapter, structural: dict[str, tuple[int, ...]], cache: Path | None = None
) -> list[Failure]:
    """All failed checks of one rendered chapter: ledger against the oracle, formulas, the scan.

    ``cache`` (a folder) holds the stamps of passing verdicts, so an unchanged chapter is not
    verified again; the scan is cheap and always runs.
    """
    name = rendered.spec.name
    failures = verify_ledger(rendered, cache / "ledgers" if cache is not None else None)
    formula_cache = cache / "formulas" if cache is not None else None
    for formula in rendered.formulas:
        failures.extend(Failure(name, problem) for problem in verify_formula(get_formula(formula), formula_cache))
    failures.extend(Failure(name, str(v)) for v in scan(rendered.marked, structural))
    return failures
