"""Stage 2: run the NumPy core on a chapter spec and answer "what is the value of quantity q?".

The core module is a parameter so that tests can run the pipeline with a deliberately broken copy.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from decimal import Decimal
from types import ModuleType

import numpy as np

from generator import core as default_core
from generator import core_graph, gradcheck, training
from generator.formulas import Env, NumpyOps, bind, fill, get_formula
from generator.ledger import BOUND_MARGIN, format_fixed
from generator.quantities import Quantity, QuantityError
from generator.spec import TRAINED, ChapterSpec, GraphSpec, LayerSpec, SpecError


def _array(rows: tuple[tuple[Decimal, ...], ...]) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in rows], dtype=np.float64)


@dataclass(frozen=True)
class Computation:
    """The core's forward pass, backward pass and SGD step for one spec."""

    spec: ChapterSpec
    core: ModuleType
    X: np.ndarray
    Y: np.ndarray
    layers: list
    records: list
    grads: list
    updated: list
    loss: float

    def value(self, q: Quantity) -> float:
        """The core's float64 value of ``q`` (indices and examples are 1-based).

        Raises ``QuantityError`` when the chapter asks for something that does not exist; any
        other exception is a bug.
        """
        if q.network == TRAINED:  # the network training gave, its weights exactly the float64 ones
            return self._trained_computation.value(replace(q, network=None))
        if q.network is not None and q.network != self.spec.name:
            # The other chapter's network, checked with this chapter's finite-difference step.
            if q.network not in self._others:  # computed once, however many of its numbers are printed
                try:
                    other = compute(replace(self.spec.network_spec(q.network), step=self.spec.step), self.core)
                except SpecError as error:
                    raise QuantityError(str(error)) from None
                self._others[q.network] = other
            return self._others[q.network].value(replace(q, network=None))
        spec = self.spec
        idx = tuple(i - 1 for i in q.index)
        e = (q.example or 1) - 1
        n = spec.layer_number(q.layer) - 1 if q.layer is not None else -1
        match q.kind:
            case "input":
                return float(self.X[e, idx[0]])
            case "target":
                return float(self.Y[e, idx[0]])
            case "learning_rate":
                return float(spec.learning_rate)
            case "loss":
                return self.loss
            case "weight":
                return float(self.layers[n].W[idx])
            case "bias":
                return float(self._biases(n)[idx[0]])
            case "preactivation":
                return float(self.records[n].Z[e, idx[0]])
            case "activation":
                return float(self.records[n].A[e, idx[0]])
            case "activation_derivative":
                return self._derivative_at(n, self.records[n].Z[e : e + 1], idx[0])
            case "activation_gradient":
                return float(self.grads[n].dA[e, idx[0]])
            case "error":
                return float(self.grads[n].dZ[e, idx[0]])
            case "weight_gradient":
                return float(self.grads[n].dW[idx])
            case "bias_gradient":
                self._biases(n)
                return float(self.grads[n].db[idx[0]])
            case "updated_weight":
                return float(self.updated[n].W[idx])
            case "updated_bias":
                self._biases(n)
                return float(self.updated[n].b[idx[0]])
            case "hand_preactivation":
                return float(self._rounded(self.records[n].Z[e : e + 1, idx[0] : idx[0] + 1])[0, 0])
            case "hand_activation":
                return float(self._rounded(self.records[n].A[e : e + 1, idx[0] : idx[0] + 1])[0, 0])
            case "hand_activation_gradient":
                return float(self._rounded(self.grads[n].dA[e : e + 1, idx[0] : idx[0] + 1])[0, 0])
            case "hand_activation_derivative":
                return self._derivative_at(n, self._rounded(self.records[n].Z[e : e + 1]), idx[0])
            case "hand_weight_gradient":
                return self._hand_weight_gradient(n, idx)
            case "hand_updated_weight":
                return float(self.layers[n].W[idx]) - float(spec.learning_rate) * self._hand_weight_gradient(n, idx)
            case "input_gradient":
                dX, _, _ = self.core.dense_backward(self.grads[0].dZ, self.records[0].cache)
                return float(dX[e, idx[0]])
            case "formula":
                return float(self._formula_value(q))
            case "example_activation_gradient":
                return float(self._example_gradients(e)[n].dA[0, idx[0]])
            case "example_error":
                return float(self._example_gradients(e)[n].dZ[0, idx[0]])
            case "finite_difference_step":
                return float(self._step())
            case "numerical_gradient":
                return self._numerical(self._parameter(n, idx))
            case "relative_error":
                parameter = self._parameter(n, idx)
                return gradcheck.relative_error(self._analytic(parameter), self._numerical(parameter))
            case "graph_value":
                graph, node = self._graph_node(q)
                return evaluate_graph(graph).values[node]
            case "graph_gradient":
                graph, node = self._graph_node(q)
                return evaluate_graph(graph).gradients[node]
            case "graph_edge_gradient":
                graph, node = self._graph_node(q)
                edges = evaluate_graph(graph).edges
                user = (q.name or "").split(".")[2:]
                if not user or (node, user[0]) not in edges:
                    raise QuantityError(f"{q}: name an edge as graph.node.user, where the user reads the node")
                return edges[node, user[0]]
            case "count":
                return float(self._count(q.name or "", n if q.layer is not None else None))
            case "constant":
                return core_constant(self.core, q.name or "")
            case "limit":
                return core_limit(self.core, q.name or "")
            case "kinks":  # one parameter, or how many of a layer or the network
                chosen = (
                    [self._parameter(n, idx)]
                    if idx
                    else [p for p in gradcheck.parameters(self.layers) if q.layer is None or p[0] == n]
                )
                step = float(self._step())
                return float(sum(gradcheck.straddles_kink(self.core, self.layers, self.X, p, step) for p in chosen))
            case "relative_error_bound":  # one parameter, or the largest over a layer or the network
                chosen = (
                    [self._parameter(n, idx)]
                    if idx
                    else [p for p in gradcheck.parameters(self.layers) if q.layer is None or p[0] == n]
                )
                return max(gradcheck.relative_error(self._analytic(p), self._numerical(p)) for p in chosen)
            case "trained_loss":
                return self._trajectory.losses[self._steps_taken(idx[0] + 1)]
            case "trained_output":
                final = self._trajectory.networks[-1]
                return float(training.outputs(self.core, final, self.X[e : e + 1])[0, idx[0]])
            case "grid_output" | "trained_grid_output":
                network = self.layers if q.kind == "grid_output" else self._trajectory.networks[-1]
                point = np.array([[float(self.spec.grid_coordinate(i + 1)) for i in idx]], dtype=np.float64)
                return float(training.outputs(self.core, network, point)[0, 0])
        raise QuantityError(f"the core does not know the quantity kind {q.kind!r}")

    def _steps_taken(self, s: int) -> int:
        if not 1 <= s <= self.spec.steps:
            raise QuantityError(f"there is no step {s}: {self.spec.path} trains for training.steps = {self.spec.steps}")
        return s

    @functools.cached_property
    def _trajectory(self) -> training.Trajectory:
        """The core's training run: training.steps steps of gradient descent on the whole batch."""
        if self.spec.steps == 0:
            raise QuantityError(f"{self.spec.path} has no training.steps")
        rate = float(self.spec.learning_rate)
        spec = self.spec
        return training.train(self.core, self.layers, self.X, self.Y, spec.loss, spec.reduction, rate, spec.steps)

    @functools.cached_property
    def _others(self) -> dict[str, Computation]:
        """The computations of the other networks this one's quantities name (checked networks, variants)."""
        return {}

    @functools.cached_property
    def _trained_computation(self) -> Computation:
        """This computation for the trained network: its weights are the float64 ones, as exact decimals."""
        final = self._trajectory.networks[-1]
        layers = tuple(
            LayerSpec(
                layer.name,
                layer.activation,
                tuple(tuple(Decimal(float(w)) for w in row) for row in trained.W),
                None if trained.b is None else tuple(Decimal(float(b)) for b in trained.b),
                layer.label,
            )
            for layer, trained in zip(self.spec.layers, final, strict=True)
        )
        return compute(replace(self.spec, layers=layers), self.core)

    def _graph_node(self, q: Quantity) -> tuple[GraphSpec, str]:
        """The graph and the node a graph quantity names (``name`` is ``graph.node``)."""
        parts = (q.name or "").split(".")
        if len(parts) < 2:
            raise QuantityError(f"{q}: a graph quantity is named graph.node")
        graph_name, node = parts[:2]
        graph = self.spec.graph(graph_name)
        graph.node(node)
        return graph, node

    def _count(self, name: str, only: int | None) -> int:
        """A count, from the core's arrays: of the network, or of layer ``only``."""
        layers = [(n, layer) for n, layer in enumerate(self.layers) if only is None or n == only]
        weights = sum(layer.W.size for _, layer in layers)
        biases = sum(layer.b.size for _, layer in layers if layer.b is not None)
        counts = {
            "inputs": self.X.shape[1],
            "layers": len(layers),
            "units": sum(layer.W.shape[0] for _, layer in layers),
            "weights": weights,
            "parameters": weights + biases,
            "forward_multiply_adds": weights,  # per example: one per weight
            "backward_multiply_adds": sum(layer.W.size * (1 if n == 0 else 2) for n, layer in layers),
            "examples": self.X.shape[0],
            "difference_passes": 2 * (weights + biases),  # two forward passes per parameter
            "training_steps": self.spec.steps,
            "record_every": self.spec.record_every,  # the steps between two points of the loss curve
        }
        if name not in counts:
            raise QuantityError(f"no count called {name!r} (counts: {', '.join(counts)})")
        return counts[name]

    def _biases(self, n: int) -> np.ndarray:
        biases = self.layers[n].b
        if biases is None:
            raise QuantityError(f"layer {self.spec.layers[n].name!r} of {self.spec.path} has no biases")
        return biases

    def _step(self) -> Decimal:
        if self.spec.step is None:
            raise QuantityError(f"{self.spec.path} has no gradient_check.step")
        return self.spec.step

    def _example_gradients(self, e: int) -> list:
        """The backward pass of example ``e`` alone, its loss summed: per-example gradients without 1/m."""
        X, Y = self.X[e : e + 1], self.Y[e : e + 1]
        return self.core.backward(self.layers, self.core.forward(self.layers, X), X, Y, self.spec.loss, "sum")

    def _parameter(self, n: int, idx: tuple[int, ...]) -> gradcheck.Parameter:
        """A weight (two indices) or a bias (one) of layer ``n``."""
        if len(idx) == 2:
            return (n, "W", idx)
        if len(idx) == 1:
            self._biases(n)
            return (n, "b", idx)
        raise QuantityError(f"a parameter is a weight (k, t) or a bias (k), not {len(idx)} indices")

    def _analytic(self, parameter: gradcheck.Parameter) -> float:
        n, which, index = parameter
        return float((self.grads[n].dW if which == "W" else self.grads[n].db)[index])

    def _numerical(self, parameter: gradcheck.Parameter) -> float:
        return gradcheck.numerical_gradient(
            self.core, self.layers, self.X, self.Y, self.spec.loss, self.spec.reduction, parameter, float(self._step())
        )

    def _formula_value(self, q: Quantity) -> float:
        """The formula's last side evaluated on this network's numbers (NumPy)."""
        formula = get_formula(q.name or "")
        binding = bind(formula.model.name, self.spec, q.layer or "", q.example or 1)
        values = fill(binding, self.value, lambda rows: np.array(rows, dtype=np.float64))
        index = dict(zip(formula.free, (i - 1 for i in q.index), strict=True))
        functions = {"log": np.log, "exp": np.exp}  # the functions a formula's right side may apply
        result = formula.chain[-1].evaluate(Env(NumpyOps(), values, functions), index)
        return float(np.asarray(result).reshape(-1)[0])

    def _rounded(self, values: np.ndarray) -> np.ndarray:
        """The values as a reader sees them in the tables: rounded by the ledger's own rule."""
        places = self.spec.hand_decimals
        return np.vectorize(lambda v: float(format_fixed(v, places)))(values).astype(np.float64)

    def _derivative_at(self, n: int, z_row: np.ndarray, k: int) -> float:
        """d a_k / d z_k of layer n at the pre-activation row ``z_row`` (the Jacobian's diagonal)."""
        activation = self.core.ACTIVATIONS[self.spec.layers[n].activation]
        a_row = activation.forward(z_row)
        unit = np.zeros_like(z_row)
        unit[0, k] = 1.0
        return float(activation.backward(unit, z_row, a_row)[0, k])

    def _hand_weight_gradient(self, n: int, idx: tuple[int, ...]) -> float:
        """dJ/dW_kt as computed by hand from the rounded table values, summed over examples."""
        k, t = idx
        a_prev = self.X if n == 0 else self.records[n - 1].A
        total = 0.0
        for e in range(self.X.shape[0]):
            dA = float(self._rounded(self.grads[n].dA[e : e + 1, k : k + 1])[0, 0])
            slope = self._derivative_at(n, self._rounded(self.records[n].Z[e : e + 1]), k)
            total += dA * slope * float(self._rounded(a_prev[e : e + 1, t : t + 1])[0, 0])
        return total


