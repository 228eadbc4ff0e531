"""Verify formulas (invariant 3): exactly with SymPy and numerically against the NumPy core.

The core is passed in (``verify_formula(formula, core)``): the numeric check holds a formula to
the implementation the book's numbers come from, and a test can hold it to a broken one.

Each link of a formula's chain (``lhs = r1``, ``r1 = r2``, ...) is checked for every value of its
free indices, on every size the model lists. The exact check simplifies each entry's difference
to zero; the numeric check compares to ``RELATIVE`` of the largest entry (plus a round-off
floor of ``ABSOLUTE``). Declared shapes are
confirmed in both. A failure names the formula, the check, the sizes, the link and the first
entry that differs. A ``wrong`` formula passes only if its check fails.

``formula_key`` is what a verdict depends on: the build stores passing verdicts under it, so an
unchanged formula is not verified again.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from generator import dependencies
from generator.formulas.formula import Formula
from generator.formulas.language import Env
from generator.formulas.model import Model
from generator.formulas.rational_zero import NotRational, is_identically_zero
from generator.precise import PreciseEvaluator

RELATIVE = 1e-10  # of the largest entry of the two sides
ABSOLUTE = 1e-14  # round-off floor, for gradients that are zero in exact arithmetic


def _index_assignments(formula: Formula, env: Env) -> Iterator[dict[str, int]]:
    letters = list(formula.free)
    ranges = [range(env.values[formula.free[letter]]) for letter in letters]
    for values in itertools.product(*ranges):
        if formula.indices == "distinct" and values[0] == values[1]:
            continue
        yield dict(zip(letters, values, strict=True))


def _entries(value: Any) -> list[tuple[tuple[int, ...], Any]]:
    if isinstance(value, sp.MatrixBase):
        return [((i, j), value[i, j]) for i in range(value.rows) for j in range(value.cols)]
    if isinstance(value, np.ndarray) and value.ndim == 2:
        return [((i, j), value[i, j]) for i in range(value.shape[0]) for j in range(value.shape[1])]
    return [((), value)]


def _where(index: dict[str, int], position: tuple[int, ...]) -> str:
    parts = [f"{letter}={value + 1}" for letter, value in index.items()]
    if position:
        parts.append("entry (" + ", ".join(str(p + 1) for p in position) + ")")
    return ", ".join(parts) or "the value"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 100 else text[:97] + "..."


def _clearly_nonzero(expr: sp.Expr) -> bool:
    """Whether ``expr`` at a fixed random rational point is clearly away from zero (30 digits)."""
    rng = random.Random(0)
    point = {s: sp.Rational(rng.randint(-97, 97), rng.randint(50, 150)) for s in expr.free_symbols}
    value = PreciseEvaluator(point, 30).approximate(expr)  # None where precision runs out: no verdict
    return value is not None and abs(value) > Decimal("1e-20")


def _is_zero(difference: sp.Expr) -> bool:
    """Whether ``difference`` is identically zero: cheap proofs first, ``simplify`` last.

    The difference is first tried as a rational function of its function applications (fast, and
    enough for most derivatives: ``generator.formulas.rational_zero``); failing that, with no
    undefined function involved, a value at a random point that is clearly not zero disproves the
    identity at once (a wrong formula fails fast); only then do the slower rewrites that know
    ``exp(u) exp(-u) = 1`` and the like run.
    """
    if difference == 0:
        return True
    done = difference.doit()
    if done == 0:
        return True
    with contextlib.suppress(NotRational):
        if is_identically_zero(done):
            return True
    if not done.atoms(AppliedUndef) and not done.has(sp.Subs, sp.Derivative) and _clearly_nonzero(done):
        return False
    return any(prove(done) == 0 for prove in (sp.expand, lambda e: sp.cancel(sp.together(e)), sp.simplify))


def _check_shapes(formula: Formula, env: Env, sizes: dict[str, int]) -> str | None:
    """Every shape the formula's model declares holds in this environment (not only the formula's own)."""
    for name, declared in formula.model.shapes.items():
        if name not in env.values:
            continue  # a quantity this size of the model has not (the layer above the top, say)
        # A size is the model's (sizes) or drawn by the environment itself (its values).
        expected = tuple(1 if d == "1" else sizes.get(d, env.values.get(d)) for d in declared)
        actual = env.ops.shape(env.values[name])
        if actual != expected:
            return f"shape of {name} is {actual}, but the formula states ({', '.join(declared)}) = {expected}"
    return None


def _check_links(formula: Formula, env: Env, exact: bool, constraint: dict[int, dict]) -> str | None:
    sides = formula.sides()
    for link, (left, right) in enumerate(itertools.pairwise(sides)):
        for index in _index_assignments(formula, env):
            try:
                lv, rv = left.evaluate(env, index), right.evaluate(env, index)
            except (ValueError, IndexError) as error:  # shapes that do not fit, an index out of range
                return f"link {link + 1}: {error}"
            if env.ops.shape(lv) != env.ops.shape(rv):
                return f"link {link + 1}: the sides have shapes {env.ops.shape(lv)} and {env.ops.shape(rv)}"
            l_entries, r_entries = _entries(lv), _entries(rv)
            scale = max([abs(float(v)) for _, v in l_entries + r_entries] + [1e-300]) if not exact else 0.0
            for (position, a), (_, b) in zip(l_entries, r_entries, strict=True):
                if exact:
                    difference = sp.sympify(a - b).subs(constraint.get(link, {}))
                    same = _is_zero(difference)
                else:
                    same = abs(float(a) - float(b)) <= RELATIVE * scale + ABSOLUTE
                if not same:
                    return f"link {link + 1} differs at {_where(index, position)}: {_short(a)} versus {_short(b)}"
    return None


@functools.cache
def exact_env(model: Model, sizes: tuple[tuple[str, int], ...]) -> Env:
    """A model's exact environment, built once per process (the symbolic gradients are costly)."""
    return model.exact(dict(sizes))


