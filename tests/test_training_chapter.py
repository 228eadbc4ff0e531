"""The training chapter: its spec keys, its plotted values against the oracle's own training run,
its plots' text on the page, its claims and its theorem."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import render_checked

from generator import plots, theorems
from generator.build import CheckFailed, check, load_chapters, select
from generator.claims import RULES
from generator.cli import main
from generator.ledger import format_fixed
from generator.notation import load_notation
from generator.oracle import Oracle
from generator.spec import SpecError, load_spec
from generator.verify import check_entry, check_printed, verify_chapter, verify_ledger

ROOT = Path(__file__).resolve().parents[1]
TRAINING = (ROOT / "chapters" / "training.toml").read_text()
TEMPLATE = "training.tex.j2"


def load_variant(tmp_path: Path, old: str, new: str, base: str = TRAINING):
    """The training spec (or ``base``) with ``old`` replaced by ``new``, loaded."""
    assert old in base, old
    path = tmp_path / "variant.toml"
    path.write_text(base.replace(old, new, 1))
    return load_spec(path, follow=False)


@pytest.fixture(scope="module")
def rendered(project):
    return render_checked(project, "training")


# --------------------------------------------------------------------------- the spec


def test_the_training_keys_are_read(tmp_path) -> None:
    """steps, record_every and grid come out of the spec as given, each grid coordinate an exact decimal."""
    spec = load_variant(tmp_path, "steps = 300", "steps = 40")
    assert (spec.steps, spec.record_every) == (40, 10)
    assert spec.grid is not None
    low, high, points = spec.grid
    assert [spec.grid_coordinate(i) for i in (1, points)] == [low, high]
    spacing = (high - low) / (points - 1)
    assert all(spec.grid_coordinate(i + 1) - spec.grid_coordinate(i) == spacing for i in range(1, points))


def test_a_spec_without_training_keys_trains_nothing(worked_spec) -> None:
    """A chapter that gives no training keys has no steps, no recording and no grid."""
    assert (worked_spec.steps, worked_spec.record_every, worked_spec.grid) == (0, 0, None)


MALFORMED_TRAINING = [
    ("steps = 300", "steps = 2.5", "training.steps", "expected a whole number"),
    ("steps = 300", "steps = -1", "training.steps", "out of range"),
    ("steps = 300", 'steps = "many"', "training.steps", "expected a whole number"),
    ("record_every = 10", "record_every = 0", "training.record_every", "out of range"),
    ("record_every = 10", "record_every = 7", "training.record_every", "does not divide training.steps"),
    ("grid = [-0.5, 1.5, 17]", "grid = [-0.5, 1.5]", "training.grid", "expected [low, high, points]"),
    ("grid = [-0.5, 1.5, 17]", 'grid = "everywhere"', "training.grid", "expected [low, high, points]"),
    ("grid = [-0.5, 1.5, 17]", "grid = [1.5, -0.5, 17]", "training.grid", "is not below high"),
    ("grid = [-0.5, 1.5, 17]", "grid = [-0.5, 1.5, 1]", "training.grid[2]", "out of range"),
    ("grid = [-0.5, 1.5, 17]", "grid = [-0.5, 1.5, 2.5]", "training.grid[2]", "expected a whole number"),
    ("grid = [-0.5, 1.5, 17]", 'grid = ["low", 1.5, 17]', "training.grid[0]", "expected a number"),
    ("grid = [-0.5, 1.5, 17]", "grid = [0, 1, 4]", "training.grid", "is not an exact decimal"),
    ("steps = 300\nrecord_every = 10\n", "", "training.grid", "give training.steps too"),
]


@pytest.mark.parametrize(("old", "new", "field", "problem"), MALFORMED_TRAINING)
def test_a_malformed_training_key_names_file_field_and_problem(tmp_path, old, new, field, problem) -> None:
    """Each malformed training key raises SpecError naming the file, the field and what is wrong."""
    with pytest.raises(SpecError) as raised:
        load_variant(tmp_path, old, new)
    assert (raised.value.path, raised.value.field) == (tmp_path / "variant.toml", field)
    assert problem in raised.value.problem
    assert str(raised.value).startswith(f"{tmp_path / 'variant.toml'}: {field}: ")


def test_a_grid_needs_a_network_of_exactly_two_inputs(tmp_path) -> None:
    """A grid on a network with other than two inputs is refused at training.grid, saying how many it has."""
    base = (ROOT / "chapters" / "four-equations.toml").read_text()
    rate = re.search(r"learning_rate = .*\n", base)
    assert rate is not None
    inputs = load_spec(ROOT / "chapters" / "four-equations.toml", follow=False).input_size
    assert inputs != 2
    with pytest.raises(SpecError) as raised:
        load_variant(tmp_path, rate.group(), rate.group() + "steps = 4\ngrid = [0, 1, 3]\n", base)
    assert raised.value.field == "training.grid"
    assert f"this network has {inputs}" in raised.value.problem


def test_a_malformed_training_key_exits_2_with_one_line(project_copy) -> None:
    """`handbook chapter training` on a malformed training key exits 2 with one line naming file and field."""
    path = project_copy.chapters / "training.toml"
    path.write_text(TRAINING.replace("record_every = 10", "record_every = 7", 1))
    result = CliRunner().invoke(main, ["chapter", "training", "--root", str(project_copy.root)])
    assert result.exit_code == 2, result.output
    (line,) = [line for line in result.output.splitlines() if "training.record_every" in line]
    assert str(path) in line and "does not divide" in line
    assert not (project_copy.build / "tex" / "default" / "chapters" / "training.tex").exists()


# --------------------------------------------------------------------------- the plotted values


def test_every_plotted_value_is_a_ledger_entry_of_the_plots(rendered) -> None:
    """The plots draw the recorded losses, both grids in full and the examples' inputs, all as plotted entries."""
    spec = rendered.spec
    plotted = [e for e in rendered.ledger.entries if e.plotted]
    kinds = [e.quantity.kind for e in plotted]
    assert kinds.count("loss") + kinds.count("trained_loss") == spec.steps // spec.record_every + 1
    assert spec.grid is not None
    assert kinds.count("grid_output") == kinds.count("trained_grid_output") == spec.grid[2] ** 2
    assert kinds.count("input") == 2 * 2 * len(spec.inputs)  # two coordinates, in each of two panels
    assert len(re.findall(r"\\plotvalue\{", rendered.tex)) == len(plotted)


