"""The shapes the page states, checked: a product of matrices written in a formula must conform, the
sides of a sum, a Hadamard product or an equation must have one shape, and every shape the text
gives a matrix must be the one it has:

* ``$\\Err{\\ell}$ is $\\nbatch \\times \\units{\\ell}$`` (also "of shape", "has shape", "must come out");
* ``the shape $\\noutputs \\times \\ninputs$ of $\\linW$``, ``... like $\\Preact{\\ell}$``;
* ``$\\act{hid}\\errT{out}$ has the shape of $\\weight{out}$``;
* ``$\\linW \\in \\reals^{\\noutputs \\times \\ninputs}$``;
* a table cell holding a shape, beside the cell that lists the matrices having it;
* the words for which way a matrix runs: "one row per example", "one column per unit of the layer
  below", "stacked as the rows of $\\Inputs$", "a column of length K times a row of length d",
  "which maps R^K back to R^d" (the Conventions page too, on a network with every size a symbol).

The notation's macros name the book's quantities (a profile only respells them), so a macro's shape is
the same in every profile: ``\\weight{L}`` has one row per unit of layer L and one column per unit of
the layer below, a single example's vectors are columns, a batch has one example per row, and a macro
ending in ``T`` is its quantity's transpose. A size is symbolic: the examples (m), the inputs (d), the
outputs (K), or the width of a layer named by its place in the chapter's network or relative to ``\\ell``.
A formula holding anything this reader does not know is left alone; only what it reads whole is judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from . import provenance
from .ledger import NUMBER_WORDS
from .provenance import Problem

Dim = tuple[str, int]  # ("m", 0), ("d", 0), ("K", 0), ("1", 0), ("layer hid", 0), ("ell", -1), ("L", -1)
Shape = tuple[Dim, Dim]
ONE: Dim = ("1", 0)
SCALAR: Shape = (ONE, ONE)


class ShapeError(Exception):
    """A formula whose shapes do not fit together."""


class _Unknown(Exception):
    """Something this reader does not know: the formula is left alone."""


def show_dim(dim: Dim) -> str:
    base, offset = dim
    if base.startswith("layer "):
        return f"n({base.removeprefix('layer ')})"
    if base in ("ell", "L"):
        letter = "ℓ" if base == "ell" else "L"
        return f"n({letter}{offset:+d})" if offset else f"n({letter})"
    return base


def show(shape: Shape) -> str:
    return f"{show_dim(shape[0])} × {show_dim(shape[1])}"


@dataclass(frozen=True)
class Network:
    """What the reader needs of a chapter's network: how its layers are named and how many there are."""

    names: dict[str, int]  # a layer's name or label -> its place, 1 for the first layer
    widths: tuple[int, ...]  # the inputs' number, then each layer's width: a width of one is the number 1
    shown: tuple[str, ...] = ()  # how each place's layer prints (its label, or its name)
    batch: int | None = None  # the number of examples, m

    def count(self, dim: Dim) -> int | None:
        """How many a size is on this network, or None where the text leaves it general (\\ell)."""
        base, offset = self.plain(dim)
        if base == "1":
            return 1
        if base == "m":
            return self.batch
        if base.startswith("layer "):
            return self.widths[self.shown.index(base.removeprefix("layer "))]
        place = {"d": 0, "K": len(self.widths) - 1}.get(base)
        return None if place is None else self.widths[place]

    def dim(self, label: str) -> Dim:
        """The width of the layer a macro's layer argument names."""
        text = re.sub(r"\s+", "", label)
        match = re.fullmatch(r"(\\ell|\\nlayers|[A-Za-z0-9]+)([+-][0-9]+)?", text)
        if match is None:
            raise _Unknown(label)
        base, offset = match.group(1), int(match.group(2) or 0)
        if base == r"\ell":
            return ("ell", offset)
        if base == r"\nlayers":
            return self.plain(("K", 0) if offset == 0 else ("L", offset))
        if base in self.names:
            place = self.names[base] + offset
        elif base.isdigit():
            place = int(base) + offset
        else:
            raise _Unknown(label)
        if not 0 <= place < len(self.widths):
            raise _Unknown(label)
        return self._at(place)

    def _at(self, place: int) -> Dim:
        if self.widths[place] == 1:
            return ONE
        if place == 0:
            return ("d", 0)
        if place == len(self.widths) - 1:
            return ("K", 0)
        return (f"layer {self.shown[place]}", 0)

    def below(self, label: str) -> Dim:
        text = re.sub(r"\s+", "", label)
        if text.startswith(r"\ell"):
            base, offset = self.dim(label)
            return (base, offset - 1)
        if text.startswith(r"\nlayers"):
            offset = int(text.removeprefix(r"\nlayers") or 0)
            return self.plain(("L", offset - 1))
        return self.dim(label + "-1")

    def plain(self, dim: Dim) -> Dim:
        """A size as this network has it: the inputs', the outputs' or the L-k-th layer's width is
        that layer's (the number 1 where it is one: a one-output network's target is a number)."""
        base, offset = dim
        place = {"d": 0, "K": len(self.widths) - 1, "L": len(self.widths) - 1 + offset}.get(base)
        if place is None or not 0 <= place < len(self.widths) or len(self.shown) != len(self.widths):
            return dim
        return self._at(place)


