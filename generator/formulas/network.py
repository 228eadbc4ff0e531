"""The model of a chapter's own network, for the formulas a chapter declares in text.

``network_model(spec)`` is a ``Model`` like the catalogue's, made from a chapter spec instead of
written by hand: the chapter's layers (their activations and whether they have biases), its loss
and its reduction over the batch. Its quantities are the network's, named as the formula text
names them (``W[out]``, ``dJ/dW[out]``, ``Y``, ``m``); a batch is a matrix with one example per
row, weights are stored output-by-input, as in the core.

* exactly: SymPy, on the chapter's own sizes (its layer widths and its number of examples), every
  input, target, weight and bias a symbol, the activations and the loss the chapter's own, every
  gradient obtained with ``sympy.diff`` (an error term as the derivative of the loss in free
  pre-activations put back at their values); a network with a ReLU-type layer takes the
  chapter's own numbers, as exact rationals, in place of the symbols, so that each kink's case is
  decided (with symbols, the proofs run for minutes);
* numerically: the NumPy core passed in, first on the chapter's own network with its own numbers
  (the sizes ``{"chapter": 1, ...}``), then on random sizes of the same kind of network (random
  widths and batch size, random weights, biases where the chapter's layers have them, targets of
  the kind the loss takes), fixed seeds.

The activation functions' values and derivatives are written here again (SymPy and NumPy), not
taken from the core: the formulas are held to the core, not to themselves.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable
from fractions import Fraction
from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp

from generator.formulas.language import (
    Env,
    NumpyOps,
    Symbol,
    SympyOps,
    gradient_symbol,
    notation_symbol,
    plain_symbol,
)
from generator.formulas.model import Model, Sizes, binary_cross_entropy, gradient, matrix, pd, sigmoid
from generator.spec import ChapterSpec

# The activations a formula may name (the spec's own names), each with a derivative but softmax,
# whose derivative is a Jacobian, not a function applied entry by entry.
ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu", "leaky_relu", "softmax")
DERIVATIVES = tuple(name for name in ACTIVATIONS if name != "softmax")
# Other functions applied entry by entry.
FUNCTIONS = ("log", "exp")
KINKED = ("relu", "leaky_relu")
LEAKY_SLOPE = Fraction(1, 100)  # the book's convention, as the oracle states it
RANDOM_CASES = 4  # random sizes besides the chapter's own network
HIGHEST = 5  # the largest random width or batch size

# How the functions print: notation macros where the notation has one, else fixed operator names.
_FUNCTION_TEX = {
    "identity": r"\operatorname{id}",
    "sigmoid": r"\sigmoid",
    "tanh": r"\tanh",
    "relu": r"\relu",
    "leaky_relu": r"\operatorname{LReLU}",
    "softmax": r"\operatorname{softmax}",
    "log": r"\log",
    "exp": r"\exp",
}

# The quantities of one layer, as the text names them: (name, notation macro, entry macro, what it is).
LAYER_QUANTITIES = (
    ("W", "weight", "weightentry", "the weights of the layer, one row per unit"),
    ("b", "bias", "biasentry", "the biases of the layer, a column (only where the layer has biases)"),
    ("Z", "Preact", "Preactentry", "the pre-activations of the batch, one example per row"),
    ("A", "Act", "Actentry", "the activations of the batch"),
    ("delta", "Err", "Errentry", "the error terms of the batch, dJ/dZ printed as a capital delta"),
    ("dJ/dW", "weight", "weightentry", "the gradient of the loss with respect to the weights"),
    ("dJ/db", "bias", "biasentry", "the gradient of the loss with respect to the biases"),
    ("dJ/dZ", "Preact", "Preactentry", "the gradient of the loss with respect to the pre-activations"),
    ("dJ/dA", "Act", "Actentry", "the gradient of the loss with respect to the activations"),
    ("n", "units", "", "the number of units of the layer (a number)"),
)
# The quantities of the whole network.
NETWORK_QUANTITIES = (
    ("X", "Inputs", "Inputsentry", "the inputs of the batch, one example per row"),
    ("Y", "Targets", "Targetsentry", "the targets of the batch, one example per row"),
    ("J", "cost", "", "the loss of the network on its batch (a number)"),
    ("m", "nbatch", "", "the number of examples in the batch (a number)"),
    ("d", "ninputs", "", "the number of inputs of the network (a number)"),
    ("K", "noutputs", "", "the number of outputs of the network (a number)"),
    ("ones", "ones", "", "a column of ones, one entry per example"),
)


def layer_name(base: str, layer: str) -> str:
    """The model's name of a layer quantity: ``W[out]``."""
    return f"{base}[{layer}]"


