"""Stage 1: read and validate a chapter spec (TOML) into an immutable ``ChapterSpec``.

Numbers are parsed as ``Decimal`` so that the oracle sees the exact values the author typed;
the core receives them as float64. Every problem raises ``SpecError`` naming file and field.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ACTIVATION_NAMES = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")
LOSS_NAMES = ("sse", "mse", "bce", "softmax_ce")
REDUCTION_NAMES = ("sum", "mean")
# The quantity kinds a chapter may print, each with its number of decimal places.
PRECISION_KINDS = (
    "input",
    "target",
    "weight",
    "bias",
    "learning_rate",
    "preactivation",
    "activation",
    "activation_derivative",
    "activation_gradient",
    "error",
    "weight_gradient",
    "bias_gradient",
    "updated_weight",
    "updated_bias",
    "loss",
    "hand_activation_derivative",
    "hand_weight_gradient",
    "hand_updated_weight",
    "input_gradient",
    "formula",
    "example_activation_gradient",
    "example_error",
    "numerical_gradient",
    "relative_error",
    "finite_difference_step",
)
MAX_DECIMALS = 12
LAYER_NAME = re.compile(r"^[a-z]+$")
CHAPTER_NAME = re.compile(r"^[a-z][a-z0-9-]*$")

Matrix = tuple[tuple[Decimal, ...], ...]


class SpecText(str):
    """Prose from a spec (a title): printed as escaped text, its digits the author's, not the template's."""


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

    @property
    def size(self) -> int:
        return len(self.weights)


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
    precision: dict[str, int]
    hand_decimals: int
    # The gradient check: its finite-difference step and the other chapters whose networks it runs on.
    step: Decimal | None = None
    check_networks: tuple["ChapterSpec", ...] = ()

    def network_spec(self, name: str | None) -> "ChapterSpec":
        """This spec (``name`` None or its own) or the checked network of chapter ``name``."""
        if name is None or name == self.name:
            return self
        for other in self.check_networks:
            if other.name == name:
                return other
        raise KeyError(f"{self.path} does not check the network of {name!r} (gradient_check.networks)")

    def layer_number(self, name: str) -> int:
        """1-based position of the layer called ``name`` (0 is the input)."""
        for number, layer in enumerate(self.layers, start=1):
            if layer.name == name:
                return number
        known = ", ".join(layer.name for layer in self.layers)
        raise KeyError(f"no layer called {name!r} (layers: {known})")


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
        return number

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


def _gradient_check(read: _Reader, data: dict[str, Any], path: Path, follow: bool) -> tuple[Decimal | None, tuple]:
    """The optional [gradient_check] table: a step and the names of other chapters' specs."""
    if "gradient_check" not in data:
        return None, ()
    table = read.table(data, "gradient_check", "gradient_check")
    step = read.number(read.require(table, "step", "gradient_check.step"), "gradient_check.step")
    if not Decimal("1e-12") <= step <= Decimal("0.1"):
        raise read.fail("gradient_check.step", f"{step} is out of range (1e-12 to 0.1)")
    names = table.get("networks", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise read.fail("gradient_check.networks", f"expected a list of chapter names, got {names!r}")
    networks = []
    for i, other in enumerate(names):
        field = f"gradient_check.networks[{i}]"
        target = path.parent / f"{other}.toml"
        if other == path.stem or not CHAPTER_NAME.match(other) or not target.is_file():
            raise read.fail(field, f"{other!r} is not another chapter under {path.parent}")
        if follow:
            networks.append(load_spec(target, follow=False))
    return step, tuple(networks)


def load_spec(path: Path, follow: bool = True) -> ChapterSpec:
    """Parse and validate one chapter spec (with ``follow``, also the specs its gradient check names)."""
    read = _Reader(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except FileNotFoundError:
        raise read.fail("(file)", "no such file") from None
    except tomllib.TOMLDecodeError as error:
        raise read.fail("(syntax)", str(error)) from None
    except UnicodeDecodeError as error:
        raise read.fail("(encoding)", f"not UTF-8: {error}") from None

    name = path.stem
    if not CHAPTER_NAME.match(name):
        raise read.fail("(file name)", f"{name!r} is not a chapter name (lower-case letters, digits, '-')")

    chapter = read.table(data, "chapter", "chapter")
    network = read.table(data, "network", "network")
    input_size = read.integer(read.require(network, "inputs", "network.inputs"), "network.inputs", 1, 4096)

    raw_layers = read.require(network, "layers", "network.layers")
    if not isinstance(raw_layers, list) or not raw_layers:
        raise read.fail("network.layers", "expected at least one [[network.layers]] table")
    layers: list[LayerSpec] = []
    width = input_size
    for i, raw in enumerate(raw_layers):
        field = f"network.layers[{i}]"
        if not isinstance(raw, dict):
            raise read.fail(field, "expected a table")
        layer_name = read.string(raw, "name", f"{field}.name")
        if not LAYER_NAME.match(layer_name):
            raise read.fail(f"{field}.name", f"{layer_name!r}: a layer name is lower-case letters only")
        if any(layer.name == layer_name for layer in layers):
            raise read.fail(f"{field}.name", f"{layer_name!r} is used by an earlier layer")
        activation = read.choice(raw, "activation", f"{field}.activation", ACTIVATION_NAMES)
        weights = read.matrix(read.require(raw, "weights", f"{field}.weights"), f"{field}.weights", width)
        biases = None
        if "biases" in raw:
            biases = read.vector(raw["biases"], f"{field}.biases", len(weights))
        layers.append(LayerSpec(layer_name, activation, weights, biases))
        width = len(weights)

    data_table = read.table(data, "data", "data")
    inputs = read.matrix(read.require(data_table, "inputs", "data.inputs"), "data.inputs", input_size)
    targets = read.matrix(read.require(data_table, "targets", "data.targets"), "data.targets", width)
    if len(inputs) != len(targets):
        raise read.fail("data.targets", f"{len(targets)} rows for {len(inputs)} input rows")

    loss_table = read.table(data, "loss", "loss")
    training = read.table(data, "training", "training")
    learning_rate = read.number(read.require(training, "learning_rate", "training.learning_rate"),
                                "training.learning_rate")
    if learning_rate <= 0:
        raise read.fail("training.learning_rate", f"must be positive, got {learning_rate}")

    precision_table = read.table(data, "precision", "precision")
    precision: dict[str, int] = {}
    for kind, value in precision_table.items():
        if kind not in PRECISION_KINDS:
            raise read.fail(f"precision.{kind}", f"unknown quantity kind (known: {', '.join(PRECISION_KINDS)})")
        precision[kind] = read.integer(value, f"precision.{kind}", 0, MAX_DECIMALS)

    step, check_networks = _gradient_check(read, data, path, follow)
    return ChapterSpec(
        path=path,
        name=name,
        title=SpecText(read.string(chapter, "title", "chapter.title")),
        template=read.string(chapter, "template", "chapter.template"),
        order=read.integer(read.require(chapter, "order", "chapter.order"), "chapter.order", 0, 10_000),
        source=read.string(chapter, "source", "chapter.source", default="-"),
        input_size=input_size,
        layers=tuple(layers),
        inputs=inputs,
        targets=targets,
        loss=read.choice(loss_table, "name", "loss.name", LOSS_NAMES),
        reduction=read.choice(loss_table, "reduction", "loss.reduction", REDUCTION_NAMES),
        learning_rate=learning_rate,
        precision=precision,
        hand_decimals=read.integer(training.get("hand_decimals", 2), "training.hand_decimals", 0, MAX_DECIMALS),
        step=step,
        check_networks=check_networks,
    )
