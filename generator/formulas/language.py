"""The expression language of the book's formulas.

One expression tree serves three purposes: it typesets itself through the notation table
(``tex``), and it evaluates itself with one evaluator over two backends (``Ops``), exactly with
SymPy (``SympyOps``) and numerically with NumPy (``NumpyOps``). Vectors are column matrices in
both backends, so transposes mean the same thing everywhere.

Quantities are named (``Q("W")``) and looked up in an environment that a model fills; how a name
prints is the model's symbol table: each ``Symbol`` is written in notation macros and says which
macro it is (or is the gradient of a scalar with respect to), so that its transpose can print as
the macro's companion (``\\weightT``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

import numpy as np
import sympy as sp

from generator.notation import transpose_of_macro

# Binding strength for parentheses: sums < products < powers/transposes < atoms.
SUM, PRODUCT, POSTFIX, ATOM = 1, 2, 3, 4


@dataclass(frozen=True)
class Symbol:
    """How a named quantity prints: the whole, and one entry with index placeholders %0, %1.

    ``macro`` and ``arguments`` say which notation macro the whole is (``weight`` and ``{\\ell}``
    for ``\\weight{\\ell}``); for the gradient of a scalar with respect to such a quantity,
    ``gradient_of`` holds the scalar (``\\cost``). ``gradient`` and ``entry_gradient`` say that the
    whole, or an entry, prints as a fraction of partial derivatives (it takes tall parentheses).
    """

    whole: str
    entry: str = ""
    # A symbol with its own superscript (W^{(l)}) needs parentheses before a transpose.
    superscripted: bool = False
    macro: str | None = None
    arguments: str = ""
    gradient_of: str | None = None
    gradient: bool = False
    entry_gradient: bool = False

    def transposed(self) -> str | None:
        """The whole transposed through the macro's companion (``\\weightT{\\ell}``), or None."""
        if self.macro is None:
            return None
        inner = rf"\{transpose_of_macro(self.macro)}{self.arguments}"
        return rf"\pd{{{self.gradient_of}}}{{{inner}}}" if self.gradient_of is not None else inner


def notation_symbol(macro: str, *arguments: str, entry: str = "", superscripted: bool = False) -> Symbol:
    """The symbol that is the notation macro ``\\macro{arg}...``."""
    args = "".join(f"{{{a}}}" for a in arguments)
    return Symbol(rf"\{macro}{args}", entry, superscripted, macro=macro, arguments=args)


def plain_symbol(whole: str, entry: str = "", superscripted: bool = False) -> Symbol:
    """A symbol that is no single notation macro (``\\sigmoid'(\\scalarpre)``, ``m``)."""
    return Symbol(whole, entry, superscripted, entry_gradient=r"\pd" in entry)


def gradient_symbol(of: str, wrt: Symbol, entry: str = "") -> Symbol:
    """``\\pd{of}{wrt}``: the gradient of the scalar ``of`` with respect to the quantity ``wrt``
    (a fraction: it takes parentheses before a transpose). Its transpose prints as the gradient
    with respect to the macro's companion."""
    return Symbol(
        rf"\pd{{{of}}}{{{wrt.whole}}}",
        entry,
        True,
        macro=wrt.macro,
        arguments=wrt.arguments,
        gradient_of=of if wrt.macro is not None else None,
        gradient=True,
        entry_gradient=r"\pd" in entry,
    )


def partial_symbol(of: str, wrt: str, entry: str = "") -> Symbol:
    """``\\pd{of}{wrt}`` of a vector (a Jacobian, ``\\pd{\\act{out}}{\\preact{out}}``): a fraction, no companion."""
    return Symbol(rf"\pd{{{of}}}{{{wrt}}}", entry, True, gradient=True, entry_gradient=r"\pd" in entry)


SymbolTable = Mapping[str, Symbol]


class Ops(Protocol):
    """The operations an expression needs from a backend: exact (``SympyOps``) or float64 (``NumpyOps``)."""

    def matmul(self, a: Any, b: Any) -> Any: ...
    def transpose(self, a: Any) -> Any: ...
    def hadamard(self, a: Any, b: Any) -> Any: ...
    def diag(self, a: Any) -> Any: ...
    def entry(self, a: Any, i: int, j: int) -> Any: ...
    def zero(self) -> Any: ...
    def shape(self, a: Any) -> tuple[int, ...]: ...
    def constant(self, value: Fraction) -> Any: ...
    def complement(self, a: Any) -> Any: ...
    def absolute(self, a: Any) -> Any: ...
    def maximum(self, a: Any, b: Any) -> Any: ...
    def where_positive(self, v: Any, yes: Any, no: Any) -> Any: ...
    def column(self, a: Any, index: int) -> Any: ...


