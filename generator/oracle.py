"""The exact oracle: SymPy builds the spec's network and differentiates its loss.

It shares no code with ``generator.core``: activations and losses are written again here as
SymPy expressions, and every gradient is obtained by ``sympy.diff`` of the scalar loss, never by
a backward pass. Gradients with respect to pre-activations and activations are derivatives with
respect to a shift symbol added at that point (and set to zero afterwards). Values are
evaluated from the spec's exact decimals to ``DIGITS`` significant digits (``generator.precise``).
Every symbol is declared real, so that SymPy settles ``tanh(...).is_real`` without polynomial
algebra: that query made differentiating a deep network take a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import mpmath
import sympy as sp

from generator.exact_training import HighPrecisionTraining
from generator.formulas import Env, SympyOps, bind, fill, get_formula
from generator.ledger import format_fixed
from generator.precise import PreciseEvaluator
from generator.quantities import Quantity, QuantityError
from generator.reverse_diff import gradients
from generator.spec import TRAINED, ChapterSpec, LayerSpec

# Activations with a kink at zero, named here again: the oracle shares no code with the core.
KINKED = ("relu", "leaky_relu")

DIGITS = 50
WORKING_DIGITS = 70  # for mpmath: the difference quotients cancel up to twenty digits
LEAKY_SLOPE = sp.Rational(1, 100)
# The conventions of the book, as the oracle holds them (the core holds its own): the leaky ReLU's
# slope, the floors of an unfused cross-entropy's logarithm and gradient denominator, ReLU's slope
# at its kink.
CONVENTIONS = {
    "leaky_slope": LEAKY_SLOPE,
    "log_floor": sp.Integer(-100),
    "gradient_floor": sp.Rational(1, 10**12),
    "bound_margin": sp.Integer(10),  # a printed bound lies this factor above what it bounds
}


def _activation(name: str, z: list[sp.Expr]) -> list[sp.Expr]:
    if name == "identity":
        return list(z)
    if name == "sigmoid":
        return [1 / (1 + sp.exp(-v)) for v in z]
    if name == "tanh":
        return [sp.tanh(v) for v in z]
    if name == "relu":
        return [sp.Piecewise((v, v > 0), (0, True)) for v in z]
    if name == "leaky_relu":
        return [sp.Piecewise((v, v > 0), (LEAKY_SLOPE * v, True)) for v in z]
    if name == "softmax":
        total = sum(sp.exp(v) for v in z)
        return [sp.exp(v) / total for v in z]
    raise ValueError(f"the oracle does not know the activation {name!r}")


_Z = sp.Symbol("z", real=True)
# ReLU's slope at its kink as the oracle's own activation differentiates there (the core measures its own)
CONVENTIONS["relu_slope_at_kink"] = sp.diff(_activation("relu", [_Z])[0], _Z).subs(_Z, 0)


def _per_example_loss(name: str, a: list[sp.Expr], y: list[sp.Rational]) -> sp.Expr:
    if name == "sse":
        return sum((ak - yk) ** 2 for ak, yk in zip(a, y, strict=True))
    if name == "mse":
        return sum((ak - yk) ** 2 for ak, yk in zip(a, y, strict=True)) / len(a)
    if name == "bce":
        return -sum(yk * sp.log(ak) + (1 - yk) * sp.log(1 - ak) for ak, yk in zip(a, y, strict=True))
    if name == "softmax_ce":
        return -sum(yk * sp.log(ak) for ak, yk in zip(a, y, strict=True))
    raise ValueError(f"the oracle does not know the loss {name!r}")


def _gate(op: str, x: list[sp.Expr]) -> sp.Expr:
    """A graph operation as a SymPy expression (max is the second input on a tie, where its gradient goes)."""
    if op == "add":
        return x[0] + x[1]
    if op == "mul":
        return x[0] * x[1]
    if op == "max":
        return sp.Piecewise((x[0], x[0] > x[1]), (x[1], True))
    if op == "neg":
        return -x[0]
    if op == "inc":
        return x[0] + 1
    if op == "exp":
        return sp.exp(x[0])
    if op == "inv":
        return 1 / x[0]
    if op == "sigmoid":
        return 1 / (1 + sp.exp(-x[0]))
    raise ValueError(f"the oracle does not know the graph operation {op!r}")


def _exact(value: Decimal) -> sp.Rational:
    return sp.Rational(str(value))


def _mp(value: sp.Expr) -> mpmath.mpf:
    """An exact rational as an mpmath number at the current working precision."""
    rational = sp.Rational(value)
    return mpmath.mpf(int(rational.p)) / int(rational.q)


def constant(name: str) -> Decimal:
    """A constant of the book's conventions, as the oracle holds it."""
    if name not in CONVENTIONS:
        raise QuantityError(f"no constant called {name!r} (constants: {', '.join(CONVENTIONS)})")
    value = sp.Rational(CONVENTIONS[name])
    return Decimal(int(value.p)) / Decimal(int(value.q))


