"""One table of quantity kinds: compute, oracle, ledger, spec and templates agree on it."""

from __future__ import annotations

import ast
import inspect
from decimal import Decimal

import pytest

from generator import compute, oracle, quantities
from generator.compute import Computation
from generator.oracle import Oracle
from generator.quantities import KINDS, Quantity
from generator.spec import PRECISION_KINDS, load_spec


def match_cases(function) -> set[str]:
    """The string patterns of the ``match`` statements in ``function``'s source (``case "a" | "b"`` gives both)."""
    tree = ast.parse(inspect.cleandoc("\n" + inspect.getsource(function)))
    patterns = [case.pattern for node in ast.walk(tree) if isinstance(node, ast.Match) for case in node.cases]
    patterns += [p for pattern in patterns if isinstance(pattern, ast.MatchOr) for p in pattern.patterns]
    return {pattern.value.value for pattern in patterns if isinstance(pattern, ast.MatchValue)}


def test_compute_and_the_oracle_dispatch_on_exactly_the_kinds_of_the_table() -> None:
    """Every kind of the table has a case in the core's stage and in the oracle, and no case is extra."""
    names = {kind.name for kind in KINDS}
    assert match_cases(Computation.value) == names
    assert match_cases(Oracle.value) == names


def test_the_spec_takes_a_precision_for_every_kind_printed_in_decimals() -> None:
    """precision.<kind> exists for exactly the fixed-decimal kinds; bounds need none."""
    assert set(PRECISION_KINDS) == {k.name for k in KINDS if k.printed == "fixed"}
    assert {"relative_error_bound"} == quantities.BOUNDS


def test_every_call_name_and_every_kind_name_is_unique() -> None:
    """Templates reach each kind by one call; no two kinds share a name or a call."""
    assert len({k.name for k in KINDS}) == len({k.call for k in KINDS}) == len(KINDS)


def test_the_oracle_never_imports_the_cores_arithmetic() -> None:
    """oracle.py reads the table of names (quantities) but imports neither the core nor compute."""
    tree = ast.parse(inspect.getsource(oracle))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "generator.quantities" in imported
    assert not imported & {"generator.core", "generator.compute"}
    assert compute.__name__ not in imported


@pytest.mark.parametrize("kind", [k.name for k in KINDS if k.name not in ("formula",)])
def test_every_kind_has_the_same_value_in_the_core_and_the_oracle(project, kind: str) -> None:
    """On the gradient check's network (biases, a ReLU on its kink, a step), every kind agrees with the oracle."""
    spec = load_spec(project.chapters / "gradient-checking.toml", follow=False)
    index = {"input": (2,), "target": (1,), "learning_rate": (), "loss": (), "finite_difference_step": ()}.get(
        kind,
        (1, 2)
        if kind in ("weight", "weight_gradient", "updated_weight", "hand_weight_gradient", "hand_updated_weight")
        else (2,),
    )
    layer = (
        None
        if kind in ("input", "target", "learning_rate", "loss", "finite_difference_step", "input_gradient")
        else "hid"
    )
    example = 1 if kind in quantities.PER_EXAMPLE else None
    # Named kinds: a count, a constant and a limit are asked for by name.
    name = {"count": "parameters", "constant": "log_floor", "limit": "sigmoid_saturation"}.get(kind)
    if name is not None:
        layer, index = None, ()
    q = Quantity(kind, layer, example, index if kind not in ("relative_error_bound", "kinks") else (), name)
    if kind.startswith("graph_"):  # a node of the opening chapter's graphs: z branches into q and r
        spec = load_spec(project.chapters / "chain-rule.toml", follow=False)
        q = Quantity(kind, name="gates.z.r" if kind == "graph_edge_gradient" else "gates.z")
    elif kind in {k.name for k in quantities.TRAINING_KINDS}:  # a value of the training chapter's run
        spec = load_spec(project.chapters / "training.toml", follow=False)
        q = {
            "trained_loss": Quantity(kind, index=(10,)),
            "trained_output": Quantity(kind, "out", 2, (1,)),
            "grid_output": Quantity(kind, index=(2, 3)),
            "trained_grid_output": Quantity(kind, index=(2, 3)),
        }[kind]
    core_value = compute.compute(spec).value(q)
    exact = Oracle(spec).value(q)
    if kind in quantities.HIGH_PRECISION:
        assert abs(Decimal(core_value) - exact) <= Decimal("1e-6") * max(Decimal(1), abs(exact)), (core_value, exact)
    else:
        assert abs(Decimal(core_value) - exact) <= Decimal("1e-12") * max(Decimal(1), abs(exact)), (core_value, exact)
