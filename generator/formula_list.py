"""``handbook formulas [CHAPTER]``: each formula of a chapter, what it prints, where it is checked, its verdict.

A formula is listed with its name, its kind, where it is written (the built-in catalogue, or a
chapter's formulas file and line), the LaTeX it prints, a plain-text rendering in the syntax of
formulas files (``plain``; docs/formulas.md), the sizes it is checked on (exactly with symbols,
numerically with random values or the chapter's own numbers) and its verdict. Verdicts are
reached as the build reaches them: a stored passing verdict (``build/cache/formulas/``) when its key
matches, else ``verify_formula`` against the core, on as many processes as ``jobs``. Nothing is
written.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from types import ModuleType

from generator.build import Project, load_chapters, select
from generator.cache import Store
from generator.formulas import CHAPTER_OF, Formula, formula_key, get_formula, verify_formula
from generator.formulas.catalogue import BUILT_IN
from generator.formulas.language import (
    ATOM,
    POSTFIX,
    PRODUCT,
    SUM,
    Abs,
    Add,
    Apply,
    Column,
    Complement,
    Const,
    Diag,
    Div,
    Entry,
    Hadamard,
    Kronecker,
    MatMul,
    Maximum,
    Mul,
    Neg,
    Node,
    PositivePart,
    Q,
    Square,
    Sum,
    Symbol,
    Transpose,
)
from generator.formulas.text import DESCRIPTIONS, SOURCES
from generator.parallel import map_in_processes
from generator.verify import FORMULA_VERDICT

# How a built-in symbol's notation macro reads in the text syntax (a layer's macro takes [layer]).
MACRO_TEXT = {
    "weight": "W",
    "bias": "b",
    "Preact": "Z",
    "Act": "A",
    "Err": "delta",
    "Inputs": "X",
    "Targets": "Y",
    "cost": "J",
    "nbatch": "m",
    "ninputs": "d",
    "noutputs": "K",
    "units": "n",
    "ones": "ones",
    "actfn": "g",
    "actfnprime": "g'",
    "sigmoid": "sigmoid",
    "relu": "relu",
}


def _name(name: str, symbols: dict[str, Symbol]) -> str:
    """A built-in model's quantity as the text syntax writes it, where its notation macro says
    which (``W[out]``, ``dJ/dW[out]``); else the model's own name for it."""
    symbol = symbols.get(name)
    base = MACRO_TEXT.get(symbol.macro or "") if symbol is not None else None
    if symbol is None or base is None or symbol.gradient_of not in (None, r"\cost"):
        return name
    if symbol.gradient_of is not None:
        base = "dJ/d" + base
    argument = symbol.arguments.strip("{}")
    return f"{base}[{argument}]" if argument else base