def _symbols(spec: ChapterSpec) -> dict[str, Symbol]:
    symbols: dict[str, Symbol] = {
        "X": notation_symbol("Inputs", entry=r"\Inputsentry{%0}{%1}"),
        "Y": notation_symbol("Targets", entry=r"\Targetsentry{%0}{%1}"),
        "J": notation_symbol("cost"),
        "m": notation_symbol("nbatch"),
        "d": notation_symbol("ninputs"),
        "K": notation_symbol("noutputs"),
        "ones": notation_symbol("ones"),
    }
    for name, tex in _FUNCTION_TEX.items():
        symbols[name] = plain_symbol(tex)
        symbols[name + "'"] = plain_symbol(tex + "'")
    for layer in spec.layers:
        shown = layer.shown
        for base, macro, entry_macro, _ in LAYER_QUANTITIES:
            if base == "n":
                symbols[layer_name("n", layer.name)] = notation_symbol("units", shown)
                continue
            if base.startswith("dJ/d"):
                continue
            entry = rf"\{entry_macro}{{{shown}}}{{%0}}" + ("{%1}" if base != "b" else "")
            symbols[layer_name(base, layer.name)] = notation_symbol(macro, shown, entry=entry, superscripted=True)
        for wrt in ("W", "b", "Z", "A"):
            of = symbols[layer_name(wrt, layer.name)]
            symbols[layer_name(f"dJ/d{wrt}", layer.name)] = gradient_symbol(
                r"\cost", of, pd(r"\cost", of.entry) if of.entry else ""
            )
        symbols[layer_name("g", layer.name)] = notation_symbol("actfn", shown)
        symbols[layer_name("g'", layer.name)] = notation_symbol("actfnprime", shown)
    return symbols


def _shapes(spec: ChapterSpec) -> dict[str, tuple[str, ...]]:
    top = layer_name("n", spec.layers[-1].name)  # K: the width of the output layer
    shapes: dict[str, tuple[str, ...]] = {"X": ("m", "d"), "Y": ("m", top), "ones": ("m", "1")}
    below = "d"
    for layer in spec.layers:
        units = layer_name("n", layer.name)
        for base in ("W", "dJ/dW"):
            shapes[layer_name(base, layer.name)] = (units, below)
        if layer.biases is not None:
            for base in ("b", "dJ/db"):
                shapes[layer_name(base, layer.name)] = (units, "1")
        for base in ("Z", "A", "delta", "dJ/dZ", "dJ/dA"):
            shapes[layer_name(base, layer.name)] = ("m", units)
        below = units
    return shapes


def quantity_names(spec: ChapterSpec) -> list[str]:
    """Every quantity a formula of this chapter may name."""
    names = [name for name, *_ in NETWORK_QUANTITIES]
    for layer in spec.layers:
        names += [
            layer_name(base, layer.name)
            for base, *_ in LAYER_QUANTITIES
            if layer.biases is not None or base not in ("b", "dJ/db")
        ]
    return names


# --------------------------------------------------------------------------- functions, both ways

_x = sp.Symbol("x_")


def _exact_scalar(name: str) -> Callable[[sp.Expr], sp.Expr]:
    rules: dict[str, Callable[[sp.Expr], sp.Expr]] = {
        "identity": lambda v: v,
        "sigmoid": sigmoid,
        "tanh": sp.tanh,
        "relu": lambda v: sp.Piecewise((v, v > 0), (0, True)),
        "leaky_relu": lambda v: sp.Piecewise((v, v > 0), (sp.Rational(LEAKY_SLOPE) * v, True)),
        "log": sp.log,
        "exp": sp.exp,
    }
    return rules[name]


