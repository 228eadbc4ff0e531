"""Displayed arithmetic as checked objects (invariant 9).

A template writes a step in a small language over the ledger's calls, for example
``step("delta[out,1] * W[out,1,1] + delta[out,2] * W[out,2,1] = dA[hid,1]")``: products and sums
of quantities (named by their template call, with the call's arguments in brackets: a layer,
indices from one, ``e=2`` for an example) and rational constants, then ``=`` and the quantity the
step computes. The step prints itself three times over, from one object: the symbols, the
printed values, and the result,

    dJ/da_1 = delta_1 W_11 + delta_2 W_21 = (0.1251)(-1.40) + (-0.2923)(-0.81) = 0.0616,

every number through the ledger. It is checked three ways: each printed number against the exact
oracle (as every ledger entry is); the expression on the *printed* operands, rounded to the
result's precision, must give the printed result, so a reader with a pencil reproduces it; and
the expression on the *exact* operands must give the exact result to half a unit of its last
printed place, so the arithmetic shown is the one that computes the quantity. A step that cannot
reproduce from rounded operands is declared ``unrounded=True``: it prints ``\\approx`` with a
footnote once per chapter, and the check confirms that the printed operands do differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from generator.ledger import Entry, format_fixed, half_unit
from generator.quantities import BY_CALL


class StepSyntaxError(ValueError):
    """A step that does not parse: says where."""


# ----------------------------------------------------------------------------- the expression


@dataclass(frozen=True)
class Ref:
    """A quantity, by its template call and the call's arguments."""

    call: str
    args: tuple[str | int, ...]
    keywords: tuple[tuple[str, str | int], ...] = ()


@dataclass(frozen=True)
class Number:
    """A rational constant of the arithmetic (the 2 of a squared error's gradient)."""

    value: Fraction


@dataclass(frozen=True)
class Operation:
    """``left op right`` with op in + - * /, or ``- operand`` (left None)."""

    op: str
    left: Node | None
    right: Node


Node = Ref | Number | Operation
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<symbol>[-+*/()=\[\],]))")