def core_limit(core: ModuleType, name: str) -> float:
    """A limit of the core's float64 functions, found by bisection on the core itself."""
    if name != "sigmoid_saturation":
        raise QuantityError(f"no limit called {name!r} (limits: sigmoid_saturation)")
    sigmoid = core.ACTIVATIONS["sigmoid"].forward
    below, above = 0.0, 100.0  # sigmoid(0) = 0.5 < 1, sigmoid(100) == 1.0 in float64
    while np.nextafter(below, above) < above:
        middle = (below + above) / 2
        if middle in (below, above):
            break
        if sigmoid(np.array([[middle]]))[0, 0] == 1.0:
            above = middle
        else:
            below = middle
    return above


def core_constant(core: ModuleType, name: str) -> float:
    """A constant of the core's conventions, as the core holds it."""
    constants = {
        "leaky_slope": core.LEAKY_SLOPE,
        "log_floor": core.LOG_FLOOR,
        "gradient_floor": core.GRADIENT_FLOOR,
        "bound_margin": BOUND_MARGIN,  # the ledger's rule for printed bounds
        # measured from the core's own backward rule, so a change of convention changes the page
        "relu_slope_at_kink": core.relu_backward(np.ones(1), np.zeros(1), np.zeros(1))[0],
    }
    if name not in constants:
        raise QuantityError(f"no constant called {name!r} (constants: {', '.join(constants)})")
    return float(constants[name])