# The quantities of the notation, by macro: their shape from their layer argument (the first).
_VECTOR = ("preact", "act", "err", "bias")
_EXAMPLE = ("actex", "preactex", "errex")  # a layer's vector for one example of a batch
_BATCH = ("Preact", "Act", "Err")
_FIXED: dict[str, Shape] = {
    "Inputs": (("m", 0), ("d", 0)),
    "Targets": (("m", 0), ("K", 0)),
    "inputvec": (("d", 0), ONE),
    "target": (("K", 0), ONE),
    "ones": (("m", 0), ONE),
    "linW": (("K", 0), ("d", 0)),
    "linb": (("K", 0), ONE),
    "liny": (("K", 0), ONE),
    "linY": (("m", 0), ("K", 0)),
    "ewpost": (("m", 0), ("K", 0)),
}
ARGUMENTS = {**dict.fromkeys((*_VECTOR, *_BATCH, "weight", "weightio"), 1), **dict.fromkeys(_EXAMPLE, 2)}
ARGUMENTS.update(dict.fromkeys(_FIXED, 0))
# Numbers: sizes, entries, losses, constants (their arguments are indices).
_SCALARS = {
    "nbatch": 0, "ninputs": 0, "noutputs": 0, "nlayers": 0, "units": 1, "cost": 0, "costsum": 0, "exloss": 0,
    "exlossex": 1, "lrate": 0, "scalarpre": 0, "yhat": 0, "yhatex": 1, "ylabel": 0, "ylabelex": 1, "param": 0,
    "step": 0, "relerr": 0, "gradanalytic": 0, "gradnumerical": 0, "inputentry": 1, "targetentry": 1,
    "Inputsentry": 2, "Targetsentry": 2, "weightentry": 3, "weightioentry": 3, "biasentry": 2,
    "preactentry": 2, "actentry": 2, "errentry": 2, "Preactentry": 3, "Actentry": 3, "Errentry": 3,
    "errexentry": 3, "linWentry": 2, "linbentry": 1, "linyentry": 1, "linYentry": 2, "ewpostentry": 2,
    "num": 1, "st": 1, "numword": 1, "ell": 0, "varepsilon": 0, "eta": 0, "kron": 2, "graphnode": 1,
}  # fmt: skip
# Entry by entry: the shape of what they apply to (the argument in parentheses after them).
_FUNCTIONS = {"actfn": 1, "actfnprime": 1, "sigmoid": 0, "relu": 0, "ewfn": 0, "tanh": 0, "exp": 0, "log": 0}
_WRAPPERS = ("updated", "trained", "rounded")  # the shape of their argument
_SPACES = frozenset({",", ";", ":", "!", " "})
_SIZES = frozenset({"nbatch", "ninputs", "noutputs", "units"})
_OPEN = {"(": ")", r"\left(": r"\right)", r"\bigl(": r"\bigr)", r"\Bigl(": r"\Bigr)", r"\biggl(": r"\biggr)"}


def quantity_shape(name: str, args: list[str], network: Network) -> Shape | None:
    """The shape of a quantity's macro with its arguments, or None if it names no matrix."""
    transposed = name.endswith("T") and name[:-1] in ARGUMENTS
    base = name[:-1] if transposed else name
    shape: Shape
    if base in _FIXED:
        shape = _FIXED[base]
    elif base in _VECTOR or base in _EXAMPLE:
        shape = (network.dim(args[0]), ONE)
    elif base in _BATCH:
        shape = (("m", 0), network.dim(args[0]))
    elif base == "weight":
        shape = (network.dim(args[0]), network.below(args[0]))
    elif base == "weightio":
        shape = (network.below(args[0]), network.dim(args[0]))
    else:
        return None
    shape = (network.plain(shape[0]), network.plain(shape[1]))
    return (shape[1], shape[0]) if transposed else shape


def _group_end(text: str, start: int) -> int:
    """Just past the brace group opening at ``start``."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "\\":
            continue
        if text[i] == "{" and (i == 0 or text[i - 1] != "\\"):
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return i + 1
    raise _Unknown("unbalanced braces")


_CONTROL = re.compile(r"\\(?:[a-zA-Z]+|.)?", re.S)  # a control word or symbol (a stray last backslash too)
_SIZED_DELIMITER = re.compile(r"\\(?:left|right|[bB]igg?[lr]?)\s*[()\[\]|.]")


def tokens(text: str) -> list[str]:
    """A formula's tokens: control words, control symbols, brace groups (whole), characters."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "\\":
            word = _SIZED_DELIMITER.match(text, i) or _CONTROL.match(text, i)
            assert word is not None  # _CONTROL matches any backslash, a last one included
            out.append(re.sub(r"\s+", "", word.group()))  # \bigl ( is the one token \bigl(
            i = word.end()
        elif c == "{":
            end = _group_end(text, i)
            out.append(text[i:end])
            i = end
        else:
            out.append(c)
            i += 1
    return out