def _tokens(text: str) -> list[tuple[str, str, int]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise StepSyntaxError(f"unexpected {text[position:].strip()[:12]!r} at column {position + 1}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind) + 1))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None, what: str = "") -> tuple[str, str, int]:
        if self.at >= len(self.tokens):
            raise StepSyntaxError(f"the step ends too early (expected {what or repr(expected) or 'more'})")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise StepSyntaxError(f"expected {expected!r} at column {token[2]}, found {token[1]!r}")
        self.at += 1
        return token

    def expression(self) -> Node:
        node = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            node = Operation(op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            node = Operation(op, node, self.factor())
        return node

    def factor(self) -> Node:
        kind, value, column = self.take(what="a quantity, a number or '('")
        if value == "-":
            return Operation("-", None, self.factor())
        if value == "(":
            node = self.expression()
            self.take(")")
            return node
        if kind == "number":
            return Number(Fraction(value))
        if kind != "name":
            raise StepSyntaxError(f"unexpected {value!r} at column {column}")
        if value not in BY_CALL:
            raise StepSyntaxError(
                f"{value!r} at column {column} is not a quantity (the calls are: {', '.join(sorted(BY_CALL))})"
            )
        args: list[str | int] = []
        keywords: list[tuple[str, str | int]] = []
        if self.peek() == "[":
            self.take("[")
            while True:
                arg_kind, arg, _ = self.take(what="an argument")
                if self.peek() == "=":
                    self.take("=")
                    _, given, _ = self.take(what="a value")
                    keywords.append((arg, int(given) if given.isdigit() else given))
                else:
                    args.append(int(arg) if arg_kind == "number" else arg)
                if self.peek() == "]":
                    self.take("]")
                    break
                self.take(",")
        return Ref(value, tuple(args), tuple(keywords))


def parse_ref(text: str) -> Ref:
    """One quantity named in the step language: ``dA[out,1]``."""
    parser = _Parser(text)
    node = parser.factor()
    if not isinstance(node, Ref) or parser.at != len(parser.tokens):
        raise StepSyntaxError("expected one quantity, such as dA[out,1]")
    return node


def parse_expression(text: str) -> Node:
    """An expression alone, without ``= result``: a claim's term."""
    parser = _Parser(text)
    expression = parser.expression()
    if parser.at != len(parser.tokens):
        _, value, column = parser.tokens[parser.at]
        raise StepSyntaxError(f"unexpected {value!r} at column {column}")
    return expression


def source(node: Node) -> str:
    """An expression written back in the step language."""
    if isinstance(node, Ref):
        arguments = [str(a) for a in node.args] + [f"{k}={v}" for k, v in node.keywords]
        return node.call + (f"[{','.join(arguments)}]" if arguments else "")
    if isinstance(node, Number):
        return str(node.value)
    if node.left is None:
        return f"-({source(node.right)})"
    return f"({source(node.left)} {node.op} {source(node.right)})"


def parse(text: str) -> tuple[Node, Ref]:
    """A step's expression and the quantity it computes (after ``=``)."""
    parser = _Parser(text)
    expression = parser.expression()
    parser.take("=")
    result = parser.factor()
    if not isinstance(result, Ref):
        raise StepSyntaxError("after '=' comes the quantity the step computes, such as dA[hid,1]")
    if parser.at != len(parser.tokens):
        _, value, column = parser.tokens[parser.at]
        raise StepSyntaxError(f"unexpected {value!r} at column {column} after the result")
    return expression, result


def refs(node: Node) -> list[Ref]:
    """The quantities of an expression, left to right."""
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, Operation):
        return (refs(node.left) if node.left is not None else []) + refs(node.right)
    return []


# ----------------------------------------------------------------------------- printing

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _constant(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else rf"\tfrac{{{value.numerator}}}{{{value.denominator}}}"


def render(node: Node, leaf: Callable[[Ref, bool], str], numbers: bool, strength: int = 0) -> str:
    """The expression in LaTeX; ``leaf(ref, bracketed)`` prints a quantity (its symbol or its value),
    ``bracketed`` where a negative value needs brackets: a factor, or a term after a sign."""
    if isinstance(node, Ref):
        return leaf(node, strength >= 2)
    if isinstance(node, Number):
        return _constant(node.value)
    if node.left is None:
        text = "-" + render(node.right, leaf, numbers, 3)
        return rf"\bigl({text}\bigr)" if strength >= 1 else text
    precedence = _PRECEDENCE[node.op]
    left = render(node.left, leaf, numbers, precedence)
    right = render(node.right, leaf, numbers, precedence + (1 if node.op in "-/" else 0))
    if node.op in "+-" and isinstance(node.right, Ref):
        right = leaf(node.right, True)  # a negative term after a sign is bracketed: "a + (-b)", never "a + -b"
    if node.op == "/":
        text = rf"\frac{{{render(node.left, leaf, numbers, 0)}}}{{{render(node.right, leaf, numbers, 0)}}}"
    elif node.op == "*":
        text = rf"{left} \cdot {right}" if numbers else rf"{left}\, {right}"
    else:
        text = f"{left} {node.op} {right}"
    return rf"\left({text}\right)" if precedence < strength else text


# ----------------------------------------------------------------------------- checking


def evaluate(node: Node, value: Callable[[Ref], Decimal]) -> Decimal:
    """The expression in exact decimal arithmetic on the values ``value`` gives its quantities."""
    if isinstance(node, Ref):
        return value(node)
    if isinstance(node, Number):
        return Decimal(node.value.numerator) / Decimal(node.value.denominator)
    right = evaluate(node.right, value)
    if node.left is None:
        return -right
    left = evaluate(node.left, value)
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    if right == 0:
        raise ZeroDivisionError("the step divides by a printed zero")
    return left / right


@dataclass(frozen=True)
class Step:
    """A displayed step as the ledger recorded it: its text, its operands' and result's entries."""

    text: str
    expression: Node
    operands: tuple[Entry, ...]  # in the order of ``refs(expression)``
    result: Entry
    unrounded: bool
    template: str
    line: int


def check_printed(step: Step) -> str | None:
    """Why the step does not reproduce from its printed operands (or, declared unrounded, why it does)."""
    printed = dict(zip(refs(step.expression), (Decimal(e.text) for e in step.operands), strict=True))
    try:
        value = evaluate(step.expression, lambda ref: printed[ref])
    except ZeroDivisionError as error:
        return f"step {step.text!r}: {error} ({step.template}:{step.line})"
    reproduced = format_fixed(value, step.result.decimals)
    where = f"({step.template}:{step.line})"
    if step.unrounded:
        if reproduced == step.result.text:
            return (
                f"step {step.text!r} is declared from unrounded values, but its printed operands give the "
                f"printed result {step.result.text}: drop the declaration {where}"
            )
        return None
    if reproduced != step.result.text:
        return (
            f"step {step.text!r}: the printed operands give {value} = {reproduced} at the result's precision, "
            f"not the printed {step.result.text}; print the operands with more digits, or declare the step "
            f"unrounded {where}"
        )
    return None


def check_exact(step: Step, exact: Callable[[Entry], Decimal]) -> str | None:
    """Why the step's arithmetic, on the exact operands, does not give the exact result (None: it does)."""
    values = dict(zip(refs(step.expression), (exact(e) for e in step.operands), strict=True))
    try:
        value = evaluate(step.expression, lambda ref: values[ref])
    except ZeroDivisionError as error:
        return f"step {step.text!r}: {error} ({step.template}:{step.line})"
    target = exact(step.result)
    if abs(value - target) <= half_unit(step.result.decimals):
        return None
    return (
        f"step {step.text!r}: on the exact operands the arithmetic gives {value:.{step.result.decimals + 4}f}, "
        f"but the result is {target:.{step.result.decimals + 4}f}: the step does not compute "
        f"{step.result.quantity} ({step.template}:{step.line})"
    )