def _exact_derivative(name: str) -> Callable[[sp.Expr], sp.Expr]:
    slope = sp.diff(_exact_scalar(name)(_x), _x)
    return lambda v: slope.subs(_x, v)


def _exact_softmax(Z: sp.Matrix) -> sp.Matrix:
    rows = []
    for e in range(Z.rows):
        exps = [sp.exp(v) for v in Z.row(e)]
        total = sum(exps)
        rows.append([v / total for v in exps])
    return sp.Matrix(rows)


def _exact_function(name: str, derivative: bool = False) -> Callable[[Any], Any]:
    if name == "softmax":
        return _exact_softmax
    scalar = _exact_derivative(name) if derivative else _exact_scalar(name)
    return lambda v: v.applyfunc(scalar) if isinstance(v, sp.MatrixBase) else scalar(v)


def _numeric_softmax(Z: np.ndarray) -> np.ndarray:
    shifted = np.exp(Z - Z.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


_SLOPE = float(LEAKY_SLOPE)
_NUMERIC: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any] | None]] = {
    "identity": (lambda z: z * 1.0, lambda z: np.ones_like(z) * 1.0),
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), lambda z: np.exp(-z) / (1.0 + np.exp(-z)) ** 2),
    "tanh": (np.tanh, lambda z: 1.0 / np.cosh(z) ** 2),
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda z: np.where(z > 0, 1.0, 0.0)),
    "leaky_relu": (lambda z: np.where(z > 0, z, _SLOPE * z), lambda z: np.where(z > 0, 1.0, _SLOPE)),
    "softmax": (_numeric_softmax, None),
    "log": (np.log, None),
    "exp": (np.exp, None),
}


def _functions(spec: ChapterSpec, exact: bool) -> dict[str, Callable[[Any], Any]]:
    found: dict[str, Callable[[Any], Any]] = {}
    for name in (*ACTIVATIONS, *FUNCTIONS):
        found[name] = _exact_function(name) if exact else _NUMERIC[name][0]
        if name in DERIVATIVES:
            found[name + "'"] = _exact_function(name, True) if exact else _NUMERIC[name][1]  # type: ignore[assignment]
    for layer in spec.layers:
        found[layer_name("g", layer.name)] = found[layer.activation]
        if layer.activation in DERIVATIVES:
            found[layer_name("g'", layer.name)] = found[layer.activation + "'"]
    return found


# --------------------------------------------------------------------------- the exact network


def _per_example_loss(loss: str, a: list[sp.Expr], y: list[sp.Expr]) -> sp.Expr:
    if loss == "sse":
        return sum(((ai - yi) ** 2 for ai, yi in zip(a, y, strict=True)), sp.Integer(0))
    if loss == "mse":
        return sum(((ai - yi) ** 2 for ai, yi in zip(a, y, strict=True)), sp.Integer(0)) / len(a)
    if loss == "bce":
        return sum((binary_cross_entropy(ai, yi) for ai, yi in zip(a, y, strict=True)), sp.Integer(0))
    if loss == "softmax_ce":
        return -sum((yi * sp.log(ai) for ai, yi in zip(a, y, strict=True)), sp.Integer(0))
    raise ValueError(f"no loss called {loss!r}")


def kinked(spec: ChapterSpec) -> bool:
    """Whether the network has a ReLU-type layer: its exact check takes the chapter's own numbers."""
    return any(layer.activation in KINKED for layer in spec.layers)


def _rationals(rows: tuple[tuple[Any, ...], ...]) -> sp.Matrix:
    return sp.Matrix([[sp.Rational(str(value)) for value in row] for row in rows])


