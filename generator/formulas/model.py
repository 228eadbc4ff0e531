"""A model: a small setting in which formulas hold, in two versions, and the tools to build one.

* ``exact(sizes)``: SymPy matrices of symbols, the loss an *undefined* function ``f`` of the
  model's output (and activations undefined functions ``g`` where a formula is generic), every
  gradient obtained by differentiating exactly (one reverse sweep, ``generator.reverse_diff``).
  A formula that holds here holds for every loss and activation, on those sizes.
* ``numeric(sizes, rng, core)``: float64 values from the implementation under test (the NumPy
  core, passed in): random inputs and weights, a random upstream gradient, and the gradients its
  backward pass returns.

A model also says how each of its quantities prints (notation macros), the shape of each matrix
(declared once, in size names: ``("k", "t")``; ``"1"`` for a single row or column), which sizes
to check, and named constraints that a link of a chain may use. Vectors are column matrices in
both versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp

from generator.formulas.language import Env, Symbol
from generator.reverse_diff import gradients

Sizes = dict[str, int]
Shape = tuple[str, ...]
ExactEnv = Callable[[Sizes], Env]
NumericEnv = Callable[[Sizes, np.random.Generator, ModuleType], Env]


@dataclass(frozen=True, eq=False, repr=False)
class Model:
    """A setting for formulas: how its quantities print, their shapes, and how to build both environments."""

    name: str
    symbols: dict[str, Symbol]
    exact: ExactEnv
    numeric: NumericEnv
    exact_sizes: tuple[Sizes, ...]
    numeric_sizes: tuple[Sizes, ...]
    shapes: dict[str, Shape] = field(default_factory=dict)
    # Named constraints that a link of a chain may use, as substitutions on exact values.
    constraints: dict[str, Callable[[Sizes], dict[Any, Any]]] = field(default_factory=dict)
    # The activations and losses (by the spec's names) a network must have for the model's formulas to
    # hold for it: a chapter shows a formula only about a network that has them.
    requires: frozenset[str] = frozenset()
    # How a derive exercise asks for one of the model's results, in the notation's macros: most results
    # follow from the chain rule; an expansion by Taylor's theorem says so, and for what it is exact.
    derivation: str = "from the chain rule"

    def __repr__(self) -> str:  # a formula's key holds its model by name; the model's code is in the key's closure
        return f"Model({self.name!r})"


# --------------------------------------------------------------------------- building exact environments


def matrix(name: str, rows: int, columns: int) -> sp.Matrix:
    """A matrix of fresh symbols ``name_i_j``."""
    return sp.Matrix(rows, columns, lambda i, j: sp.Symbol(f"{name}_{i + 1}_{j + 1}"))


def partials(f: sp.FunctionClass, at: sp.Matrix) -> sp.Matrix:
    """The gradient of the undefined scalar function ``f`` with respect to each entry, at ``at``."""
    dummies = [sp.Symbol(f"u_{n}") for n in range(len(at))]
    point = f(*dummies)
    values = [sp.Subs(sp.diff(point, u), dummies, list(at)) for u in dummies]
    return sp.Matrix(at.shape[0], at.shape[1], values)


def gradient(J: sp.Expr, variables: sp.Matrix) -> sp.Matrix:
    """dJ/dv for every entry v of ``variables``, in their shape: by one reverse sweep over J's
    expression graph where the entries are symbols (``generator.reverse_diff``), else by
    ``sympy.diff`` entry by entry."""
    if all(isinstance(v, sp.Symbol) for v in variables):
        found = gradients(J, variables)
        return variables.applyfunc(lambda v: found[v])
    return variables.applyfunc(lambda v: sp.diff(J, v))


def at(gradient_of: sp.Matrix, free: sp.Matrix, value: sp.Matrix) -> sp.Matrix:
    """A gradient taken in free symbols, put back at ``value``."""
    return gradient_of.subs(dict(zip(free, value, strict=True)))


def generic_derivative(g: sp.FunctionClass) -> Callable[[sp.Expr], sp.Expr]:
    """``v -> g'(v)`` for an undefined ``g``, written as a substitution so ``v`` may be any expression."""
    x = sp.Symbol("x_")
    return lambda v: sp.Subs(sp.diff(g(x), x), x, v)


def elementwise(function: Callable[[sp.Expr], sp.Expr]) -> Callable[[Any], Any]:
    """Apply a scalar SymPy function to a scalar or to every entry of a matrix."""
    return lambda v: v.applyfunc(function) if isinstance(v, sp.MatrixBase) else function(v)


def sigmoid(v: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-v))


def binary_cross_entropy(a: sp.Expr, y: sp.Expr) -> sp.Expr:
    return -(y * sp.log(a) + (1 - y) * sp.log(1 - a))


def rows_affine(A: sp.Matrix, W: sp.Matrix, b: sp.Matrix | None = None) -> sp.Matrix:
    """``A W^T + 1 b^T`` written entry by entry (examples as rows, W of shape (out, in))."""
    return sp.Matrix(
        A.rows, W.rows, lambda e, i: sum(W[i, j] * A[e, j] for j in range(A.cols)) + (b[i] if b is not None else 0)
    )


# --------------------------------------------------------------------------- building numeric environments

# Independent numeric derivatives of the smooth activations (not the core's backward rules).
NUMERIC_ACTIVATIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1.0 / np.cosh(z) ** 2),
}


def column(row: np.ndarray) -> np.ndarray:
    return row.reshape(-1, 1)


def random_sizes(seed: int, names: tuple[str, ...], count: int = 4, high: int = 7, low: int = 1) -> tuple[Sizes, ...]:
    """``count`` random sizes from ``low`` to ``high`` for each name (fixed seed)."""
    rng = np.random.default_rng(seed)
    return tuple({n: int(rng.integers(low, high + 1)) for n in names} for _ in range(count))


def pd(of: str, wrt: str) -> str:
    """``\\pd{of}{wrt}``: how a partial derivative prints."""
    return rf"\pd{{{of}}}{{{wrt}}}"