def check_exact(formula: Formula) -> list[str]:
    """Problems found by SymPy on the model's small sizes with symbolic entries."""
    model = formula.model
    problems = []
    for sizes in model.exact_sizes:
        env = exact_env(model, tuple(sorted(sizes.items())))
        constraints = (
            {link: model.constraints[name](sizes) for link, name in formula.uses.items()} if formula.uses else {}
        )
        problem = _check_shapes(formula, env, sizes) or _check_links(formula, env, True, constraints)
        if problem:
            problems.append(f"formula {formula.name}: exact check, sizes {sizes}: {problem}")
            break
    return problems


def check_numeric(formula: Formula, core: ModuleType) -> list[str]:
    """Problems found against the NumPy ``core`` on the model's random sizes (fixed seeds)."""
    model = formula.model
    problems = []
    for seed, sizes in enumerate(model.numeric_sizes):
        env = model.numeric(sizes, np.random.default_rng(1000 + seed), core)
        # A wrong formula may divide zero by zero (note 002's y/y at a label of zero): a NaN then
        # differs from the true value, which is the failure it must show, not a warning.
        with np.errstate(invalid="ignore", divide="ignore"):
            problem = _check_shapes(formula, env, sizes) or _check_links(formula, env, False, {})
        if problem:
            problems.append(f"formula {formula.name}: numeric check, sizes {sizes}: {problem}")
            break
    return problems


def formula_key(formula: Formula, core: ModuleType) -> str:
    """What a formula's verdict depends on: its definition, and the code of this module and of the
    core it is checked against, with all they import."""
    code = [__name__, core.__name__]
    files = [] if dependencies.module_file(core.__name__) else [Path(core.__file__ or "")]
    return dependencies.digest(code=code, files=files, texts=(repr(formula),))


def verify_formula(formula: Formula, core: ModuleType) -> list[str]:
    """Every problem with ``formula``; a ``wrong`` formula's problem is that it holds."""
    if formula.kind == "wrong":  # one failing check shows it wrong: the fast numeric one first
        problems = check_numeric(formula, core) or check_exact(formula)
    else:
        problems = check_exact(formula) + check_numeric(formula, core)
    if formula.kind == "wrong":
        problems = (
            [] if problems else [f"formula {formula.name}: marked wrong, but both the exact and the numeric check pass"]
        )
    return problems
