"""Spec validation: every malformed spec is refused with file, field and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import core, oracle
from generator.spec import ACTIVATION_NAMES, LOSS_NAMES, SpecError, load_spec

ROOT = Path(__file__).resolve().parents[1]
GOOD = (ROOT / "chapters" / "worked-example.toml").read_text()


def load_variant(tmp_path: Path, old: str, new: str) -> None:
    assert old in GOOD, old
    path = tmp_path / "variant.toml"
    path.write_text(GOOD.replace(old, new, 1))
    load_spec(path)


# Each kind of malformed spec: the text replaced, the field named and (part of) the problem.
MALFORMED_SPECS = [
    ("[loss]", "[loss", "(syntax)", ""),
    ('name = "sse"', "", "loss.name", "missing"),
    ('activation = "relu"', 'activation = "swish"', "network.layers[0].activation", "unknown value 'swish'"),
    ('name = "sse"', 'name = "hinge"', "loss.name", "unknown value 'hinge'"),
    (
        "[[0.42, 0.19], [-0.27, -0.37]]",
        "[[0.42, 0.19, 1], [-0.27, -0.37, 1]]",
        "network.layers[0].weights[0]",
        "expected 2 numbers, got 3",
    ),
    (
        "[[-1.40, 0.35], [-0.81, 0.62]]",
        "[[-1.40, 0.35], [-0.81, 0.62], [1, 1]]",
        "data.targets[0]",
        "expected 3 numbers, got 2",
    ),
    ("[[0.42, 0.19]", '[["a", 0.19]', "network.layers[0].weights[0][0]", "expected a number"),
    ("[[0.42, 0.19]", "[[nan, 0.19]", "network.layers[0].weights[0][0]", "expected a finite number"),
    ("[[0.42, 0.19]", "[[inf, 0.19]", "network.layers[0].weights[0][0]", "expected a finite number"),
    ("\nweight = 2", "\nweight = 13", "precision.weight", "out of range"),
    ("\nweight = 2", "\nwieght = 2", "precision.wieght", "unknown quantity kind"),
    ("learning_rate = 0.1", "learning_rate = -0.1", "training.learning_rate", "must be positive"),
]


@pytest.mark.parametrize(("old", "new", "field", "problem"), MALFORMED_SPECS)
def test_malformed_spec_names_file_field_and_problem(tmp_path, old, new, field, problem) -> None:
    """Each kind of malformed spec raises SpecError naming the file, the field and the problem."""
    with pytest.raises(SpecError) as raised:
        load_variant(tmp_path, old, new)
    error = raised.value
    assert error.path == tmp_path / "variant.toml"
    assert error.field == field
    assert problem in error.problem
    assert str(error).startswith(f"{tmp_path / 'variant.toml'}: {field}: ")


def test_spec_numbers_are_exact_decimals(worked_spec) -> None:
    """Weights are read as the decimals the author typed, not as binary floats."""
    assert str(worked_spec.layers[1].weights[0][0]) == "-1.40"


def test_spec_core_and_oracle_know_the_same_names() -> None:
    """The spec accepts exactly the activations and losses that the core and the oracle implement."""
    assert set(ACTIVATION_NAMES) == set(core.ACTIVATIONS)
    assert set(LOSS_NAMES) == set(core.LOSSES)
    for name in ACTIVATION_NAMES:
        oracle._activation(name, [])