class _Parser:
    """Recursive descent over one formula's tokens: an expression's shape, or ``_Unknown``."""

    def __init__(self, toks: list[str], network: Network) -> None:
        self.toks, self.i, self.network = toks, 0, network

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        if self.i >= len(self.toks):
            raise _Unknown("end of formula")
        self.i += 1
        return self.toks[self.i - 1]

    def group(self) -> str:
        tok = self.take()
        if not tok.startswith("{"):
            return tok  # \units\ell: a single token argument
        return tok[1:-1]

    def skip_spaces(self) -> None:
        while self.peek() is not None and (self.peek()[1:] in _SPACES and self.peek()[0] == "\\" or self.peek() == "~"):  # type: ignore[index]
            self.i += 1

    def relation(self) -> Shape:
        """Sides joined by ``=``: one shape."""
        shape = self.sum()
        while self.peek() in ("=", r"\approx"):
            op = self.take()
            other = self.sum()
            shape = _same(shape, other, f"the two sides of {op}")
        return shape

    def sum(self) -> Shape:
        shape: Shape | None = None
        if self.peek() in ("-", "+"):
            self.take()
        shape = self.product()
        while self.peek() in ("+", "-", r"\odot"):
            op = self.take()
            other = self.product()
            if op == r"\odot":
                shape = _same(shape, other, "a Hadamard product's factors")
            elif shape == SCALAR or other == SCALAR:  # 1 - A: entry by entry
                shape = other if shape == SCALAR else shape
            else:
                shape = _same(shape, other, "the terms of a sum")
        return shape

    def product(self) -> Shape:
        shape = self.factor()
        while True:
            self.skip_spaces()
            nxt = self.peek()
            if nxt is None or nxt in ("=", r"\approx", "+", "-", r"\odot", ")", ",", ".", "&") or nxt in _OPEN.values():
                return shape
            if nxt == r"\cdot":
                self.take()
            other = self.factor()
            shape = _times(shape, other)

    def factor(self) -> Shape:
        self.skip_spaces()
        shape = self.atom()
        while self.peek() == "^":
            self.take()
            power = self.group()
            if power.strip() in (r"\top", "T", r"\mathsf{T}"):
                shape = (shape[1], shape[0])
            elif power.strip() != "2":
                raise _Unknown(power)
        if self.peek() == "_":
            raise _Unknown("a subscript")
        return shape

    def parenthesised(self) -> Shape:
        close = _OPEN[self.take()]
        shape = self.relation()
        if self.take() != close:
            raise _Unknown("a parenthesis")
        return shape

    def atom(self) -> Shape:
        tok = self.peek()
        if tok is None:
            raise _Unknown("end of formula")
        if tok in _OPEN:
            return self.parenthesised()
        if tok == r"\sum":
            self.take()
            while self.peek() in ("_", "^"):
                self.take()
                self.group()
            return self.product()
        if re.fullmatch(r"[0-9]+", tok) or tok == r"\frac" or tok == r"\tfrac":
            return self.number()
        self.take()
        if not tok.startswith("\\"):
            raise _Unknown(tok)
        name = tok[1:]
        if name in ARGUMENTS or (name.endswith("T") and name[:-1] in ARGUMENTS):
            count = ARGUMENTS[name.removesuffix("T") if name not in ARGUMENTS else name]
            args = [self.group() for _ in range(count)]
            shape = quantity_shape(name, args, self.network)
            assert shape is not None
            return shape
        if name in _SCALARS:
            for _ in range(_SCALARS[name]):
                self.group()
            return SCALAR
        if name == "pd":
            top, bottom = self.group(), self.group()
            if top.strip() not in (r"\cost", r"\costsum", r"\exloss"):
                raise _Unknown("a Jacobian")
            return _Parser(tokens(bottom), self.network).whole()
        if name in _WRAPPERS:
            return _Parser(tokens(self.group()), self.network).whole()
        if name in _FUNCTIONS:
            for _ in range(_FUNCTIONS[name]):
                self.group()
            if self.peek() == "'":
                self.take()
            if self.peek() not in _OPEN:
                raise _Unknown("a function without its argument")
            return self.parenthesised()
        raise _Unknown(tok)

    def number(self) -> Shape:
        tok = self.take()
        if tok in (r"\frac", r"\tfrac"):
            top = _Parser(tokens(self.group()), self.network).whole()
            bottom = _Parser(tokens(self.group()), self.network).whole()
            if bottom != SCALAR:
                raise _Unknown("a quotient by a matrix")
            return top
        while self.peek() is not None and re.fullmatch(r"[0-9.]", self.peek() or ""):
            self.take()
        return SCALAR

    def whole(self) -> Shape:
        shape = self.relation()
        self.skip_spaces()
        while self.peek() in (",", "."):
            self.take()
        if self.peek() is not None:
            raise _Unknown(self.peek() or "")
        return shape