def limit(name: str) -> Decimal:
    """A limit of double-precision arithmetic, from its theory: sigmoid(z) = 1 / (1 + exp(-z)) rounds
    to one exactly when exp(-z) is at most half the spacing of doubles above one, 2**-53 (a tie
    rounds to the even neighbour, one), that is for z at least 53 ln 2."""
    if name != "sigmoid_saturation":
        raise QuantityError(f"no limit called {name!r} (limits: sigmoid_saturation)")
    with mpmath.workdps(WORKING_DIGITS):
        return Decimal(mpmath.nstr(53 * mpmath.log(2), DIGITS))


class Oracle:
    """Exact values of every ledger quantity of one spec."""

    def __init__(self, spec: ChapterSpec) -> None:
        self.spec = spec
        self._others: dict[str, Oracle] = {}
        self._loss_function: tuple[list[sp.Symbol], Callable] | None = None
        self.values: dict[sp.Symbol, sp.Expr] = {}
        self.W: list[list[list[sp.Symbol]]] = []
        self.b: list[list[sp.Symbol]] = []
        for n, layer in enumerate(spec.layers, start=1):
            rows = []
            for k, row in enumerate(layer.weights, start=1):
                symbols = [sp.Symbol(f"W_{n}_{k}_{t}", real=True) for t in range(1, len(row) + 1)]
                self.values.update({s: _exact(v) for s, v in zip(symbols, row, strict=True)})
                rows.append(symbols)
            self.W.append(rows)
            biases = [sp.Symbol(f"b_{n}_{k}", real=True) for k in range(1, layer.size + 1)]
            self.values.update(
                {s: _exact(v) for s, v in zip(biases, layer.biases or (Decimal(0),) * layer.size, strict=True)}
            )
            self.b.append(biases)
        # Shift symbols: dJ/dz and dJ/da are derivatives with respect to these, at zero.
        self.z_shift: dict[tuple[int, int, int], sp.Symbol] = {}
        self.a_shift: dict[tuple[int, int, int], sp.Symbol] = {}
        self.z: dict[tuple[int, int, int], sp.Expr] = {}
        self.a: dict[tuple[int, int, int], sp.Expr] = {}
        per_example = []
        self.x_shift: dict[tuple[int, int], sp.Symbol] = {}
        for e, (x_row, y_row) in enumerate(zip(spec.inputs, spec.targets, strict=True), start=1):
            a_prev: list[sp.Expr] = []
            for j, v in enumerate(x_row, start=1):
                shift = self.x_shift[e, j] = sp.Symbol(f"dx_{e}_{j}", real=True)
                self.values[shift] = sp.Integer(0)
                a_prev.append(_exact(v) + shift)
            for n, layer in enumerate(spec.layers, start=1):
                z = []
                for k in range(1, layer.size + 1):
                    shift = sp.Symbol(f"dz_{n}_{e}_{k}", real=True)
                    self.z_shift[n, e, k] = shift
                    self.values[shift] = sp.Integer(0)
                    weighted = sum(w * a for w, a in zip(self.W[n - 1][k - 1], a_prev, strict=True))
                    z.append(weighted + self.b[n - 1][k - 1] + shift)
                a = []
                for k, a_k in enumerate(_activation(layer.activation, z), start=1):
                    shift = sp.Symbol(f"da_{n}_{e}_{k}", real=True)
                    self.a_shift[n, e, k] = shift
                    self.values[shift] = sp.Integer(0)
                    self.z[n, e, k], self.a[n, e, k] = z[k - 1], a_k + shift
                    a.append(a_k + shift)
                a_prev = a
            per_example.append(_per_example_loss(spec.loss, a_prev, [_exact(v) for v in y_row]))
        self.per_example: list[sp.Expr] = per_example
        total = sum(per_example)
        self.J: sp.Expr = total if spec.reduction == "sum" else total / len(per_example)
        self._evaluate = PreciseEvaluator(self.values, DIGITS)
        self._derivatives: dict[sp.Symbol, sp.Expr] | None = None
        self._run: HighPrecisionTraining | None = None
        self._trained: Oracle | None = None
        self._grid: dict[str, dict[tuple[int, ...], Decimal]] = {}
        self._graphs: dict[str, tuple[dict[str, sp.Expr], dict[object, sp.Symbol], PreciseEvaluator]] = {}

    def _graph(self, name: str) -> tuple[dict[str, sp.Expr], dict[object, sp.Symbol], PreciseEvaluator]:
        """A computational graph of the spec built in SymPy: each node's expression with a shift symbol
        added at the node (keyed by its name) and on each edge into a user (keyed ``(node, user)``),
        so that the output's derivative in a shift is the gradient at that node or along that edge."""
        if name not in self._graphs:
            graph = self.spec.graph(name)
            expressions: dict[str, sp.Expr] = {}
            shifts: dict[object, sp.Symbol] = {}
            for node in graph.nodes:  # the spec orders every input before the nodes that read it
                shifts[node.name] = sp.Symbol(f"graph_{name}_{node.name}", real=True)
                if node.op == "input":
                    own = _exact(node.value if node.value is not None else Decimal(0))
                else:
                    arguments = []
                    for source in node.inputs:
                        edge = shifts.setdefault(
                            (source, node.name), sp.Symbol(f"edge_{name}_{source}_{node.name}", real=True)
                        )
                        arguments.append(expressions[source] + edge)
                    own = _gate(node.op, arguments)
                expressions[node.name] = own + shifts[node.name]
            evaluate = PreciseEvaluator(dict.fromkeys(shifts.values(), sp.Integer(0)), DIGITS)
            self._graphs[name] = (expressions, shifts, evaluate)
        return self._graphs[name]

    def _dJ(self, symbol: sp.Symbol) -> sp.Expr:
        """dJ/d``symbol`` as an expression: the loss differentiated exactly, in every parameter and
        shift at once by one reverse sweep over its expression graph (``generator.reverse_diff``)."""
        if self._derivatives is None:
            self._derivatives = gradients(self.J, self.values)
        return self._derivatives.get(symbol, sp.Integer(0))

    def _gradient(self, symbol: sp.Symbol) -> Decimal:
        return self._evaluate(self._dJ(symbol))

    def _slope(self, n: int, e: int, k: int, at: sp.Expr | None = None) -> Decimal:
        """d a_k / d z_k of layer n for example e, at the exact z or at ``at``."""
        z = self.z[n, e, k]
        derivative = sp.diff(self.a[n, e, k], self.z_shift[n, e, k])
        if at is None:
            return self._evaluate(derivative)
        # Move z to the point ``at`` by choosing the shift, the rest stays exact.
        exact_z = sp.sympify(z).xreplace({**self.values, self.z_shift[n, e, k]: 0})
        return self._evaluate(derivative.xreplace({self.z_shift[n, e, k]: at - exact_z}))

    def _rounded(self, value: Decimal) -> sp.Rational:
        return sp.Rational(format_fixed(value, self.spec.hand_decimals))

    def _parameter(self, n: int, index: tuple[int, ...]) -> sp.Symbol:
        return self.W[n - 1][index[0] - 1][index[1] - 1] if len(index) == 2 else self.b[n - 1][index[0] - 1]

    def _loss_in(self, parameter: sp.Symbol) -> Callable[[mpmath.mpf], mpmath.mpf]:
        """The loss as a function of one parameter, the others at their exact values, in mpmath.

        Compiled once per oracle; evaluated at ``WORKING_DIGITS`` it keeps some 50 correct digits
        through the cancellation of a difference quotient with a small step.
        """
        if self._loss_function is None:
            symbols = sorted(self.values, key=str)
            self._loss_function = (symbols, sp.lambdify(symbols, self.J, modules="mpmath"))
        symbols, function = self._loss_function
        position = symbols.index(parameter)

        def loss(value: mpmath.mpf) -> mpmath.mpf:
            args = [_mp(self.values[s]) for s in symbols]
            args[position] = value
            return function(*args)

        return loss

    def _central_difference(self, parameter: sp.Symbol) -> Decimal:
        """``(J(p + h) - J(p - h)) / 2h`` without round-off: the finite difference in high precision."""
        with mpmath.workdps(WORKING_DIGITS):
            h, at, loss = _mp(_exact(self._step())), _mp(self.values[parameter]), self._loss_in(parameter)
            return Decimal(mpmath.nstr((loss(at + h) - loss(at - h)) / (2 * h), DIGITS))

    def _relative_error(self, parameter: sp.Symbol) -> Decimal:
        """Relative error of the exact central difference against the exact gradient (the loss
        differentiated exactly; at a kink SymPy's rule ReLU'(0) = 0 applies)."""
        analytic = self._gradient(parameter)
        numerical = self._central_difference(parameter)
        scale = max(abs(analytic), abs(numerical))
        return Decimal(0) if scale == 0 else abs(analytic - numerical) / scale

    def _straddles(self, parameter: sp.Symbol) -> bool:
        """Whether the two evaluations of the central difference see a ReLU-type unit on different
        sides of its kink (its pre-activation positive in one, not in the other)."""
        h = _exact(self._step())
        sides = []
        for moved in (self.values[parameter] + h, self.values[parameter] - h):
            evaluate = PreciseEvaluator({**self.values, parameter: moved}, DIGITS)
            sides.append(
                [
                    evaluate(self.z[key]) > 0
                    for key in sorted(self.z)
                    if self.spec.layers[key[0] - 1].activation in KINKED
                ]
            )
        return sides[0] != sides[1]

    def _parameters(self, only: int | None) -> list[sp.Symbol]:
        """Every weight and bias of the network (of layer ``only`` if given)."""
        found = []
        for n, layer in enumerate(self.spec.layers, start=1):
            if only is None or n == only:
                found += [w for row in self.W[n - 1] for w in row]
                found += self.b[n - 1] if layer.biases is not None else []
        return found

    def value(self, q: Quantity) -> Decimal:
        """The exact value of ``q`` to ``DIGITS`` significant digits."""
        if q.network == TRAINED:  # the trained network, its weights from the high-precision run
            return self._trained_oracle().value(replace(q, network=None))
        if q.network is not None and q.network != self.spec.name:
            if q.network not in self._others:  # built once, however many of its numbers are checked
                self._others[q.network] = Oracle(replace(self.spec.network_spec(q.network), step=self.spec.step))
            return self._others[q.network].value(replace(q, network=None))
        spec = self.spec
        e = q.example or 1
        n = spec.layer_number(q.layer) if q.layer is not None else 0
        match q.kind:
            case "input":
                return spec.inputs[e - 1][q.index[0] - 1]
            case "target":
                return spec.targets[e - 1][q.index[0] - 1]
            case "learning_rate":
                return spec.learning_rate
            case "loss":
                return self._evaluate(self.J)
            case "weight":
                return self._evaluate(self.W[n - 1][q.index[0] - 1][q.index[1] - 1])
            case "bias":
                return self._evaluate(self.b[n - 1][q.index[0] - 1])
            case "preactivation":
                return self._evaluate(self.z[n, e, q.index[0]])
            case "activation":
                return self._evaluate(self.a[n, e, q.index[0]])
            case "activation_derivative":
                return self._slope(n, e, q.index[0])
            case "activation_gradient":
                return self._gradient(self.a_shift[n, e, q.index[0]])
            case "error":
                return self._gradient(self.z_shift[n, e, q.index[0]])
            case "weight_gradient":
                return self._gradient(self.W[n - 1][q.index[0] - 1][q.index[1] - 1])
            case "bias_gradient":
                return self._gradient(self.b[n - 1][q.index[0] - 1])
            case "updated_weight":
                weight = self.W[n - 1][q.index[0] - 1][q.index[1] - 1]
                return self._evaluate(weight - _exact(spec.learning_rate) * self._dJ(weight))
            case "updated_bias":
                bias = self.b[n - 1][q.index[0] - 1]
                return self._evaluate(bias - _exact(spec.learning_rate) * self._dJ(bias))
            case "hand_preactivation":
                return Decimal(format_fixed(self._evaluate(self.z[n, e, q.index[0]]), spec.hand_decimals))
            case "hand_activation":
                return Decimal(format_fixed(self._evaluate(self.a[n, e, q.index[0]]), spec.hand_decimals))
            case "hand_activation_gradient":
                return Decimal(format_fixed(self._gradient(self.a_shift[n, e, q.index[0]]), spec.hand_decimals))
            case "hand_activation_derivative":
                k = q.index[0]
                return self._slope(n, e, k, at=self._rounded(self._evaluate(self.z[n, e, k])))
            case "hand_weight_gradient":
                return self._hand_weight_gradient(n, *q.index)
            case "hand_updated_weight":
                k, t = q.index
                weight = _exact(spec.layers[n - 1].weights[k - 1][t - 1])
                hand = sp.Rational(str(self._hand_weight_gradient(n, k, t)))
                return self._evaluate(weight - _exact(spec.learning_rate) * hand)
            case "input_gradient":
                return self._gradient(self.x_shift[e, q.index[0]])
            case "formula":
                return self._formula_value(q)
            case "example_activation_gradient":
                return self._evaluate(sp.diff(self.per_example[e - 1], self.a_shift[n, e, q.index[0]]))
            case "example_error":
                return self._evaluate(sp.diff(self.per_example[e - 1], self.z_shift[n, e, q.index[0]]))
            case "finite_difference_step":
                return self._step()
            case "numerical_gradient":
                return self._central_difference(self._parameter(n, q.index))
            case "relative_error":
                return self._relative_error(self._parameter(n, q.index))
            case "graph_value":
                return self._graph_quantity(q)
            case "graph_gradient":
                return self._graph_quantity(q)
            case "graph_edge_gradient":
                return self._graph_quantity(q)
            case "count":
                return Decimal(self._count(q.name or "", n if q.layer is not None else None))
            case "constant":
                return constant(q.name or "")
            case "limit":
                return limit(q.name or "")
            case "kinks":  # one parameter, or how many of a layer or the network
                chosen = [self._parameter(n, q.index)] if q.index else self._parameters(n if q.layer else None)
                return Decimal(sum(self._straddles(p) for p in chosen))
            case "relative_error_bound":  # one parameter, or the largest over a layer or the network
                chosen = [self._parameter(n, q.index)] if q.index else self._parameters(n if q.layer else None)
                return max(self._relative_error(p) for p in chosen)
            case "trained_loss":
                if not 1 <= q.index[0] <= spec.steps:
                    raise QuantityError(f"there is no step {q.index[0]}: training.steps = {spec.steps}")
                return self._training().loss(q.index[0])
            case "trained_output":
                output = self.a[len(spec.layers), e, q.index[0]]
                return self._training().evaluate([output], spec.steps)[0]
            case "grid_output" | "trained_grid_output":
                return self._grid_outputs(q.kind == "trained_grid_output")[q.index]
        raise QuantityError(f"the oracle does not know the quantity kind {q.kind!r}")

    def _training(self) -> HighPrecisionTraining:
        """The training run, once per oracle: gradient descent on the loss, in high precision."""
        if self.spec.steps == 0:
            raise QuantityError(f"{self.spec.path} has no training.steps")
        if self._run is None:
            self._run = HighPrecisionTraining(
                self.J, self._parameters(None), self.values, _exact(self.spec.learning_rate)
            )
            self._run.run(self.spec.steps)
        return self._run

    def _trained_oracle(self) -> Oracle:
        """An oracle of the trained network: the spec's layers with the run's final weights (50 digits)."""
        if self._trained is None:
            trained = self._training().parameter_values(self.spec.steps)
            layers = tuple(
                LayerSpec(
                    layer.name,
                    layer.activation,
                    tuple(tuple(trained[w] for w in row) for row in self.W[n]),
                    None if layer.biases is None else tuple(trained[b] for b in self.b[n]),
                    layer.label,
                )
                for n, layer in enumerate(self.spec.layers)
            )
            self._trained = Oracle(replace(self.spec, layers=layers))
        return self._trained

    def _grid_outputs(self, trained: bool) -> dict[tuple[int, ...], Decimal]:
        """The first output at every point of the training grid, before or after training: the network
        built again by this oracle's own forward rules on one example at the origin, its input shift
        symbols moved to each grid point, its parameters at the run's first or last point."""
        if self.spec.grid is None:
            raise QuantityError(f"{self.spec.path} has no training.grid")
        key = "after" if trained else "before"
        if key not in self._grid:
            zero = (Decimal(0),) * self.spec.input_size
            outputs = (Decimal(0),) * self.spec.layers[-1].size
            at_origin = Oracle(replace(self.spec, inputs=(zero,), targets=(outputs,)))
            shifts = [at_origin.x_shift[1, j] for j in range(1, self.spec.input_size + 1)]
            run = self._training()
            fixed = {s: v for s, v in at_origin.values.items() if s not in run.parameters and s not in shifts}
            output = at_origin.a[len(self.spec.layers), 1, 1].xreplace(fixed)
            function = sp.lambdify([*run.parameters, *shifts], output, modules="mpmath")
            points = range(1, self.spec.grid[2] + 1)
            found: dict[tuple[int, ...], Decimal] = {}
            with mpmath.workdps(WORKING_DIGITS):
                parameters = run.points[self.spec.steps if trained else 0]
                for i in points:
                    for j in points:
                        x = [_mp(_exact(self.spec.grid_coordinate(n))) for n in (i, j)]
                        found[i, j] = Decimal(mpmath.nstr(function(*parameters, *x), DIGITS))
            self._grid[key] = found
        return self._grid[key]

    def _graph_quantity(self, q: Quantity) -> Decimal:
        """A node's value, the output's gradient at a node, or what it sends back along one edge, exactly."""
        graph, node, *user = (q.name or "").split(".")
        self.spec.graph(graph).node(node)
        expressions, shifts, evaluate = self._graph(graph)
        output = expressions[self.spec.graph(graph).output]
        if q.kind == "graph_value":
            return evaluate(expressions[node])
        if q.kind == "graph_gradient":
            return evaluate(sp.diff(output, shifts[node]))
        if not user or (node, user[0]) not in shifts:
            raise QuantityError(f"{q}: name an edge as graph.node.user, where the user reads the node")
        return evaluate(sp.diff(output, shifts[node, user[0]]))

    def _count(self, name: str, only: int | None) -> int:
        """A count, from the oracle's own symbols of the spec's network: of it, or of layer ``only``."""
        layers = [n for n in range(1, len(self.spec.layers) + 1) if only is None or n == only]
        weights = sum(len(row) for n in layers for row in self.W[n - 1])
        biases = sum(len(self.b[n - 1]) for n in layers if self.spec.layers[n - 1].biases is not None)
        counts = {
            "inputs": len(self.spec.inputs[0]),
            "layers": len(layers),
            "units": sum(len(self.W[n - 1]) for n in layers),
            "weights": weights,
            "parameters": weights + biases,
            "forward_multiply_adds": weights,
            "backward_multiply_adds": sum(len(row) * (1 if n == 1 else 2) for n in layers for row in self.W[n - 1]),
            "examples": len(self.spec.inputs),
            "difference_passes": 2 * (weights + biases),
            "training_steps": self.spec.steps,
            "record_every": self.spec.record_every,  # the steps between two points of the loss curve
        }
        if name not in counts:
            raise QuantityError(f"no count called {name!r}")
        return counts[name]

    def _step(self) -> Decimal:
        if self.spec.step is None:
            raise QuantityError(f"{self.spec.path} has no gradient_check.step")
        return self.spec.step

    def _formula_value(self, q: Quantity) -> Decimal:
        """The formula's last side evaluated exactly (SymPy) on this oracle's values."""
        formula = get_formula(q.name or "")
        binding = bind(formula.model.name, self.spec, q.layer or "", q.example or 1)
        values = fill(binding, lambda quantity: sp.Rational(str(self.value(quantity))), sp.Matrix)
        index = dict(zip(formula.free, (i - 1 for i in q.index), strict=True))
        functions = {"log": sp.log, "exp": sp.exp}  # the functions a formula's right side may apply
        result = formula.chain[-1].evaluate(Env(SympyOps(), values, functions), index)
        if isinstance(result, sp.MatrixBase):
            result = result[0, 0]
        return Decimal(str(sp.N(result, DIGITS)))

    def _hand_weight_gradient(self, n: int, k: int, t: int) -> Decimal:
        total = Decimal(0)
        for e in range(1, len(self.spec.inputs) + 1):
            dA = self._rounded(self._gradient(self.a_shift[n, e, k]))
            slope = self._slope(n, e, k, at=self._rounded(self._evaluate(self.z[n, e, k])))
            below = self.spec.inputs[e - 1][t - 1] if n == 1 else self._evaluate(self.a[n - 1, e, t])
            total += Decimal(str(sp.N(dA * sp.Rational(str(slope)) * self._rounded(below), DIGITS)))
        return total
