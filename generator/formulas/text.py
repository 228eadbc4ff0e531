"""Formulas a chapter declares in text: ``chapters/NAME.formulas.toml`` beside its spec.

An author who writes no Python declares a chapter's formulas as ``[[formula]]`` tables::

    [[formula]]
    name = "regression_output_error"
    kind = "result"                 # result, definition or wrong
    formula = "delta[out] = 2/m (A[out] - Y)"
    description = "the output error term of the mean squared error"   # optional

The formula is parsed (``parse``, the syntax is docs/formulas.md) into the very ``Formula`` objects
of the catalogue, over the model of the chapter's own network (``network.network_model``), and is
shown and checked like any of them: exactly with SymPy and numerically against the core, on the
chapter's own network and on random sizes. ``load_chapter_formulas`` reads a chapter's file and
declares its formulas to the catalogue (``catalogue.declare``), so that ``formula("name")`` finds
them. Any problem is a ``FormulaTextError`` naming the file, the line and the column: bad input
(exit 2), never a traceback.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from generator.formulas import catalogue
from generator.formulas.formula import Formula
from generator.formulas.language import (
    Add,
    Apply,
    Complement,
    Const,
    Div,
    Entry,
    Hadamard,
    MatMul,
    Mul,
    Neg,
    Node,
    Q,
    Square,
    Sum,
    Transpose,
)
from generator.formulas.model import Model
from generator.formulas.network import (
    ACTIVATIONS,
    DERIVATIVES,
    FUNCTIONS,
    LAYER_QUANTITIES,
    NETWORK_QUANTITIES,
    layer_name,
    network_model,
)
from generator.spec import ChapterSpec, SpecError

SUFFIX = ".formulas.toml"  # chapters/NAME.formulas.toml belongs to chapters/NAME.toml
KINDS = ("result", "definition", "wrong")
KEYS = ("name", "kind", "formula", "description", "indices")
FORMULA_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Letters that name sizes: an index letter may not be one (one meaning per letter).
RESERVED_LETTERS = frozenset("mdKLn")
LAYER_BASES = tuple(base for base, *_ in LAYER_QUANTITIES)
NETWORK_NAMES = tuple(name for name, *_ in NETWORK_QUANTITIES)

# Descriptions of the text formulas, by name (shown by ``handbook formulas``).
DESCRIPTIONS: dict[str, str] = {}
# Each text formula's source: the file, the line of its formula, and the text as written.
SOURCES: dict[str, tuple[Path, int, str]] = {}


class FormulaTextError(SpecError):
    """A problem in a formulas file: ``file:line:column: formula NAME: what is wrong``."""

    def __init__(self, path: Path, line: int, column: int, problem: str) -> None:
        ValueError.__init__(self, f"{path}:{line}:{column}: {problem}")
        self.path, self.field, self.problem = path, f"line {line}, column {column}", problem
        self.line, self.column = line, column


def formulas_path(spec: ChapterSpec) -> Path:
    """Where the chapter's text formulas are: ``chapters/NAME.formulas.toml``."""
    return spec.path.with_name(spec.name + SUFFIX)


def is_formulas_file(path: Path) -> bool:
    """Whether ``path`` is a formulas file (not a chapter spec)."""
    return path.name.endswith(SUFFIX)


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str  # number, name, gradient, op, end
    text: str
    offset: int


_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<gradient>dJ/d[A-Za-z]+)"
    r"|(?P<name>[A-Za-z]+(?:_[A-Za-z]+)*)"
    r"|(?P<op>\.\*|⊙|[-+*/@=()\[\]{},_^'])"
)


class ParseError(Exception):
    """A problem at an offset of the formula's text."""

    def __init__(self, offset: int, problem: str) -> None:
        super().__init__(problem)
        self.offset, self.problem = offset, problem


def tokens(text: str) -> list[Token]:
    found, offset = [], 0
    while offset < len(text):
        match = _TOKEN.match(text, offset)
        if match is None:
            raise ParseError(offset, f"unexpected character {text[offset]!r}")
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(Token(kind, match.group(), offset))
        offset = match.end()
    found.append(Token("end", "", len(text)))
    return found