class SympyOps:
    """Exact evaluation: SymPy matrices and expressions."""

    def matmul(self, a: Any, b: Any) -> Any:
        return a * b

    def transpose(self, a: Any) -> Any:
        return a.T

    def hadamard(self, a: Any, b: Any) -> Any:
        return a.multiply_elementwise(b)

    def diag(self, a: Any) -> Any:
        return sp.diag(*list(a))

    def entry(self, a: Any, i: int, j: int) -> Any:
        return a[i, j]

    def zero(self) -> Any:
        return sp.Integer(0)

    def shape(self, a: Any) -> tuple[int, ...]:
        return tuple(a.shape) if isinstance(a, sp.MatrixBase) else ()

    def constant(self, value: Fraction) -> Any:
        return sp.Rational(value.numerator, value.denominator)

    def complement(self, a: Any) -> Any:
        return a.applyfunc(lambda v: 1 - v) if isinstance(a, sp.MatrixBase) else 1 - a

    def absolute(self, a: Any) -> Any:
        return sp.Abs(a)

    def maximum(self, a: Any, b: Any) -> Any:
        return sp.Max(a, b)

    def where_positive(self, v: Any, yes: Any, no: Any) -> Any:
        return sp.Piecewise((yes, v > 0), (no, True))

    def column(self, a: Any, index: int) -> Any:
        return a[:, index]


class NumpyOps:
    """Numeric evaluation in float64."""

    def matmul(self, a: Any, b: Any) -> Any:
        return a @ b

    def transpose(self, a: Any) -> Any:
        return a.T

    def hadamard(self, a: Any, b: Any) -> Any:
        if a.shape != b.shape:
            raise ValueError(f"Hadamard product of shapes {a.shape} and {b.shape}")
        return a * b

    def diag(self, a: Any) -> Any:
        return np.diag(a.reshape(-1))

    def entry(self, a: Any, i: int, j: int) -> Any:
        return a[i, j]

    def zero(self) -> Any:
        return 0.0

    def shape(self, a: Any) -> tuple[int, ...]:
        return tuple(np.shape(a))

    def constant(self, value: Fraction) -> Any:
        return float(value)

    def complement(self, a: Any) -> Any:
        return 1 - a

    def absolute(self, a: Any) -> Any:
        return np.abs(a)

    def maximum(self, a: Any, b: Any) -> Any:
        return np.maximum(a, b)

    def where_positive(self, v: Any, yes: Any, no: Any) -> Any:
        return np.where(np.asarray(v) > 0, yes, no)

    def column(self, a: Any, index: int) -> Any:
        return a[:, index : index + 1]


@dataclass(frozen=True)
class Env:
    """Values of named quantities and elementwise functions, plus the sizes of index ranges."""

    ops: Ops
    values: Mapping[str, Any]
    functions: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Node:
    """An expression. Subclasses give ``tex``, ``evaluate`` and their binding strength."""

    strength = ATOM

    def tex(self, symbols: SymbolTable) -> str:
        raise NotImplementedError

    def evaluate(self, env: Env, index: Mapping[str, int]) -> Any:
        raise NotImplementedError

    def names(self) -> set[str]:
        """Every quantity name the expression reads."""
        return set().union(*(child.names() for child in self.children()))

    def whole_names(self) -> set[str]:
        """The quantities the expression uses whole (not entry by entry)."""
        return set().union(*(child.whole_names() for child in self.children()))

    def children(self) -> tuple[Node, ...]:
        return ()

    def tall(self, symbols: SymbolTable) -> bool:
        """Whether the printed expression holds a fraction of partial derivatives (tall parentheses)."""
        return any(child.tall(symbols) for child in self.children())

    def wrapped(self, symbols: SymbolTable, strength: int) -> str:
        text = self.tex(symbols)
        return rf"\left({text}\right)" if self.strength < strength else text

    # Python operators build trees, so that formula definitions read like the maths.
    def __add__(self, other: Node) -> Node:
        return Add(self, other)

    def __sub__(self, other: Node) -> Node:
        return Add(self, Neg(other))

    def __neg__(self) -> Node:
        return Neg(self)

    def __matmul__(self, other: Node) -> Node:
        return MatMul(self, other)

    def __mul__(self, other: Node) -> Node:
        return Mul(self, other)

    @property
    def T(self) -> Node:
        return Transpose(self)


