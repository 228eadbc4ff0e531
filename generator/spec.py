"""Stage 1: read and validate a chapter spec (TOML) into an immutable ``ChapterSpec``.

Numbers are parsed as ``Decimal`` so that the oracle sees the exact values the author typed;
the core receives them as float64. Every problem raises ``SpecError`` naming file and field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from generator.quantities import PRECISION_KINDS, QuantityError

ACTIVATION_NAMES = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")
LOSS_NAMES = ("sse", "mse", "bce", "softmax_ce")
REDUCTION_NAMES = ("sum", "mean")
MAX_DECIMALS = 12
LAYER_NAME = re.compile(r"^[a-z]+$")
# How a layer prints in its symbols, W^(label): its name, or a short label such as "1" for a chapter
# that numbers its layers as its source does.
LAYER_LABEL = re.compile(r"^[a-z0-9]{1,8}$")
CHAPTER_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
# A chapter's template: the name of a file under templates/chapters/, nothing else.
TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\.tex\.j2$")
TEMPLATE_FOLDER = "chapters"
# Spec values the book prints and computes with: zero, or a magnitude from SMALLEST up to below
# LARGEST, so that float64 holds them and their printed form stays readable.
SMALLEST, LARGEST = Decimal("1e-12"), Decimal("1e15")
# Characters the book's fonts print (T1 and TS1 through pdfLaTeX's UTF-8 input, tested against TeX in
# tests/test_text.py): printable ASCII, Latin-1 and Latin Extended-A but for nine letters that T1 lacks
# and the micro sign (running heads print titles in capitals, and its capital is Greek), and
# typographic punctuation.
NOT_IN_T1 = frozenset("\u0126\u0127\u0138\u013f\u0140\u0149\u0166\u0167\u017f\u00b5")
PUNCTUATION = frozenset(
    "\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2030\u2039\u203a\u20ac"
)
# Which spec values print as which quantity kind (their decimals must fit its precision).
VALUE_KINDS = {
    "inputs": "input",
    "targets": "target",
    "weights": "weight",
    "biases": "bias",
    "learning_rate": "learning_rate",
    "step": "finite_difference_step",
}
# Every key a spec may hold, by table: an unknown key is a mistake, not a comment.
KEYS = {
    "": ("chapter", "network", "data", "loss", "training", "precision", "gradient_check", "graphs", "exercises"),
    "chapter": ("title", "template", "order", "source"),
    "network": ("inputs", "layers"),
    "layer": ("name", "label", "activation", "weights", "biases"),
    "data": ("inputs", "targets"),
    "loss": ("name", "reduction"),
    "training": ("learning_rate", "hand_decimals", "steps", "record_every", "grid"),
    "gradient_check": ("step", "networks", "include"),
    "graph": ("name", "output", "nodes"),
    "node": ("name", "op", "inputs", "value"),
    "exercises": ("seed", "compute", "derive", "shapes", "mistake"),
}
# The operations of a computational graph ([[graphs]]) and how many inputs each takes, named here
# again: the spec (read by the oracle) shares no code with the graph evaluator of the core.
GRAPH_OPERATIONS = {"input": 0, "add": 2, "mul": 2, "max": 2, "neg": 1, "inc": 1, "exp": 1, "inv": 1, "sigmoid": 1}
NODE_NAME = re.compile(r"^[a-z][a-z0-9]{0,7}$")


# The network after ``training.steps`` steps of gradient descent, named like another chapter's network
# (``network="trained"``): the gradient check runs on it.
TRAINED = "trained"
# The kinds of exercise a chapter may ask for ([exercises]), in the order they are printed, and how
# many a chapter holds in all.
EXERCISE_KINDS = ("compute", "derive", "shapes", "mistake")
EXERCISES_PER_CHAPTER = (4, 8)
# A variant of the chapter's network for an exercise is addressed as ``variant_<seed>``.
VARIANT_PREFIX = "variant_"
# ``gradient_check.networks = "all"``: every other chapter under chapters/ whose spec does not opt out
# (``[gradient_check] include = false``), in book order, so that a new chapter is checked with no edit.
ALL_NETWORKS = "all"


def printable(character: str) -> bool:
    """Whether the book's fonts print ``character``."""
    code = ord(character)
    return (0x20 <= code < 0x7F or 0xA0 <= code <= 0x17F) and character not in NOT_IN_T1 or character in PUNCTUATION