def _same(first: Shape, second: Shape, what: str) -> Shape:
    if first != second:
        raise ShapeError(f"{what} differ in shape: {show(first)} and {show(second)}")
    return first


def _times(left: Shape, right: Shape) -> Shape:
    if left == SCALAR:
        return right
    if right == SCALAR:
        return left
    if left[1] != right[0]:
        raise ShapeError(f"a product of {show(left)} by {show(right)} does not conform")
    return (left[0], right[1])


def _segments(formula: str) -> Iterator[str]:
    """The independent formulas of one math span: split at ``\\qquad``, ``\\quad``, ``\\\\``, a
    top-level comma, and without labels, tags, text and alignment marks."""
    text = re.sub(r"\\(?:label|tag|text|eqref|ref)\{[^{}]*\}|\\(?:notag|nonumber)|&", " ", formula)
    depth, start = 0, 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text[i + 1 : i + 2] == "\\":
            if depth == 0:
                yield text[start:i]
                start = i + 2
            i += 2
            continue
        if c == "\\":
            word = _CONTROL.match(text, i)
            assert word is not None  # _CONTROL matches any backslash, a last one included
            w = word.group()
            if depth == 0 and w in (r"\qquad", r"\quad"):
                yield text[start:i]
                start = i + len(w)
            elif w.startswith(r"\left") or w.endswith("l") and w[1:-1] in ("big", "Big", "bigg"):
                depth += 1
            elif w.startswith(r"\right") or w.endswith("r") and w[1:-1] in ("big", "Big", "bigg"):
                depth -= 1
            i += len(w)
            continue
        if c in "({":
            depth += 1
        elif c in ")}":
            depth -= 1
        elif c == "," and depth == 0:
            yield text[start:i]
            start = i + 1
        i += 1
    yield text[start:]


def shape_of(formula: str, network: Network) -> Shape | None:
    """The shape of a formula that reads whole as one matrix expression, else None. Raises
    ``ShapeError`` if its shapes do not fit together."""
    try:
        return _Parser(tokens(formula), network).whole()
    except _Unknown:
        return None


def stated_shape(formula: str, network: Network) -> Shape | None:
    """The shape a formula states: ``\\nbatch \\times \\units{\\ell}`` (a size by a size), else None."""
    parts = formula.split(r"\times")
    if len(parts) != 2:
        return None
    dims = []
    for part in parts:
        try:
            toks = tokens(part.strip())
            if toks == ["1"] or toks == [r"\st", "{1}"]:
                dims.append(ONE)
            elif len(toks) == 1 and toks[0][1:] in ("nbatch", "ninputs", "noutputs"):
                dims.append(network.plain({"nbatch": ("m", 0), "ninputs": ("d", 0), "noutputs": ("K", 0)}[toks[0][1:]]))
            elif len(toks) == 2 and toks[0] == r"\units" and toks[1].startswith("{"):
                dims.append(network.dim(toks[1][1:-1]))
            else:
                return None
        except _Unknown:
            return None
    return (dims[0], dims[1])


def declared(formula: str, network: Network) -> tuple[str, Shape] | None:
    """``Q \\in \\reals^{r \\times c}`` (or ``\\reals^{r}``, a column): the subject and the shape it is given."""
    match = re.fullmatch(r"(.*?)\\in\s*\\reals\s*\^\s*(\{.*\}|\\[a-zA-Z]+)\s*[,.]?", formula.strip(), re.S)
    if match is None:
        return None
    exponent = match.group(2)
    exponent = exponent[1:-1] if exponent.startswith("{") else exponent
    shape = stated_shape(exponent, network) if r"\times" in exponent else stated_shape(exponent + r"\times 1", network)
    return (match.group(1), shape) if shape is not None else None


@dataclass(frozen=True)
class Span:
    """One formula of the page: ``$...$`` or a displayed one."""

    start: int  # where its content starts in the final text
    end: int
    content: str
    inline: bool


_DISPLAYS = ("equation", "equation*", "align", "align*", "gather", "gather*", "multline", "multline*")
_SKIPPED = ("corelisting", "Verbatim", "verbatim", "tikzpicture", "axis")