# --------------------------------------------------------------------------- the parser


def is_scalar(node: Node, model: Model) -> bool:
    """Whether ``node`` is a number (not a matrix or a column) in ``model``."""
    if isinstance(node, Q):
        return node.name not in model.shapes
    if isinstance(node, (Entry, Const)):
        return True
    if isinstance(node, MatMul):
        return False
    if isinstance(node, (Add, Mul, Hadamard)):
        return is_scalar(node.left, model) and is_scalar(node.right, model)
    if isinstance(node, Div):
        return is_scalar(node.numerator, model)
    if isinstance(node, Sum):
        return is_scalar(node.body, model)
    if isinstance(node, Apply):
        return is_scalar(node.operand, model)
    return all(is_scalar(child, model) for child in node.children())


_PENDING = "?"  # the range of a sum, until its letter's range is known


class Parser:
    """A recursive-descent parser of one formula's text over a chapter's network model."""

    def __init__(self, text: str, model: Model, spec: ChapterSpec) -> None:
        self.text, self.model, self.spec = text, model, spec
        self.tokens = tokens(text)
        self.at = 0
        self.layers = tuple(layer.name for layer in spec.layers)
        # Each index letter's range (a size name) and where it was first given one.
        self.ranges: dict[str, str] = {}
        self.bound: list[str] = []  # letters of the sums around the current position
        self.free: dict[str, str] = {}  # letters free in the current side, with their ranges
        self.sums: list[tuple[str, int]] = []  # every sum's letter and offset

    # ---- tokens

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def next(self) -> Token:
        token = self.token
        self.at += 1
        return token

    def accept(self, text: str) -> Token | None:
        if self.token.kind == "op" and self.token.text == text:
            return self.next()
        return None

    def expect(self, text: str, what: str) -> Token:
        token = self.accept(text)
        if token is None:
            raise ParseError(self.token.offset, f"expected {what}, found {self.describe(self.token)}")
        return token

    @staticmethod
    def describe(token: Token) -> str:
        return "the end of the formula" if token.kind == "end" else repr(token.text)

    # ---- the grammar

    def formula(self) -> tuple[list[Node], dict[str, str]]:
        """``side = side (= side)*``: the sides, and the free index letters with their ranges."""
        sides, free = [], None
        while True:
            start = self.token.offset
            self.free = {}
            sides.append(self.expression())
            if free is None:
                free = dict(self.free)
            elif set(self.free) != set(free):
                left, here = ", ".join(sorted(free)) or "none", ", ".join(sorted(self.free)) or "none"
                raise ParseError(start, f"this side's free indices ({here}) are not the left side's ({left})")
            if self.accept("=") is None:
                break
        if self.token.kind != "end":
            raise ParseError(self.token.offset, f"expected an operator or '=', found {self.describe(self.token)}")
        if len(sides) < 2:
            raise ParseError(self.token.offset, "a formula states 'left side = right side'; there is no '='")
        for letter, offset in self.sums:
            if letter not in self.ranges:
                raise ParseError(offset, f"the sum over {letter} indexes no entry: its range is unknown")
        return [self._resolve(side) for side in sides], free or {}

    def _resolve(self, node: Node) -> Node:
        """The sums given the ranges of their letters, now that every letter's range is known."""
        changes = {
            f.name: self._resolve(getattr(node, f.name))
            for f in dataclasses.fields(node)
            if isinstance(getattr(node, f.name), Node)
        }
        if isinstance(node, Sum):
            changes["over"] = self.ranges[node.letter]  # type: ignore[assignment]
        return dataclasses.replace(node, **changes) if changes else node

    def expression(self) -> Node:
        left = self.term()
        while self.token.kind == "op" and self.token.text in "+-":
            operator = self.next()
            right = self.term()
            left = self.combine_sum(left, right, operator)
        return left

    def combine_sum(self, left: Node, right: Node, operator: Token) -> Node:
        scalars = is_scalar(left, self.model), is_scalar(right, self.model)
        if scalars[0] != scalars[1]:
            if operator.text == "-" and isinstance(left, Const) and left.value == 1:
                return Complement(right)  # 1 - X, entry by entry
            raise ParseError(
                operator.offset,
                f"'{operator.text}' between a number and a matrix (only '1 - X' is taken entry by entry)",
            )
        return Add(left, right) if operator.text == "+" else Add(left, Neg(right))

    def starts_factor(self) -> bool:
        token = self.token
        return token.kind in ("number", "name", "gradient") or (token.kind == "op" and token.text == "(")

    def term(self) -> Node:
        left = self.factor()
        while True:
            token = self.token
            if token.kind == "op" and token.text in ("*", "/", ".*", "⊙", "@"):
                self.next()
                right = self.factor()
                left = self.product(left, right, token)
            elif self.starts_factor():  # juxtaposition: a product
                right = self.factor()
                left = self.product(left, right, Token("op", "", token.offset))
            else:
                return left

    def product(self, left: Node, right: Node, operator: Token) -> Node:
        scalars = is_scalar(left, self.model), is_scalar(right, self.model)
        if operator.text == "/":
            if not scalars[1]:
                raise ParseError(operator.offset, "'/' divides by a number, not by a matrix")
            return Div(left, right)
        if operator.text in (".*", "⊙"):
            if any(scalars):
                raise ParseError(operator.offset, f"'{operator.text}' (the Hadamard product) takes two matrices")
            return Hadamard(left, right)
        if any(scalars):
            return Mul(left, right)
        if operator.text == "*":
            raise ParseError(
                operator.offset,
                "'*' multiplies by a number; write a matrix product as 'A B' or 'A @ B', "
                "an entrywise product as 'A .* B'",
            )
        return MatMul(left, right)

    def factor(self) -> Node:
        if self.accept("-") is not None:
            return Neg(self.factor())
        node = self.primary()
        while (caret := self.accept("^")) is not None:
            braced = self.accept("{") is not None
            power = self.next()
            if braced:
                self.expect("}", "'}'")
            if power.text == "T":
                if is_scalar(node, self.model):
                    raise ParseError(power.offset, "'^T' transposes a matrix, and this is a number")
                node = Transpose(node)
            elif power.text == "2":
                node = Square(node)
            else:
                raise ParseError(caret.offset, f"'^' takes T (transpose) or 2 (square), not {self.describe(power)}")
        return node

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.next()
            return Const(Fraction(token.text))
        if self.accept("(") is not None:
            inner = self.expression()
            self.expect(")", "')'")
            return inner
        if token.kind == "name" and token.text == "sum":
            return self.sum()
        if token.kind == "name" and (token.text in (*ACTIVATIONS, *FUNCTIONS) or token.text == "g"):
            return self.function()
        if token.kind in ("name", "gradient"):
            return self.quantity()
        found = self.describe(token)
        raise ParseError(token.offset, f"expected a quantity, a number, a function or '(', found {found}")

    def sum(self) -> Node:
        start = self.next().offset
        self.expect("_", "'_{letter}' after sum")
        self.expect("{", "'{' after 'sum_'")
        letter = self.letter()
        self.expect("}", "'}'")
        self.sums.append((letter, start))
        self.bound.append(letter)
        body = self.term()
        self.bound.pop()
        return Sum(letter, _PENDING, body)

    def letter(self) -> str:
        token = self.next()
        if token.kind != "name" or len(token.text) != 1 or not token.text.islower():
            raise ParseError(token.offset, f"an index is a single lower-case letter, not {self.describe(token)}")
        if token.text in RESERVED_LETTERS:
            raise ParseError(token.offset, f"{token.text!r} names a size; choose another index letter")
        return token.text

    def layer(self) -> str:
        self.expect("[", "'[layer]'")
        token = self.next()
        if token.kind != "name" or token.text not in self.layers:
            raise ParseError(
                token.offset,
                f"unknown layer {token.text!r} (layers of this chapter: {', '.join(self.layers)})",
            )
        self.expect("]", "']'")
        return token.text

    def function(self) -> Node:
        token = self.next()
        name = token.text
        derivative = self.accept("'") is not None
        if name == "g":
            name = layer_name("g'" if derivative else "g", self.layer())
            if derivative and name not in self.model.symbols:
                raise ParseError(token.offset, "this layer's activation has no derivative applied entry by entry")
        elif derivative:
            if name not in DERIVATIVES:
                raise ParseError(
                    token.offset,
                    f"{name} has no derivative applied entry by entry (derivatives: "
                    f"{', '.join(n + chr(39) for n in DERIVATIVES)})",
                )
            name += "'"
        self.expect("(", f"'(' after {token.text}")
        operand = self.expression()
        self.expect(")", "')'")
        if name == "softmax" and is_scalar(operand, self.model):
            raise ParseError(token.offset, "softmax applies to a batch, row by row, not to a number")
        return Apply(name, operand)

    def quantity(self) -> Node:
        token = self.next()
        base = token.text
        if base in LAYER_BASES:
            name = layer_name(base, self.layer())
        elif base in NETWORK_NAMES:
            name = base
        else:
            raise ParseError(token.offset, f"unknown name {base!r} ({self.allowed()})")
        if name not in self.model.symbols or (base in ("b", "dJ/db") and name not in self.model.shapes):
            raise ParseError(token.offset, f"{name} does not exist: that layer has no biases")
        if self.accept("_") is None:
            return Q(name)
        return self.entry(name, token)

    def entry(self, name: str, token: Token) -> Node:
        self.expect("{", "'{' after '_' (indices are written _{i} or _{i,j})")
        letters = [self.letter()]
        while self.accept(",") is not None:
            letters.append(self.letter())
        self.expect("}", "'}' after the indices")
        shape = self.model.shapes.get(name)
        if shape is None:
            raise ParseError(token.offset, f"{name} is a number: it has no entries")
        axes = shape[:1] if shape[1] == "1" else shape
        if len(letters) != len(axes):
            raise ParseError(
                token.offset, f"{name} takes {len(axes)} ind{'ex' if len(axes) == 1 else 'ices'}, not {len(letters)}"
            )
        for letter, size in zip(letters, axes, strict=True):
            known = self.ranges.setdefault(letter, size)
            if known != size:
                raise ParseError(
                    token.offset, f"the index {letter} runs over {size} here but over {known} elsewhere in the formula"
                )
            if letter not in self.bound:
                self.free[letter] = size
        return Entry(name, tuple(letters))

    def allowed(self) -> str:
        layered = ", ".join(f"{base}[layer]" for base in LAYER_BASES)
        functions = ", ".join((*ACTIVATIONS, *FUNCTIONS, "g[layer]"))
        return f"quantities: {', '.join(NETWORK_NAMES)}, {layered}; functions: {functions}; and sum_{{letter}}"