def unprintable(text: str) -> str | None:
    """Why the book's fonts cannot print ``text``: its first character they lack, named; or None."""
    bad = next((character for character in text if not printable(character)), None)
    if bad is None:
        return None
    return (
        f"the character {bad!r} (U+{ord(bad):04X}) cannot be printed by the book's fonts "
        "(Latin letters, digits and punctuation only)"
    )


Matrix = tuple[tuple[Decimal, ...], ...]


class SpecText(str):
    """Prose from a spec (a title): printed as escaped text, its digits the author's, not the template's."""


MAX_ORDER = 10_000  # chapter.order, from 0
# Inputs of a network, units of a layer: every number of a chapter is printed, and a reader works its
# example by hand (the book's widest layer has four units; a thousand inputs made the exercises'
# search run for minutes).
MAX_WIDTH = 16
# A title or a source printed in the book, in characters: every character the fonts print fits in one
# (tests/test_text.py); a page-long title would break the running heads and the contents.
MAX_TEXT = 400


class SpecError(ValueError):
    """A malformed spec: names the file, the field and what is wrong."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field}: {problem}")
        self.path, self.field, self.problem = path, field, problem


@dataclass(frozen=True)
class LayerSpec:
    """One dense layer as written in the spec; ``weights[k][t]`` feeds neuron k from input t."""

    name: str
    activation: str
    weights: Matrix
    biases: tuple[Decimal, ...] | None
    label: str = ""  # how the layer prints in symbols; "" prints its name

    @property
    def size(self) -> int:
        return len(self.weights)

    @property
    def shown(self) -> str:
        """The layer as its symbols print it: its label, or its name."""
        return self.label or self.name


@dataclass(frozen=True)
class NodeSpec:
    """One node of a computational graph: its operation, the nodes it reads, and (an input) its value."""

    name: str
    op: str
    inputs: tuple[str, ...] = ()
    value: Decimal | None = None


@dataclass(frozen=True)
class GraphSpec:
    """A computational graph of scalars: its nodes (every input before its users) and its output."""

    name: str
    nodes: tuple[NodeSpec, ...]
    output: str

    def node(self, name: str) -> NodeSpec:
        for node in self.nodes:
            if node.name == name:
                return node
        known = ", ".join(node.name for node in self.nodes)
        raise QuantityError(f"graph {self.name!r} has no node {name!r} (nodes: {known})")


@dataclass(frozen=True)
class ExerciseSettings:
    """The [exercises] table: the seed, and per kind how many (derive may name its formulas)."""

    seed: int
    # (kind, how many, formulas named by the spec for derive, else ()), in EXERCISE_KINDS order
    plan: tuple[tuple[str, int, tuple[str, ...]], ...]


@dataclass(frozen=True)
class StructuralNumbers:
    """What ``\\st{...}`` may hold in a chapter: an index up to the largest of ``sizes`` (0 for the
    inputs as a layer), or one of the ``counts`` exactly; each (what, how many)."""

    sizes: tuple[tuple[str, int], ...]
    counts: tuple[tuple[str, int], ...] = ()

    def allows(self, number: int) -> bool:
        return 0 <= number <= max((n for _, n in self.sizes), default=0) or any(n == number for _, n in self.counts)

    def described(self) -> str:
        """``0 to 2 (inputs 2, units of hid 2, ...), or a count (parameters 9, ...)``."""
        largest = max((n for _, n in self.sizes), default=0)
        text = f"0 to {largest} ({', '.join(f'{what} {n}' for what, n in self.sizes)})"
        if self.counts:
            text += f", or a count ({', '.join(f'{what} {n}' for what, n in self.counts)})"
        return text


@dataclass(frozen=True)
class ChapterSpec:
    """Everything one chapter needs: text settings, network, data, loss, training and precision."""

    path: Path
    name: str
    title: str
    template: str
    order: int
    source: str
    input_size: int
    layers: tuple[LayerSpec, ...]
    inputs: Matrix
    targets: Matrix
    loss: str
    reduction: str
    learning_rate: Decimal
    # Decimal places per quantity kind: one number for the kind, or one per layer ({"hid": 3, "out": 5}).
    precision: dict[str, int | dict[str, int]]
    hand_decimals: int
    # The gradient check: its finite-difference step and the other chapters whose networks it runs on.
    step: Decimal | None = None
    check_networks: tuple[ChapterSpec, ...] = ()
    # Whether a gradient check over ``networks = "all"`` runs on this chapter's network
    # (``[gradient_check] include = false`` opts out).
    gradient_checked: bool = True
    # Training (optional): how many steps of full-batch gradient descent, the steps between two
    # recorded losses, and the square grid of inputs the trained network is drawn on: (low, high,
    # points per side), each coordinate low + i (high - low) / (points - 1), an exact decimal.
    steps: int = 0
    record_every: int = 0
    grid: tuple[Decimal, Decimal, int] | None = None

    # Computational graphs of scalars ([[graphs]]), evaluated by the graph core and the oracle.
    graphs: tuple[GraphSpec, ...] = ()

    def graph(self, name: str) -> GraphSpec:
        """The graph called ``name`` (``QuantityError`` if the spec declares none such)."""
        for graph in self.graphs:
            if graph.name == name:
                return graph
        known = ", ".join(graph.name for graph in self.graphs) or "none"
        raise QuantityError(f"{self.path} has no graph {name!r} (graphs: {known})")

    exercises: ExerciseSettings | None = None

    def network_spec(self, name: str | None) -> ChapterSpec:
        """This spec (``name`` None or its own), the checked network of chapter ``name``, the trained
        network, or the variant ``variant_<seed>`` of this chapter's network that an exercise asks about."""
        if name is None or name == self.name or (name == TRAINED and self.steps > 0):
            return self  # the trained network has the same layers, with the weights training gave
        if name.startswith(VARIANT_PREFIX):
            from generator.exercises import variant_network  # the generator reads specs: imported late

            return variant_network(self, name)
        for other in self.check_networks:
            if other.name == name:
                return other
        raise QuantityError(f"{self.path} does not check the network of {name!r} (gradient_check.networks)")

    def grid_coordinate(self, i: int) -> Decimal:
        """The ``i``-th coordinate (from 1) of the training grid, on either axis."""
        if self.grid is None:
            raise QuantityError(f"{self.path} has no training.grid")
        low, high, points = self.grid
        if not 1 <= i <= points:
            raise QuantityError(f"there is no grid point {i}: the grid has {points} per side (counted from 1)")
        return low + (high - low) * (i - 1) / (points - 1)

    def decimals(self, kind: str, layer: str | None = None) -> int | None:
        """The places a number of ``kind`` (of ``layer``) is printed with, or None if the spec gives none."""
        places = self.precision.get(kind)
        if isinstance(places, dict):
            return places.get(layer) if layer is not None else None
        return places

    def label(self, name: str | None) -> str | None:
        """How the layer called ``name`` prints in symbols (None, or a letter such as ``\\ell``, stays)."""
        for layer in self.layers:
            if layer.name == name:
                return layer.shown
        return name

    def structural_numbers(self) -> StructuralNumbers:
        """The whole numbers ``\\st{...}`` may hold in this chapter: an index in range (of an input, a
        unit, a layer counted from 0 for the inputs, an example) or a count of the network (its parameters,
        weights, biases), each one the build can check against this spec."""
        sizes = (
            ("inputs", self.input_size),
            *((f"units of {layer.name}", layer.size) for layer in self.layers),
            ("layers", len(self.layers)),
            ("examples", len(self.inputs)),
        )
        weights = sum(layer.size * len(layer.weights[0]) for layer in self.layers)
        biases = sum(layer.size for layer in self.layers if layer.biases is not None)
        counts = (("parameters", weights + biases), ("weights", weights), ("biases", biases))
        return StructuralNumbers(sizes, tuple((what, n) for what, n in counts if n))

    def layer_number(self, name: str) -> int:
        """1-based position of the layer called ``name`` (0 is the input)."""
        for number, layer in enumerate(self.layers, start=1):
            if layer.name == name:
                return number
        known = ", ".join(layer.name for layer in self.layers)
        raise QuantityError(f"no layer called {name!r} (layers: {known})")