def test_core_and_oracle_training_runs_agree_at_every_plotted_place(rendered) -> None:
    """The float64 run of the core and the oracle's mpmath run print the same text for every plotted value."""
    oracle = Oracle(rendered.spec)
    plotted = [e for e in rendered.ledger.entries if e.plotted]
    assert plotted
    for entry in plotted:
        exact = oracle.value(entry.quantity)
        assert format_fixed(exact, entry.decimals) == entry.text, entry.quantity
        assert check_entry(entry, exact) is None
        assert abs(Decimal(entry.value) - exact) < Decimal("1e-12"), entry.quantity  # far below any printed place


def _tamper_plot(rendered, kind: str, in_ledger: bool):
    """``rendered`` with the first plotted value of ``kind`` moved by one unit of its last place on the
    page (and, with ``in_ledger``, in the ledger too, so that only the oracle can tell)."""
    index = next(i for i, e in enumerate(rendered.ledger.entries) if e.plotted and e.quantity.kind == kind)
    entry = rendered.ledger.entries[index]
    other = format_fixed(Decimal(entry.text) + Decimal(1).scaleb(-entry.decimals), entry.decimals)
    old, new = rf"\plotvalue{{{entry.text}}}", rf"\plotvalue{{{other}}}"
    assert old in rendered.marked
    marked = rendered.marked.replace(old, new, 1)
    ledger = rendered.ledger
    if in_ledger:
        entries = list(ledger.entries)
        entries[index] = dataclasses.replace(entry, text=other)
        ledger = dataclasses.replace(ledger, entries=entries)
    return dataclasses.replace(rendered, marked=marked, ledger=ledger), entry, other


