"""Exact derivatives of one scalar SymPy expression in many symbols, by one reverse sweep.

``sympy.diff(J, s)`` walks the whole of ``J`` once per symbol ``s`` and builds the chain rule
anew each time; a loss with a hundred parameters costs a hundred walks. This module walks the
expression graph of ``J`` once, from the top down (reverse-mode differentiation, which is what
backpropagation is, here applied to SymPy's expression graph, not to layers): each distinct
subexpression gets its *adjoint*, dJ/d(subexpression), the sum over its users of the user's
adjoint times the user's local derivative. The adjoint of a symbol is dJ/d(symbol), exactly: the
local derivatives are SymPy's own rules (``fdiff`` of a function, the power rule), nothing is
evaluated or rounded, and the result is an expression equal to ``sympy.diff(J, s)`` (a test
compares them), in another arrangement of the same terms.

Piecewise expressions (ReLU, a max gate) pass the adjoint to the branch that holds, as
``sympy.diff`` does: the derivative of ``Piecewise((v, v > 0), (0, True))`` is 1 where ``v > 0``
and 0 elsewhere, so the kink gets ReLU'(0) = 0. Conditions are not differentiated.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp


def _local(node: sp.Basic, i: int) -> sp.Expr:
    """d node / d node.args[i], by SymPy's rule for the node's head."""
    args = node.args
    if isinstance(node, sp.Add):
        return sp.Integer(1)
    if isinstance(node, sp.Mul):
        return sp.Mul(*args[:i], *args[i + 1 :])
    if isinstance(node, sp.Pow):
        base, exponent = args
        return exponent * base ** (exponent - 1) if i == 0 else node * sp.log(base)
    if isinstance(node, sp.Function):
        return node.fdiff(i + 1)
    raise TypeError(f"no reverse rule for {type(node).__name__}")


def _piecewise_selector(node: sp.Piecewise, i: int) -> sp.Expr:
    """1 where branch ``i`` of ``node`` is the one that holds, 0 elsewhere (as a Piecewise)."""
    return sp.Piecewise(*[(sp.Integer(1 if j == i else 0), pair.cond) for j, pair in enumerate(node.args)])


def _children(node: sp.Basic) -> list[sp.Basic]:
    """The subexpressions ``node``'s value flows from (a Piecewise: its branches, not its conditions)."""
    if isinstance(node, sp.Piecewise):
        return [pair.expr for pair in node.args]
    return list(node.args)


def _order(output: sp.Expr, wanted: set[sp.Symbol]) -> list[sp.Basic]:
    """The distinct subexpressions of ``output`` that depend on a wanted symbol, every user before
    the subexpressions it uses (reverse post-order), without recursion (deep networks are deep)."""
    depends: dict[sp.Basic, bool] = {}
    post: list[sp.Basic] = []
    stack: list[tuple[sp.Basic, bool]] = [(output, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            if node not in depends:
                depends[node] = node in wanted or any(depends.get(c, False) for c in _children(node))
                if depends[node]:
                    post.append(node)
            continue
        if node in depends:
            continue
        stack.append((node, True))
        if not node.is_Atom:
            stack.extend((child, False) for child in _children(node) if child not in depends)
    return post[::-1]


def gradients(output: sp.Expr, symbols: Iterable[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    """d ``output`` / d s for every symbol s, exactly, in one sweep (0 for a symbol it lacks)."""
    wanted = set(symbols)
    order = _order(sp.sympify(output), wanted)
    terms: dict[sp.Basic, list[sp.Expr]] = {node: [] for node in order}
    if order:
        terms[order[0]].append(sp.Integer(1))
    adjoint: dict[sp.Basic, sp.Expr] = {}
    for node in order:
        total = adjoint[node] = sp.Add(*terms.pop(node))
        if node.is_Atom or total == 0:
            continue
        for i, child in enumerate(_children(node)):
            if child not in terms:
                continue  # a constant, or a subexpression without a wanted symbol
            local = _piecewise_selector(node, i) if isinstance(node, sp.Piecewise) else _local(node, i)
            terms[child].append(total * local)
    return {s: adjoint.get(s, sp.Integer(0)) for s in wanted}