def spans(text: str) -> list[Span]:
    """The formulas of a chapter's final text, in order; listings and drawings are left out."""
    found: list[Span] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%" and (i == 0 or text[i - 1] != "\\"):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
        elif c == "\\":
            begin = re.match(r"\\begin\{([a-zA-Z*]+)\}", text[i:])
            if begin is not None and (begin.group(1) in _DISPLAYS or begin.group(1) in _SKIPPED):
                env = begin.group(1)
                close = text.find(f"\\end{{{env}}}", i)
                close = len(text) if close < 0 else close
                if env in _DISPLAYS:
                    found.append(Span(i + len(begin.group()), close, text[i + len(begin.group()) : close], False))
                i = close + len(f"\\end{{{env}}}")
                continue
            if text.startswith(r"\[", i):
                close = text.find(r"\]", i)
                close = len(text) if close < 0 else close
                found.append(Span(i + 2, close, text[i + 2 : close], False))
                i = close + 2
                continue
            i += 2
        elif c == "$":
            close = i + 1
            while close < len(text) and (text[close] != "$" or text[close - 1] == "\\"):
                close += 1
            found.append(Span(i + 1, close, text[i + 1 : close], True))
            i = close + 1
        else:
            i += 1
    return found


def environment_spans(text: str, env: str) -> list[tuple[int, int]]:
    """Where each ``env`` environment of ``text`` starts and ends (an unclosed one runs to the end)."""
    return [
        (m.start(), (text.find(f"\\end{{{env}}}", m.end()) % (len(text) + 1)))
        for m in re.finditer(re.escape(f"\\begin{{{env}}}"), text)
    ]


_SUBJECT_IS = re.compile(r"(?:is|of shape|shape|has shape|has the shape|with shape|must come out|must be)")
_SAME_SHAPE = re.compile(r"(?:has|with|is an? [a-z ]+? with) the shape of")
_OF = re.compile(r"(?:of|like)( the transpose of)?")


def problems(text: str, network: Network) -> list[Problem]:
    """Every shape on the page that does not hold (``text`` is a chapter's final LaTeX)."""
    found = spans(text)
    mistakes = environment_spans(text, "mistakes")
    tables = environment_spans(text, "tabular")

    def inside(position: int, regions: list[tuple[int, int]]) -> bool:
        return any(start <= position < end for start, end in regions)

    shapes: list[Shape | None] = []  # each formula's shape, where it reads whole as one inline formula
    out: list[Problem] = []
    for span in found:
        segments = list(_segments(span.content))
        shape: Shape | None = None
        for segment in segments:
            try:
                shape = shape_of(segment, network)
            except ShapeError as error:
                if not inside(span.start, mistakes):  # a mistake may be ill-shaped: that is its point
                    out.append(Problem(span.start, f"${span.content.strip()}$: {error}"))
                shape = None
        shapes.append(shape if span.inline and len(segments) == 1 else None)

    def claim(subject: int, stated: Shape, at: int, stated_as: str = "", transposed: bool = False) -> None:
        """The text gives formula ``subject`` (or its transpose) the shape ``stated``."""
        actual = shapes[subject]
        if actual is None:
            return
        if transposed:
            actual = (actual[1], actual[0])
        if actual != stated:
            what = "the transpose of " if transposed else ""
            out.append(
                Problem(
                    at,
                    f"the text gives {what}${found[subject].content.strip()}$ the shape {stated_as}{show(stated)}, "
                    f"but it is {show(actual)}",
                )
            )

    def between(a: int, b: int) -> str:
        """The words between formulas ``a`` and ``b``, lower-case, spaces collapsed."""
        gap = text[found[a].end + 1 : found[b].start - 1]
        return re.sub(r"\s+", " ", gap).strip().lower()

    for n, span in enumerate(found):
        if not span.inline:
            continue
        declaration = declared(span.content, network)
        if declaration is not None:  # Q \in \reals^{r \times c}
            subject, stated = declaration
            try:
                actual = shape_of(subject, network)
            except ShapeError:
                actual = None
            if actual is not None and actual != stated:
                out.append(
                    Problem(
                        span.start, f"${span.content.strip()}$ gives the shape {show(stated)}, but it is {show(actual)}"
                    )
                )
        else:
            literal = stated_shape(span.content.strip().rstrip(",."), network)  # r \times c
            if literal is None:
                continue
            stated = literal
            if n > 0 and _SUBJECT_IS.fullmatch(between(n - 1, n).strip(" ,")):
                claim(n - 1, stated, span.start)
            if inside(span.start, tables):
                for member in _cell_before(text, found, n):
                    claim(member, stated, span.start)
        if n + 1 < len(found):  # ... of Q, like Q, of the transpose of Q
            of = _OF.fullmatch(between(n, n + 1))
            if of is not None:
                claim(n + 1, stated, span.start, transposed=of.group(1) is not None)
    out += _answers(text, found, network)
    out += _layout_words(text, found, shapes, network, mistakes)
    for n in range(1, len(found)):  # P has the shape of Q
        shape = shapes[n]
        if shape is not None and found[n - 1].inline and _SAME_SHAPE.fullmatch(between(n - 1, n)):
            claim(n - 1, shape, found[n].start, f"of ${found[n].content.strip()}$, ")
    return out