@pytest.mark.parametrize("kind", ["trained_loss", "trained_grid_output", "grid_output"])
def test_a_plotted_value_changed_in_the_tex_fails(rendered, kind: str) -> None:
    """A \\plotvalue edited in the chapter's LaTeX no longer matches the ledger's text: the check fails."""
    tampered, entry, _ = _tamper_plot(rendered, kind, in_ledger=False)
    assert check_printed(rendered) == []
    failures = [str(f) for f in check_printed(tampered)]
    (failure,) = failures
    assert f"{entry.quantity}: the ledger records the plotted text {entry.text!r}" in failure


def test_two_plotted_values_exchanged_in_the_tex_fail(rendered) -> None:
    """Two grid values swapped on the page (the same texts, other places) fail, naming both quantities."""
    cells = [e for e in rendered.ledger.entries if e.plotted and e.quantity.kind == "trained_grid_output"]
    first = cells[0]
    second = next(e for e in cells if e.text != first.text)
    pattern = re.compile(r"\\plotvalue\{[^{}]*\}")
    positions = list(pattern.finditer(rendered.marked))
    plotted = [e for e in rendered.ledger.entries if e.plotted]
    a, b = positions[plotted.index(first)], positions[plotted.index(second)]
    marked = (
        rendered.marked[: a.start()]
        + b.group()
        + rendered.marked[a.end() : b.start()]
        + a.group()
        + rendered.marked[b.end() :]
    )
    failures = [str(f) for f in check_printed(dataclasses.replace(rendered, marked=marked))]
    assert len(failures) == 2
    assert str(first.quantity) in failures[0] and str(second.quantity) in failures[1]


@pytest.mark.parametrize("kind", ["trained_loss", "trained_grid_output"])
def test_a_plotted_value_changed_in_tex_and_ledger_fails_against_the_oracle(project, rendered, kind: str) -> None:
    """A plotted value changed consistently on the page and in the ledger fails against the oracle's run."""
    tampered, entry, other = _tamper_plot(rendered, kind, in_ledger=True)
    assert check_printed(tampered) == []
    failures = [str(f) for f in verify_chapter(tampered, load_notation(project.notation_file))]
    assert any(f"{entry.quantity}: printed {other}" in f for f in failures), failures


def test_the_decision_boundary_follows_the_printed_values() -> None:
    """The half contour crosses each edge between the printed values where linear interpolation puts one half."""
    values = [[Decimal(v) for v in row] for row in (["0.10", "0.20"], ["0.70", "0.80"])]
    (line,) = plots.boundary(values, Decimal(0), Decimal(1))
    assert sorted(line) == [(Decimal("0"), Decimal("0.667")), (Decimal("1"), Decimal("0.5"))]
    assert plots.boundary([[Decimal("0.1")] * 3] * 3, Decimal(0), Decimal(2)) == []


def test_the_drawn_boundary_is_made_of_the_ledger_texts(rendered) -> None:
    """Every point of the drawn boundary lies on a grid edge whose printed ends are on either side of one half."""
    spec = rendered.spec
    assert spec.grid is not None
    low, high, points = spec.grid
    lines = re.findall(r"\\addplot\[" + re.escape(plots.BOUNDARY_STYLE) + r"\] coordinates \{([^}]*)\}", rendered.tex)
    assert len(lines) >= 2  # at least one line in each panel
    spacing = (high - low) / (points - 1)
    for line in lines:
        for x, y in re.findall(r"\(([-0-9.]+),([-0-9.]+)\)", line):
            on_x, on_y = (Decimal(x) - low) / spacing, (Decimal(y) - low) / spacing
            assert on_x == int(on_x) or on_y == int(on_y), (x, y)  # on a vertical or a horizontal grid edge
            assert low <= Decimal(x) <= high and low <= Decimal(y) <= high


# --------------------------------------------------------------------------- claims and theorem


def test_the_falls_rule_reads_the_sequence() -> None:
    """falls: every value below the one before, else "does not fall everywhere" (a plateau does not fall)."""
    d = Decimal
    assert RULES["falls"]((d("0.7"), d("0.5"), d("0.1"))) == "falls from each point to the next"
    assert RULES["falls"]((d("0.7"), d("0.7"), d("0.1"))) == "does not fall everywhere"
    assert RULES["falls"]((d("0.7"), d("0.8"), d("0.1"))) == "does not fall everywhere"


