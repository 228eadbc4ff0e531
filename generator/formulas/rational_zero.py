"""Whether a rational function is identically zero, by sparse polynomial arithmetic.

``sympy.cancel(sympy.together(f)) == 0`` answers the same question by building one fraction over
the whole of ``f`` and cancelling greatest common divisors, in SymPy's expression trees. Here the
expression is evaluated bottom-up into a numerator and a factored denominator over the
polynomial ring ``QQ[symbols]`` (SymPy's sparse ``PolyElement``): a sum brings its terms to the
least common multiple of their denominators, found factor by factor, and no gcd is ever taken.
The rational function is zero exactly when that numerator is the zero polynomial, since the
denominator, a product of non-zero polynomials, is not. Each distinct subexpression is evaluated
once.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

# A fraction: a numerator polynomial over a product of denominator factors, {factor: power}.
Fraction = tuple[Any, dict[Any, int]]


class NotRational(Exception):
    """The expression holds something that is not a rational function of its symbols."""


def _scale(numerator: Any, has: dict[Any, int], wants: dict[Any, int]) -> Any:
    """``numerator`` over ``has``, brought to the denominator ``wants`` (a multiple of ``has``)."""
    for factor, power in wants.items():
        missing = power - has.get(factor, 0)
        if missing:
            numerator = numerator * factor**missing
    return numerator


def _sum(terms: list[Fraction]) -> Fraction:
    common: dict[Any, int] = {}
    for _, denominator in terms:
        for factor, power in denominator.items():
            common[factor] = max(common.get(factor, 0), power)
    return sum((_scale(n, d, common) for n, d in terms), start=terms[0][0].ring.zero), common


def _product(factors: list[Fraction]) -> Fraction:
    numerator = factors[0][0].ring.one
    denominator: dict[Any, int] = {}
    for n, d in factors:
        numerator = numerator * n
        for factor, power in d.items():
            denominator[factor] = denominator.get(factor, 0) + power
    return numerator, denominator


def _power(base: Fraction, exponent: int) -> Fraction:
    numerator, denominator = base
    if exponent >= 0:
        return numerator**exponent, {f: p * exponent for f, p in denominator.items()}
    if numerator == 0:
        raise ZeroDivisionError("a power of zero with a negative exponent")
    flipped = numerator.ring.one
    for factor, power in denominator.items():
        flipped = flipped * factor ** (power * -exponent)
    if numerator.is_ground:  # a non-zero number: no factor to keep
        return flipped * numerator.ring.domain.convert(1) / numerator.LC**-exponent, {}
    return flipped, {numerator: -exponent}


def _exp_powers(application: sp.Expr) -> list[tuple[object, sp.Rational]]:
    """``exp(2u - v + 3)`` as unknowns and their powers: ``[(E_u, 2), (E_v, -1), (E_1, 3)]``."""
    found: list[tuple[object, sp.Rational]] = []
    for term in sp.Add.make_args(sp.expand(application.args[0], deep=False)):
        power, base = term.as_coeff_Mul()
        if not power.is_Rational:
            power, base = sp.Integer(1), term
        found.append((("exp", base), power))
    return found


def _opaque(node: sp.Basic) -> bool:
    return isinstance(node, (sp.Function, sp.Subs, sp.Derivative))


def _unknowns(expr: sp.Expr) -> list[object]:
    """The keys of every unknown ``expr`` holds, in a fixed order (its symbols among them)."""
    keys: dict[object, None] = {}
    seen: set[sp.Basic] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if node.is_Symbol:
            keys.setdefault(node)
        elif isinstance(node, sp.exp):
            keys.update((key, None) for key, _ in _exp_powers(node))
        elif _opaque(node):
            keys.setdefault(node)
        else:
            stack.extend(node.args)
    return list(keys)


def is_identically_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is zero as a rational function of its symbols and of its function
    applications and derivatives taken as unknowns.

    Equal applications are the same unknown (SymPy's ``Subs`` compares equal whatever its bound
    variable is called, so a derivative g'(p) is one unknown), and ``exp`` keeps its one law:
    ``exp(2u - v)`` is ``E_u**2 / E_v``. If the answer is yes, ``expr`` is zero, since the true
    values of its functions are one choice of the unknowns. Raises ``NotRational`` where ``expr``
    is not such a rational function (a non-integer power, a float).
    """
    keys = _unknowns(expr)
    if not keys:
        if not expr.is_Rational:
            raise NotRational(str(expr))
        return bool(expr == 0)
    ring, *generators = sp.ring([sp.Dummy() for _ in keys], sp.QQ)
    unknown = dict(zip(keys, generators, strict=True))
    memo: dict[sp.Basic, Fraction] = {}

    def value(node: sp.Basic) -> Fraction:
        known = memo.get(node)
        if known is not None:
            return known
        if node.is_Symbol:
            result: Fraction = unknown[node], {}
        elif node.is_Rational:
            result = ring(node), {}
        elif node.is_Add:
            result = _sum([value(a) for a in node.args])
        elif node.is_Mul:
            result = _product([value(a) for a in node.args])
        elif node.is_Pow and node.exp.is_Integer:
            result = _power(value(node.base), int(node.exp))
        elif isinstance(node, sp.exp):
            factors = []
            for key, power in _exp_powers(node):
                if not power.is_Integer:
                    raise NotRational(f"exp with a fractional power: {node}")
                factors.append(_power((unknown[key], {}), int(power)))
            result = _product(factors)
        elif _opaque(node):
            result = unknown[node], {}
        else:
            raise NotRational(f"{type(node).__name__}: {node}")
        memo[node] = result
        return result

    numerator, _ = value(expr)
    return bool(numerator == 0)
