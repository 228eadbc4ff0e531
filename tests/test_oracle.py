"""The SymPy oracle: exact, independent of the core, and in agreement with it."""

from __future__ import annotations

import ast
import dataclasses
import itertools
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from networks import ACTIVATION_NAMES, LOSS_OUTPUTS

from generator import core
from generator.compute import compute
from generator.oracle import Oracle
from generator.quantities import Quantity
from generator.spec import LayerSpec

GENERATOR = Path(__file__).resolve().parents[1] / "generator"


def test_oracle_shares_no_code_with_the_core() -> None:
    """oracle.py imports neither the cores (networks, graphs) nor the compute stage (invariant 2)."""
    tree = ast.parse((GENERATOR / "oracle.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not imported & {"generator.core", "generator.core_graph", "generator.compute", "numpy"}


def test_importing_the_oracle_loads_no_core() -> None:
    """At run time too, the oracle's module graph contains neither the core nor the compute stage."""
    import subprocess
    import sys

    probe = (
        "import generator.oracle, sys; "
        "print(sorted(m for m in sys.modules if m in ('generator.core', 'generator.core_graph', 'generator.compute')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_oracle_is_exact_on_rational_quantities(worked_spec) -> None:
    """Pre-activations of rational inputs and weights come out exactly: 1.40 * 0.61 = 0.854."""
    oracle = Oracle(worked_spec)
    assert oracle.value(Quantity("preactivation", "out", 1, (1,))) == Decimal("-0.854")
    assert oracle.value(Quantity("preactivation", "out", 1, (2,))) == Decimal("-0.4941")


def all_quantities(spec):
    for name in [layer.name for layer in spec.layers]:
        layer = spec.layers[spec.layer_number(name) - 1]
        for k in range(1, layer.size + 1):
            for kind in ("preactivation", "activation", "activation_derivative", "activation_gradient", "error"):
                for example in range(1, len(spec.inputs) + 1):
                    yield Quantity(kind, name, example, (k,))
            for t in range(1, len(layer.weights[0]) + 1):
                yield Quantity("weight_gradient", name, None, (k, t))
                yield Quantity("updated_weight", name, None, (k, t))
            if layer.biases is not None:
                yield Quantity("bias_gradient", name, None, (k,))
                yield Quantity("updated_bias", name, None, (k,))
    yield Quantity("loss")


@pytest.mark.parametrize(
    ("hidden", "output", "loss", "reduction"),
    [
        ("relu", "sigmoid", "sse", "sum"),
        ("tanh", "identity", "mse", "mean"),
        ("leaky_relu", "sigmoid", "bce", "mean"),
        ("sigmoid", "softmax", "softmax_ce", "sum"),
    ],
)
def test_core_agrees_with_the_oracle(worked_spec, hidden, output, loss, reduction) -> None:
    """On small networks with biases, every quantity of the core matches the exact oracle."""
    layers = (
        LayerSpec("hid", hidden, worked_spec.layers[0].weights, (Decimal("0.1"), Decimal("-0.2"))),
        LayerSpec("out", output, worked_spec.layers[1].weights, (Decimal("0.05"), Decimal("0.3"))),
    )
    targets = ((Decimal("0.25"), Decimal("0.75")), (Decimal("1"), Decimal("0")))
    spec = dataclasses.replace(
        worked_spec,
        layers=layers,
        loss=loss,
        reduction=reduction,
        inputs=((Decimal("1"), Decimal("1")), (Decimal("-0.5"), Decimal("2"))),
        targets=targets,
    )
    computation, oracle = compute(spec), Oracle(spec)
    for q in all_quantities(spec):
        exact, approximate = oracle.value(q), Decimal(computation.value(q))
        assert abs(exact - approximate) <= Decimal("1e-13") * max(1, abs(exact)), str(q)


@st.composite
def small_specs(draw, worked_spec):
    """Networks small enough for exact arithmetic: depth 1-3, widths 1-3 (1-2 at depth 3), batch 1-2,
    two-place decimals."""

    def decimal() -> Decimal:
        return Decimal(draw(st.integers(-150, 150))) / 100

    depth = draw(st.integers(1, 3))
    widest = 3 if depth < 3 else 2  # symbolic differentiation grows fast with depth times width
    widths = draw(st.lists(st.integers(1, widest), min_size=depth + 1, max_size=depth + 1))
    loss, output = draw(st.sampled_from(LOSS_OUTPUTS))
    if output == "softmax" or loss == "softmax_ce":
        widths[-1] = max(widths[-1], 2)
    names = draw(st.lists(st.sampled_from(ACTIVATION_NAMES), min_size=depth - 1, max_size=depth - 1)) + [output]
    layers = tuple(
        LayerSpec(
            "abcd"[n] * 2,
            name,
            tuple(tuple(decimal() for _ in range(n_in)) for _ in range(n_out)),
            tuple(decimal() for _ in range(n_out)) if draw(st.booleans()) else None,
        )
        for n, (n_in, n_out, name) in enumerate(zip(widths[:-1], widths[1:], names, strict=True))
    )
    batch = draw(st.integers(1, 2))

    def target_row() -> tuple[Decimal, ...]:
        if loss == "softmax_ce":  # a distribution: cut 1 at sorted hundredths
            cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=widths[-1] - 1, max_size=widths[-1] - 1)))
            edges = [0, *cuts, 100]
            return tuple(Decimal(b - a) / 100 for a, b in itertools.pairwise(edges))
        if loss == "bce":
            return tuple(Decimal(draw(st.integers(0, 100))) / 100 for _ in range(widths[-1]))
        return tuple(decimal() for _ in range(widths[-1]))

    return dataclasses.replace(
        worked_spec,
        input_size=widths[0],
        layers=layers,
        loss=loss,
        reduction=draw(st.sampled_from(core.REDUCTIONS)),
        inputs=tuple(tuple(decimal() for _ in range(widths[0])) for _ in range(batch)),
        targets=tuple(target_row() for _ in range(batch)),
    )


# A third of the profile's cases: each costs up to seconds of symbolic differentiation.
@settings(max_examples=max(5, settings.default.max_examples // 3))
@given(st.data())
def test_random_small_networks_agree_with_the_exact_oracle(worked_spec, data) -> None:
    """On random small networks (every activation and loss), every core quantity matches SymPy to 1e-12."""
    spec = data.draw(small_specs(worked_spec))
    computation, oracle = compute(spec), Oracle(spec)
    for q in all_quantities(spec):
        exact, approximate = oracle.value(q), Decimal(computation.value(q))
        assert abs(exact - approximate) <= Decimal("1e-12") * max(1, abs(exact)), str(q)