def parse(text: str, model: Model, spec: ChapterSpec) -> tuple[list[Node], dict[str, str]]:
    """The sides of the formula ``text`` over ``model`` and its free index letters (``ParseError``)."""
    return Parser(text, model, spec).formula()


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class _Place:
    """Where a table's keys stand in the file: its header's line, and each key's line and value column."""

    header: int
    keys: dict[str, tuple[int, int]]


_HEADER = re.compile(r"^\s*\[\[\s*formula\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*")


def _places(source: str) -> list[_Place]:
    places: list[_Place] = []
    for number, line in enumerate(source.splitlines(), start=1):
        if _HEADER.match(line):
            places.append(_Place(number, {}))
        elif places and (match := _KEY.match(line)):
            places[-1].keys.setdefault(match.group(1), (number, match.end() + 1))
    return places


def _position(source: str, line: int, column: int, value: str, offset: int) -> tuple[int, int]:
    """The line and column of character ``offset`` of the string ``value`` whose literal starts at
    ``line``, ``column`` of ``source`` (its opening quote)."""
    lines = source.splitlines()
    start = sum(len(text) + 1 for text in lines[: line - 1]) + column - 1
    quote = source[start : start + 3] if source[start : start + 3] in ('"""', "'''") else source[start : start + 1]
    body = start + len(quote)
    if len(quote) == 3 and source[body : body + 1] == "\n":
        body += 1  # TOML drops a line break right after the opening quotes
    if quote not in ('"', "'", '"""', "'''") or source[body : body + len(value)] != value:
        return line, column  # written with escapes: the string's start is as near as we can say
    before = source[: body + offset]
    return before.count("\n") + 1, body + offset - (before.rfind("\n") + 1) + 1


