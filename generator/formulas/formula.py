"""The book's formulas as checked objects (invariant 3).

A ``Formula`` is defined once, in the catalogue: a left side and a chain of right sides
(``lhs = r1 = r2 ...``), written in the expression language over the quantities of a ``Model``.
The same object typesets itself through the notation table and is verified by
``generator.formulas.check``: exactly with SymPy on small sizes, and numerically against the
NumPy core on random sizes. Templates show a formula by name; they never carry its LaTeX. A
``definition`` is rendered from its object but states no result; a ``wrong`` formula is one that
real texts have printed, and its check asserts that it fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from generator.formulas.language import Node, Q, at_indices, in_own_letters, transposed
from generator.formulas.model import Model, Shape

Kind = Literal["result", "definition", "wrong"]
TRANSPOSED = "@T"  # suffix of a formula's name: the formula transposed (``Formula.transposed``)
# Suffix and comma-separated macros: the formula in the letters of a profile that stores those
# macros' quantities transposed (``Formula.in_own_letters``).
OWN_LETTERS = "@own:"


@dataclass(frozen=True, eq=False)
class Formula:
    """A displayed equation (or chain of equations) that the build can check."""

    name: str
    model: Model
    lhs: Node
    chain: tuple[Node, ...]
    kind: Kind = "result"
    # Index letters that range freely, with the size each ranges over: {"k": "k", "t": "t"}.
    free: dict[str, str] = field(default_factory=dict)
    # For chains: the constraint (a model's named substitution) a link uses, by link number.
    uses: dict[int, str] = field(default_factory=dict)
    # Which values of the first two free letters the formula states: all, or only unequal ones.
    indices: Literal["all", "distinct"] = "all"
    # The relation printed between the sides: "=", or "\leftarrow" for an update rule.
    relation: str = "="
    # Activations and losses this formula is about, beyond its model's (the sigmoid's slope: "sigmoid").
    needs: frozenset[str] = frozenset()

    @property
    def requires(self) -> frozenset[str]:
        """The activations and losses a chapter's network must have for the formula to be about it."""
        return self.model.requires | self.needs

    def sides(self) -> tuple[Node, ...]:
        return (self.lhs, *self.chain)

    @property
    def shapes(self) -> dict[str, Shape]:
        """The shape of each quantity the formula uses whole, as its model declares it."""
        used = {name for side in self.sides() for name in side.whole_names()}
        return {name: shape for name, shape in self.model.shapes.items() if name in used}

    def lhs_macro(self) -> str | None:
        """The notation macro of a whole-matrix left side (``\\Preact`` of ``Z``), else None."""
        if not isinstance(self.lhs, Q) or self.lhs.name not in self.shapes:
            return None
        return self.model.symbols[self.lhs.name].macro

    def transposed(self) -> Formula:
        """Both sides transposed, the transposes moved down to the leaves: ``Z^T = W A^T + b 1^T``.

        What a profile that stores the left side transposed prints; verified as a formula of its own.
        """
        matrices = frozenset(self.shapes)
        return replace(
            self,
            name=self.name + TRANSPOSED,
            lhs=transposed(self.lhs, matrices),
            chain=tuple(transposed(side, matrices) for side in self.chain),
        )

    def in_own_letters(self, flipped: frozenset[str]) -> Formula:
        """The formula as a profile that stores the quantities of the ``flipped`` macros transposed
        prints it: ``(A - Y)^T`` rather than ``(A)^T - (Y)^T`` (``language.in_own_letters``)."""
        symbols = self.model.symbols
        sides = tuple(
            in_own_letters(
                side,
                lambda name: symbols[name].macro in flipped,
                lambda name: symbols[name].gradient,
                frozenset(self.shapes),
            )
            for side in self.sides()
        )
        return replace(self, name=own_letters_name(self.name, flipped), lhs=sides[0], chain=sides[1:])

    def index_condition(self) -> str:
        """What the formula assumes of its indices, ``i \\neq j``, or nothing."""
        if self.indices != "distinct":
            return ""
        first, second = list(self.free)[:2]
        return rf"{first} \neq {second}"

    def condition(self) -> str:
        """The index condition as printed after the formula: ``\\quad (i \neq j)``, or nothing."""
        condition = self.index_condition()
        return rf" \quad ({condition})" if condition else ""

    def tex(self) -> str:
        """Math-mode LaTeX: ``lhs = r1 = r2``, with the condition on its indices if it has one."""
        symbols = self.model.symbols
        return f" {self.relation} ".join(side.tex(symbols) for side in self.sides()) + self.condition()

    def tex_result(self) -> str:
        """Only the ends of a chain, ``lhs = last``: what the chain proves (each link is checked)."""
        symbols = self.model.symbols
        return f"{self.lhs.tex(symbols)} {self.relation} {self.chain[-1].tex(symbols)}"

    def tex_at(self, links: int | None = None, **indices: int) -> str:
        """``tex()`` with free index letters replaced by numbers: one instance of a checked formula.

        ``links`` keeps only the first links of a chain (1: ``lhs = r1``).
        """
        symbols = self.model.symbols
        unknown = set(indices) - set(self.free)
        if unknown:
            raise LookupError(f"formula {self.name!r} has no free index {', '.join(sorted(unknown))}")
        sides = self.sides()[: None if links is None else links + 1]
        return f" {self.relation} ".join(at_indices(side, indices).tex(symbols) for side in sides)

    def tex_aligned(self) -> str:
        """The chain for an ``align`` body: one link per line, aligned at the equals sign."""
        symbols = self.model.symbols
        first, *rest = self.sides()
        lines = [f"{first.tex(symbols)} &{self.relation} {rest[0].tex(symbols)}"]
        lines += [f"&{self.relation} {side.tex(symbols)}" for side in rest[1:]]
        return " \\\\\n".join(lines)


def own_letters_name(name: str, flipped: frozenset[str]) -> str:
    """The name under which ``get_formula`` finds formula ``name`` in the letters of ``flipped``."""
    return f"{name}{OWN_LETTERS}{','.join(sorted(flipped))}"