@dataclass(frozen=True, eq=False)
class Binary(Node):
    """A node with two operands."""

    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Unary(Node):
    """A node with one operand."""

    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, eq=False)
class Q(Node):
    """A named quantity: a matrix, a column vector or a scalar."""

    name: str

    def tex(self, symbols: SymbolTable) -> str:
        return symbols[self.name].whole

    def evaluate(self, env: Env, index: Mapping[str, int]) -> Any:
        return env.values[self.name]

    def names(self) -> set[str]:
        return {self.name}

    def whole_names(self) -> set[str]:
        return {self.name}

    def tall(self, symbols: SymbolTable) -> bool:
        return symbols[self.name].gradient


@dataclass(frozen=True, eq=False)
class Entry(Node):
    """Entry of a named quantity at index letters (or 1-based whole numbers): ``W_{ij}``."""

    name: str
    indices: tuple[str | int, ...]

    def tex(self, symbols: SymbolTable) -> str:
        text = symbols[self.name].entry
        for position, index in enumerate(self.indices):
            text = text.replace(f"%{position}", str(index))
        return text

    def evaluate(self, env: Env, index: Mapping[str, int]) -> Any:
        value = env.values[self.name]
        positions = [index[i] if isinstance(i, str) else i - 1 for i in self.indices]
        if isinstance(value, Mapping):  # a many-index array, such as dy_r / dW_ij
            return value[tuple(positions)]
        if len(positions) == 1:
            positions.append(0)  # an entry of a column vector
        if not all(0 <= p < n for p, n in zip(positions, env.ops.shape(value), strict=False)):
            raise IndexError(f"{self.name}{tuple(p + 1 for p in positions)} is outside {env.ops.shape(value)}")
        return env.ops.entry(value, *positions)

    def names(self) -> set[str]:
        return {self.name}

    def tall(self, symbols: SymbolTable) -> bool:
        return symbols[self.name].entry_gradient


@dataclass(frozen=True, eq=False)
class Const(Node):
    """A rational constant, written by code (never typed into a template)."""

    value: Fraction

    def tex(self, symbols: SymbolTable) -> str:
        if self.value.denominator == 1:
            return str(self.value.numerator)
        return rf"\tfrac{{{self.value.numerator}}}{{{self.value.denominator}}}"

    def evaluate(self, env: Env, index: Mapping[str, int]) -> Any:
        return env.ops.constant(self.value)


@dataclass(frozen=True, eq=False)
class Add(Binary):
    strength = SUM

    def tex(self, symbols):
        right = self.right
        if isinstance(right, Neg):
            return f"{self.left.wrapped(symbols, SUM)} - {right.operand.wrapped(symbols, PRODUCT)}"
        return f"{self.left.wrapped(symbols, SUM)} + {right.wrapped(symbols, SUM)}"

    def evaluate(self, env, index):
        return self.left.evaluate(env, index) + self.right.evaluate(env, index)


@dataclass(frozen=True, eq=False)
class Neg(Unary):
    strength = SUM

    def tex(self, symbols):
        if isinstance(self.operand, Sum):  # a minus before a big sum needs no parentheses
            return f"-{self.operand.tex(symbols)}"
        return f"-{self.operand.wrapped(symbols, PRODUCT)}"

    def evaluate(self, env, index):
        return -self.operand.evaluate(env, index)


@dataclass(frozen=True, eq=False)
class Mul(Binary):
    """Product of scalars (or a scalar and a matrix), printed by juxtaposition."""

    strength = PRODUCT

    def tex(self, symbols):
        # Products associate: a (b c) prints as a b c; a trailing sum needs no parentheses.
        right = self.right.tex(symbols) if isinstance(self.right, Sum) else self.right.wrapped(symbols, PRODUCT)
        return rf"{self.left.wrapped(symbols, PRODUCT)}\, {right}"

    def evaluate(self, env, index):
        return self.left.evaluate(env, index) * self.right.evaluate(env, index)


