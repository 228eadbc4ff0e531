"""Stage 4: verify the rendered book (invariants 2, 3 and 4).

Every ledger entry is recomputed by the exact oracle, which shares no code with the core, and the
printed text must lie within half a unit in its last place of the exact value. Every formula the
book shows is verified (``generator.formula_check``). The rendered LaTeX of every chapter and of
the book shell is scanned for numerals typed by hand, and every ledger text must stand in its
chapter's LaTeX exactly as recorded. Each failure names chapter, quantity, printed and exact
values, and the template line.

The oracle's and the formula checks' verdicts are the expensive part. A passing verdict is
stored (``generator.cache``) under a key of everything it depends on, and taken from there when
nothing changed; the scans always run. Nothing is stored unless the whole book passed.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import TYPE_CHECKING

from generator import (
    claims,
    closure,
    counts,
    dependencies,
    figures,
    graph_words,
    indices,
    layer_words,
    pass_words,
    proved_words,
    provenance,
    quantities,
    recaps,
    references,
    shapes,
    steps,
    tables,
    theorems,
)
from generator import core as default_core
from generator import oracle as oracle_module
from generator.cache import Store
from generator.claims import Claim
from generator.display import Layout
from generator.formulas import formula_key, get_formula, verify_formula
from generator.ledger import BOUND_MARGIN, NUMBER_WORDS, Entry, Ledger, half_unit
from generator.notation import Notation
from generator.oracle import Oracle
from generator.parallel import map_in_processes
from generator.quantities import Quantity
from generator.scan import StructuralNumbers, scan

if TYPE_CHECKING:
    from generator.render import RenderedChapter
    from generator.spec import ChapterSpec

LEDGER_VERDICT, FORMULA_VERDICT, THEOREM_VERDICT = "ledgers", "formulas", "theorems"
BOOK = "(book)"  # the chapter name of the book shell in a failure


@dataclass(frozen=True)
class Failure:
    """One failed check."""

    chapter: str
    message: str

    def __str__(self) -> str:
        return f"chapter {self.chapter}: {self.message}"


def check_entry(entry: Entry, exact: Decimal) -> str | None:
    """Why ``entry``'s printed text is not ``exact`` to half a unit in its last place, or None.

    The tolerance comes from the printed text itself: its number of decimals must be the
    precision the spec gives for the kind. A bound must lie ``BOUND_MARGIN`` times above both
    the exact value and the code's measurement; a count or a constant must be exact.
    """
    printed = Decimal(entry.text)
    where = f"({entry.template}:{entry.line})"
    style = quantities.BY_NAME[entry.quantity.kind].printed
    if style == "bound":
        largest = max(abs(exact), abs(Decimal(entry.value)))
        if printed >= BOUND_MARGIN * largest and (printed > 0 or largest == 0):
            return None
        return (
            f"{entry.quantity}: printed the bound {entry.text}, but the exact value {exact:.3e} or the "
            f"measured {entry.value:.3e} is not {BOUND_MARGIN} times below it {where}"
        )
    if style in ("integer", "exact"):
        return None if printed == exact else f"{entry.quantity}: printed {entry.text}, exact {exact} {where}"
    exponent = printed.as_tuple().exponent
    shown = -exponent if isinstance(exponent, int) else 0
    if shown != entry.decimals:
        return (
            f"{entry.quantity}: printed {entry.text} with {shown} decimal(s), but the spec's precision for "
            f"{entry.quantity.kind} is {entry.decimals} {where}"
        )
    difference = abs(printed - exact)
    if difference <= half_unit(entry.decimals):
        return None
    return (
        f"{entry.quantity}: printed {entry.text}, exact {exact:.{entry.decimals + 6}f}, "
        f"|printed - exact| = {difference:.2e} > {half_unit(entry.decimals)} "
        f"({entry.template}:{entry.line})"
    )


def ledger_key(rendered: RenderedChapter) -> str:
    """What a ledger's verdict depends on: the specs, what was printed for which quantity at which
    precision (not where or in which order: a profile that prints a matrix transposed reuses it),
    the steps and the claims, and this module's code with all it imports."""
    specs = [rendered.spec.path, *(other.path for other in rendered.spec.check_networks)]
    printed = sorted({(repr(e.quantity), e.text, e.decimals) for e in rendered.ledger.entries})
    steps = sorted({(s.text, s.unrounded, s.result.text, tuple(e.text for e in s.operands)) for s in rendered.steps})
    claims = sorted({(c.rule, tuple(map(repr, c.quantities)), c.words) for c in rendered.claims})
    return dependencies.digest(code=(__name__,), files=specs, texts=(json.dumps([printed, steps, claims]),))