def _exact(spec: ChapterSpec, sizes: Sizes) -> Env:
    m, depth = sizes["m"], len(spec.layers)
    widths = [sizes["d"]] + [sizes[layer_name("n", layer.name)] for layer in spec.layers]
    X, Y = matrix("x", m, widths[0]), matrix("y", m, widths[-1])
    W = [matrix(f"W{n}", widths[n], widths[n - 1]) for n in range(1, depth + 1)]
    b = [matrix(f"b{n}", widths[n], 1) if layer.biases is not None else None for n, layer in enumerate(spec.layers, 1)]
    functions = _functions(spec, exact=True)

    def affine(A: sp.Matrix, n: int) -> sp.Matrix:
        Z = A * W[n].T
        bias = b[n]
        return Z if bias is None else Z + sp.ones(A.rows, 1) * bias.T

    def activate(Z: sp.Matrix, n: int) -> sp.Matrix:
        return functions[spec.layers[n].activation](Z)

    def loss(A: sp.Matrix) -> sp.Expr:
        total = sum((_per_example_loss(spec.loss, list(A.row(e)), list(Y.row(e))) for e in range(m)), sp.Integer(0))
        return total / m if spec.reduction == "mean" else total

    def up_from_activations(A: sp.Matrix, n: int) -> sp.Matrix:
        """The output activations from the activations ``A`` of layer ``n`` (0-based; -1 is the input)."""
        for above in range(n + 1, depth):
            A = activate(affine(A, above), above)
        return A

    Zs, As, A = [], [], X
    for n in range(depth):
        Zs.append(affine(A, n))
        A = activate(Zs[-1], n)
        As.append(A)
    J = loss(A)
    values: dict[str, Any] = {"X": X, "Y": Y, "J": J, "ones": sp.ones(m, 1), "m": m, "d": widths[0], "K": widths[-1]}
    for n, layer in enumerate(spec.layers):
        free_z, free_a = matrix(f"p{n}", m, widths[n + 1]), matrix(f"q{n}", m, widths[n + 1])
        error = gradient(loss(up_from_activations(activate(free_z, n), n)), free_z).subs(
            dict(zip(free_z, Zs[n], strict=True))
        )
        upstream = gradient(loss(up_from_activations(free_a, n)), free_a).subs(dict(zip(free_a, As[n], strict=True)))
        values.update(
            {
                layer_name("W", layer.name): W[n],
                layer_name("Z", layer.name): Zs[n],
                layer_name("A", layer.name): As[n],
                layer_name("delta", layer.name): error,
                layer_name("dJ/dZ", layer.name): error,
                layer_name("dJ/dA", layer.name): upstream,
                layer_name("dJ/dW", layer.name): gradient(J, W[n]),
                layer_name("n", layer.name): widths[n + 1],
            }
        )
        bias = b[n]
        if bias is not None:
            values[layer_name("b", layer.name)] = bias
            values[layer_name("dJ/db", layer.name)] = gradient(J, bias)
    if kinked(spec):  # the chapter's own numbers: a kink's cases are then decided, not carried along
        point = dict(zip(X, _rationals(spec.inputs), strict=True)) | dict(zip(Y, _rationals(spec.targets), strict=True))
        for n, layer in enumerate(spec.layers):
            point |= dict(zip(W[n], _rationals(layer.weights), strict=True))
            bias = b[n]
            if bias is not None and layer.biases is not None:
                point |= dict(zip(bias, _rationals((layer.biases,)), strict=True))
        values = {name: value if isinstance(value, int) else value.subs(point) for name, value in values.items()}
    return Env(SympyOps(), values, functions)


# --------------------------------------------------------------------------- the numeric network


def _targets(loss: str, rng: np.random.Generator, m: int, width: int) -> np.ndarray:
    if loss == "bce":
        return rng.integers(0, 2, (m, width)).astype(np.float64)
    if loss == "softmax_ce":
        return np.eye(width)[rng.integers(0, width, m)]
    return rng.normal(0, 1, (m, width))