@dataclass(frozen=True, eq=False)
class MatMul(Binary):
    strength = PRODUCT

    def tex(self, symbols):
        return rf"{self.left.wrapped(symbols, PRODUCT)}\, {self.right.wrapped(symbols, PRODUCT)}"

    def evaluate(self, env, index):
        left, right = self.left.evaluate(env, index), self.right.evaluate(env, index)
        ls, rs = env.ops.shape(left), env.ops.shape(right)
        if ls[-1] != rs[0]:
            raise ValueError(f"matrix product of shapes {ls} and {rs}")
        return env.ops.matmul(left, right)


@dataclass(frozen=True, eq=False)
class Hadamard(Binary):
    strength = PRODUCT

    def tex(self, symbols):
        # A matrix product inside a Hadamard product takes parentheses: the two do not associate.
        left = self.left.wrapped(symbols, POSTFIX if isinstance(self.left, MatMul) else PRODUCT)
        return rf"{left} \odot {self.right.wrapped(symbols, POSTFIX)}"

    def evaluate(self, env, index):
        left, right = self.left.evaluate(env, index), self.right.evaluate(env, index)
        if env.ops.shape(left) != env.ops.shape(right):
            raise ValueError(f"Hadamard product of shapes {env.ops.shape(left)} and {env.ops.shape(right)}")
        return env.ops.hadamard(left, right)


@dataclass(frozen=True, eq=False)
class Div(Node):
    """A quotient of scalars, printed as a fraction."""

    numerator: Node
    denominator: Node

    def children(self):
        return (self.numerator, self.denominator)

    def tex(self, symbols):
        return rf"\frac{{{self.numerator.tex(symbols)}}}{{{self.denominator.tex(symbols)}}}"

    def evaluate(self, env, index):
        return self.numerator.evaluate(env, index) / self.denominator.evaluate(env, index)


@dataclass(frozen=True, eq=False)
class Complement(Unary):
    """``1 - x``, entry by entry for a matrix."""

    strength = SUM

    def tex(self, symbols):
        return f"1 - {self.operand.wrapped(symbols, PRODUCT)}"

    def evaluate(self, env, index):
        return env.ops.complement(self.operand.evaluate(env, index))


@dataclass(frozen=True, eq=False)
class Square(Unary):
    """``x^2``, elementwise for a matrix."""

    strength = POSTFIX

    def tex(self, symbols):
        inner = self.operand
        text = inner.tex(symbols)
        if inner.strength < ATOM:
            return rf"\bigl({text}\bigr)^{{2}}"
        # A symbol with a superscript of its own (A^(l), an entry A^(l)_ek) is braced: no double superscript.
        if isinstance(inner, Entry) or (isinstance(inner, Q) and symbols[inner.name].superscripted):
            return "{" + text + "}^{2}"
        return text + "^{2}"

    def evaluate(self, env, index):
        value = self.operand.evaluate(env, index)
        return env.ops.hadamard(value, value) if env.ops.shape(value) else value * value


@dataclass(frozen=True, eq=False)
class Transpose(Unary):
    strength = POSTFIX

    def tex(self, symbols):
        inner = self.operand
        if isinstance(inner, Q) and (companion := symbols[inner.name].transposed()):
            return companion
        needs = inner.strength < ATOM or (isinstance(inner, Q) and symbols[inner.name].superscripted)
        text = inner.tex(symbols)
        if not needs:
            # Braced: a notation profile may print the symbol with a superscript of its own.
            return "{" + text + r"}^{\top}"
        # A fraction (a gradient) needs parentheses as tall as itself.
        return (rf"\left({text}\right)" if inner.tall(symbols) else rf"\bigl({text}\bigr)") + r"^{\top}"

    def evaluate(self, env, index):
        return env.ops.transpose(self.operand.evaluate(env, index))