# Where a sentence starts: after a full stop, at a paragraph break or a heading.
SENTENCE_START = re.compile(r"[.?!]\s+(?=[A-Z\\$])|\n\s*\n|\\(?:paragraph|section|subsection)\*?\{[^{}]*\}")


def sentence_starts(text: str) -> list[int]:
    """Where each sentence of ``text`` starts, with 0 first and the text's length last."""
    return [0, *(m.end() for m in SENTENCE_START.finditer(text)), len(text)]


_THING = r"(?P<thing>examples?|neurons?|units?|inputs?|outputs?|class(?:es)?)"
_OF_LAYER = r"(?:\s+of\s+(?:layer[~\s]+\$(?P<layer>[^$]*)\$|the\s+layer\s+(?:\\emph\{)?(?P<side>below|above)\b))?"
# "one row per example", "one column per unit of layer $\ell$", "... of the layer below"
_ONE_PER = re.compile(rf"\bone\s+(?P<way>row|column)\s+per\s+{_THING}{_OF_LAYER}")
# "one example per row"
_PER_WAY = re.compile(rf"\bone\s+{_THING}\s+per\s+(?P<way>row|column)\b")
# "The examples are stacked as the rows of the input matrix $\Inputs$"
_AS_THE = re.compile(rf"\b{_THING}\b[^.;:$]{{0,60}}?\bas\s+the\s+(?P<way>row|column)s\s+of\b[^.;:$]{{0,40}}\$")
# "a column of length $K$ times a row of length $d$"
_OUTER = re.compile(
    r"\b(?:an?|one)\s+(row|column)\s+of\s+length\s+\$([^$]*)\$\s+times\s+an?\s+(row|column)\s+of\s+length\s+\$([^$]*)\$"
)
# "$\linWT$, which maps $\reals^{K}$ back to $\reals^{d}$"
_MAPS = re.compile(
    r"\bmaps\s+\$\\reals\^(\{[^$]*\}|\\[a-z]+)\$\s+(?:back\s+)?(?:to|into|onto)\s+\$\\reals\^(\{[^$]*\}|\\[a-z]+)\$"
)
_WEIGHT_LAYER = re.compile(r"\s*\\weight(?:io)?T?\{([^{}]*)\}\s*")


def _size(formula: str, network: Network) -> Dim | None:
    """The size a formula names (``\\noutputs``, ``\\units{hid}``), or None."""
    shape = stated_shape(formula.strip().strip("{}") + r" \times 1", network)
    return None if shape is None else shape[0]


def _counted(match: re.Match[str], subject: str, network: Network) -> Dim | None:
    """The size the thing a layout phrase counts has: the examples, a layer's units, the inputs, the
    outputs; "the layer below" and "above" are a weight matrix's two layers. None if unknown."""
    thing = match.group("thing").lower()
    try:
        if thing.startswith("example"):
            return ("m", 0)
        if thing.startswith("input"):
            return network.plain(("d", 0))
        if thing.startswith(("output", "class")):
            return network.plain(("K", 0))
        groups = match.groupdict()
        if groups.get("layer"):
            return network.dim(re.sub(r"^\s*\\st\{(.*)\}\s*$", r"\1", groups["layer"]))
        weight = _WEIGHT_LAYER.fullmatch(subject)
        if groups.get("side") and weight is not None:
            return network.dim(weight.group(1)) if groups["side"] == "above" else network.below(weight.group(1))
    except _Unknown:
        return None
    return None