def verify_ledger(rendered: RenderedChapter, oracle: Oracle | None = None) -> list[Failure]:
    """Every printed number of one chapter against the exact oracle; every step's arithmetic on the
    exact operands; every claim's words from the exact values. ``oracle`` is one already built for
    the chapter's spec (pieces printed about one chapter, such as a class's sheets, share it)."""
    name = rendered.spec.name
    oracle = oracle if oracle is not None else Oracle(rendered.spec)
    failures: list[Failure] = []
    exact_by_quantity: dict[Quantity, Decimal] = {}

    def exact(quantity: Quantity) -> Decimal:
        if quantity not in exact_by_quantity:
            exact_by_quantity[quantity] = oracle.value(quantity)
        return exact_by_quantity[quantity]

    for entry in rendered.ledger.entries:
        problem = check_entry(entry, exact(entry.quantity))
        if problem is not None:
            failures.append(Failure(name, problem))
    for step in rendered.steps:
        if not quantities.BY_NAME[step.result.quantity.kind].name.startswith("hand_"):
            problem = steps.check_exact(step, lambda entry: exact(entry.quantity))
            if problem is not None:
                failures.append(Failure(name, problem))
    for claim in rendered.claims:
        problem = Claim.check(claim, exact)  # the claim's rule decides again, on the exact values
        if problem is not None:
            failures.append(Failure(name, problem))
    return failures


def check_steps(rendered: RenderedChapter) -> list[Failure]:
    """Every step reproduces from its printed operands (or is declared unrounded, and does not)."""
    return [
        Failure(rendered.spec.name, problem)
        for step in rendered.steps
        if (problem := steps.check_printed(step)) is not None
    ]


def check_closed(rendered: RenderedChapter) -> list[Failure]:
    """Every number of a worked example has its operands printed earlier in the chapter."""
    return [
        Failure(
            rendered.spec.name,
            f"{entry.quantity} is worked out in an example from "
            f"{' or '.join(map(str, requirement))}, which the chapter does not print "
            f"before it ({entry.template}:{entry.line})",
        )
        for entry, requirement in closure.unprinted(rendered.ledger.entries, rendered.spec)
    ]


def check_constants(ledger: Ledger) -> list[Failure]:
    """The constants the book shell prints against the oracle's own conventions."""
    return [
        Failure(BOOK, problem)
        for entry in ledger.entries
        if (problem := check_entry(entry, oracle_module.constant(entry.quantity.name or ""))) is not None
    ]


_NUM = re.compile(r"\\(num(?:word)?|plotvalue)\{([^{}]*)\}")


def check_printed(rendered: RenderedChapter) -> list[Failure]:
    """Every ledger text stands in the chapter's LaTeX as recorded (``\\num{text}``), as often as
    recorded; a plot's coordinates (``\\plotvalue{text}``) each at its own place: the chapter's
    plotted texts, in the order the LaTeX draws them, are the plotted entries in the order the ledger
    recorded them (a plot writes each coordinate as it records it), so that no value of a plot can be
    changed, or two exchanged, without the check naming it."""
    found = _NUM.findall(rendered.tex)
    on_page = Counter(text for macro, text in found if macro != "plotvalue")
    failures = []
    for entry in rendered.ledger.entries:
        if entry.plotted:
            continue
        if on_page[entry.shown] > 0:
            on_page[entry.shown] -= 1
        else:
            failures.append(
                Failure(
                    rendered.spec.name,
                    f"{entry.quantity}: the ledger records the text {entry.shown!r}, "
                    f"which the chapter's LaTeX does not print "
                    f"({entry.template}:{entry.line})",
                )
            )
    drawn = [text for macro, text in found if macro == "plotvalue"]
    plotted = [entry for entry in rendered.ledger.entries if entry.plotted]
    for n, entry in enumerate(plotted):
        text = drawn[n] if n < len(drawn) else None
        if text != entry.shown:
            where = "draws no value there" if text is None else f"draws {text!r} there"
            failures.append(
                Failure(
                    rendered.spec.name,
                    f"{entry.quantity}: the ledger records the plotted text {entry.shown!r} as coordinate "
                    f"{n + 1} of the chapter's plots, but the chapter's LaTeX {where} "
                    f"({entry.template}:{entry.line})",
                )
            )
    if len(drawn) > len(plotted):
        failures.append(
            Failure(
                rendered.spec.name,
                f"the chapter's LaTeX draws {len(drawn)} plotted values, the ledger records {len(plotted)}",
            )
        )
    return failures


