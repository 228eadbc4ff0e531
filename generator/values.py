"""The template's access to computed numbers (invariants 1, 8 and 9).

Every number goes through the ledger: ``Values`` takes the core's value, rounds it by the ledger's
one rule and records it. What a template may print:

* ``v.eq.<call>(...)``: the quantity's symbol and its value from one call, ``W_{12} = 0.35``;
* ``v.matrix.<call>(layer)``: a whole matrix or vector with its name, laid out as the profile
  stores it; ``v.result(formula, call, layer)``: a checked formula and the matrix it computes,
  whose left side must name that matrix;
* ``v.step("...")``: displayed arithmetic (``generator.steps``);
* ``v.<call>(...)``: a value on its own, only in a table cell under a generated row label
  (``v.row.<call>(...)``, ``v.unit``, ``v.example``) and column label (``v.column.<call>(...)``)
  that name it (the scan checks);
* ``v.sym.<call>(...)``: a symbol alone, to speak of it;
* ``v.row_of.<call>(layer, k)`` and ``v.example_column(e)``: the labels of a table with one row
  per quantity and one column per example;
* ``v.count(name, layer)``: a count in prose, its words its label; ``v.words.count(...)`` in words;
* ``v.example_begin()`` ... ``v.example_end()``: a worked example, whose every printed number's
  operands must be printed earlier in the chapter (``generator.closure``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

from generator import graph_figure, network_picture, plots, provenance
from generator.compute import Computation, CoreFailure
from generator.display import Formulas, Layout
from generator.formulas import Formula, bind, lhs_quantity, results_like
from generator.formulas.language import Entry as FormulaEntry
from generator.formulas.language import Q
from generator.ledger import Entry, Ledger
from generator.quantities import BY_CALL, BY_NAME, INDEX_PARAMETERS, PER_EXAMPLE, Kind, Quantity, QuantityError
from generator.spec import ChapterSpec, LayerSpec
from generator.steps import Ref, Step, StepSyntaxError, parse, refs, render
from generator.tex import RenderError, Tex, escape_tex, template_location

APPROXIMATE_NOTE = (
    r"\footnote{A step marked $\approx$ is computed from the unrounded values; with the printed "
    r"values it gives a neighbouring last digit.}"
)


def _key(quantity: Quantity) -> str:
    """What a value stands for, for the scan: its quantity, kind, layer, indices, example, network."""
    return json.dumps(
        {
            "quantity": str(quantity),
            "kind": quantity.kind,
            "layer": quantity.layer,
            "index": list(quantity.index),
            "example": quantity.example,
            "network": quantity.network,
        }
    )


def _index_ranges(kind: str, spec: ChapterSpec, layer: str | None) -> tuple[tuple[str, int], ...]:
    """What each index of a quantity counts, and how many there are: ("unit in layer 'hid'", 2), ..."""
    if layer is not None:
        weights = spec.layers[spec.layer_number(layer) - 1].weights
        return ((f"unit in layer {layer!r}", len(weights)), (f"input to layer {layer!r}", len(weights[0])))
    if kind in ("input", "input_gradient"):
        return (("input to the network", spec.input_size),)
    if kind == "target":
        return (("output of the network", spec.layers[-1].size),)
    return ()


class Values:
    """The ledger's interface for one chapter's template."""

    def __init__(
        self, spec: ChapterSpec, computation: Computation, ledger: Ledger, formulas: Formulas, layout: Layout
    ) -> None:
        self._spec, self._computation, self._ledger = spec, computation, ledger
        self._formulas, self._layout = formulas, layout
        self.steps: list[Step] = []
        self._in_example = False
        self._footnote_given = False
        self.eq = _Calls(self._labelled)
        self.sym = _Calls(functools.partial(self._symbol, None))
        self.row = _Calls(functools.partial(self._symbol, provenance.ROW_LABEL))
        self.column = _Calls(self._column)
        self.matrix = _Calls(self._matrix)
        self.words = _Calls(self._words)
        self.row_of = _Calls(self._per_example_row)

    # ------------------------------------------------------------------ quantities

    def __getattr__(self, call: str) -> Any:
        if call.startswith("_"):
            raise AttributeError(call)
        return functools.partial(self._bare, _kind(call))

    def _quantity(self, kind: Kind, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Quantity:
        """The quantity a call names, checked against the chapter's network."""
        template, line = template_location()
        try:
            bound = kind.signature.bind(*args, **kwargs)
        except TypeError as error:
            raise RenderError(template, line, f"{kind.usage()}: {error}") from None
        bound.apply_defaults()
        given = bound.arguments
        index = tuple(given.get("index", ())) or tuple(given[p] for p in kind.parameters if p in INDEX_PARAMETERS)
        layer, network, name = given.get("layer"), given.get("network"), given.get("name")
        example = given.get("example") if kind.per_example else None
        spec = self._spec
        try:
            network_spec = spec.network_spec(network)
            if layer is not None:
                network_spec.layer_number(layer)
            if "graph" in given:  # a node of a computational graph, "graph.node", or an edge, "graph.node.user"
                graph = spec.graph(str(given["graph"]))
                graph.node(str(given["node"]))
                name = f"{given['graph']}.{given['node']}"
                if "user" in given:
                    if given["node"] not in graph.node(str(given["user"])).inputs:
                        raise QuantityError(
                            f"node {given['user']!r} of graph {graph.name!r} does not read {given['node']!r}"
                        )
                    name += f".{given['user']}"
        except QuantityError as error:
            raise RenderError(template, line, str(error)) from None
        if kind.name in PER_EXAMPLE:
            example = 1 if example is None else example
            if (
                isinstance(example, bool)
                or not isinstance(example, int)
                or not 1 <= example <= len(network_spec.inputs)
            ):
                raise RenderError(template, line, f"example {example!r} out of range 1..{len(network_spec.inputs)}")
        quantity = Quantity(kind.name, layer, example, tuple(index), name, network)
        if any(isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in index):
            raise RenderError(template, line, f"indices are whole numbers from 1: {quantity}")
        if name is None:
            for position, (what, size) in zip(index, _index_ranges(kind.name, network_spec, layer), strict=False):
                if position > size:
                    raise RenderError(
                        template, line, f"{quantity}: there is no {what} {position}: it has {size} (counted from 1)"
                    )
        return quantity

    def _record(self, quantity: Quantity, words: bool = False, plotted: bool = False) -> Entry:
        template, line = template_location()
        spec = self._spec
        style = BY_NAME[quantity.kind].printed
        places = spec.decimals(quantity.kind, quantity.layer)
        if style == "fixed" and places is None:
            which = f"precision.{quantity.kind}" + (f".{quantity.layer}" if quantity.layer else "")
            raise RenderError(template, line, f"{spec.path} has no {which} for the number asked here")
        try:
            value = self._computation.value(quantity)
        except QuantityError as error:
            raise RenderError(template, line, f"no value for {quantity}: {error}") from None
        except CoreFailure:
            raise
        except Exception as error:  # the core itself failed: a failed check of this chapter, no traceback
            raise CoreFailure(spec.name, str(quantity), error, f"{template}:{line}") from None
        decimals = places if style == "fixed" and places is not None else 0
        return self._ledger.record(quantity, value, decimals, template, line, self._in_example, words, plotted)

    @staticmethod
    def _number(entry: Entry, role: str) -> str:
        printed = rf"\numword{{{entry.shown}}}" if entry.words else rf"\num{{{entry.text}}}"
        return provenance.role(role, _key(entry.quantity), printed)

    def _symbol_of(self, quantity: Quantity, example_letter: str | None = None) -> str:
        kind = BY_NAME[quantity.kind]
        batch = kind.per_example and len(self._spec.network_spec(quantity.network).inputs) > 1
        example: int | str | None = example_letter if example_letter is not None else quantity.example
        try:
            label = self._spec.network_spec(quantity.network).label(quantity.layer)
            if "graph" in kind.parameters:  # a graph's node prints by its name (and its graph's output)
                graph, node, *user = (quantity.name or "").split(".")
                names = {"node": _subscripted(node), "output": _subscripted(self._spec.graph(graph).output)}
                names["user"] = _subscripted(user[0]) if user else ""
                return kind.entry_symbol(None, (), None, False, names)
            return kind.entry_symbol(label, quantity.index, example, batch)  # type: ignore[arg-type]
        except QuantityError as error:
            raise RenderError(*template_location(), str(error)) from None

    def _bare(self, kind: Kind, *args: Any, **kwargs: Any) -> Tex:
        """A value on its own: only in a labelled table cell (the scan checks). A count is the
        exception, and so is a named constant: the words around it ("three inputs") are its label. A
        bound carries its relation, ``< 10^{-9}``, so that no word typed beside it can turn it round."""
        role = provenance.LABELLED_VALUE if kind.prose else provenance.BARE_VALUE
        number = self._number(self._record(self._quantity(kind, args, kwargs)), role)
        return Tex(f"<{number}" if kind.printed == "bound" else number)

    def _words(self, kind: Kind, *args: Any, **kwargs: Any) -> Tex:
        """A count in words, ``two``, for prose (twelve and below; larger counts print in digits)."""
        if kind.printed != "integer":
            raise RenderError(*template_location(), f"only a count prints in words, not {kind.usage()}")
        entry = self._record(self._quantity(kind, args, kwargs), words=True)
        return Tex(self._number(entry, provenance.LABELLED_VALUE))

    def _labelled(self, kind: Kind, *args: Any, **kwargs: Any) -> Tex:
        """``symbol = value``, both from one quantity."""
        quantity = self._quantity(kind, args, kwargs)
        entry = self._record(quantity)
        relation = "<" if kind.printed == "bound" else "="  # a bound lies above its value
        return Tex(f"{self._symbol_of(quantity)} {relation} {self._number(entry, provenance.LABELLED_VALUE)}")

    def _symbol(self, role: str | None, kind: Kind, *args: Any, **kwargs: Any) -> Tex:
        """A quantity's symbol; as a row label, marked with what the row's values must be."""
        quantity = self._quantity(kind, args, kwargs)
        symbol = self._symbol_of(quantity)
        if role is None:
            return Tex(symbol)
        key: dict[str, Any] = {"layer": quantity.layer, "index": list(quantity.index), "network": quantity.network}
        if kind.per_example:
            key["example"] = quantity.example
        return Tex(provenance.role(role, json.dumps(key), symbol))

    def _column(self, kind: Kind, *args: Any, **kwargs: Any) -> Tex:
        """A column's header: the kind's symbol naming the column's values. An index given as a letter
        (``v.column.a("out", "k")``) stands for the rows; one given as a number is the column's own."""
        template, line = template_location()
        try:
            given = kind.signature.bind(*args, **kwargs).arguments
        except TypeError as error:
            raise RenderError(template, line, f"{kind.usage()}: {error}") from None
        layer = given.get("layer")
        letter_layer = isinstance(layer, str) and layer.startswith("\\")  # "\\ell": a column of every layer
        if layer is not None and not letter_layer:
            try:
                self._spec.layer_number(layer)
            except QuantityError as error:
                raise RenderError(template, line, str(error)) from None
        index = tuple(given[p] for p in kind.parameters if p in INDEX_PARAMETERS)
        key: dict[str, Any] = {"kind": kind.name}
        if not letter_layer:
            key["layer"] = layer
        if index and all(isinstance(i, int) for i in index):
            key["index"] = list(index)
        batch = kind.per_example and len(self._spec.inputs) > 1
        try:
            label = layer if letter_layer else self._spec.label(layer)
            symbol = kind.entry_symbol(label, index, "e" if batch else 1, batch)  # type: ignore[arg-type]
        except QuantityError as error:
            raise RenderError(template, line, str(error)) from None
        return Tex(provenance.role(provenance.COLUMN_LABEL, json.dumps(key), symbol))

    def _per_example_row(self, kind: Kind, *args: Any, **kwargs: Any) -> Tex:
        """A row label of a table with one column per example: the quantity's symbol with the example
        letter, naming the row's values of that quantity (whatever their example)."""
        quantity = self._quantity(kind, args, kwargs)
        if not kind.per_example:
            raise RenderError(*template_location(), f"{kind.usage()} is not a value per example")
        key = {"kind": kind.name, "layer": quantity.layer, "index": list(quantity.index), "network": None}
        try:
            label = self._spec.label(quantity.layer)
            symbol = kind.entry_symbol(label, quantity.index, "e", True)  # type: ignore[arg-type]
        except QuantityError as error:
            raise RenderError(*template_location(), str(error)) from None
        return Tex(provenance.role(provenance.ROW_LABEL, json.dumps(key), symbol))

    def example_column(self, e: int) -> Tex:
        """A column header: example ``e`` (the number itself), naming the column's values of that example."""
        self._quantity(BY_NAME["input"], (1,), {"example": e})
        return Tex(provenance.role(provenance.COLUMN_LABEL, json.dumps({"example": e}), str(e)))

    def unit(self, layer: str, k: int, example: int = 1) -> Tex:
        """A row label: unit ``k`` of ``layer`` (its neuron symbol), naming the row's values of that unit."""
        quantity = self._quantity(BY_NAME["activation"], (layer, k), {"example": example})
        key = {"layer": layer, "index": [k], "example": quantity.example, "network": None}
        return Tex(
            provenance.role(provenance.ROW_LABEL, json.dumps(key), rf"\neuron{{{self._spec.label(layer)}}}{{{k}}}")
        )

    def parameter_column(self, what: str) -> Tex:
        """A column header of the gradient check naming any parameter's value of one sort:
        ``"analytic"`` (backpropagation's gradient of a weight or a bias), ``"numerical"`` (the
        central difference) or ``"relative_error"``."""
        columns = {
            "analytic": (r"\gradanalytic", ["weight_gradient", "bias_gradient"]),
            "numerical": (r"\gradnumerical", ["numerical_gradient"]),
            "relative_error": (r"\relerr", ["relative_error"]),
        }
        if what not in columns:
            raise RenderError(*template_location(), f"no parameter column {what!r} (columns: {', '.join(columns)})")
        symbol, kinds = columns[what]
        return Tex(provenance.role(provenance.COLUMN_LABEL, json.dumps({"kind": kinds}), symbol))

    def parameter(self, layer: str, *index: int) -> Tex:
        """A row label: a weight (two indices) or a bias (one) of ``layer``, naming the row's values."""
        kind = {2: "weight", 1: "bias"}.get(len(index))
        if kind is None:
            raise RenderError(*template_location(), f"a parameter is a weight (k, t) or a bias (k), not {index!r}")
        quantity = self._quantity(BY_NAME[kind], (layer, *index), {})
        key = {"layer": layer, "index": list(index), "network": None}
        return Tex(provenance.role(provenance.ROW_LABEL, json.dumps(key), self._symbol_of(quantity)))

    def network_row(self, network: str) -> Tex:
        """A row label: the title of the chapter whose network the row's values are of."""
        try:
            other = self._spec.network_spec(network)
        except QuantityError as error:
            raise RenderError(*template_location(), str(error)) from None
        return Tex(provenance.role(provenance.ROW_LABEL, json.dumps({"network": network}), escape_tex(other.title)))

    def example(self, e: int) -> Tex:
        """A row label: example ``e`` (the number itself), naming the row's values of that example."""
        self._quantity(BY_NAME["input"], (1,), {"example": e})
        return Tex(provenance.role(provenance.ROW_LABEL, json.dumps({"example": e}), str(e)))

    # ------------------------------------------------------------------ matrices

    def _grid(self, kind: Kind, layer: str | None, network: str | None = None) -> tuple[str, list[list[Quantity]]]:
        """A whole quantity's name and its entries by row, as this profile stores it (of the network
        ``network``: another chapter's, or a variant of this chapter's for an exercise)."""
        try:
            spec = self._spec.network_spec(network)
        except QuantityError as error:
            raise RenderError(*template_location(), str(error)) from None
        units = (
            spec.layers[spec.layer_number(layer) - 1].size
            if layer is not None
            else (spec.input_size if kind.name in ("input", "input_gradient") else spec.layers[-1].size)
        )
        examples = len(spec.inputs)
        gradient = (lambda text: rf"\pd{{{kind.gradient_of}}}{{{text}}}") if kind.gradient_of else (lambda t: t)
        argument = f"{{{spec.label(layer)}}}" if layer is not None else ""
        if kind.matrix == "weight" and layer is not None:
            fan_in = len(spec.layers[spec.layer_number(layer) - 1].weights[0])
            rows = [
                [Quantity(kind.name, layer, None, (k, t), None, network) for t in range(1, fan_in + 1)]
                for k in range(1, units + 1)
            ]
            name, flipped = "weight", self._layout.flipped("weight")
        elif kind.per_example and examples > 1 and kind.matrix:
            rows = [
                [Quantity(kind.name, layer, e, (k,), None, network) for k in range(1, units + 1)]
                for e in range(1, examples + 1)
            ]
            name, flipped = kind.matrix, self._layout.flipped(kind.matrix)
        elif kind.vector:
            example = 1 if kind.per_example else None
            rows = [[Quantity(kind.name, layer, example, (k,), None, network)] for k in range(1, units + 1)]
            return gradient(rf"\{kind.vector}{argument}"), rows
        else:
            raise RenderError(*template_location(), f"{kind.usage()} has no matrix or vector to print")
        own = self._layout.own(name)
        if flipped:
            rows = [list(column) for column in zip(*rows, strict=True)]
        return gradient(f"{own}{argument}"), rows

    def _pmatrix(self, rows: list[list[Quantity]], role: str) -> str:
        lines = [" & ".join(self._number(self._record(q), role) for q in row) for row in rows]
        return "\\begin{pmatrix}\n" + " \\\\\n".join(lines) + "\n\\end{pmatrix}"

    def _matrix(self, kind: Kind, layer: str | None = None, inline: bool = False, network: str | None = None) -> Tex:
        """``name = (values)``: a whole matrix or vector and its name, from one call; ``inline`` prints a
        vector as the transpose of a row, ``(0.5, 1)^T``; ``network`` as for ``_grid``."""
        name, rows = self._grid(kind, layer, network)
        if inline:
            if any(len(row) != 1 for row in rows):
                raise RenderError(*template_location(), f"{kind.usage()}: only a vector prints inline")
            entries = ", ".join(self._number(self._record(row[0]), provenance.LABELLED_VALUE) for row in rows)
            return Tex(rf"{name} = ({entries})^{{\top}}")
        return Tex(f"{name} = {self._pmatrix(rows, provenance.LABELLED_VALUE)}")

    def network_figure(self, label: str, activations: bool = True, caller: Any = None) -> str:
        """A drawing of the chapter's network (a ``figure``; the call block's body is its caption):
        inputs, each arrow with its weight, each unit with its bias where it has one and, with
        ``activations``, its activation. Code places every value beside its symbol."""
        lines = self._network_lines(None, activations)
        head = "\n".join([r"\begin{figure}[htbp]", r"\centering", *lines, r"\caption{"])
        # The caption is the template's own text: it stays marked as such, for the scan.
        caption = caller() if caller is not None else ""
        closing = rf"}}\label{{{label}}}" + "\n" + r"\end{figure}"
        return provenance.generated(head) + caption + provenance.generated(closing)

    def network_drawing(self, network: str | None = None, activations: bool = True) -> Tex:
        """The drawing of ``network_figure``, centred, not floating, in LaTeX's picture mode (fast
        enough for a class's sheets, ``generator.network_picture``): of the chapter's network or of
        another it checks (``network``, such as an exercise's variant)."""
        try:
            spec = self._spec.network_spec(network)
        except QuantityError as error:
            raise RenderError(*template_location(), str(error)) from None
        value = self._drawn_value
        inputs = [
            network_picture.Unit(
                0,
                y,
                rf"$\inputentry{{{t}}}$",
                (value(Quantity("input", None, 1, (t,), network=network)),),
                t == 1,
                "input",
            )
            for t, y in enumerate(network_picture.heights(spec.input_size), start=1)
        ]
        columns = [inputs]
        for number, layer in enumerate(spec.layers, start=1):
            column = []
            for k, y in enumerate(network_picture.heights(layer.size), start=1):
                labels = self._unit_labels(layer, k, network, activations)
                symbol = rf"$\actentry{{{layer.shown}}}{{{k}}}$"
                column.append(
                    network_picture.Unit(number * network_picture.COLUMN, y, symbol, tuple(labels), k == 1, "neuron")
                )
            columns.append(column)

        def weight(n: int, k: int, t: int) -> str:
            return value(Quantity("weight", spec.layers[n - 1].name, None, (k, t), network=network))

        lines = [r"\begin{center}", *network_picture.picture_lines(columns, weight), r"\end{center}"]
        return Tex("\n".join(lines))

    def _unit_labels(self, layer: LayerSpec, k: int, network: str | None, activations: bool) -> list[str]:
        """What a drawing prints beside unit ``k`` of ``layer``: its activation (if asked) and its bias."""
        labels = []
        if activations:
            labels.append(self._drawn_value(Quantity("activation", layer.name, 1, (k,), network=network)))
        if layer.biases is not None:
            bias = Quantity("bias", layer.name, None, (k,), network=network)
            labels.append(f"{self._symbol_of(bias)} = {self._drawn_value(bias)}")
        return labels

    def _network_lines(self, network: str | None, activations: bool) -> list[str]:
        """The TikZ picture of a network: inputs, arrows with weights, units with biases and activations."""
        spec = self._spec.network_spec(network)
        column, row = 4.2, 2.4
        lines = [
            r"\begin{tikzpicture}[",
            r"    neuron/.style={circle, draw=black!70, fill=blue!6, thick, minimum size=13mm, inner sep=0pt, "
            r"font=\small},",
            r"    inputnode/.style={circle, draw=black!70, fill=black!4, thick, minimum size=13mm, inner sep=0pt, "
            r"font=\small},",
            r"    value/.style={font=\footnotesize\bfseries, text=blue!50!black},",
            r"    link/.style={->, >=stealth, thick, draw=black!55},",
            r"    weightlabel/.style={font=\footnotesize, fill=white, inner sep=1.5pt}]",
        ]

        def height(count: int, position: int) -> str:
            return f"{(count + 1) / 2 * row - position * row:g}"

        value = self._drawn_value

        width = spec.input_size
        for t in range(1, width + 1):
            lines.append(rf"\node[inputnode] (n0-{t}) at (0, {height(width, t)}) {{$\inputentry{{{t}}}$}};")
            place = "above" if t == 1 else "below"
            lines.append(
                rf"\node[value, {place}=1pt of n0-{t}] "
                rf"{{${value(Quantity('input', None, 1, (t,), network=network))}$}};"
            )
        for number, layer in enumerate(spec.layers, start=1):
            for k in range(1, layer.size + 1):
                node = f"n{number}-{k}"
                lines.append(
                    rf"\node[neuron] ({node}) at ({number * column:g}, {height(layer.size, k)}) "
                    rf"{{$\actentry{{{layer.shown}}}{{{k}}}$}};"
                )
                place = "above" if k == 1 else "below"
                labels = self._unit_labels(layer, k, network, activations)
                if labels:
                    stacked = r"$ \\ $".join(labels)
                    lines.append(rf"\node[value, {place}=1pt of {node}, align=center] {{${stacked}$}};")
            for k in range(1, layer.size + 1):
                for t in range(1, width + 1):
                    where = "pos=0.5" if t == k else "pos=0.25, sloped, above, fill=none"
                    weight = value(Quantity("weight", layer.name, None, (k, t), network=network))
                    lines.append(
                        rf"\draw[link] (n{number - 1}-{t}) -- node[weightlabel, {where}] {{${weight}$}} "
                        rf"(n{number}-{k});"
                    )
            width = layer.size
        return [*lines, r"\end{tikzpicture}"]

    # ------------------------------------------------------------------ plots

    def _plot_point(self, call: str, *args: Any, **kwargs: Any) -> str:
        """A plot's coordinate: a ledger value, recorded as drawn (``\\plotvalue{text}``)."""
        quantity = self._quantity(_kind(call), args, kwargs)
        entry = self._record(quantity, plotted=True)
        return provenance.role(provenance.PLOTTED, _key(quantity), rf"\plotvalue{{{entry.text}}}")

    def loss_figure(self, label: str, caller: Any = None) -> str:
        """The loss curve of the training run: the loss before training and every
        ``training.record_every`` steps after, each point a ledger value."""
        try:
            return self._figure([plots.loss_curve(self._spec, self._plot_point)], label, caller)
        except ValueError as error:
            raise RenderError(*template_location(), str(error)) from None

    def boundary_figure(self, label: str, caller: Any = None) -> str:
        """The network's first output on the training grid before and after training, as colour
        maps with the examples marked by their target, each value a ledger value."""
        try:
            return self._figure([plots.decision_maps(self._spec, self._plot_point)], label, caller)
        except ValueError as error:
            raise RenderError(*template_location(), str(error)) from None

    def _figure(self, lines: list[str], label: str, caller: Any) -> str:
        """A ``figure`` around generated TikZ; the call block's body is its caption (the template's text)."""
        head = "\n".join([r"\begin{figure}[htbp]", r"\centering", *lines, r"\caption{"])
        caption = caller() if caller is not None else ""
        closing = rf"}}\label{{{label}}}" + "\n" + r"\end{figure}"
        return provenance.generated(head) + caption + provenance.generated(closing)

    def _drawn_value(self, quantity: Quantity) -> str:
        """A number on a drawing, beside the node or arrow that names it."""
        return self._number(self._record(quantity), provenance.LABELLED_VALUE)

    def graph_figure(self, graph: str, label: str, spacing: float = 2.1, rise: float = 1.3, caller: Any = None) -> str:
        """A computational graph of the spec (``[[graphs]]``), every edge with its forward value and what
        the backward pass sends along it (``generator.graph_figure``); the call block's body is its caption."""
        try:
            chosen = self._spec.graph(graph)
        except QuantityError as error:
            raise RenderError(*template_location(), str(error)) from None
        lines = graph_figure.graph_lines(self._spec, chosen, self._drawn_value, spacing, rise)
        return self._figure(lines, label, caller)

    def graph_expression(self, graph: str, node: str | None = None, expand: bool = True) -> Tex:
        """``node = expression``: a node of a spec's graph (its output by default) written out from the
        graph's own nodes, in terms of its inputs (``expand``) or of the nodes it reads."""
        try:
            chosen = self._spec.graph(graph)
            name = node or chosen.output
            text, _ = graph_figure.expression(chosen, name, expand)
        except QuantityError as error:
            raise RenderError(*template_location(), str(error)) from None
        return Tex(f"{graph_figure.node_symbol(name)} = {text}")

    def backward_figure(self, label: str, caller: Any = None) -> str:
        """The chapter's network with its backward pass: each unit's activation gradient and error term,
        the arrows reversed, each with its weight (example one); the call block's body is its caption."""
        lines = graph_figure.backward_flow_lines(self._spec, self._drawn_value, self._symbol_of)
        return self._figure(lines, label, caller)

    def result(self, formula: str, call: str, layer: str | None = None) -> Tex:
        """A checked formula, then ``=`` and the matrix it computes on this network; the formula's
        left side must print exactly as that matrix's name."""
        shown = self._formulas.inline(formula)
        name, rows = self._grid(_kind(call), layer)
        left = shown.split(" = ")[0]
        if left != name:
            raise RenderError(
                *template_location(), f"formula {formula!r} computes {left}, not {name} whose values follow it"
            )
        return Tex(f"{shown} = {self._pmatrix(rows, provenance.LABELLED_VALUE)}")

    def _instance(
        self, formula: str, layer: str, index: tuple[int, ...], example: int, wrong: bool, short: bool = False
    ) -> str:
        """One instance of a formula on this network and the value its right side gives there
        (``short``: only its left side, marked as the source's, and the value)."""
        shown = self._formulas.get(formula, wrong=wrong)
        if len(index) != len(shown.free):
            raise RenderError(
                *template_location(),
                f"formula {formula!r} has free indices {', '.join(shown.free)}: give one number each",
            )
        indices = dict(zip(shown.free, index, strict=True))
        try:
            instance = shown.tex_at(0, **indices) if short else shown.tex_at(None, **indices)
        except LookupError as error:
            raise RenderError(*template_location(), str(error.args[0])) from None
        if short:
            instance = rf"\rounded{{{instance}}}"
        entry = self._record(self._quantity(BY_NAME["formula"], (shown.name, layer, *index), {"example": example}))
        if wrong:
            self._refutes(shown, layer, indices, example, entry)
        return f"{instance} = {self._number(entry, provenance.LABELLED_VALUE)}"

    def _refutes(self, shown: Formula, layer: str, indices: dict[str, int], example: int, claim: Entry) -> None:
        """A counterexample must be one: where the quantity the wrong formula's left side names has a
        value of this network, the claim printed differs from it by two units in its last place or
        more (the distance a mistake exercise asks for), or the template chose the wrong instance."""
        if not isinstance(shown.lhs, (Q, FormulaEntry)):
            return  # the left side is an expression, no single quantity to compare with
        index = tuple(indices.values())
        try:
            binding = bind(shown.model.name, self._spec, layer, example)
            truth = lhs_quantity(binding, shown.lhs, shown.free, index) if shown.lhs.name in binding else None
            if truth is None:  # no quantity of the chapter: the checked result with the same left side
                right = results_like(shown)
                truth = Quantity("formula", layer, example, index, right[0]) if right else None
            true = self._computation.value(truth) if truth is not None else None
        except (QuantityError, KeyError, IndexError, TypeError):
            return  # the left side is no single quantity of the chapter: nothing to compare with
        if true is not None and abs(claim.value - true) < 2 * 10.0**-claim.decimals:
            at = ", ".join(f"{name} = {value}" for name, value in indices.items())
            raise RenderError(
                *template_location(),
                f"counterexample {shown.name!r} at {at}: the wrong formula claims {claim.text} there, and the "
                f"true value {truth} is {true:.{claim.decimals + 2}f}: choose an instance where they differ",
            )

    def result_at(self, formula: str, layer: str, *index: int, example: int = 1) -> Tex:
        """A checked formula at one instance on this network, with its value: ``lhs = rhs = -0.1056``."""
        return Tex(self._instance(formula, layer, index, example, wrong=False))

    def counterexample(self, formula: str, layer: str, *index: int, example: int = 1, short: bool = False) -> Tex:
        """A formula marked wrong, at one instance on this network, with the value its right side
        claims there: ``lhs = rhs = 12.200``; ``short`` prints the left side as the source's,
        ``J~ = 1.7527``. Shown as a mistake (only inside a mistakes box)."""
        text = self._instance(formula, layer, index, example, wrong=True, short=short)
        return Tex(provenance.role(provenance.MISTAKE, formula, text))

    # ------------------------------------------------------------------ steps and worked examples

    def quantity_of(self, ref: Ref) -> Quantity:
        """The quantity a reference of the step language names (``e=2`` is the example)."""
        keywords = {("example" if k == "e" else k): v for k, v in ref.keywords}
        return self._quantity(_kind(ref.call), ref.args, keywords)

    def step(self, text: str, unrounded: bool = False, symbols: bool = True, split: bool = False) -> Tex:
        """Displayed arithmetic: its symbols, its printed operands and its result (``generator.steps``)."""
        template, line = template_location()
        try:
            expression, result_ref = parse(text)
        except StepSyntaxError as error:
            raise RenderError(template, line, f"step {text!r}: {error}") from None
        entries: dict[Ref, Entry] = {}

        quantity = self.quantity_of

        for ref in refs(expression):
            if ref not in entries:
                entries[ref] = self._record(quantity(ref))
        result = dataclasses.replace(
            self._record(quantity(result_ref)), worked_from=tuple(entry.quantity for entry in entries.values())
        )
        self._ledger.entries[-1] = result

        def number(ref: Ref, in_product: bool) -> str:
            entry = entries[ref]
            value = self._number(entry, provenance.LABELLED_VALUE)
            return rf"\bigl({value}\bigr)" if entry.text.startswith("-") and in_product else value

        def symbol(ref: Ref, in_product: bool) -> str:
            return self._symbol_of(quantity(ref))

        self.steps.append(
            Step(text, expression, tuple(entries[r] for r in refs(expression)), result, unrounded, template, line)
        )
        relation = r"\approx" if unrounded else "="
        sides = [self._symbol_of(quantity(result_ref))]
        if symbols:
            sides.append(render(expression, symbol, numbers=False))
        sides.append(render(expression, number, numbers=True))
        footnote = ""
        if unrounded and not self._footnote_given:
            self._footnote_given = True
            footnote = APPROXIMATE_NOTE
        value = self._number(result, provenance.LABELLED_VALUE)
        if split:  # a long step: the symbols on the first line, the numbers on the second
            first, *rest = sides
            lines = [f"{first} &= {rest[0]}"] + [f"&= {side}" for side in rest[1:]]
            lines[-1] += f" {relation} {value}"
            # Aligned on its last line, the result's: punctuation the template writes after the step
            # follows the result, not the end of the first line.
            return Tex(r"\begin{aligned}[b]" + " \\\\ ".join(lines) + r"\end{aligned}" + footnote)
        return Tex(" = ".join(sides) + f" {relation} {value}" + footnote)

    def example_begin(self) -> Tex:
        """From here, a worked example: every number's operands must be printed earlier in the chapter."""
        self._in_example = True
        return Tex("")

    def example_end(self) -> Tex:
        """The end of the worked example that ``example_begin`` opened."""
        self._in_example = False
        return Tex("")


def _subscripted(node: str) -> str:
    """A graph node's name as it prints: its trailing digits as a subscript (``w1`` as ``w_{1}``)."""
    stem = node.rstrip("0123456789")
    return f"{stem}_{{{node[len(stem) :]}}}" if stem != node else node


def _kind(call: str) -> Kind:
    kind = BY_CALL.get(call)
    if kind is None:
        calls = ", ".join(sorted(BY_CALL))
        raise RenderError(*template_location(), f"v.{call} is not a value the ledger knows (the calls are: {calls})")
    return kind


class _Calls:
    """``v.eq.<call>(...)`` and the like: the same calls as ``v.<call>``, printed another way."""

    def __init__(self, printer: Any) -> None:
        self._printer = printer

    def __getattr__(self, call: str) -> Any:
        if call.startswith("_"):
            raise AttributeError(call)
        return functools.partial(self._printer, _kind(call))