def _layout_words(
    text: str, found: list[Span], shapes: list[Shape | None], network: Network, mistakes: list[tuple[int, int]]
) -> list[Problem]:
    """The words that say which way a matrix runs must fit its shape: "$\\Act{0}$, one example per row",
    "$\\weight{\\ell}$ has one row per neuron of layer $\\ell$ and one column per neuron of the layer
    below", "stacked as the rows of $\\Inputs$", "a column of length $K$ times a row of length $d$, which
    has the shape $K \\times d$", "$\\linWT$, which maps $\\reals^{K}$ back to $\\reals^{d}$". The
    subject is the sentence's last matrix before the words (or, for "as the rows of", the one after them;
    for a sentence ending in a colon with no matrix, the left side of the display it opens)."""
    out: list[Problem] = []
    starts = sentence_starts(text)[:-1]
    inside_math = [(span.start, span.end) for span in found]

    def outside(position: int, regions: list[tuple[int, int]]) -> bool:
        return not any(start <= position < end for start, end in regions)

    def sentence_start(position: int) -> int:
        return max((s for s in starts if s <= position), default=0)

    def own_shape(n: int) -> tuple[str, Shape | None]:
        """An inline formula's matrix and shape: the formula, or the subject of ``Q \\in \\reals^{..}``."""
        content = found[n].content.strip()
        declaration = declared(content, network)
        if shapes[n] is not None or declaration is None:
            return content, shapes[n]
        try:
            return declaration[0].strip(), shape_of(declaration[0], network)
        except ShapeError:
            return declaration[0].strip(), None

    def subject_before(position: int) -> int | None:
        begin = sentence_start(position)
        candidates = [
            n
            for n, span in enumerate(found)
            if begin <= span.start and span.end < position and span.inline and own_shape(n)[1] not in (None, SCALAR)
        ]
        if candidates:
            return candidates[-1]
        after = [n for n, span in enumerate(found) if span.start > position]
        if after and not found[after[0]].inline:
            gap = re.sub(r"\\begin\{[a-z*]+\}|\\label\{[^{}]*\}", "", text[position : found[after[0]].start])
            if re.fullmatch(r"[^.;$]*:\s*", gap):  # "..., now one row per example:" and its display
                return after[0]
        return None

    def shape_at(n: int) -> tuple[str, Shape | None]:
        span = found[n]
        if span.inline:
            return own_shape(n)
        first = next(_segments(span.content), "")
        left = re.split(r"=|\\approx", first)[0].strip()
        try:
            return left, shape_of(left, network)
        except ShapeError:
            return left, None

    def judge(at: int, subject: int | None, way: str, match: re.Match[str]) -> None:
        if subject is None:
            return
        shown, shape = shape_at(subject)
        if shape is None:
            return
        size = _counted(match, shown, network)
        if size is None:
            return
        actual = shape[0] if way == "row" else shape[1]
        if actual != size:
            rows_or_columns = "rows" if way == "row" else "columns"
            out.append(
                Problem(
                    at,
                    f"the text says ${shown}$ has one {way} per {match.group('thing').removesuffix('s')}"
                    f" ({show_dim(size)} {rows_or_columns}), but it is {show(shape)}",
                )
            )

    for pattern in (_ONE_PER, _PER_WAY):
        for match in pattern.finditer(text):
            if outside(match.start(), inside_math) and outside(match.start(), mistakes):
                judge(match.start(), subject_before(match.start()), match.group("way"), match)
    for match in _AS_THE.finditer(text):
        if outside(match.start(), inside_math) and outside(match.start(), mistakes):
            following = [n for n, span in enumerate(found) if span.start == match.end()]
            judge(match.start(), following[0] if following else None, match.group("way"), match)
    for match in _OUTER.finditer(text):
        if not outside(match.start(), mistakes):
            continue
        first, second = _size(match.group(2), network), _size(match.group(4), network)
        if first is None or second is None:
            continue
        left = (first, ONE) if match.group(1) == "column" else (ONE, first)
        right = (second, ONE) if match.group(3) == "column" else (ONE, second)
        try:
            product = _times(left, right)
        except ShapeError as error:
            out.append(Problem(match.start(), f"{match.group().replace(chr(10), ' ')}: {error}"))
            continue
        rest = text[match.end() : match.end() + 80]
        stated = re.match(r",?\s*which\s+(?:has|is)\s+(?:the\s+)?shape\s+\$([^$]*)\$", rest)
        shape = stated_shape(stated.group(1), network) if stated else None
        if shape is not None and shape != product:
            out.append(
                Problem(
                    match.start(),
                    f"a {match.group(1)} of length ${match.group(2)}$ times a {match.group(3)} of length "
                    f"${match.group(4)}$ is {show(product)}, not the {show(shape)} the text gives it",
                )
            )
    for match in _MAPS.finditer(text):
        subject = subject_before(match.start())
        if subject is None or not outside(match.start(), mistakes):
            continue
        shown, shape = shape_at(subject)
        source, target = _size(match.group(1), network), _size(match.group(2), network)
        if shape is None or source is None or target is None:
            continue
        if re.search(r"transpose\}?\s+of\s+\$$", text[max(0, found[subject].start - 40) : found[subject].start]):
            shown, shape = f"{shown}^{{\\top}}", (shape[1], shape[0])  # "the transpose of $Q$, which maps"
        if shape != (target, source):
            out.append(
                Problem(
                    match.start(),
                    f"${shown}$ is {show(shape)}, so it maps the {show_dim(shape[1])}-vectors to the "
                    f"{show_dim(shape[0])}-vectors, not {show_dim(source)} to {show_dim(target)}",
                )
            )
    return out


_ANSWER = re.compile(r"\\answerhead\{[^{}]*\}\{[^{}]*\}\s*It is\s*$")
_SIZES_IN_WORDS = re.compile(
    r"\s*;\s*for (?:this chapter's network|the network of that chapter),\s*"
    r"(?:\\numword\{([a-z]+)\}|([0-9]+)) by (?:\\numword\{([a-z]+)\}|([0-9]+))"
)