def _numeric(spec: ChapterSpec, sizes: Sizes, rng: np.random.Generator, core: ModuleType) -> Env:
    own, m = bool(sizes.get("chapter")), sizes["m"]
    widths = [sizes["d"]] + [sizes[layer_name("n", layer.name)] for layer in spec.layers]
    if own:  # the chapter's own numbers
        X = np.array(spec.inputs, dtype=np.float64)
        Y = np.array(spec.targets, dtype=np.float64)
        layers = [
            core.Dense(
                np.array(layer.weights, dtype=np.float64),
                None if layer.biases is None else np.array(layer.biases, dtype=np.float64),
                layer.activation,
            )
            for layer in spec.layers
        ]
    else:
        X, Y = rng.normal(0, 1, (m, widths[0])), _targets(spec.loss, rng, m, widths[-1])
        layers = [
            core.Dense(
                rng.normal(0, 1, (widths[n], widths[n - 1])),
                None if layer.biases is None else rng.normal(0, 1, widths[n]),
                layer.activation,
            )
            for n, layer in enumerate(spec.layers, 1)
        ]
    records = core.forward(layers, X)
    grads = core.backward(layers, records, X, Y, spec.loss, spec.reduction)
    values: dict[str, Any] = {
        "X": X,
        "Y": Y,
        "J": core.loss_value(layers, records, Y, spec.loss, spec.reduction),
        "ones": np.ones((m, 1)),
        "m": m,
        "d": widths[0],
        "K": widths[-1],
    }
    for n, layer in enumerate(spec.layers):
        record, grad = records[n], grads[n]
        values.update(
            {
                layer_name("W", layer.name): layers[n].W,
                layer_name("Z", layer.name): record.Z,
                layer_name("A", layer.name): record.A,
                layer_name("delta", layer.name): grad.dZ,
                layer_name("dJ/dZ", layer.name): grad.dZ,
                layer_name("dJ/dA", layer.name): grad.dA,
                layer_name("dJ/dW", layer.name): grad.dW,
                layer_name("n", layer.name): widths[n + 1],
            }
        )
        if layer.biases is not None:
            values[layer_name("b", layer.name)] = layers[n].b.reshape(-1, 1)
            values[layer_name("dJ/db", layer.name)] = grad.db.reshape(-1, 1)
    return Env(NumpyOps(), values, _functions(spec, exact=False))


# --------------------------------------------------------------------------- the model


def own_sizes(spec: ChapterSpec) -> Sizes:
    """The chapter's own sizes: its batch, its inputs and the width of each layer."""
    sizes = {"m": len(spec.inputs), "d": spec.input_size}
    sizes.update({layer_name("n", layer.name): layer.size for layer in spec.layers})
    return sizes


def random_network_sizes(spec: ChapterSpec) -> tuple[Sizes, ...]:
    """Random sizes of the chapter's kind of network (fixed seeds from the chapter's name)."""
    rng = np.random.default_rng(zlib.crc32(spec.name.encode()))
    found = []
    for _ in range(RANDOM_CASES):
        sizes = {"m": int(rng.integers(1, HIGHEST + 1)), "d": int(rng.integers(1, HIGHEST + 1))}
        for layer in spec.layers:
            low = 2 if layer.activation == "softmax" else 1
            sizes[layer_name("n", layer.name)] = int(rng.integers(low, HIGHEST + 1))
        found.append(sizes)
    return tuple(found)


def _fingerprint(spec: ChapterSpec) -> str:
    """What the model is made from, as a short digest: a changed network is another model (and key)."""
    data = {
        "inputs": spec.input_size,
        "layers": [[layer.name, layer.shown, layer.activation, layer.weights, layer.biases] for layer in spec.layers],
        "data": [spec.inputs, spec.targets],
        "loss": [spec.loss, spec.reduction],
    }
    return hashlib.sha256(json.dumps(data, default=str, sort_keys=True).encode()).hexdigest()[:16]


def network_model(spec: ChapterSpec) -> Model:
    """The model of the chapter's network (its name says which chapter, and a digest of the network)."""
    return Model(
        f"network:{spec.name}:{_fingerprint(spec)}",
        _symbols(spec),
        lambda sizes: _exact(spec, sizes),
        lambda sizes, rng, core: _numeric(spec, sizes, rng, core),
        exact_sizes=(own_sizes(spec),),
        numeric_sizes=({"chapter": 1, **own_sizes(spec)}, *random_network_sizes(spec)),
        shapes=_shapes(spec),
        requires=frozenset({layer.activation for layer in spec.layers} | {spec.loss}),
    )