def transposed(node: Node, matrices: frozenset[str]) -> Node:
    """``node^T`` with the transpose moved down to the leaves: ``(A B)^T = B^T A^T``, ``(X^T)^T = X``.

    ``matrices`` names the quantities that are matrices or vectors; other names are scalars, their
    own transposes, as are constants, entries and diagonal matrices. Elementwise operations and
    sums commute with a transpose; anything else keeps one around it. The result is checked like
    any formula, so a rule wrong here fails the build.
    """

    def down(n: Node) -> Node:
        return transposed(n, matrices)

    if isinstance(node, Transpose):
        return node.operand
    if isinstance(node, Q):
        return Transpose(node) if node.name in matrices else node
    if isinstance(node, MatMul):
        return MatMul(down(node.right), down(node.left))
    if isinstance(node, (Add, Mul, Hadamard, Maximum)):
        return type(node)(down(node.left), down(node.right))
    if isinstance(node, (Neg, Complement, Square, Abs, PositivePart)):
        return type(node)(down(node.operand))
    if isinstance(node, Apply):
        return Apply(node.function, down(node.operand))
    if isinstance(node, Div):
        return Div(down(node.numerator), node.denominator)
    if isinstance(node, Sum):
        return Sum(node.letter, node.over, down(node.body))
    if isinstance(node, (Const, Entry, Kronecker, Diag)):
        return node
    return Transpose(node)


# Operations that a transpose passes through entry by entry, so that (A - Y)^T = A^T - Y^T.
_ENTRYWISE = (Add, Neg, Hadamard, Complement)


def in_own_letters(
    node: Node, flipped: Callable[[str], bool], gradient: Callable[[str], bool], matrices: frozenset[str]
) -> Node:
    """``node`` rearranged so that quantities a profile stores transposed print as its own symbols.

    ``flipped(name)`` says the profile's own matrix is the transpose of quantity ``name``, whose
    bare symbol then prints as ``(A)^T``. An entrywise combination of such quantities prints as
    ``(A - Y)^T`` instead of ``(A)^T - (Y)^T``, its transpose as ``A - Y``, and a gradient with respect
    to one as ``(dJ/dZ)^T`` instead of ``dJ/d(Z)^T``. Transposing twice is no change; the result is
    still checked as a formula of its own.
    """

    def all_flipped(n: Node) -> bool:
        if isinstance(n, Q):
            return n.name in matrices and flipped(n.name)
        if isinstance(n, _ENTRYWISE):
            return all(all_flipped(child) for child in n.children())
        return False

    if isinstance(node, Transpose) and isinstance(node.operand, Q):
        return node  # prints as the profile's own symbol already
    if isinstance(node, Transpose) and all_flipped(node.operand):
        return transposed(node.operand, matrices)
    if isinstance(node, _ENTRYWISE) and all_flipped(node):
        return Transpose(transposed(node, matrices))
    if isinstance(node, Q) and all_flipped(node) and gradient(node.name):
        return Transpose(Transpose(node))
    changes = {
        f.name: in_own_letters(value, flipped, gradient, matrices)
        for f in dataclasses.fields(node)
        if isinstance(value := getattr(node, f.name), Node)
    }
    return dataclasses.replace(node, **changes) if changes else node


@dataclass(frozen=True, eq=False)
class Diag(Unary):
    def tex(self, symbols):
        return rf"\operatorname{{diag}}\bigl({self.operand.tex(symbols)}\bigr)"

    def evaluate(self, env, index):
        return env.ops.diag(self.operand.evaluate(env, index))


@dataclass(frozen=True, eq=False)
class Apply(Node):
    """An elementwise function, by name: its value comes from the environment, its print from the table."""

    function: str
    operand: Node

    def children(self):
        return (self.operand,)

    def tex(self, symbols):
        return rf"{symbols[self.function].whole}\bigl({self.operand.tex(symbols)}\bigr)"

    def evaluate(self, env, index):
        return env.functions[self.function](self.operand.evaluate(env, index))


@dataclass(frozen=True, eq=False)
class Sum(Node):
    """``sum_{r} body`` over the range of index letter ``r`` (its size comes from ``over``)."""

    letter: str
    over: str  # the name of a size in the environment, e.g. "m"
    body: Node
    strength = SUM

    def children(self):
        return (self.body,)

    def tex(self, symbols):
        return rf"\sum_{{{self.letter}}} {self.body.wrapped(symbols, PRODUCT)}"

    def evaluate(self, env, index):
        total = None  # the first term sets the shape: a sum of matrices is a matrix
        for r in range(env.values[self.over]):
            term = self.body.evaluate(env, {**index, self.letter: r})
            total = term if total is None else total + term
        return env.ops.zero() if total is None else total