def _answers(text: str, found: list[Span], network: Network) -> list[Problem]:
    """An exercise's answer "It is $r \\times c$; for this chapter's network, two by four" gives the
    shape of the one formula its question "What is the shape of ..." asks about (a display ending in
    "?", else the question's only formula)."""
    out: list[Problem] = []
    for n, span in enumerate(found):
        if not span.inline or _ANSWER.search(text, max(0, span.start - 200), span.start - 1) is None:
            continue
        stated = stated_shape(span.content.strip(), network)
        head = text.rfind(r"\exercisehead", 0, span.start)
        asking = [q for q in found[:n] if q.start > head and re.search(r"What is the shape of", text[head : q.start])]
        displayed = [q for q in asking if not q.inline and q.content.strip().endswith("?")]
        questions = displayed or asking
        if stated is None or head < 0 or len(questions) != 1:
            continue
        asked = questions[0].content.strip().removesuffix("?")
        try:
            actual = shape_of(asked, network)
        except ShapeError:
            actual = None
        if actual is None:
            continue
        if actual != stated:
            out.append(
                Problem(
                    span.start,
                    f"the answer gives ${asked.strip()}$ the shape {show(stated)}, but it is {show(actual)}",
                )
            )
        sizes = _SIZES_IN_WORDS.match(text, span.end + 1)
        counts = (network.count(actual[0]), network.count(actual[1]))
        if sizes is not None and None not in counts:
            rows, columns = (_as_number(sizes.group(g), sizes.group(g + 1)) for g in (1, 3))
            if (rows, columns) != counts:
                out.append(
                    Problem(
                        sizes.start(),
                        f"the answer gives ${asked.strip()}$ {rows} by {columns} on this network, "
                        f"but it is {counts[0]} by {counts[1]}",
                    )
                )
    return out


def _as_number(word: str | None, digits: str | None) -> int | None:
    if digits is not None:
        return int(digits)
    return NUMBER_WORDS.index(word) if word in NUMBER_WORDS else None


_ROW_START = re.compile(r"\\\\|\\(?:top|mid|bottom)rule|\\cmidrule(?:\([^)]*\))?\{[^}]*\}|\\addlinespace|\n\s*\n")


def _cell_before(text: str, found: list[Span], n: int) -> list[int]:
    """The formulas that make up the table cell before the cell that is formula ``n`` alone."""
    span = found[n]
    row_start = max((m.end() for m in _ROW_START.finditer(text, 0, span.start - 1)), default=0)
    amp = text.rfind("&", row_start, span.start)
    if amp < 0 or text[amp + 1 : span.start - 1].strip():
        return []
    stops = [x for x in (text.find("&", span.end), text.find("\\\\", span.end)) if x >= 0]
    if text[span.end + 1 : min(stops, default=len(text))].strip():
        return []  # the shape is not alone in its cell
    previous = text.rfind("&", row_start, amp)
    start = row_start if previous < 0 else previous + 1
    members = [m for m, other in enumerate(found) if start < other.start < amp]
    leftover = text[start:amp]
    for m in members:
        leftover = leftover.replace(f"${found[m].content}$", "", 1)
    return members if members and not leftover.strip(" ,\n") else []


def network_of(inputs: int, layers: list[tuple[str, str, int]], batch: int | None = None) -> Network:
    """The reader's view of a network from its number of inputs, its layers' (name, label, width) and
    its number of examples."""
    names: dict[str, int] = {}
    for place, (name, label, _) in enumerate(layers, start=1):
        names[name] = place
        if label:
            names[label] = place
    shown = ("inputs", *(label or name for name, label, _ in layers))
    return Network(names, (inputs, *(width for _, _, width in layers)), shown, batch)


# "row $k$ of a weight matrix holds the weights into neuron $k$", "Each row of the weight gradient
# belongs to the weights into one output", "any weights whose rows sum to ...".
_WEIGHTS_INTO = re.compile(
    r"\b(row|column)s?\b(?:\s+\$[a-z]\$)?\s+of\s+(?:a|the)\s+weight\s+(?:matrix|gradient)\b[^.;]{0,30}?"
    r"\bweights\s+into\b"
)


def weights_into_problems(text: str, into: str) -> list[Problem]:
    """The words for the weights into one unit name the profile's way: a row of its weight matrix where
    it stores weights output-by-input, a column where input-by-output (``Layout.into``)."""
    return [
        Problem(
            match.start(),
            f"the text says the weights into one unit are a {match.group(1)} of the weight "
            f"matrix, but in this notation they are a {into}",
        )
        for match in _WEIGHTS_INTO.finditer(text)
        if match.group(1) != into
    ]


# For the book shell, which speaks of layer ℓ of any network: no size of it is the number one.
GENERAL = network_of(2, [("hidden", "", 3), ("output", "", 4)])


def check(marked: str, network: Network) -> list[str]:
    """Each shape problem of a chapter's marked LaTeX, as ``template:line: what``."""
    return provenance.located(marked, lambda text: problems(text, network))
