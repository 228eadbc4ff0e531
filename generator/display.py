"""What a template shows of the formulas and of the profile's layout.

``Formulas`` gives templates the checked formulas by name (turned where the profile stores a
matrix transposed) and remembers which ones a chapter shows, for verification. ``Layout`` says
which way the profile lays out its matrices, for the prose around them.
"""

from __future__ import annotations

from typing import Any

from generator import provenance
from generator.formulas import TRANSPOSED, Formula, get_formula, own_letters_name
from generator.notation import Notation, companion
from generator.tex import RenderError, Tex, template_location


class Formulas:
    """The template's access to checked formulas; remembers which ones the chapter shows.

    ``network`` names the activations and the loss of the chapter's network: a formula shown in a
    chapter must hold for it (``Formula.requires``). A formula marked wrong is shown only by
    ``mistake``, marked so that the scan finds it inside a mistakes box.
    """

    def __init__(self, notation: Notation | None = None, network: frozenset[str] | None = None) -> None:
        self.shown: list[str] = []
        # Whole-matrix formulas whose left side the profile stores transposed print transposed.
        self.transposing = notation.stored_transposed if notation is not None else frozenset()
        self.network = network

    def _get(self, name: str, turn: bool = True, wrong: bool = False) -> Formula:
        try:
            formula = get_formula(name)
        except LookupError as error:
            raise RenderError(*template_location(), str(error.args[0])) from None
        if formula.kind == "wrong" and not wrong:
            raise RenderError(
                *template_location(), f"formula {name!r} is marked wrong: show it with mistake(), inside a mistakes box"
            )
        if formula.kind != "wrong" and wrong:
            raise RenderError(*template_location(), f"formula {name!r} is not marked wrong: it is no mistake")
        if self.network is not None and not formula.requires <= self.network:
            missing = ", ".join(sorted(formula.requires - self.network))
            raise RenderError(
                *template_location(),
                f"formula {name!r} holds for a network with {missing}, which this chapter's network does not have",
            )
        if turn and formula.lhs_macro() in self.transposing:
            name = name + TRANSPOSED
            formula = get_formula(name)
        if self.transposing:
            own = get_formula(own_letters_name(name, self.transposing))
            if own.tex() != formula.tex():  # else keep the name: one formula, verified once
                name, formula = own.name, own
        if name not in self.shown:
            self.shown.append(name)
        return formula

    def template_functions(self) -> dict[str, Any]:
        """What templates call: ``formula``, ``formula_result``, ``formula_aligned``, ``formula_at``, ``mistake``."""
        return {
            "formula": self.inline,
            "formula_result": self.result,
            "formula_aligned": self.aligned,
            "formula_at": self.at,
            "mistake": self.mistake,
        }

    def mistake(self, name: str) -> Tex:
        """A formula marked wrong, as math-mode content; only inside a ``mistakes`` box (the scan checks)."""
        formula = self._get(name, turn=True, wrong=True)
        return Tex(provenance.role(provenance.MISTAKE, name, formula.tex()))

    def get(self, name: str, wrong: bool = False) -> Formula:
        """A formula (one marked wrong, with ``wrong``), recorded as shown, to print one instance of it."""
        return self._get(name, turn=True, wrong=wrong)

    def at(self, name: str, links: int | None = None, **indices: int) -> Tex:
        """One instance of a formula with free indices, e.g. ``formula_at("f", k=1, t=2)``.

        The formula is verified for every value of its indices, so the instance is checked too.
        ``links=1`` prints only ``lhs = r1`` of a chain.
        """
        formula = self._get(name)
        try:
            return Tex(formula.tex_at(links, **indices))
        except LookupError as error:
            raise RenderError(*template_location(), str(error.args[0])) from None

    def inline(self, name: str, turn: bool = True) -> Tex:
        """``lhs = r1 = ...`` as math-mode content.

        ``turn=False`` prints the formula as the book states it, in the profile's letters, even
        where the profile stores its left side transposed (to show the other orientation).
        """
        return Tex(self._get(name, turn).tex())

    def result(self, name: str) -> Tex:
        """Only ``lhs = last side`` of a chain."""
        return Tex(self._get(name).tex_result())

    def aligned(self, name: str) -> Tex:
        """The chain one link per line, for the body of an ``align`` environment."""
        return Tex(self._get(name).tex_aligned())


class Layout:
    """How the chosen profile lays out its matrices, for the prose around the formulas.

    Formulas turn themselves (``Formulas``); the words next to them ask the layout: which way a
    batch runs, which way a neuron's weights run, and which symbol is the profile's own matrix.
    """

    def __init__(self, notation: Notation) -> None:
        self.example = "row" if notation.batch == "rows" else "column"  # one example per ...
        self.unit = "column" if notation.batch == "rows" else "row"  # one unit of a layer per ...
        # The weights into one neuron of the layer above: a row of W, or a column of W^T.
        self.into = "row" if notation.orientation == "output-by-input" else "column"
        self._flipped = notation.stored_transposed
        self._reserved = notation.reserved_letters()

    def flipped(self, name: str) -> bool:
        """Whether the profile's own matrix is the transpose of the book's quantity ``name``."""
        return name in self._flipped

    def own(self, name: str) -> Tex:
        """The macro that prints the profile's own matrix for the book's ``name``: ``\\name`` or ``\\nameT``."""
        return Tex("\\" + (companion(name) if self.flipped(name) else name))

    def shape(self, name: str, rows: str, columns: str) -> Tex:
        """``rows \\times columns``, the shape of the book's ``name``, as the profile's own matrix has it."""
        for size in (rows, columns):
            if size in self._reserved:  # a size is a symbol of the notation, not a letter typed here
                raise RenderError(*template_location(), f"shape {size!r}: write the symbol \\{self._reserved[size]}")
        if self.flipped(name):
            rows, columns = columns, rows
        return Tex(f"{rows} \\times {columns}")
