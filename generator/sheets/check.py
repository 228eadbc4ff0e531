"""Verify a class's sheets as the book is verified: every printed number of every part against the
exact oracle, every step from its printed operands, every formula by the formula checks, the shapes
the page states, and the numeral scan over every part and over the document around them.

The oracle's work is spread over the CPUs in a few even batches of parts (each batch is sent to
its process once); a formula is checked once however many students it is printed for. Verdicts
that passed are stored as the book's are (``generator.cache``), so making the same sheets again
checks only what changed. A failure names the student and the question.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from generator.cache import Store
from generator.formulas import formula_key, get_formula, verify_formula
from generator.notation import Notation
from generator.oracle import Oracle
from generator.parallel import map_in_processes
from generator.render import RenderedChapter
from generator.sheets.render import Part
from generator.verify import (
    FORMULA_VERDICT,
    LEDGER_VERDICT,
    Failure,
    Task,
    check_closed,
    check_printed,
    check_steps,
    ledger_key,
    prose_failures,
    record,
    scan_failures,
    verify_ledger,
)

SHEET = "(sheet)"  # the chapter name of a failure in the document around the parts


@dataclass
class SheetVerdicts:
    """The failures, each naming student and question, and the passing verdicts to store."""

    failures: list[Failure] = field(default_factory=list)
    passed: list[Task] = field(default_factory=list)
    numbers: int = 0
    numbers_stored: int = 0
    formulas: int = 0
    steps: int = 0


@dataclass(frozen=True)
class SheetFailure(Failure):
    """A failed check of a sheet: ``chapter`` says which student and question (or the document)."""

    def __str__(self) -> str:
        return f"{self.chapter}: {self.message}"


def _where(what: str, failure: Failure) -> Failure:
    return SheetFailure(what, failure.message)


def _ledger_batch(batch: list[tuple[str, RenderedChapter]]) -> list[list[Failure]]:
    """The oracle's failures of each part of a batch (in a worker process); the parts of one chapter
    share its oracle, which builds each network once."""
    results = []
    oracles: dict[str, Oracle] = {}
    for what, rendered in batch:
        key = repr(rendered.spec)
        try:
            oracle = oracles.setdefault(key, Oracle(rendered.spec))
            results.append([_where(what, f) for f in verify_ledger(rendered, oracle)])
        except Exception as error:  # a bug in the oracle: report it with the part, never a traceback alone
            where = traceback.extract_tb(error.__traceback__)[-1]
            message = f"internal error in the oracle: {type(error).__name__}: {error} ({where.filename}:{where.lineno})"
            results.append([SheetFailure(what, message)])
    return results


def _formula_batch(names: list[str], core_name: str) -> list[list[str]]:
    core = sys.modules[core_name]
    return [verify_formula(get_formula(name), core) for name in names]


def _batches(items: list, count: int) -> list[list]:
    """``items`` dealt round-robin into ``count`` batches of nearly equal size (none empty)."""
    count = max(1, min(count, len(items)))
    return [items[i::count] for i in range(count)]


def verify_sheets(
    parts: list[Part],
    legend: list[RenderedChapter],
    documents: list[str],
    notation: Notation,
    store: Store | None,
    jobs: int,
    core: ModuleType,
    progress: Callable[[str], None] = lambda line: None,
) -> SheetVerdicts:
    """Every check of every part, the legend and the document; expensive verdicts from ``store``."""
    verdicts = SheetVerdicts()
    named = [(part.where, part.rendered) for part in parts]
    named += [(f"the list of formulas ({', '.join(r.formulas)})", r) for r in legend]
    todo, tasks = [], {}
    first_of_key: dict[str, str] = {}  # parts that print the same numbers (a mistake's, a shape's) share a verdict
    for what, rendered in named:
        task = Task(LEDGER_VERDICT, ledger_key(rendered), what, what, len(rendered.ledger.entries))
        verdicts.numbers += task.numbers
        verdicts.steps += len(rendered.steps)
        if store is not None and store.get(task.kind, task.key) is not None:
            verdicts.numbers_stored += task.numbers
            verdicts.passed.append(task)
        elif task.key not in first_of_key:
            first_of_key[task.key] = what
            todo.append((what, rendered))
            tasks[what] = task
    shown = sorted({name for _, rendered in named for name in rendered.formulas})
    verdicts.formulas = len(shown)
    formula_tasks = [Task(FORMULA_VERDICT, formula_key(get_formula(n), core), SHEET, n) for n in shown]
    formula_todo = [t for t in formula_tasks if store is None or store.get(t.kind, t.key) is None]
    verdicts.passed += [t for t in formula_tasks if t not in formula_todo]
    batches = _batches(todo, jobs * 2)
    results = map_in_processes(_ledger_batch, batches, jobs)
    for batch, batch_results in zip(batches, results, strict=True):
        for (what, _), failures in zip(batch, batch_results, strict=True):
            verdicts.failures += failures
            if not failures:
                verdicts.passed.append(tasks[what])
    names = [task.what for task in formula_todo]
    formula_batches = _batches(names, jobs)
    checked = map_in_processes(functools.partial(_formula_batch, core_name=core.__name__), formula_batches, jobs)
    by_name = {task.what: task for task in formula_todo}
    for batch, problems_of in zip(formula_batches, checked, strict=True):
        for name, problems in zip(batch, problems_of, strict=True):
            verdicts.failures += [SheetFailure(f"formula {name}", problem) for problem in problems]
            if not problems:
                verdicts.passed.append(by_name[name])
    for what, rendered in named:  # the cheap checks run on every part, every time
        for check in (check_printed, check_steps, check_closed):
            verdicts.failures += [_where(what, f) for f in check(rendered)]
        verdicts.failures += [_where(what, f) for f in prose_failures(rendered, notation)]
        verdicts.failures += [_where(what, f) for f in scan_failures(what, rendered.marked, notation)]
    for document in documents:
        verdicts.failures += [_where(SHEET, f) for f in scan_failures(SHEET, document, notation)]
    return verdicts


def store_verdicts(store: Store, verdicts: SheetVerdicts, write: Callable) -> None:
    for task in verdicts.passed:
        store.put(task.kind, task.key, record(task), write)