def load_formulas(path: Path, spec: ChapterSpec) -> tuple[Formula, ...]:
    """Parse the formulas file ``path`` of chapter ``spec`` (``FormulaTextError`` on any problem)."""
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FormulaTextError(path, 1, 1, f"cannot be read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise FormulaTextError(path, 1, 1, f"not UTF-8: {error}") from None
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        line, column = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
        raise FormulaTextError(path, line, column, f"not valid TOML: {str(error).split(' (at line')[0]}") from None
    if set(data) - {"formula"}:
        key = sorted(set(data) - {"formula"})[0]
        line = next((n for n, text in enumerate(source.splitlines(), 1) if key in text), 1)
        raise FormulaTextError(path, line, 1, f"unknown key {key!r}: the file holds [[formula]] tables only")
    tables = data.get("formula", [])
    places = _places(source)
    if not isinstance(tables, list) or len(places) != len(tables):
        raise FormulaTextError(path, 1, 1, "expected [[formula]] tables, each under its own [[formula]] line")
    model = network_model(spec)
    formulas: list[Formula] = []
    for table, place in zip(tables, places, strict=True):
        formulas.append(_formula(path, source, table, place, model, spec, {f.name for f in formulas}))
    return tuple(formulas)


def _formula(
    path: Path, source: str, table: dict[str, Any], place: _Place, model: Model, spec: ChapterSpec, taken: set[str]
) -> Formula:
    def fail(key: str | None, problem: str) -> FormulaTextError:
        line, column = place.keys.get(key or "", (place.header, 1))
        return FormulaTextError(path, line, column, problem)

    for key in table:
        if key not in KEYS:
            raise fail(key, f"unknown key {key!r} (allowed: {', '.join(KEYS)})")
    for key in ("name", "kind", "formula"):
        if key not in table:
            raise fail(None, f"this [[formula]] table has no {key!r}")
        if not isinstance(table[key], str):
            raise fail(key, f"{key} must be a string")
    name = table["name"]
    if not FORMULA_NAME.match(name):
        raise fail("name", f"{name!r} is not a formula name (lower-case letters, digits and '_', a letter first)")
    if name in taken:
        raise fail("name", f"a formula {name!r} is declared earlier in this file")
    owner = catalogue.CHAPTER_OF.get(name)
    if owner is not None and (name in catalogue.BUILT_IN or owner != spec.name):
        where = "the built-in catalogue" if name in catalogue.BUILT_IN else f"chapter {owner}"
        raise fail("name", f"the name {name!r} is taken by a formula of {where}")
    kind = table["kind"]
    if kind not in KINDS:
        raise fail("kind", f"unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
    description = table.get("description", "")
    if not isinstance(description, str) or "\n" in description:
        raise fail("description", "a description is a string of one line")
    indices = table.get("indices", "all")
    if indices not in ("all", "distinct"):
        raise fail("indices", f"indices is 'all' or 'distinct', not {indices!r}")
    text = table["formula"]
    try:
        sides, free = parse(text, model, spec)
    except ParseError as error:
        line, column = place.keys["formula"]
        line, column = _position(source, line, column, text, error.offset)
        raise FormulaTextError(path, line, column, f"formula {name}: {error.problem}") from None
    if indices == "distinct" and len(free) < 2:
        raise fail("indices", "'distinct' needs two free indices (the first two must differ)")
    DESCRIPTIONS[name] = description
    SOURCES[name] = (path, place.keys["formula"][0], text)
    return Formula(name, model, sides[0], tuple(sides[1:]), kind=kind, free=free, indices=indices)


def load_chapter_formulas(spec: ChapterSpec) -> tuple[Formula, ...]:
    """The text formulas of chapter ``spec`` (none without a file), declared to the catalogue."""
    path = formulas_path(spec)
    formulas = load_formulas(path, spec) if path.is_file() else ()
    catalogue.declare(spec.name, formulas)
    return formulas