class CoreFailure(Exception):
    """The core raised where it should have computed: a failed check naming the chapter and what was asked."""

    def __init__(self, chapter: str, what: str, error: BaseException, where: str = "") -> None:
        self.chapter = chapter
        self.message = f"{what}: the core raised {type(error).__name__}: {error}" + (f" ({where})" if where else "")
        super().__init__(f"chapter {chapter}: {self.message}")


@functools.cache
def evaluate_graph(graph: GraphSpec) -> core_graph.Evaluated:
    """A spec's computational graph run forward and backward by the graph core (float64)."""
    nodes = [
        core_graph.Node(node.name, node.op, node.inputs, None if node.value is None else float(node.value))
        for node in graph.nodes
    ]
    return core_graph.evaluate(nodes, graph.output)


def compute(spec: ChapterSpec, core: ModuleType = default_core) -> Computation:
    """Forward, loss, backward and one SGD step of the spec's network on the spec's batch.

    Input the core refuses (``CoreError``) is bad input in the spec: it is named with the spec's file.
    Any other exception of the core is a failed check of the chapter (``CoreFailure``).
    """
    for g, graph in enumerate(spec.graphs):
        try:
            evaluate_graph(graph)
        except core_graph.GraphError as error:
            raise SpecError(spec.path, f"graphs[{g}]", f"the graph core refuses it: {error}") from None
    try:
        return _compute(spec, core)
    except core.CoreError as error:
        raise SpecError(spec.path, "(network)", f"the core refuses it: {error}") from None
    except Exception as error:
        raise CoreFailure(spec.name, "the forward pass, the backward pass or the SGD step", error) from None


def _compute(spec: ChapterSpec, core: ModuleType) -> Computation:
    X, Y = _array(spec.inputs), _array(spec.targets)
    layers = [
        core.Dense(
            _array(layer.weights),
            None if layer.biases is None else np.array([float(v) for v in layer.biases], dtype=np.float64),
            layer.activation,
        )
        for layer in spec.layers
    ]
    records = core.forward(layers, X)
    grads = core.backward(layers, records, X, Y, spec.loss, spec.reduction)
    return Computation(
        spec=spec,
        core=core,
        X=X,
        Y=Y,
        layers=layers,
        records=records,
        grads=grads,
        updated=core.sgd_step(layers, grads, float(spec.learning_rate)),
        loss=core.loss_value(layers, records, Y, spec.loss, spec.reduction),
    )