def _constant(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    decimal = value.numerator / value.denominator
    if Fraction(str(decimal)) == value:
        return str(decimal)
    return f"({value.numerator}/{value.denominator})"


def _strength(node: Node) -> int:
    return PRODUCT if isinstance(node, Div) else node.strength


def _ends_in_sum(node: Node) -> bool:
    """Whether ``node`` printed bare ends with a sum, which would take what follows it."""
    if isinstance(node, Sum):
        return True
    if isinstance(node, (Mul, MatMul, Hadamard)):
        return isinstance(node.right, Sum)
    return False


def plain(node: Node, symbols: dict[str, Symbol], name: Callable[[str], str] | None = None) -> str:
    """``node`` written in the text syntax of formulas files (for a built-in formula, as near as it
    goes); ``name`` writes a quantity's or a function's name (default: as the model names it)."""
    name = name or (lambda n: n)

    def text(n: Node) -> str:
        return plain(n, symbols, name)

    def wrapped(n: Node, below: int) -> str:
        return f"({text(n)})" if _strength(n) < below else text(n)

    if isinstance(node, Q):
        return name(node.name)
    if isinstance(node, Entry):
        return f"{name(node.name)}_{{{','.join(str(i) for i in node.indices)}}}"
    if isinstance(node, Column):
        return f"{name(node.name)}({node.letter})"
    if isinstance(node, Const):
        return _constant(node.value)
    if isinstance(node, Add):
        if isinstance(node.right, Neg):
            return f"{wrapped(node.left, SUM)} - {wrapped(node.right.operand, PRODUCT)}"
        return f"{wrapped(node.left, SUM)} + {wrapped(node.right, SUM)}"
    if isinstance(node, Neg):
        return f"-{wrapped(node.operand, POSTFIX)}"
    if isinstance(node, Complement):
        return f"1 - {wrapped(node.operand, PRODUCT)}"
    if isinstance(node, (Mul, MatMul, Hadamard)):
        operator = " .* " if isinstance(node, Hadamard) else " "
        # A sum takes the factors after it: it stands bare only as the last factor.
        left = f"({text(node.left)})" if _ends_in_sum(node.left) else wrapped(node.left, PRODUCT)
        right = text(node.right) if isinstance(node.right, Sum) else wrapped(node.right, POSTFIX)
        return f"{left}{operator}{right}"
    if isinstance(node, Div):
        return f"{wrapped(node.numerator, PRODUCT)}/{wrapped(node.denominator, POSTFIX)}"
    if isinstance(node, Transpose):
        return f"{wrapped(node.operand, ATOM)}^T"
    if isinstance(node, Square):
        return f"{wrapped(node.operand, ATOM)}^2"
    if isinstance(node, Apply):
        return f"{name(node.function)}({text(node.operand)})"
    if isinstance(node, Sum):
        body = text(node.body) if isinstance(node.body, Sum) else wrapped(node.body, PRODUCT)
        return f"sum_{{{node.letter}}} {body}"
    if isinstance(node, Abs):
        return f"|{text(node.operand)}|"
    if isinstance(node, PositivePart):
        return f"max({text(node.operand)}, 0)"
    if isinstance(node, Maximum):
        return f"max({text(node.left)}, {text(node.right)})"
    if isinstance(node, Diag):
        return f"diag({text(node.operand)})"
    if isinstance(node, Kronecker):
        return f"[{node.first} = {node.second}]"
    parts = ", ".join(text(child) for child in node.children())
    return f"{type(node).__name__.lower()}({parts})"


def plain_formula(formula: Formula) -> str:
    """The whole formula in the text syntax: ``lhs = r1 = r2``."""
    symbols = dict(formula.model.symbols)
    relation = " <- " if formula.relation != "=" else " = "
    text_model = formula.name not in BUILT_IN  # its names are the text's already
    name = None if text_model else functools.partial(_name, symbols=symbols)
    return relation.join(plain(side, symbols, name) for side in formula.sides())


def _sizes(sizes: dict[str, int]) -> str:
    # A model without sizes to vary (a gate of the chain-rule chapter) is checked once, as it stands.
    return ", ".join(f"{name}={value}" for name, value in sizes.items() if name != "chapter") or "its one setting"


def networks(formula: Formula) -> list[str]:
    """Where the formula is checked: exactly with symbols, and numerically against the core."""
    model = formula.model
    exact = "; ".join(_sizes(sizes) for sizes in model.exact_sizes)
    own = [_sizes(sizes) for sizes in model.numeric_sizes if sizes.get("chapter")]
    random = [_sizes(sizes) for sizes in model.numeric_sizes if not sizes.get("chapter")]
    numeric = ([f"the chapter's own network and numbers ({own[0]})"] if own else []) + (
        [f"random values on {'; '.join(random)}"] if random else []
    )
    return [f"exactly (SymPy, symbolic entries) on {exact}", f"numerically (the core) on {', and '.join(numeric)}"]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    text: str


def _verify(name: str, core_name: str) -> list[str]:
    return verify_formula(get_formula(name), sys.modules[core_name])


def verdicts(names: list[str], store: Store | None, core: ModuleType, jobs: int) -> dict[str, Verdict]:
    """Each formula's verdict: a stored passing verdict where its key matches, else the checks run now."""
    found: dict[str, Verdict] = {}
    todo = []
    for name in names:
        if store is not None and store.get(FORMULA_VERDICT, formula_key(get_formula(name), core)) is not None:
            found[name] = Verdict(True, _passing(get_formula(name)) + " (stored verdict)")
        else:
            todo.append(name)
    results = map_in_processes(functools.partial(_verify, core_name=core.__name__), todo, jobs)
    for name, problems in zip(todo, results, strict=True):
        found[name] = Verdict(not problems, _passing(get_formula(name)) if not problems else "FAILED: " + problems[0])
    return found


def _passing(formula: Formula) -> str:
    if formula.kind == "wrong":
        return "shown wrong: its check fails, as a formula marked wrong must"
    return "passed: holds exactly and numerically"


def chapter_formulas(project: Project, chapter: str | None) -> list[tuple[str, list[Formula]]]:
    """The formulas of one chapter, or of every chapter, in book order (``UnknownChapter`` for a name not known)."""
    specs = load_chapters(project)  # declares every chapter's text formulas
    chosen = [select(specs, chapter)] if chapter is not None else specs
    return [(spec.name, [get_formula(n) for n, owner in CHAPTER_OF.items() if owner == spec.name]) for spec in chosen]


def describe(formula: Formula, verdict: Verdict | None) -> list[str]:
    """The lines that list one formula."""
    if formula.name in BUILT_IN:
        where = "built in (generator/formulas/catalogue/)"
    else:
        path, line, _ = SOURCES[formula.name]
        where = f"declared in {path}, line {line}"
    lines = [f"{formula.name}  ({formula.kind}; {where})"]
    if DESCRIPTIONS.get(formula.name) and formula.name not in BUILT_IN:
        lines.append(f"  says:     {DESCRIPTIONS[formula.name]}")
    lines.append(f"  text:     {plain_formula(formula)}")
    lines.append(f"  LaTeX:    {formula.tex()}")
    lines += [f"  checked:  {where}" for where in networks(formula)]
    if verdict is not None:
        lines.append(f"  verdict:  {verdict.text}")
    return lines


def list_formulas(
    project: Project, chapter: str | None, core: ModuleType, echo: Callable[[str], None], check: bool = True
) -> bool:
    """Print the formulas (of ``chapter``, or of every chapter); whether every verdict passed."""
    groups = chapter_formulas(project, chapter)
    names = [formula.name for _, formulas in groups for formula in formulas]
    store = Store(project.cache, lambda line: None) if project.cache.is_dir() else None
    found = verdicts(names, store, core, project.jobs) if check else {}
    for name, formulas in groups:
        echo(f"chapter {name}: {len(formulas)} formula(s)")
        for formula in formulas:
            for line in describe(formula, found.get(formula.name)):
                echo(line)
        echo("")
    return all(verdict.passed for verdict in found.values())