# A number as a PDF's text shows it: siunitx prints a true minus sign and 1e-7 as 1 x 10^-7.
_PDF_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:\s*\u00d7\s*10-?\d+)?")


def _as_printed(text: str) -> str:
    """A ledger text as the PDF's text shows it, spaces removed: ``1e-7`` is ``1\u00d710-7``."""
    if text.isalpha():  # a count in words
        return text
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}\u00d710{exponent}" if exponent else text


_WORD = re.compile(r"\b(?:" + "|".join(NUMBER_WORDS) + r")\b", re.IGNORECASE)


def missing_from_pdf(printed: list[tuple[str, str, str]], text: str) -> list[Failure]:
    """Ledger texts (chapter, quantity, text) that the PDF's text does not show as often as recorded."""
    return missing_from_text(printed, text, "the typeset PDF")


def missing_from_text(printed: list[tuple[str, str, str]], text: str, shown_in: str) -> list[Failure]:
    """Ledger texts (chapter, quantity, text) that ``text`` (a PDF's, or a page's as a browser renders
    it) does not show as often as recorded; ``shown_in`` names it in the failures."""
    found = Counter(re.sub(r"\s+", "", m.group()) for m in _PDF_NUMBER.finditer(text.replace("\u2212", "-")))
    found.update(word.lower() for word in _WORD.findall(text))
    failures = []
    for chapter, quantity, recorded in printed:
        form = _as_printed(recorded)
        if found[form] > 0:
            found[form] -= 1
        else:
            failures.append(
                Failure(
                    chapter,
                    f"{quantity}: the ledger records {recorded!r}, which {shown_in} "
                    "does not show (as often as the ledger records it)",
                )
            )
    return failures


def scan_failures(
    chapter: str, marked: str, notation: Notation, structural_numbers: StructuralNumbers | None = None
) -> list[Failure]:
    """What the scan finds typed by hand in one chapter (or the book shell), in ``notation``; a chapter's
    ``\\st{...}`` may hold only its ``structural_numbers`` (``ChapterSpec.structural_numbers``)."""
    violations = scan(
        marked,
        notation.structural_arguments(),
        notation.quantity_macros(),
        notation.reserved_letters(),
        structural_numbers,
    )
    return [Failure(chapter, str(violation)) for violation in violations]


@dataclass(frozen=True)
class Task:
    """One expensive verdict: a chapter's ledger against the oracle, or one formula's proofs."""

    kind: str  # LEDGER_VERDICT or FORMULA_VERDICT
    key: str
    chapter: str  # the (first) chapter that prints it, for the failure message
    what: str  # the formula's name, or the chapter's
    numbers: int = 0


@dataclass
class Verdicts:
    """The outcome of verifying the book: failures, and the passing verdicts to store if none failed."""

    failures: list[Failure] = field(default_factory=list)
    passed: list[Task] = field(default_factory=list)
    numbers: int = 0
    numbers_stored: int = 0
    formulas: int = 0
    formulas_stored: int = 0
    # Per chapter, what the verdicts taken from the store cover: [numbers, formulas] (the numbers as the
    # stored ledger verdict records them; a formula counts for the first chapter that shows it).
    stored_by_chapter: dict[str, list[int]] = field(default_factory=dict)


def _run(task: Task, chapters: dict[str, RenderedChapter], core: ModuleType) -> list[Failure]:
    """A task's failures; an exception is a failure of its own, named with chapter and task."""
    try:
        if task.kind == LEDGER_VERDICT:
            return verify_ledger(chapters[task.what])
        if task.kind == THEOREM_VERDICT:
            problem = theorems.prove(task.what)
            return [] if problem is None else [Failure(task.chapter, f"theorem {task.what}: {problem}")]
        return [Failure(task.chapter, problem) for problem in verify_formula(get_formula(task.what), core)]
    except Exception as error:  # a bug in the oracle or the checks: report it, never a traceback alone
        where = traceback.extract_tb(error.__traceback__)[-1]
        return [
            Failure(
                task.chapter,
                f"internal error while checking {task.kind[:-1]} {task.what}: "
                f"{type(error).__name__}: {error} ({where.filename}:{where.lineno})",
            )
        ]


def _run_unit(
    unit: list[Task] | str, chapters: dict[str, RenderedChapter], core_name: str, notation: Notation
) -> list[list[Failure]]:
    """The failures of each task of one unit, or (a chapter's name) of its cheap checks, which are
    never stored but run beside the expensive ones (in a worker: the core comes by its module's name)."""
    if isinstance(unit, str):
        return [cheap_checks(chapters[unit], notation)]
    core = sys.modules[core_name]
    return [_run(task, chapters, core) for task in unit]