def test_the_classified_rule_counts_the_examples_on_their_targets_side() -> None:
    """classified: (output, target) pairs; an output on its target's side of one half counts."""
    d = Decimal
    assert RULES["classified"]((d("0.9"), d(1), d("0.2"), d(0))) == "every example"
    assert RULES["classified"]((d("0.4"), d(1), d("0.6"), d(0))) == "no example"
    assert RULES["classified"]((d("0.9"), d(1), d("0.6"), d(0), d("0.1"), d(0), d("0.3"), d(1))) == (
        "two of the four examples"
    )


@pytest.mark.parametrize(
    ("claim", "forced"),
    [
        ('claim.classified(*after, says="every example")', 'claim.classified(*after, says="no example")'),
        ("claim.classified(*before)", 'claim.classified(*before, says="every example")'),
        (
            'claim.falls(*terms, says="falls from each point to the next")',
            'claim.falls(*(terms | reverse), says="falls from each point to the next")',
        ),
        (
            'claim.multiple(middle, first, 3, says="larger than three times")',
            'claim.multiple(first, middle, 3, says="larger than three times")',
        ),
        (
            'claim.fraction(first, whole, 4, says="smaller than a quarter of")',
            'claim.fraction(whole, first, 4, says="smaller than a quarter of")',
        ),
        (  # the words follow the number: a hundredth is not what the values give
            'claim.fraction(early, whole, 10, says="smaller than a tenth of")',
            'claim.fraction(early, whole, 100, says="smaller than a hundredth of")',
        ),
    ],
)
def test_a_training_claim_whose_values_give_other_words_fails(project_copy, claim: str, forced: str) -> None:
    """A claim of the training chapter that insists on words its values do not give fails its check."""
    path = project_copy.templates / "chapters" / TEMPLATE
    text = path.read_text(encoding="utf-8")
    assert claim in text, claim
    path.write_text(text.replace(claim, forced, 1), encoding="utf-8")
    with pytest.raises(CheckFailed) as failed:
        check(project_copy, [select(load_chapters(project_copy), "training")], lambda line: None)
    assert any("the page says" in str(failure) for failure in failed.value.failures), failed.value.failures


def test_the_trained_networks_claims_are_decided_again_by_the_oracle(rendered) -> None:
    """A classified claim whose recorded words differ from the oracle's exact values fails the ledger's check."""
    claim = next(c for c in rendered.claims if c.rule == "classified" and c.words == "every example")
    lying = dataclasses.replace(claim, words="no example")
    failures = verify_ledger(dataclasses.replace(rendered, claims=(lying,)))
    assert any("claim classified: the page says 'no example'" in str(f) for f in failures), failures


def test_xor_is_not_linearly_separable_is_proved_and_printed(rendered) -> None:
    """The theorem's proof goes through, and the chapter names it (so the appendix lists it)."""
    assert theorems.prove("xor_not_linearly_separable") is None
    assert "xor_not_linearly_separable" in rendered.theorems


def test_the_xor_proof_fails_when_the_margins_do_not_cancel(monkeypatch) -> None:
    """The proof is a real check: with the combination of the margins made nonzero it reports a problem."""
    import sympy as sp

    expand = sp.expand
    monkeypatch.setattr(theorems.sp, "expand", lambda e: expand(e) + sp.Symbol("c"))
    assert "not zero" in (theorems.prove("xor_not_linearly_separable") or "")


def test_fractions_and_multiples_take_their_words_from_their_numbers() -> None:
    """The fraction and multiple rules name the number they compare with: a tenth for 10, three times for 3."""
    d = Decimal
    assert RULES["fraction"]((d("0.05"), d("1"), d(10))) == "smaller than a tenth of"
    assert RULES["fraction"]((d("0.3"), d("1"), d(4))) == "larger than a quarter of"
    assert RULES["fraction"]((d("0.5"), d("1"), d(2))) == "exactly a half of"
    assert RULES["multiple"]((d("3.5"), d("1"), d(3))) == "larger than three times"
    assert RULES["multiple"]((d("1.5"), d("1"), d(2))) == "smaller than twice"
