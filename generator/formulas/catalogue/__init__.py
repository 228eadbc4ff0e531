"""The catalogue: every formula of the book, one module per chapter that first shows it.

``chain_rule`` (the opening chapter),
``worked_example`` (with the Conventions), ``matrix_form`` (note 000), ``linear_layer`` (note 003),
``three_layer`` (note 002), ``four_equations``, ``softmax_cross_entropy`` (note 004) and
``gradient_checking``; ``sigmoid_cross_entropy`` is the subject that notes 000 and 002 share. Each
module keeps its models beside its formulas and names its chapter (``CHAPTER``).
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

from generator.formulas.catalogue import (
    chain_rule,
    four_equations,
    gradient_checking,
    linear_layer,
    matrix_form,
    softmax_cross_entropy,
    three_layer,
    worked_example,
)
from generator.formulas.formula import OWN_LETTERS, TRANSPOSED, Formula

CHAPTERS: tuple[ModuleType, ...] = (
    chain_rule,
    worked_example,
    matrix_form,
    linear_layer,
    three_layer,
    four_equations,
    softmax_cross_entropy,
    gradient_checking,
)


def _by_name() -> dict[str, Formula]:
    found: dict[str, Formula] = {}
    for module in CHAPTERS:
        for formula in module.FORMULAS:
            if formula.name in found:
                raise ValueError(f"two formulas are called {formula.name!r}")
            found[formula.name] = formula
    return found


FORMULAS: dict[str, Formula] = _by_name()
CHAPTER_OF: dict[str, str] = {f.name: module.CHAPTER for module in CHAPTERS for f in module.FORMULAS}
_VARIANTS: dict[str, Formula] = {}
# The formulas written in Python; others are declared by chapters in text (``declare``).
BUILT_IN: frozenset[str] = frozenset(FORMULAS)


def declare(chapter: str, formulas: Iterable[Formula]) -> None:
    """Make ``formulas`` (declared in text by ``chapter``) the chapter's text formulas, in place of
    any it declared before; the caller has checked that no name is another's."""
    for name in [name for name, owner in CHAPTER_OF.items() if owner == chapter and name not in BUILT_IN]:
        del FORMULAS[name], CHAPTER_OF[name]
    for formula in formulas:
        if formula.name in BUILT_IN:
            raise ValueError(f"two formulas are called {formula.name!r}")
        FORMULAS[formula.name] = formula
        CHAPTER_OF[formula.name] = chapter
    _VARIANTS.clear()  # a variant of a formula declared again is made again


def results_like(wrong: Formula) -> list[str]:
    """The checked results with a wrong formula's left side (the same model, quantity and indices, so
    the same printed left side): what the slip should have said, by name, in catalogue order."""
    side = wrong.lhs.tex(wrong.model.symbols)
    return [
        name
        for name, formula in FORMULAS.items()
        if formula.kind == "result"
        and formula.model is wrong.model
        and getattr(formula.lhs, "name", None) == getattr(wrong.lhs, "name", None)
        and formula.lhs.tex(formula.model.symbols) == side
    ]


def get_formula(name: str) -> Formula:
    """The formula called ``name``; ``name@T`` is that formula transposed, ``name@own:A,B`` that
    formula in the letters of a profile that stores A and B transposed."""
    if name in FORMULAS:
        return FORMULAS[name]
    if name not in _VARIANTS:
        if OWN_LETTERS in name:
            base, flipped = name.split(OWN_LETTERS, 1)
            _VARIANTS[name] = get_formula(base).in_own_letters(frozenset(flipped.split(",")))
        elif name.endswith(TRANSPOSED):
            _VARIANTS[name] = get_formula(name.removesuffix(TRANSPOSED)).transposed()
        else:
            raise LookupError(f"no formula called {name!r} (known: {', '.join(sorted(FORMULAS))})")
    return _VARIANTS[name]
