"""The gradient check: its code, its spec table, its ledger kinds and its chapter."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from helpers import printed, render_checked, verify_tampered

from generator import core, gradcheck
from generator.ledger import format_bound
from generator.quantities import Quantity
from generator.spec import SpecError, load_spec

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rendered(project):
    return render_checked(project, "gradient-checking")


def test_relative_error_follows_its_definition() -> None:
    """|a - n| / max(|a|, |n|), symmetric, zero when both are zero, one when only one is zero."""
    assert gradcheck.relative_error(0.0, 0.0) == 0.0
    assert gradcheck.relative_error(0.0, -3.0) == 1.0
    assert gradcheck.relative_error(2.0, 1.0) == gradcheck.relative_error(1.0, 2.0) == 0.5


@pytest.mark.parametrize(
    ("error", "meaning"),
    [(0.0, "right"), (9.9e-8, "right"), (1e-7, "right only if"), (5e-3, "suspicious"), (1e-2, "wrong"), (1.0, "wrong")],
)
def test_verdict_reads_the_rule_of_thumb(error: float, meaning: str) -> None:
    """Each bound is exclusive: an error equal to a bound falls into the next row."""
    assert gradcheck.verdict(error).startswith(meaning)


def test_central_difference_of_the_core_matches_backpropagation() -> None:
    """On a smooth random network every parameter checks below 1e-7 with a step of 1e-5."""
    rng = np.random.default_rng(5)
    layers = [
        core.Dense(rng.normal(0, 1, (3, 2)), rng.normal(0, 1, 3), "tanh"),
        core.Dense(rng.normal(0, 1, (2, 3)), rng.normal(0, 1, 2), "softmax"),
    ]
    X, Y = rng.normal(0, 1, (4, 2)), rng.dirichlet(np.ones(2), size=4)
    grads = core.backward(layers, core.forward(layers, X), X, Y, "softmax_ce", "mean")
    for n, which, index in gradcheck.parameters(layers):
        analytic = (grads[n].dW if which == "W" else grads[n].db)[index]
        numerical = gradcheck.numerical_gradient(core, layers, X, Y, "softmax_ce", "mean", (n, which, index), 1e-5)
        assert gradcheck.relative_error(analytic, numerical) < 1e-7, (n, which, index)


@pytest.mark.parametrize(
    ("value", "text"), [(0.0, "0"), (6.5e-11, "1e-10"), (1e-10, "1e-9"), (0.3, "1e0"), (1.0, "1e1"), (-2e-5, "1e-4")]
)
def test_format_bound_is_the_next_power_of_ten(value: float, text: str) -> None:
    """A bound is strictly above the value's magnitude: 1e-10 itself is bounded by 1e-9."""
    assert format_bound(value) == text


def test_the_kinked_unit_fails_and_the_rest_agree(rendered) -> None:
    """The ReLU unit on its kink has relative error 1; every other parameter prints 0.00."""
    kinked = [("hid", (1, 1)), ("hid", (1, 2)), ("hid", (1,))]
    for layer, index in kinked:
        assert printed(rendered, Quantity("relative_error", layer, None, index)) == {"1.00"}
    others = [
        e
        for e in rendered.ledger.entries
        if e.quantity.kind == "relative_error" and (e.quantity.layer, e.quantity.index) not in kinked
    ]
    assert len(others) == 6 and {e.text for e in others} == {"0.00"}


def test_every_chapter_network_is_checked(rendered, project) -> None:
    """The book table has one bound per other chapter, each below the first threshold."""
    bounds = {
        e.quantity.network: Decimal(e.text)
        for e in rendered.ledger.entries
        if e.quantity.kind == "relative_error_bound" and e.quantity.network is not None
    }
    others = {p.stem for p in project.chapters.glob("*.toml")} - {"gradient-checking"}
    assert set(bounds) == others
    assert all(b <= Decimal(str(gradcheck.VERDICTS[0][0])) for b in bounds.values())


def test_a_bound_in_a_table_cell_prints_its_relation(rendered) -> None:
    """Each network's bound in the book table prints as '< 1e-n' from the ledger call, no word typed beside it."""
    bounds = [e for e in rendered.ledger.entries if e.quantity.kind == "relative_error_bound" and e.quantity.network]
    assert bounds
    for entry in bounds:
        assert f"$<\\num{{{entry.text}}}$" in rendered.tex.replace(" ", ""), entry.quantity
    assert "below$<" not in rendered.tex.replace(" ", "")


def test_a_bound_below_the_exact_error_is_caught(project, rendered) -> None:
    """Printing a power of ten under the oracle's relative error fails, naming the network."""
    (failure,) = verify_tampered(
        project, rendered, lambda q: q.kind == "relative_error_bound" and q.network == "four-equations", "1e-12"
    )
    assert "relative_error_bound of the network of four-equations: printed the bound 1e-12" in str(failure)


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        ("step = 1e-5", "step = 0.5", "gradient_check.step", "out of range"),
        ("step = 1e-5", 'step = "small"', "gradient_check.step", "expected a number"),
        ('networks = "all"', 'networks = ["no-such-chapter"]', "gradient_check.networks[0]", "is not another chapter"),
        ('networks = "all"', 'networks = ["gradient-checking"]', "gradient_check.networks[0]", "is not another"),
        ('networks = "all"', 'networks = "every"', "gradient_check.networks", 'a list of chapter names or "all"'),
        ('networks = "all"', 'networks = "all"\ninclude = "no"', "gradient_check.include", "expected true or false"),
    ],
)
def test_malformed_gradient_check_is_named(tmp_path, old, new, field, problem) -> None:
    """A bad step or an unknown network in [gradient_check] names file, field and problem."""
    for spec in (ROOT / "chapters").glob("*.toml"):
        shutil.copy(spec, tmp_path / spec.name)
    path = tmp_path / "gradient-checking.toml"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    assert (raised.value.field, raised.value.path) == (field, path)
    assert problem in raised.value.problem