def cheap_checks(rendered: RenderedChapter, notation: Notation) -> list[Failure]:
    """The checks that run on every chapter every time: ledger texts as printed, steps, worked
    examples closed, nothing typed by hand, and what the page says."""
    return [
        *check_printed(rendered),
        *check_steps(rendered),
        *check_closed(rendered),
        *scan_failures(rendered.spec.name, rendered.marked, notation, rendered.spec.structural_numbers()),
        *prose_failures(rendered, notation),
    ]


def prose_failures(rendered: RenderedChapter, notation: Notation) -> list[Failure]:
    """What the page says in words and formulas, held to the chapter (invariant 10): shapes, recaps,
    the referents of claims, index ranges, activations, figures, counts, table headings, the words
    beside proved statements and the labels of references."""
    name, marked = rendered.spec.name, rendered.marked
    return [
        *shape_failures(rendered),
        *(Failure(name, problem) for problem in recaps.check(marked)),
        *claim_referent_failures(rendered),
        *index_failures(rendered, notation),
        *layer_word_failures(rendered),
        *figure_failures(rendered),
        *(Failure(name, problem) for problem in counts.check(marked, layer_names(rendered.spec))),
        *(Failure(name, problem) for problem in tables.check(marked)),
        *(Failure(name, problem) for problem in proved_words.check(marked)),
        *(Failure(name, problem) for problem in references.check(marked)),
        *(Failure(name, problem) for problem in graph_words.check(marked, rendered.spec.graphs)),
        *(Failure(name, problem) for problem in pass_words.check(marked)),
        *(
            Failure(name, problem)
            for problem in provenance.located(
                marked, lambda text: shapes.weights_into_problems(text, Layout(notation).into)
            )
        ),
    ]


def layer_names(spec: ChapterSpec) -> dict[str, str]:
    """Each layer's name and label, to its name."""
    names = {layer.name: layer.name for layer in spec.layers}
    names.update({layer.label: layer.name for layer in spec.layers if layer.label})
    return names


def figure_failures(rendered: RenderedChapter) -> list[Failure]:
    """Every caption, or sentence about a figure, that its drawing contradicts (``generator.figures``)."""
    spec = rendered.spec
    targets = {
        tuple(inputs): target[0] for inputs, target in zip(spec.inputs, spec.targets, strict=True) if len(target) == 1
    }
    return [Failure(spec.name, problem) for problem in figures.check(rendered.marked, targets)]


def layer_word_failures(rendered: RenderedChapter) -> list[Failure]:
    """Every place that names another activation for a layer than its own, biases it does not have, or
    another reduction of its loss (``generator.layer_words``)."""
    layers = [
        layer_words.Layer(layer.name, layer.label, layer.activation, layer.biases is not None)
        for layer in rendered.spec.layers
    ]
    found = layer_words.check(rendered.marked, layers, rendered.spec.reduction)
    return [Failure(rendered.spec.name, problem) for problem in found]


def index_failures(rendered: RenderedChapter, notation: Notation) -> list[Failure]:
    """Every sentence that puts one index letter in two layers (``generator.indices``)."""
    places: dict[str, int] = {}
    for place, layer in enumerate(rendered.spec.layers, start=1):
        places[layer.name] = place
        if layer.label:
            places[layer.label] = place
    return [Failure(rendered.spec.name, problem) for problem in indices.check(rendered.marked, notation, places)]


def claim_referent_failures(rendered: RenderedChapter) -> list[Failure]:
    """Every claim whose clause shows values of its kind but not its own, or that an ordinal names while
    it speaks of another index (``claims.referent_problems``, ``claims.ordinal_problems``)."""
    text, origins, roles = provenance.annotate_with_roles(rendered.marked)
    return [
        Failure(rendered.spec.name, f"{provenance.where(origins, problem.position)}: {problem.what}")
        for problem in [
            *claims.referent_problems(text, roles),
            *claims.ordinal_problems(text, roles),
            *claims.example_ordinal_problems(text, roles),
            *claims.unit_switch_problems(text, roles),
            *claims.value_ordinal_problems(text, roles),
        ]
    ]


def shape_failures(rendered: RenderedChapter) -> list[Failure]:
    """Every shape the chapter's page states or implies that its network contradicts (``generator.shapes``)."""
    spec = rendered.spec
    network = shapes.network_of(
        spec.input_size, [(layer.name, layer.label, layer.size) for layer in spec.layers], len(spec.inputs)
    )
    return [
        Failure(spec.name, f"a shape that does not hold: {problem}")
        for problem in shapes.check(rendered.marked, network)
    ]