class _Reader:
    """Typed access to the parsed TOML that raises ``SpecError`` with the field's path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str) -> SpecError:
        return SpecError(self.path, field, problem)

    def table(self, data: dict[str, Any], key: str, field: str) -> dict[str, Any]:
        value = self.require(data, key, field)
        if not isinstance(value, dict):
            raise self.fail(field, f"expected a table, got {type(value).__name__}")
        return value

    def require(self, data: dict[str, Any], key: str, field: str) -> Any:
        if key not in data:
            raise self.fail(field, "missing")
        return data[key]

    def string(self, data: dict[str, Any], key: str, field: str, default: str | None = None) -> str:
        value = data.get(key, default) if default is not None else self.require(data, key, field)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"expected a non-empty string, got {value!r}")
        return value

    def text(self, data: dict[str, Any], key: str, field: str, default: str | None = None) -> str:
        """A string printed in the book: one line, every character one the book's fonts print."""
        value = self.string(data, key, field, default)
        if len(value) > MAX_TEXT:
            raise self.fail(field, f"{len(value)} characters: a text printed in the book has at most {MAX_TEXT}")
        if "\n" in value or "\r" in value:
            raise self.fail(field, "a line break: the text must be one line")
        problem = unprintable(value)
        if problem is not None:
            raise self.fail(field, problem)
        return value

    def known_keys(self, data: dict[str, Any], table: str, field: str) -> None:
        for key in data:
            if key not in KEYS[table]:
                where = f"{field}.{key}" if field else key
                raise self.fail(
                    where, f"unknown key (allowed{' in ' + field if field else ''}: {', '.join(KEYS[table])})"
                )

    def choice(self, data: dict[str, Any], key: str, field: str, options: tuple[str, ...]) -> str:
        value = self.string(data, key, field)
        if value not in options:
            raise self.fail(field, f"unknown value {value!r} (expected one of: {', '.join(options)})")
        return value

    def integer(self, value: Any, field: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(field, f"expected a whole number, got {value!r}")
        if not low <= value <= high:
            raise self.fail(field, f"{value} is out of range ({low} to {high})")
        return value

    def number(self, value: Any, field: str) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            raise self.fail(field, f"expected a number, got {value!r}")
        number = Decimal(value)
        if not number.is_finite():
            raise self.fail(field, f"expected a finite number, got {value}")
        if number and not SMALLEST <= abs(number) < LARGEST:
            raise self.fail(
                field,
                f"{value} is too {'large' if abs(number) >= LARGEST else 'small'} to compute with "
                f"and print (zero, or a magnitude from {SMALLEST} to below {LARGEST:.0e})",
            )
        return number

    def printed_exactly(
        self, values: Any, kind: str, precision: dict[str, int | dict[str, int]], field: str, layer: str | None = None
    ) -> None:
        """Values a chapter prints at its precision must print exactly: what the reader sees is what is computed."""
        places = precision.get(kind)
        decimals = places.get(layer) if isinstance(places, dict) and layer is not None else places
        if not isinstance(decimals, int):
            return
        rows = values if isinstance(values, tuple) else (values,)
        for i, row in enumerate(rows):
            for j, value in enumerate(row if isinstance(row, tuple) else (row,)):
                if value != value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):
                    where = (
                        field
                        + (f"[{i}]" if isinstance(values, tuple) else "")
                        + (f"[{j}]" if isinstance(row, tuple) else "")
                    )
                    raise self.fail(
                        where,
                        f"{value} has more decimals than precision.{kind} = {decimals}, so the "
                        f"book would print it rounded while computing with it exactly",
                    )

    def vector(self, value: Any, field: str, length: int | None = None) -> tuple[Decimal, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(field, f"expected a non-empty list of numbers, got {value!r}")
        if length is not None and len(value) != length:
            raise self.fail(field, f"expected {length} numbers, got {len(value)}")
        return tuple(self.number(item, f"{field}[{i}]") for i, item in enumerate(value))

    def matrix(self, value: Any, field: str, columns: int | None) -> Matrix:
        if not isinstance(value, list) or not value:
            raise self.fail(field, f"expected a non-empty list of rows, got {value!r}")
        rows = tuple(self.vector(row, f"{field}[{i}]", columns) for i, row in enumerate(value))
        width = len(rows[0])
        for i, row in enumerate(rows):
            if len(row) != width:
                raise self.fail(f"{field}[{i}]", f"expected {width} numbers like row 0, got {len(row)}")
        return rows


# A cross-entropy compares probabilities: the output activation that makes them, and its targets.
PROBABILITY_LOSSES = {"bce": "sigmoid", "softmax_ce": "softmax"}


def _check_probability_targets(read: _Reader, loss: str, output_activation: str, targets: Matrix) -> None:
    """A cross-entropy needs probabilities out of the network and targets that are probabilities too."""
    if loss not in PROBABILITY_LOSSES:
        return
    if output_activation != PROBABILITY_LOSSES[loss]:
        raise read.fail(
            "loss.name",
            f"{loss} needs probabilities from the output layer: its activation must be "
            f"{PROBABILITY_LOSSES[loss]}, not {output_activation}",
        )
    for i, row in enumerate(targets):
        for j, value in enumerate(row):
            if not 0 <= value <= 1:
                raise read.fail(f"data.targets[{i}][{j}]", f"{value}: a target of {loss} is a probability (0 to 1)")
        if loss == "softmax_ce" and sum(row) != 1:
            raise read.fail(
                f"data.targets[{i}]",
                f"sums to {sum(row)}: a target of softmax_ce is a distribution over the classes (it sums to 1)",
            )


def _gradient_check(
    read: _Reader, data: dict[str, Any], path: Path, follow: bool
) -> tuple[Decimal | None, tuple, bool]:
    """The optional [gradient_check] table: a step, the names of other chapters' specs (or ``"all"``),
    and whether this chapter's network is among those a check over ``"all"`` runs on (``include``)."""
    if "gradient_check" not in data:
        return None, (), True
    table = read.table(data, "gradient_check", "gradient_check")
    read.known_keys(table, "gradient_check", "gradient_check")
    include = table.get("include", True)
    if not isinstance(include, bool):
        raise read.fail("gradient_check.include", f"expected true or false, got {include!r}")
    if set(table) == {"include"}:  # only the opt-out: this chapter runs no check of its own
        return None, (), include
    step = read.number(read.require(table, "step", "gradient_check.step"), "gradient_check.step")
    if not Decimal("1e-12") <= step <= Decimal("0.1"):
        raise read.fail("gradient_check.step", f"{step} is out of range (1e-12 to 0.1)")
    names = table.get("networks", [])
    if names == ALL_NETWORKS:
        return step, _every_other_network(path) if follow else (), include
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise read.fail(
            "gradient_check.networks", f'expected a list of chapter names or "{ALL_NETWORKS}", got {names!r}'
        )
    networks = []
    for i, other in enumerate(names):
        field = f"gradient_check.networks[{i}]"
        target = path.parent / f"{other}.toml"
        if other == path.stem or not CHAPTER_NAME.match(other) or not target.is_file():
            raise read.fail(field, f"{other!r} is not another chapter under {path.parent}")
        if follow:
            networks.append(load_spec(target, follow=False))
    return step, tuple(networks), include


def _every_other_network(path: Path) -> tuple[ChapterSpec, ...]:
    """``networks = "all"``: the spec of every other chapter beside ``path`` that does not opt out, in
    book order (``chapter.order``, then name), as the book prints them."""
    others = sorted(p for p in path.parent.glob("*.toml") if p.stem != path.stem and CHAPTER_NAME.match(p.stem))
    specs = [load_spec(other, follow=False) for other in others]
    return tuple(sorted((s for s in specs if s.gradient_checked), key=lambda s: (s.order, s.name)))


def _training(read: _Reader, training: dict[str, Any]) -> tuple[int, int, tuple[Decimal, Decimal, int] | None]:
    """The optional training keys: steps, record_every (dividing steps) and grid = [low, high, points]."""
    steps = read.integer(training.get("steps", 0), "training.steps", 0, 10_000)
    every = read.integer(training.get("record_every", steps or 1), "training.record_every", 1, 10_000)
    if steps and steps % every:
        raise read.fail("training.record_every", f"{every} does not divide training.steps = {steps}")
    if "grid" not in training:
        return steps, every if steps else 0, None
    raw = training["grid"]
    if not steps:
        raise read.fail("training.grid", "a grid draws the trained network: give training.steps too")
    if not isinstance(raw, list) or len(raw) != 3:
        raise read.fail("training.grid", f"expected [low, high, points], got {raw!r}")
    low, high = read.number(raw[0], "training.grid[0]"), read.number(raw[1], "training.grid[1]")
    points = read.integer(raw[2], "training.grid[2]", 2, 64)
    if not low < high:
        raise read.fail("training.grid", f"low {low} is not below high {high}")
    spacing = (high - low) / (points - 1)
    if spacing * (points - 1) != high - low or spacing != spacing.quantize(Decimal(1).scaleb(-MAX_DECIMALS)):
        raise read.fail("training.grid", f"the spacing (high - low) / (points - 1) = {spacing} is not an exact decimal")
    return steps, every, (low, high, points)


def _graph_order(read: _Reader, field: str, nodes: list[NodeSpec]) -> tuple[NodeSpec, ...]:
    """The nodes with every input before the nodes that read it; a cycle is named with its path."""
    by_name = {node.name: node for node in nodes}
    done: list[NodeSpec] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            cycle = " -> ".join((*path[path.index(name) :], name))
            raise read.fail(f"{field}.nodes", f"a cycle: {cycle} (a node may not depend on itself)")
        state[name] = "open"
        for source in by_name[name].inputs:
            visit(source, (*path, name))
        state[name] = "done"
        done.append(by_name[name])

    for node in nodes:
        visit(node.name, ())
    return tuple(done)


def _graphs(read: _Reader, data: dict[str, Any]) -> tuple[GraphSpec, ...]:
    """The optional [[graphs]]: each a name, nodes (name, op, inputs, an input's value) and an output."""
    if "graphs" not in data:
        return ()
    raw_graphs = data["graphs"]
    if not isinstance(raw_graphs, list) or not raw_graphs:
        raise read.fail("graphs", "expected at least one [[graphs]] table")
    graphs: list[GraphSpec] = []
    for g, raw in enumerate(raw_graphs):
        field = f"graphs[{g}]"
        if not isinstance(raw, dict):
            raise read.fail(field, "expected a table")
        read.known_keys(raw, "graph", field)
        name = read.string(raw, "name", f"{field}.name")
        if not LAYER_NAME.match(name):
            raise read.fail(f"{field}.name", f"{name!r}: a graph name is lower-case letters only")
        if any(graph.name == name for graph in graphs):
            raise read.fail(f"{field}.name", f"{name!r} is used by an earlier graph")
        raw_nodes = read.require(raw, "nodes", f"{field}.nodes")
        if not isinstance(raw_nodes, list) or not raw_nodes:
            raise read.fail(f"{field}.nodes", "expected a non-empty list of nodes")
        nodes: list[NodeSpec] = []
        for i, item in enumerate(raw_nodes):
            where = f"{field}.nodes[{i}]"
            if not isinstance(item, dict):
                raise read.fail(where, "expected a table {name = ..., op = ..., ...}")
            read.known_keys(item, "node", where)
            node_name = read.string(item, "name", f"{where}.name")
            if not NODE_NAME.match(node_name):
                raise read.fail(
                    f"{where}.name",
                    f"{node_name!r}: a node name is a lower-case letter, then up to seven letters or digits",
                )
            if any(node.name == node_name for node in nodes):
                raise read.fail(f"{where}.name", f"{node_name!r} is used by an earlier node")
            op = read.choice(item, "op", f"{where}.op", tuple(GRAPH_OPERATIONS))
            inputs = item.get("inputs", [])
            if not isinstance(inputs, list) or not all(isinstance(source, str) for source in inputs):
                raise read.fail(f"{where}.inputs", f"expected a list of node names, got {inputs!r}")
            if len(inputs) != GRAPH_OPERATIONS[op]:
                raise read.fail(f"{where}.inputs", f"{op} takes {GRAPH_OPERATIONS[op]} inputs, not {len(inputs)}")
            value = None
            if op == "input":
                value = read.number(read.require(item, "value", f"{where}.value"), f"{where}.value")
            elif "value" in item:
                raise read.fail(f"{where}.value", f"only an input has a value; {op} computes its own")
            nodes.append(NodeSpec(node_name, op, tuple(inputs), value))
        names = {node.name for node in nodes}
        for i, node in enumerate(nodes):
            for j, source in enumerate(node.inputs):
                if source not in names:
                    raise read.fail(
                        f"{field}.nodes[{i}].inputs[{j}]",
                        f"no node called {source!r} in graph {name!r} (nodes: {', '.join(sorted(names))})",
                    )
        output = read.string(raw, "output", f"{field}.output", default=nodes[-1].name)
        if output not in names:
            raise read.fail(f"{field}.output", f"no node called {output!r} in graph {name!r}")
        graphs.append(GraphSpec(name, _graph_order(read, field, nodes), output))
    return tuple(graphs)


def _exercises(read: _Reader, data: dict[str, Any]) -> ExerciseSettings | None:
    """The optional [exercises] table: a seed and how many exercises of each kind."""
    if "exercises" not in data:
        return None
    table = read.table(data, "exercises", "exercises")
    read.known_keys(table, "exercises", "exercises")
    seed = read.integer(read.require(table, "seed", "exercises.seed"), "exercises.seed", 0, 2**31 - 1)
    plan = []
    for kind in EXERCISE_KINDS:
        value = table.get(kind, 0)
        field = f"exercises.{kind}"
        if kind == "derive" and isinstance(value, list):
            if not value or not all(isinstance(name, str) and name for name in value):
                raise read.fail(field, f"expected a count or a non-empty list of formula names, got {value!r}")
            if len(set(value)) != len(value):
                raise read.fail(field, "a formula is named twice: answers must differ")
            plan.append((kind, len(value), tuple(value)))
        else:
            plan.append((kind, read.integer(value, field, 0, EXERCISES_PER_CHAPTER[1]), ()))
    total = sum(count for _, count, _ in plan)
    low, high = EXERCISES_PER_CHAPTER
    if not low <= total <= high:
        raise read.fail("exercises", f"{total} exercises in all; a chapter has {low} to {high}")
    if sum(1 for _, count, _ in plan if count) < 2:
        raise read.fail("exercises", "exercises of one kind only; ask for at least two kinds")
    return ExerciseSettings(seed, tuple(plan))


def load_spec(path: Path, follow: bool = True) -> ChapterSpec:
    """Parse and validate one chapter spec (with ``follow``, also the specs its gradient check names)."""
    read = _Reader(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except FileNotFoundError:
        raise read.fail("(file)", "no such file") from None
    except OSError as error:
        raise read.fail("(file)", f"cannot be read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise read.fail("(syntax)", str(error)) from None
    except UnicodeDecodeError as error:
        raise read.fail("(encoding)", f"not UTF-8: {error}") from None

    name = path.stem
    if not CHAPTER_NAME.match(name):
        raise read.fail("(file name)", f"{name!r} is not a chapter name (lower-case letters, digits, '-')")

    read.known_keys(data, "", "")
    chapter = read.table(data, "chapter", "chapter")
    read.known_keys(chapter, "chapter", "chapter")
    network = read.table(data, "network", "network")
    read.known_keys(network, "network", "network")
    input_size = read.integer(read.require(network, "inputs", "network.inputs"), "network.inputs", 1, MAX_WIDTH)

    raw_layers = read.require(network, "layers", "network.layers")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise read.fail("network.layers", "expected at least one [[network.layers]] table")
    layers: list[LayerSpec] = []
    width = input_size
    for i, raw in enumerate(raw_layers):
        field = f"network.layers[{i}]"
        if not isinstance(raw, dict):
            raise read.fail(field, "expected a table")
        read.known_keys(raw, "layer", field)
        layer_name = read.string(raw, "name", f"{field}.name")
        if not LAYER_NAME.match(layer_name):
            raise read.fail(f"{field}.name", f"{layer_name!r}: a layer name is lower-case letters only")
        if any(layer.name == layer_name for layer in layers):
            raise read.fail(f"{field}.name", f"{layer_name!r} is used by an earlier layer")
        label = ""
        if "label" in raw:
            label = read.string(raw, "label", f"{field}.label")
            if not LAYER_LABEL.match(label):
                raise read.fail(f"{field}.label", f"{label!r}: a label is one to eight lower-case letters or digits")
        activation = read.choice(raw, "activation", f"{field}.activation", ACTIVATION_NAMES)
        weights = read.matrix(read.require(raw, "weights", f"{field}.weights"), f"{field}.weights", width)
        if len(weights) > MAX_WIDTH:
            raise read.fail(
                f"{field}.weights", f"{len(weights)} units: a layer the page prints has at most {MAX_WIDTH}"
            )
        biases = None
        if "biases" in raw:
            biases = read.vector(raw["biases"], f"{field}.biases", len(weights))
        layers.append(LayerSpec(layer_name, activation, weights, biases, label))
        width = len(weights)
    shown = [layer.shown for layer in layers]
    for i, layer in enumerate(layers):
        if shown.count(layer.shown) > 1:
            raise read.fail(f"network.layers[{i}]", f"two layers print as {layer.shown!r}: give each its own label")

    data_table = read.table(data, "data", "data")
    read.known_keys(data_table, "data", "data")
    inputs = read.matrix(read.require(data_table, "inputs", "data.inputs"), "data.inputs", input_size)
    targets = read.matrix(read.require(data_table, "targets", "data.targets"), "data.targets", width)
    if len(inputs) != len(targets):
        raise read.fail("data.targets", f"{len(targets)} rows for {len(inputs)} input rows")

    loss_table = read.table(data, "loss", "loss")
    read.known_keys(loss_table, "loss", "loss")
    loss = read.choice(loss_table, "name", "loss.name", LOSS_NAMES)
    _check_probability_targets(read, loss, layers[-1].activation, targets)
    training = read.table(data, "training", "training")
    read.known_keys(training, "training", "training")
    learning_rate = read.number(
        read.require(training, "learning_rate", "training.learning_rate"), "training.learning_rate"
    )
    if learning_rate <= 0:
        raise read.fail("training.learning_rate", f"must be positive, got {learning_rate}")

    precision_table = read.table(data, "precision", "precision")
    precision: dict[str, int | dict[str, int]] = {}
    for kind, value in precision_table.items():
        if kind not in PRECISION_KINDS:
            raise read.fail(f"precision.{kind}", f"unknown quantity kind (known: {', '.join(PRECISION_KINDS)})")
        if isinstance(value, dict):  # one precision per layer
            per_layer = {}
            for layer_name, places in value.items():
                if not any(layer.name == layer_name for layer in layers):
                    raise read.fail(f"precision.{kind}.{layer_name}", "no layer of that name")
                per_layer[layer_name] = read.integer(places, f"precision.{kind}.{layer_name}", 0, MAX_DECIMALS)
            precision[kind] = per_layer
        else:
            precision[kind] = read.integer(value, f"precision.{kind}", 0, MAX_DECIMALS)

    step, check_networks, gradient_checked = _gradient_check(read, data, path, follow)
    steps, record_every, grid = _training(read, training)
    if grid is not None and input_size != 2:
        raise read.fail("training.grid", f"a grid is drawn over two inputs; this network has {input_size}")
    graphs = _graphs(read, data)
    for g, graph in enumerate(graphs):
        for node in graph.nodes:
            if node.value is not None:
                i = next(i for i, item in enumerate(data["graphs"][g]["nodes"]) if item["name"] == node.name)
                read.printed_exactly(node.value, "graph_value", precision, f"graphs[{g}].nodes[{i}].value")
    for i, layer in enumerate(layers):
        read.printed_exactly(layer.weights, "weight", precision, f"network.layers[{i}].weights", layer.name)
        if layer.biases is not None:
            read.printed_exactly((layer.biases,), "bias", precision, f"network.layers[{i}].biases", layer.name)
    read.printed_exactly(inputs, "input", precision, "data.inputs")
    read.printed_exactly(targets, "target", precision, "data.targets")
    read.printed_exactly(learning_rate, "learning_rate", precision, "training.learning_rate")
    if step is not None:
        read.printed_exactly(step, "finite_difference_step", precision, "gradient_check.step")
    template = read.string(chapter, "template", "chapter.template")
    if not TEMPLATE_NAME.match(template):
        raise read.fail(
            "chapter.template",
            f"{template!r} is not the name of a file under templates/"
            f"{TEMPLATE_FOLDER}/ (such as worked_example.tex.j2)",
        )
    spec = ChapterSpec(
        path=path,
        name=name,
        title=SpecText(read.text(chapter, "title", "chapter.title")),
        template=f"{TEMPLATE_FOLDER}/{template}",
        order=read.integer(read.require(chapter, "order", "chapter.order"), "chapter.order", 0, MAX_ORDER),
        source=read.text(chapter, "source", "chapter.source", default="-"),
        input_size=input_size,
        layers=tuple(layers),
        inputs=inputs,
        targets=targets,
        loss=loss,
        reduction=read.choice(loss_table, "reduction", "loss.reduction", REDUCTION_NAMES),
        learning_rate=learning_rate,
        precision=precision,
        hand_decimals=read.integer(training.get("hand_decimals", 2), "training.hand_decimals", 0, MAX_DECIMALS),
        step=step,
        check_networks=check_networks,
        gradient_checked=gradient_checked,
        steps=steps,
        record_every=record_every,
        grid=grid,
        graphs=graphs,
        exercises=_exercises(read, data),
    )
    if spec.exercises is not None:
        from generator.exercises import chapter_exercises  # the generator reads specs: imported late

        chapter_exercises(spec)  # a kind the chapter cannot have is a SpecError naming its field
    return spec
