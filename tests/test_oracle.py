"""The SymPy oracle: exact, independent of the core, and in agreement with it."""

from __future__ import annotations

import ast
import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest

from generator.compute import compute
from generator.ledger import Quantity
from generator.oracle import Oracle
from generator.spec import LayerSpec

GENERATOR = Path(__file__).resolve().parents[1] / "generator"


def test_oracle_shares_no_code_with_the_core() -> None:
    """oracle.py imports neither the core nor the compute stage (invariant 2)."""
    tree = ast.parse((GENERATOR / "oracle.py").read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not imported & {"generator.core", "generator.compute", "numpy"}


def test_importing_the_oracle_loads_no_core() -> None:
    """At run time too, the oracle's module graph contains neither the core nor the compute stage."""
    import subprocess
    import sys

    probe = "import generator.oracle, sys; print(sorted(m for m in sys.modules if m in ('generator.core', 'generator.compute')))"
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
        worked_spec, layers=layers, loss=loss, reduction=reduction,
        inputs=((Decimal("1"), Decimal("1")), (Decimal("-0.5"), Decimal("2"))), targets=targets,
    )
    computation, oracle = compute(spec), Oracle(spec)
    for q in all_quantities(spec):
        exact, approximate = oracle.value(q), Decimal(computation.value(q))
        assert abs(exact - approximate) <= Decimal("1e-13") * max(1, abs(exact)), str(q)