def theorem_key(name: str) -> str:
    """What a theorem's verdict depends on: its name and the code of its proof, with all it imports."""
    return dependencies.digest(code=(theorems.__name__,), texts=(name,))


def _units(tasks: list[Task]) -> list[list[Task]]:
    """Tasks grouped for the worker processes: a chapter's ledger alone, the formulas of one model
    together (they share the model's costly symbolic gradients, built once per process)."""
    units: dict[str, list[Task]] = {}
    for task in tasks:
        group = f"model {get_formula(task.what).model}" if task.kind == FORMULA_VERDICT else task.what
        units.setdefault(group, []).append(task)
    return list(units.values())


@dataclass(frozen=True)
class Shell:
    """The book shell as rendered: its marked LaTeX, the formulas it shows, the constants it prints."""

    marked: str = ""
    formulas: tuple[str, ...] = ()
    ledger: Ledger = field(default_factory=lambda: Ledger(BOOK))


def verify_book(
    chapters: list[RenderedChapter],
    shell: Shell,
    notation: Notation,
    store: Store | None,
    jobs: int,
    progress: Callable[[str], None] = lambda line: None,
    core: ModuleType = default_core,
) -> Verdicts:
    """Verify every chapter and the book shell; expensive verdicts come from ``store`` where it has them.

    Formulas are checked numerically against ``core``, the implementation the numbers came from.
    """
    verdicts = Verdicts()
    by_name = {rendered.spec.name: rendered for rendered in chapters}
    tasks: list[Task] = []
    for rendered in sorted(chapters, key=lambda r: -len(r.ledger.entries)):  # the largest first
        numbers = len(rendered.ledger.entries)
        tasks.append(Task(LEDGER_VERDICT, ledger_key(rendered), rendered.spec.name, rendered.spec.name, numbers))
        verdicts.numbers += numbers
    shown: dict[str, str] = {}
    for chapter, names in [*((r.spec.name, r.formulas) for r in chapters), (BOOK, shell.formulas)]:
        for name in names:
            shown.setdefault(name, chapter)
    for name, chapter in shown.items():
        tasks.append(Task(FORMULA_VERDICT, formula_key(get_formula(name), core), chapter, name))
    verdicts.formulas = sum(task.kind == FORMULA_VERDICT for task in tasks)
    stated = {name: r.spec.name for r in chapters for name in r.theorems}
    tasks += [Task(THEOREM_VERDICT, theorem_key(name), chapter, name) for name, chapter in stated.items()]
    todo = []
    for task in tasks:
        stored = store.get(task.kind, task.key) if store is not None else None
        if stored is not None:
            numbers = stored.get("numbers", task.numbers) if isinstance(stored, dict) else task.numbers
            verdicts.numbers_stored += numbers
            verdicts.formulas_stored += task.kind == FORMULA_VERDICT
            if task.kind in (LEDGER_VERDICT, FORMULA_VERDICT):
                covered = verdicts.stored_by_chapter.setdefault(task.chapter, [0, 0])
                covered[0] += numbers if task.kind == LEDGER_VERDICT else 0
                covered[1] += task.kind == FORMULA_VERDICT
        else:
            todo.append(task)
    units = _units(todo)
    work: list[list[Task] | str] = [*units, *by_name]  # the cheap checks of each chapter: every time
    run = functools.partial(_run_unit, core_name=core.__name__, notation=notation)
    results = map_in_processes(run, work, jobs, shared=by_name)
    for unit, unit_results in zip(units, results[: len(units)], strict=True):
        for task, failures in zip(unit, unit_results, strict=True):
            verdicts.failures += failures
            if not failures:
                verdicts.passed.append(task)
    for (cheap,) in results[len(units) :]:
        verdicts.failures += cheap
    verdicts.failures += check_constants(shell.ledger)
    verdicts.failures += scan_failures(BOOK, shell.marked, notation)
    verdicts.failures += [
        Failure(BOOK, f"a shape that does not hold: {problem}")
        for problem in shapes.check(shell.marked, shapes.GENERAL)
    ]
    return verdicts


def record(task: Task) -> dict[str, object]:
    """What a stored verdict says it covers."""
    return {"passed": task.what, "numbers": task.numbers}


def verify_chapter(rendered: RenderedChapter, notation: Notation, core: ModuleType = default_core) -> list[Failure]:
    """Every check of one chapter, nothing taken from a store: ledger, formulas, steps, claims, scan."""
    return verify_book([rendered], Shell(), notation, None, 1, core=core).failures