@dataclass(frozen=True, eq=False)
class PositiveCases(Node):
    """``if_positive`` where ``var > 0``, else ``otherwise`` (printed as a cases block)."""

    var: Node
    if_positive: Node
    otherwise: Node

    def children(self):
        return (self.var, self.if_positive, self.otherwise)

    def tex(self, symbols):
        v = self.var.tex(symbols)
        return (
            rf"\begin{{cases}} {self.if_positive.tex(symbols)} & {v} > 0 \\ "
            rf"{self.otherwise.tex(symbols)} & {v} \le 0 \end{{cases}}"
        )

    def evaluate(self, env, index):
        v = self.var.evaluate(env, index)
        return env.ops.where_positive(v, self.if_positive.evaluate(env, index), self.otherwise.evaluate(env, index))


@dataclass(frozen=True, eq=False)
class Kronecker(Node):
    """The Kronecker delta of two index letters: 1 when they are equal, else 0."""

    first: str
    second: str

    def tex(self, symbols):
        return symbols["kronecker"].entry.replace("%0", self.first).replace("%1", self.second)

    def evaluate(self, env, index):
        return env.ops.constant(Fraction(int(index[self.first] == index[self.second])))


def scalar(c: int | Fraction) -> Const:
    return Const(Fraction(c))


def at_indices(node: Node, values: Mapping[str, int]) -> Node:
    """``node`` with the index letters in ``values`` replaced by those whole numbers (1-based)."""
    if isinstance(node, Entry):
        return Entry(node.name, tuple(values.get(i, i) if isinstance(i, str) else i for i in node.indices))
    if not dataclasses.is_dataclass(node):
        return node
    changes = {
        f.name: at_indices(getattr(node, f.name), values)
        for f in dataclasses.fields(node)
        if isinstance(getattr(node, f.name), Node)
    }
    return dataclasses.replace(node, **changes)


@dataclass(frozen=True, eq=False)
class Column(Node):
    """Column ``letter`` of a named matrix, as a column vector: one example of a batch stored as columns.

    It prints with the symbol's entry template, the letter in place of ``%0``: ``a^{(1)}(e)``.
    """

    name: str
    letter: str

    def tex(self, symbols):
        return symbols[self.name].entry.replace("%0", self.letter)

    def evaluate(self, env, index):
        return env.ops.column(env.values[self.name], index[self.letter])

    def names(self) -> set[str]:
        return {self.name}

    def tall(self, symbols: SymbolTable) -> bool:
        return symbols[self.name].entry_gradient


@dataclass(frozen=True, eq=False)
class Selector(Node):
    """``when_one`` for a label of one, ``when_zero`` for a label of zero (a cases block).

    It evaluates to ``y when_one + (1 - y) when_zero``: the labels select one term, as in the
    binary cross-entropy, so a formula stated with it holds for both labels at once.
    """

    label: Node
    when_one: Node
    when_zero: Node

    def children(self):
        return (self.label, self.when_one, self.when_zero)

    def tex(self, symbols):
        y = self.label.tex(symbols)
        return (
            rf"\begin{{dcases}} {self.when_one.tex(symbols)} & {y} = 1 \\ "
            rf"{self.when_zero.tex(symbols)} & {y} = 0 \end{{dcases}}"
        )

    def evaluate(self, env, index):
        y = self.label.evaluate(env, index)
        return y * self.when_one.evaluate(env, index) + (1 - y) * self.when_zero.evaluate(env, index)


@dataclass(frozen=True, eq=False)
class Abs(Unary):
    """``|x|``."""

    def tex(self, symbols):
        return rf"\lvert {self.operand.tex(symbols)} \rvert"

    def evaluate(self, env, index):
        return env.ops.absolute(self.operand.evaluate(env, index))


@dataclass(frozen=True, eq=False)
class PositivePart(Unary):
    """``max(x, 0)``."""

    def tex(self, symbols):
        return rf"\max\bigl({self.operand.tex(symbols)}, 0\bigr)"

    def evaluate(self, env, index):
        return env.ops.maximum(self.operand.evaluate(env, index), env.ops.zero())


@dataclass(frozen=True, eq=False)
class Maximum(Binary):
    """``max(a, b)``."""

    def tex(self, symbols):
        return rf"\max\bigl({self.left.tex(symbols)}, {self.right.tex(symbols)}\bigr)"

    def evaluate(self, env, index):
        return env.ops.maximum(self.left.evaluate(env, index), self.right.evaluate(env, index))
