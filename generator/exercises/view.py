"""What a chapter's template sees of its exercises: each question and answer printed through the
ledger (``v``), the checked formulas and the profile's layout, never a number of its own."""

from __future__ import annotations

from typing import Any

from generator.display import Formulas, Layout
from generator.exercises.generate import Exercise, chapter_exercises, derive_givens, step_text
from generator.formulas import CHAPTER_OF, FORMULAS, results_like
from generator.quantities import BY_NAME, Quantity
from generator.spec import ChapterSpec
from generator.tex import Tex

KIND_WORDS = {"compute": "compute", "derive": "derive", "shapes": "shapes", "mistake": "find the mistake"}
LOSS_WORDS = {
    "sse": "the squared error, summed over the output units (without a factor of one half)",
    "mse": "the squared error, averaged over the output units",
    "bce": "the binary cross-entropy, summed over the output units",
    "softmax_ce": "the cross-entropy of the softmax outputs against the one-hot target",
}


class ExerciseView:
    """``exercises`` in a chapter's template: the list, and how each part prints."""

    def __init__(self, spec: ChapterSpec, values: Any, formulas: Formulas, layout: Layout) -> None:
        self._spec, self._v, self._formulas, self._layout = spec, values, formulas, layout
        self.list: tuple[Exercise, ...] = chapter_exercises(spec)

    # -------------------------------------------------------------- labels

    def label(self, exercise: Exercise, what: str) -> Tex:
        """``ex:CHAPTER:N`` (the question) or ``ans:CHAPTER:N`` (its answer)."""
        return Tex(f"{what}:{self._spec.name}:{exercise.number}")

    def kind_words(self, exercise: Exercise) -> str:
        """What an exercise's head calls its kind."""
        return KIND_WORDS[exercise.kind]

    def loss_words(self) -> str:
        """The chapter's loss in words (a sheet's compute question states it; one example, so the
        reduction over a batch does not change it)."""
        return LOSS_WORDS[self._spec.loss]

    # -------------------------------------------------------------- numbers

    def _call(self, printer: Any, q: Quantity) -> Tex:
        kind = BY_NAME[q.kind]
        args: list[Any] = ([q.layer] if "layer" in kind.parameters else []) + list(q.index)
        keywords: dict[str, Any] = {}
        if kind.per_example:
            keywords["example"] = q.example or 1
        if q.network is not None:
            keywords["network"] = q.network
        return getattr(printer, kind.call)(*args, **keywords)

    def eq(self, q: Quantity) -> Tex:
        """``symbol = value`` of a quantity."""
        return self._call(self._v.eq, q)

    def sym(self, q: Quantity) -> Tex:
        """The symbol of a quantity alone."""
        return self._call(self._v.sym, q)

    def whole(self, exercise: Exercise, call: str, layer: str | None) -> Tex:
        """A whole vector or matrix of the exercise's variant network, with its name."""
        kind = BY_NAME[next(k.name for k in BY_NAME.values() if k.call == call)]
        vector = not (kind.matrix == "weight" and layer is not None)
        printer = getattr(self._v.matrix, call)
        if layer is None:
            return printer(inline=vector, network=exercise.network)
        return printer(layer, inline=vector, network=exercise.network)

    def given_lines(self, exercise: Exercise) -> list[list[tuple[str, str | None]]]:
        """The question's vectors and matrices, one line per layer (its weights and biases), then
        the input and the target."""
        lines: dict[str | None, list[tuple[str, str | None]]] = {}
        for call, layer in exercise.given:
            lines.setdefault(layer, []).append((call, layer))
        data = lines.pop(None, [])
        return [*lines.values(), data]

    def path_lines(self, exercise: Exercise) -> list[list[tuple[str, str | None]]]:
        """The answer's vectors on the way, two to a line where both are short (three entries at
        most), else one."""
        lines: list[list[tuple[str, str | None]]] = []
        for call, layer in exercise.path:
            if lines and len(lines[-1]) == 1 and self._short((call, layer)) and self._short(lines[-1][0]):
                lines[-1].append((call, layer))
            else:
                lines.append([(call, layer)])
        return lines

    def _short(self, item: tuple[str, str | None]) -> bool:
        layer = item[1]
        return layer is not None and self._spec.layers[self._spec.layer_number(layer) - 1].size <= 3

    def steps(self, exercise: Exercise) -> list[Tex]:
        """The answer's displayed arithmetic, each step reproduced from its printed operands; a step of
        more than two products is set on two lines."""
        return [self._v.step(step_text(term), split=len(term.terms) > 2) for term in exercise.steps]

    # -------------------------------------------------------------- formulas

    def lhs(self, exercise: Exercise) -> Tex:
        """The left side of the result a derive exercise asks for."""
        formula = self._formulas.get(exercise.formula or "")
        return Tex(formula.tex().split(f" {formula.relation} ")[0])

    def home(self, exercise: Exercise) -> str:
        """The label of the chapter whose result a derive exercise asks for, when that is not this
        chapter (its symbols are that chapter's), or ''. A chapter's label is ``chap:`` and its name."""
        home = CHAPTER_OF[exercise.formula or ""]
        return "" if home == self._spec.name else f"chap:{home}"

    def derivation(self, exercise: Exercise) -> Tex:
        """How a derive exercise's result is derived: "from the chain rule", or its model's own words."""
        return Tex(FORMULAS[exercise.formula or ""].model.derivation)

    def condition(self, exercise: Exercise) -> Tex:
        """What a derive exercise's result assumes of its indices (``i \\neq j``), or nothing."""
        return Tex(FORMULAS[exercise.formula or ""].index_condition())

    def givens(self, exercise: Exercise) -> list[str]:
        """The definitions a derive exercise states with its question (``derive_givens``)."""
        return derive_givens(exercise.formula or "")

    def chained(self, exercise: Exercise) -> bool:
        return len(FORMULAS[exercise.formula or ""].chain) > 1

    def correct(self, exercise: Exercise) -> str | None:
        """A checked result with the same left side as a mistake's wrong formula, if the catalogue has one."""
        network = self._formulas.network
        if network is None:
            return None
        held = (name for name in results_like(FORMULAS[exercise.formula or ""]) if FORMULAS[name].requires <= network)
        return next(held, None)

    def binding_note(self, exercise: Exercise) -> Tex:
        """Which layer a formula of the linear layer ``y = W x + b`` is read on (its y the layer's
        pre-activations, its x the layer's input), or nothing for the other models."""
        if FORMULAS[exercise.formula or ""].model.name != "linear":
            return Tex("")
        spec, layer = self._spec, exercise.layer or ""
        n = spec.layer_number(layer)
        below = r"\inputvec" if n == 1 else rf"\act{{{spec.layers[n - 2].shown}}}"
        return Tex(
            rf"The formula speaks of a linear layer $\liny = \linW \inputvec + \linb$: here layer "
            rf"$\layer{{{spec.label(layer)}}}$, whose $\liny$ is $\preact{{{spec.label(layer)}}}$ and whose "
            rf"$\inputvec$ is {'the input' if n == 1 else f'${below}$'}."
        )

    # -------------------------------------------------------------- shapes

    def _size(self, layer: str | None) -> str:
        """The size macro of a layer, as the chapters write it: the output layer's is the network's
        number of outputs, ``\\noutputs``; the input's ``\\ninputs``; any other layer's ``\\units{name}``."""
        if layer is None:
            return r"\ninputs"
        if layer == self._spec.layers[-1].name:
            return r"\noutputs"
        return rf"\units{{{self._spec.label(layer)}}}"

    def shape_of(self, exercise: Exercise) -> dict[str, Any]:
        """What a shapes exercise prints: the quantity asked, its shape in size macros, and its sizes on
        this network (``sizes()``: ``two by four``; ``sizes(words=False)``: in numerals), in the order the
        shape names them."""
        layer, below = exercise.layer or "", exercise.below
        label = self._spec.label(layer)
        own = self._layout.own
        if exercise.form == "weight_gradient":
            matrix, rows, columns = "weight", self._size(layer), self._size(below)
            symbol = rf"\pd{{\cost}}{{{own('weight')}{{{label}}}}}"
            counts = [("units", layer), ("inputs", None) if below is None else ("units", below)]
        elif exercise.form == "error_batch":
            matrix, rows, columns = "Err", r"\nbatch", self._size(layer)
            symbol = rf"{own('Err')}{{{label}}}"
            counts = [("examples", None), ("units", layer)]
        else:
            matrix, rows, columns = "Err", r"\nbatch", self._size(below)
            same = self._layout.flipped("Err") == self._layout.flipped("weight")
            if same and self._layout.flipped("Err"):
                symbol = rf"{own('weight')}{{{label}}}\,{own('Err')}{{{label}}}"
            else:
                symbol = rf"\Err{{{label}}}\,\weight{{{label}}}"
                matrix = "Err" if same else ""
            counts = [("examples", None), ("inputs", None) if below is None else ("units", below)]
        flipped = bool(matrix) and self._layout.flipped(matrix)
        shape = self._layout.shape(matrix, rows, columns) if matrix else Tex(f"{rows} \\times {columns}")
        if flipped:
            counts.reverse()

        def sizes(words: bool = True) -> Tex:
            # the sizes in the order the shape names them, as one phrase that no template can reorder;
            # recorded in the ledger only where it is printed (the answer, not the question)
            count = self._v.words.count if words else self._v.count
            first, second = (count(kind, layer) if layer else count(kind) for kind, layer in counts)
            return Tex(f"{first} by {second}")

        return {"symbol": Tex(symbol), "shape": shape, "sizes": sizes}
