"""What the page says is checked, not only the values it prints: steps, claims, closure, labels,
theorems and the scan of prose. Each class of slip is a mutation that must fail the build."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest

from generator import closure, gradcheck, ledger, steps, theorems
from generator.build import CheckFailed, Project, check, compute_chapters, load_chapters, select
from generator.claims import RULES
from generator.ledger import Entry, Ledger
from generator.notation import load_notation
from generator.quantities import Quantity
from generator.render import make_environment, render_chapter
from generator.spec import SpecError
from generator.tex import RenderError
from generator.verify import check_closed, check_entry, check_printed, check_steps, scan_failures, verify_ledger

QUIET = lambda line: None  # noqa: E731


def render(project: Project, name: str):
    """Chapter ``name`` of ``project`` rendered with the core's numbers (no checks run)."""
    spec = select(load_chapters(project), name)
    (computation,) = compute_chapters([spec], __import__("generator").core, QUIET)
    notation = load_notation(project.notation_file)
    return render_chapter(make_environment(project.templates), spec, computation, notation), notation


def cheap_failures(rendered, notation) -> list[str]:
    """Every check of a chapter that needs no oracle: texts on the page, steps, closure and the scan."""
    found = check_printed(rendered) + check_steps(rendered) + check_closed(rendered)
    found += scan_failures(rendered.spec.name, rendered.marked, notation)
    return [str(f) for f in found]


def edit(project: Project, template: str, old: str, new: str) -> None:
    """Replace ``old`` (which must occur) by ``new`` in a chapter template of ``project``."""
    path = project.templates / "chapters" / template
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {template}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_spec(project: Project, chapter: str, old: str, new: str) -> None:
    """Replace the first ``old`` (which must occur) by ``new`` in the spec of ``chapter``."""
    path = project.chapters / f"{chapter}.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def failures_of(project: Project, name: str) -> str:
    """The build's failures for chapter ``name`` (the build must fail)."""
    with pytest.raises(CheckFailed) as caught:
        check(project, [select(load_chapters(project), name)], QUIET)
    return "\n".join(map(str, caught.value.failures))


WORKED = "worked_example.tex.j2"

# --------------------------------------------------------------------------- every step reproduces


@pytest.mark.parametrize("profile", ["default", "note002"])
def test_every_displayed_step_reproduces_from_its_printed_operands(project, profile) -> None:
    """Every step of every chapter gives its printed result from its printed operands, or says ≈ on the page."""
    project = Project(project.root, profile)
    count = 0
    for spec in load_chapters(project):
        rendered, _ = render(project, spec.name)
        for step in rendered.steps:
            count += 1
            printed = {ref: Decimal(e.text) for ref, e in zip(steps.refs(step.expression), step.operands, strict=True)}
            value = steps.evaluate(step.expression, printed.__getitem__)
            reproduces = ledger.format_fixed(value, step.result.decimals) == step.result.text
            assert reproduces != step.unrounded, f"{spec.name}: {step.text}"
            if step.unrounded:
                assert r"\approx" in rendered.tex
    assert count >= 20  # every chapter with a worked example shows steps


def test_chapter_one_reproduces_every_digit_without_approximation(project) -> None:
    """Chapter 1 declares no step unrounded: a pencil reproduces every printed digit."""
    rendered, _ = render(project, "worked-example")
    assert rendered.steps and not any(step.unrounded for step in rendered.steps)
    assert r"\approx" not in rendered.tex


# --------------------------------------------------------------------------- the classes of slip


def test_a_step_that_does_not_reproduce_fails(project_copy) -> None:
    """A step whose operands are printed with too few digits to give its result fails the build."""
    toml = project_copy.chapters / "worked-example.toml"
    text = toml.read_text(encoding="utf-8").replace(
        "activation_derivative = {hid = 0, out = 5}", "activation_derivative = {hid = 0, out = 2}"
    )
    toml.write_text(text, encoding="utf-8")
    rendered, notation = render(project_copy, "worked-example")
    message = "\n".join(cheap_failures(rendered, notation))
    assert "step 'dA[out,1] * gprime[out,1] = delta[out,1]': the printed operands give" in message
    assert "print the operands with more digits, or declare the step unrounded" in message


def test_a_step_declared_unrounded_that_reproduces_fails(project_copy) -> None:
    """Declaring a step unrounded when its printed operands do give its result is refused."""
    edit(
        project_copy,
        WORKED,
        '<< v.step("dA[out,1] * gprime[out,1] = delta[out,1]") >>',
        '<< v.step("dA[out,1] * gprime[out,1] = delta[out,1]", unrounded=true) >>',
    )
    rendered, notation = render(project_copy, "worked-example")
    assert r"\approx" in rendered.tex and r"\footnote" in rendered.tex
    assert any(
        "declared from unrounded values, but its printed operands give" in f for f in cheap_failures(rendered, notation)
    )


def test_a_step_with_the_wrong_weight_does_not_compute_its_result(project_copy) -> None:
    """A printed sum that uses the wrong weight fails against the exact values, naming the step."""
    edit(project_copy, WORKED, "delta[out,2] * W[out,2,1] = dA[hid,1]", "delta[out,2] * W[out,2,2] = dA[hid,1]")
    message = failures_of(project_copy, "worked-example")
    assert "step 'delta[out,1] * W[out,1,1] + delta[out,2] * W[out,2,2] = dA[hid,1]'" in message


def test_a_value_under_the_label_of_another_quantity_fails(project_copy) -> None:
    """A table cell printing one weight's value in the row of another is caught by the labels."""
    edit(project_copy, WORKED, "$<< v.W(layer.name, k, t) >>$", "$<< v.W(layer.name, t, k) >>$")
    rendered, notation = render(project_copy, "worked-example")
    assert any(
        "stands under a row or column label that names another quantity" in f
        for f in cheap_failures(rendered, notation)
    )


def test_a_bare_value_outside_a_labelled_table_fails(project_copy) -> None:
    """A value printed without its symbol in prose is refused: it must come with its symbol."""
    edit(
        project_copy,
        WORKED,
        "With these outputs the loss",
        'The weight is $<< v.W("out", 1, 1) >>$. With these outputs the loss',
    )
    rendered, notation = render(project_copy, "worked-example")
    assert any("printed without its symbol" in f for f in cheap_failures(rendered, notation))


@pytest.mark.parametrize(
    "typed",
    [
        r"$\pd{\cost}{\weightentry{out}{k}{t}} = \errentry{out}{k}\, \actentry{hid}{t}$",  # no numeral at all
        r"$\weightentry{out}{1}{1} < \weightentry{out}{2}{1}$",
        r"$\cost \approx \lrate$",
    ],
)
def test_a_relation_typed_by_hand_fails(project_copy, typed) -> None:
    """A hand-typed relation between the network's symbols is refused, digits or not."""
    edit(project_copy, WORKED, "With these outputs the loss", f"{typed} With these outputs the loss")
    rendered, notation = render(project_copy, "worked-example")
    assert any("a relation typed by hand" in f for f in cheap_failures(rendered, notation))


def test_a_wrong_formula_cannot_be_shown_as_a_result(project_copy) -> None:
    """formula() refuses a formula marked wrong; mistake() outside a mistakes box fails the scan."""
    edit(
        project_copy,
        "softmax_cross_entropy.tex.j2",
        '<< formula("net_dA1") >>',
        '<< formula("wrong_net_dA1_missing_sum") >>',
    )
    with pytest.raises(RenderError, match="is marked wrong: show it with mistake"):
        render(project_copy, "softmax-cross-entropy")
    edit(
        project_copy,
        "softmax_cross_entropy.tex.j2",
        '<< formula("wrong_net_dA1_missing_sum") >>',
        '<< mistake("wrong_net_dA1_missing_sum") >>',
    )
    rendered, notation = render(project_copy, "softmax-cross-entropy")
    assert any("a formula marked wrong shown outside a mistakes box" in f for f in cheap_failures(rendered, notation))


def test_a_formula_about_another_network_is_refused(project_copy) -> None:
    """A chapter shows only formulas about its own network: the ReLU chapter cannot show tanh's slope."""
    edit(project_copy, WORKED, '<< formula("relu_derivative") >>', '<< formula("tanh_derivative") >>')
    with pytest.raises(RenderError, match="tanh_derivative.*which this chapter's network does not have"):
        render(project_copy, "worked-example")


def test_every_rule_is_checked() -> None:
    """No formula is exempt: the SGD update is verified, and a wrong sign in it fails its check."""
    from generator import core
    from generator.formulas import FORMULAS, get_formula, verify_formula

    assert all(not hasattr(get_formula(name), "checked") for name in FORMULAS)
    update = get_formula("sgd_update")
    assert verify_formula(update, core) == []
    from generator.formulas.language import Add

    step = update.chain[0]
    flipped = dataclasses.replace(update, name="sgd_update_flipped", chain=(Add(step.left, step.right.operand),))
    assert verify_formula(flipped, core)


def test_a_constant_typed_into_the_conventions_fails(project_copy) -> None:
    """A convention's constant typed by hand is a digit outside the ledger: the scan refuses it."""
    path = project_copy.templates / "conventions.tex.j2"
    path.write_text(path.read_text(encoding="utf-8").replace('<< constant("log_floor") >>', "$-100$"), encoding="utf-8")
    with pytest.raises(CheckFailed) as caught:
        check(project_copy, load_chapters(project_copy)[:1], QUIET)
    assert "numeral '100' typed into" in "\n".join(map(str, caught.value.failures))


def test_a_core_constant_that_disagrees_with_the_oracle_fails(project_copy, monkeypatch) -> None:
    """The Conventions' constants go through the ledger and are compared with the oracle's own."""
    from generator import core

    monkeypatch.setattr(core, "LOG_FLOOR", -50.0)
    with pytest.raises(CheckFailed) as caught:
        check(project_copy, load_chapters(project_copy)[:1], QUIET)
    assert "constant log_floor: printed -50, exact -100" in "\n".join(map(str, caught.value.failures))


def test_a_core_that_changes_the_relu_kink_convention_fails_the_words_about_it(project_copy, monkeypatch) -> None:
    """ReLU's slope at its kink is printed as the core's backward rule measures it and compared with the oracle's."""
    from generator import core

    monkeypatch.setattr(core, "relu_backward", lambda dA, Z, A: dA * (Z >= 0))
    with pytest.raises(CheckFailed) as caught:
        check(project_copy, load_chapters(project_copy)[:1], QUIET)
    assert "constant relu_slope_at_kink: printed 1, exact 0" in "\n".join(map(str, caught.value.failures))


def test_an_extra_printed_digit_fails() -> None:
    """The printed text fixes the tolerance: one digit more than the spec's precision is refused."""
    quantity = Quantity("error", "out", 1, (1,))
    entry = Entry(quantity, 0.125075, "0.12508", 4, "t.j2", 7)
    problem = check_entry(entry, Decimal("0.1250750"))
    assert problem is not None and "with 5 decimal(s), but the spec's precision for error is 4" in problem
    assert check_entry(dataclasses.replace(entry, text="0.1251"), Decimal("0.1250750")) is None


def test_a_digit_typed_into_prose_fails(project_copy) -> None:
    """A numeral in the prose, not only in maths or tables, is a violation naming template and line."""
    edit(project_copy, WORKED, "we carry out one complete training step", "we carry out 1 complete training step")
    rendered, notation = render(project_copy, "worked-example")
    assert any(
        f.startswith("chapter worked-example: chapters/worked_example.tex.j2:")
        and "numeral '1' typed into the text" in f
        for f in cheap_failures(rendered, notation)
    )


def test_a_count_printed_by_hand_in_a_section_title_fails(project_copy) -> None:
    """The network's name in prose must come from its spec: "a 3-4-4-2 network" typed by hand fails."""
    edit(project_copy, "four_equations.tex.j2", r"a << network.name >> network}", r"a 3--4--4--2 network}")
    rendered, notation = render(project_copy, "four-equations")
    assert any("numeral '3' typed into the text" in f for f in cheap_failures(rendered, notation))


# --------------------------------------------------------------------------- claims


CLAIMS = [
    ('claim.sign("z[hid,2]")', 'claim.sign("z[hid,2]", says="positive")'),
    ('claim.off_target("a[out,1]")', 'claim.off_target("a[out,1]", says="too small")'),
    ('claim.pushed("dA[out,1]")', 'claim.pushed("dA[out,1]", says="pushed up")'),
    (
        'claim.cancel("delta[out,1] * W[out,1,1]", "delta[out,2] * W[out,2,1]")',
        'claim.cancel("delta[out,1] * W[out,1,1]", "delta[out,2] * W[out,2,1]", says="add up")',
    ),
    ('claim.zero("dA[hid,2]")', 'claim.zero("dA[hid,2]", says="is zero")'),
    ('claim.relu_unit("z[hid,2]")', 'claim.relu_unit("z[hid,2]", says="active")'),
    (
        'claim.moved("hand_dW[out,1,1]", "dW[out,1,1]")',
        'claim.moved("hand_dW[out,1,1]", "dW[out,1,1]", says="fourth decimal place")',
    ),
]


@pytest.mark.parametrize(("claim", "forced"), CLAIMS)
def test_a_template_cannot_force_words_its_values_do_not_support(project_copy, claim, forced) -> None:
    """A claim whose words the template insists on is a failed check (exit 1) when the exact values give other
    words: the page would print the insisted words, and the failure names them, the values and the line."""
    edit(project_copy, WORKED, claim, forced)
    said = re.search(r'says="([^"]*)"', forced)
    assert said is not None
    failures = failures_of(project_copy, "worked-example")
    assert f"the page says {said[1]!r}, but " in failures and f"(chapters/{WORKED}:" in failures


@pytest.mark.parametrize(
    ("template", "chapter", "claim", "forced"),
    [
        (
            "gradient_checking.tex.j2",
            "gradient-checking",
            'claim.kink("z[hid,1]")',
            'claim.kink("z[hid,1]", says="is away from its kink")',
        ),
        ("gradient_checking.tex.j2", "gradient-checking", 'claim.verdict("out")', 'claim.verdict("out", says="wrong")'),
        (
            "gradient_checking.tex.j2",
            "gradient-checking",
            'says="cancel exactly"',
            'says="nearly cancel"',
        ),
        (
            "training.tex.j2",
            "training",
            'whole, 10, says="smaller than a tenth of")',
            'whole, 10, says="larger than a tenth of")',
        ),
        (
            "matrix_form.tex.j2",
            "matrix-form",
            '<< claim.compare("count[units,hid]", "count[units,out]") >> the output',
            '<< claim.compare("count[units,hid]", "count[units,out]", says="larger than") >> the output',
        ),
    ],
)
def test_false_claims_of_every_kind_fail(project_copy, template, chapter, claim, forced) -> None:
    """Kink, verdict, cancel and comparison claims refuse words their values do not give, like the others."""
    edit(project_copy, template, claim, forced)
    assert "the page says" in failures_of(project_copy, chapter)


def test_terms_cancel_exactly_only_when_their_sum_is_zero() -> None:
    """The cancel rule: "cancel exactly" for a zero sum, "nearly cancel" under a quarter of the larger term."""
    cancel = RULES["cancel"]
    assert cancel([Decimal("0.50"), Decimal("-0.50")]) == "cancel exactly"
    assert cancel([Decimal("0.50"), Decimal("-0.45")]) == "nearly cancel"
    assert cancel([Decimal("0.50"), Decimal("-0.25")]) == "partly cancel"
    assert cancel([Decimal("0.50"), Decimal("0.25")]) == "add up"


def test_a_value_moved_at_the_first_place_its_rounding_differs() -> None:
    """The moved rule: the first place at which both values, rounded to it half away from zero, differ."""
    moved = RULES["moved"]
    assert moved([Decimal("0.0767982"), Decimal("0.0763065")]) == "third decimal place"  # 0.077 against 0.076
    assert moved([Decimal("-1.40768"), Decimal("-1.40763")]) == "fourth decimal place"
    assert moved([Decimal("0.0999999"), Decimal("0.1000001")]) == "seventh decimal place"  # not the first
    assert moved([Decimal("1.7"), Decimal("0.9")]) == "whole part"
    assert moved([Decimal("0.25"), Decimal("0.25")]) == "no decimal place"
    with pytest.raises(ValueError, match="only below the tenth"):
        moved([Decimal("0.1"), Decimal("0.1") + Decimal("1e-12")])


def test_claims_are_decided_again_by_the_oracle(project) -> None:
    """A claim whose recorded words differ from what the exact values give fails the ledger's check."""
    rendered, _ = render(project, "worked-example")
    claim = next(c for c in rendered.claims if c.rule == "off_target")
    lying = dataclasses.replace(claim, words="too small" if claim.words == "too large" else "too large")
    failures = verify_ledger(dataclasses.replace(rendered, claims=(lying,)))
    assert any(f"claim off_target: the page says {lying.words!r}" in str(f) for f in failures)


def test_every_claim_rule_is_exercised_by_the_book(project) -> None:
    """Each rule of claims is used somewhere in the book, so a false claim of each kind would be seen."""
    used = set()
    for spec in load_chapters(project):
        rendered, _ = render(project, spec.name)
        used |= {c.rule for c in rendered.claims}
    assert used >= {"sign", "off_target", "pushed", "cancel", "zero", "compare", "kink", "verdict", "passes"}
    assert set(RULES) == used


def test_the_gradient_check_reports_a_kink_not_a_wrong_gradient(project) -> None:
    """A parameter whose central difference straddles a kink is reported as such, never as "wrong"."""
    rendered, _ = render(project, "gradient-checking")
    verdicts = [c for c in rendered.claims if c.rule == "verdict" and len(c.terms) == 2 and "rel_err" in c.terms[0]]
    at_kink = [c for c in verdicts if c.words == gradcheck.AT_A_KINK]
    assert len(at_kink) == 3 and not any(c.words == "wrong" for c in verdicts)
    assert gradcheck.verdict(1.0, kinks=1) == gradcheck.AT_A_KINK and gradcheck.verdict(1.0) == "wrong"


# --------------------------------------------------------------------------- theorems


def test_every_theorem_of_the_prose_is_proved() -> None:
    """The general statements the book makes each have a proof that goes through."""
    assert {name: theorems.prove(name) for name in theorems.THEOREMS} == dict.fromkeys(theorems.THEOREMS)


def test_a_false_bound_on_the_relative_error_is_not_proved(monkeypatch) -> None:
    """The proof of "at most two" fails when the bound it checks is wrong (the note's "at most one")."""
    import sympy as sp

    monkeypatch.setattr(sp.calculus.util, "maximum", lambda expr, symbol, domain: sp.Integer(1))
    assert theorems.prove("relative_error_at_most_two") is not None


@pytest.mark.parametrize(
    ("name", "points", "divisor", "printed"),
    [("forward_difference_order_one", (1, 0), 1, r"\step"), ("central_difference_order_two", (1, -1), 2, r"\step^{2}")],
)
def test_a_difference_order_the_prose_quotes_is_the_proved_one(name, points, divisor, printed) -> None:
    """The prose prints the order in the step that the quotient's proof holds, and no other order is proved."""
    order = theorems.DIFFERENCE_ORDERS[name]
    assert theorems.term(name, "error") == printed
    assert theorems._difference_order(points, divisor, order)() is None
    assert all(theorems._difference_order(points, divisor, other)() is not None for other in (order - 1, order + 1))


@pytest.mark.parametrize(
    ("chapter", "template", "said", "wrong"),
    [
        ("matrix-form", "matrix_form.tex.j2", "prediction minus target", "target minus prediction"),
        (
            "four-equations",
            "four_equations.tex.j2",
            "one minus the activation squared",
            "one plus the activation squared",
        ),
        ("chain-rule", "chain_rule.tex.j2", "minus the square of its output", "minus the square of its input"),
        (
            "four-equations",
            "four_equations.tex.j2",
            "the gradient of the sum divided by",
            "the gradient of the sum times",
        ),
        ("three-layer", "three_layer.tex.j2", "its slope is zero, and so is its error term", "its slope is one"),
        (
            "worked-example",
            "worked_example.tex.j2",
            "a small step against its gradient",
            "a small step along its gradient",
        ),
        ("gradient-checking", "gradient_checking.tex.j2", "grows with the step", "shrinks with the step"),
        (
            "gradient-checking",
            "gradient_checking.tex.j2",
            "the terms of even order cancel",
            "the terms of odd order cancel",
        ),
        (
            "gradient-checking",
            "gradient_checking.tex.j2",
            "exceeds one only when their signs differ",
            "exceeds one only when their signs agree",
        ),
        (
            "softmax-cross-entropy",
            "softmax_cross_entropy.tex.j2",
            "raises its own probability and lowers all the others",
            "lowers its own probability and raises all the others",
        ),
    ],
)
def test_words_a_theorem_does_not_say_fail_the_render(project_copy, chapter, template, said, wrong) -> None:
    """``theorem(name, says=...)`` prints only words of the proved statement: other words are refused."""
    edit(project_copy, template, f'says="{said}"', f'says="{wrong}"')
    with pytest.raises(RenderError, match=f"does not say '{wrong}'"):
        render(project_copy, chapter)


@pytest.mark.parametrize(
    ("name", "function", "stand_in"),
    [
        ("tanh_slope", "tanh", lambda z: __import__("sympy").sin(z)),
        ("sigmoid_cross_entropy_error", "exp", lambda z: __import__("sympy").E ** (2 * z)),
        ("softmax_own_up_others_down", "exp", lambda z: z**2 + 1),
    ],
)
def test_a_statement_about_other_functions_is_not_proved(monkeypatch, name, function, stand_in) -> None:
    """Each proof checks its identity for the function it names: with another function it fails."""
    import sympy as sp

    monkeypatch.setattr(sp, function, stand_in)
    assert theorems.prove(name) is not None


def test_an_unknown_theorem_fails_the_render(project_copy) -> None:
    """A template that names a statement no proof backs is refused."""
    edit(
        project_copy,
        "gradient_checking.tex.j2",
        'theorem("relative_error_at_most_two")',
        'theorem("relative_error_at_most_one")',
    )
    with pytest.raises(RenderError, match="no theorem called 'relative_error_at_most_one'"):
        render(project_copy, "gradient-checking")


# --------------------------------------------------------------------------- closure


def test_an_example_with_an_unprinted_operand_is_not_closed(project_copy) -> None:
    """A worked example whose weight gradients come before the activations they need is refused."""
    edit(
        project_copy,
        "four_equations.tex.j2",
        "<< v.example_begin() >>",
        '<< v.matrix.dW("three") >><< v.example_begin() >>',
    )
    edit(
        project_copy,
        "four_equations.tex.j2",
        "<< v.matrix.x() >>, \\qquad",
        "<< v.example_begin() >><< v.matrix.x() >>, \\qquad",
    )
    rendered, notation = render(project_copy, "four-equations")
    assert any("is worked out in an example from" in f for f in cheap_failures(rendered, notation))


def test_closure_names_the_missing_quantity() -> None:
    """Unit check: a weight gradient printed in an example without its error term names that error term."""
    from generator.spec import load_spec

    spec = load_spec(Path(__file__).resolve().parents[1] / "chapters" / "worked-example.toml")
    ledger = Ledger("worked-example")
    ledger.record(Quantity("activation", "hid", 1, (1,)), 0.61, 2, "t.j2", 1)
    ledger.record(Quantity("weight_gradient", "out", None, (1, 1)), 0.0763, 4, "t.j2", 2, in_example=True)
    ((entry, requirement),) = list(closure.unprinted(ledger.entries, spec))
    assert entry.quantity.kind == "weight_gradient"
    assert requirement == (Quantity("error", "out", 1, (1,)), Quantity("example_error", "out", 1, (1,)))


# --------------------------------------------------------------------------- notation, bounds, the core


@pytest.mark.parametrize(
    ("body", "problem"),
    [("W^{(2)}_{#2#3}", "digit"), ("W^{(\\layer{#1})}_{#3#2}", "order")],
)
def test_a_profile_body_with_a_digit_or_swapped_indices_is_refused(tmp_path, body, problem) -> None:
    """A macro body that hides a digit, or uses its index arguments out of order, fails when the profile loads."""
    import shutil

    shutil.copy(Path(__file__).resolve().parents[1] / "notation" / "default.toml", tmp_path / "default.toml")
    profile = tmp_path / "bad.toml"
    profile.write_text(
        'name = "bad"\ndescription = "A bad profile."\nextends = "default"\norientation = "output-by-input"\n'
        f'batch = "rows"\nsource = "this book"\n[macros]\nweightentry = {{ body = \'{body}\' }}\n',
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match="weightentry"):
        load_notation(profile)


def test_a_bound_without_its_margin_fails() -> None:
    """A printed bound must lie ten times above both the exact and the measured value."""
    quantity = Quantity("relative_error_bound", None, None, (), None, "softmax-cross-entropy")
    entry = Entry(quantity, 1.96e-10, "1e-9", 0, "t.j2", 3)
    assert check_entry(entry, Decimal("1.9e-10")) is not None  # 1e-9 is not ten times 1.96e-10
    assert check_entry(dataclasses.replace(entry, text="1e-8"), Decimal("1.9e-10")) is None


def test_an_exception_in_the_core_is_a_check_failure_naming_chapter(project_copy, monkeypatch) -> None:
    """A core that raises (a shape that does not fit) fails the chapter's check, with no traceback."""
    from generator import core

    def broken(a_prev, W, b):
        raise ValueError("shapes (1,2) and (3,2) not aligned")

    monkeypatch.setattr(core, "dense_forward", broken)
    message = failures_of(project_copy, "worked-example")
    assert message.startswith("chapter worked-example: ")
    assert "the core raised ValueError: shapes (1,2) and (3,2) not aligned" in message


def test_an_exception_while_printing_a_quantity_names_it(project_copy, monkeypatch) -> None:
    """A core that fails on one quantity names the chapter, the quantity and the template line."""
    from generator import compute as compute_module

    original = compute_module.Computation.value

    def failing(self, q):
        if q.kind == "activation_derivative":
            raise FloatingPointError("overflow in exp")
        return original(self, q)

    monkeypatch.setattr(compute_module.Computation, "value", failing)
    message = failures_of(project_copy, "worked-example")
    assert (
        "chapter worked-example: activation_derivative[out]_1 (example 1): the core raised FloatingPointError"
        in message
    )
    assert "chapters/worked_example.tex.j2:" in message


# --------------------------------------------------------------------------- the three errors, fixed


def test_note_004s_missing_sum_is_shown_with_its_counterexample(project) -> None:
    """The note's hidden gradient gives 0.5316 where the true value is 1.0398: both from the ledger."""
    from generator import core
    from generator.formulas import get_formula, verify_formula

    rendered, _ = render(project, "softmax-cross-entropy")
    texts = {str(e.quantity): e.text for e in rendered.ledger.entries}
    assert texts["formula wrong_net_dA1_missing_sum[out]_1,1 (example 1)"] == "0.5316"
    assert texts["activation_gradient[hid]_1 (example 1)"] == "1.0398"
    assert verify_formula(get_formula("wrong_net_dA1_missing_sum"), core) == []  # its check fails, as a mistake's must


def test_the_relative_error_is_said_to_be_at_most_two(project) -> None:
    """Section 7.2 states the bound two, tied to its proof, and no longer "at most one"."""
    rendered, _ = render(project, "gradient-checking")
    assert "relative_error_at_most_two" in rendered.theorems
    assert "at most one" not in rendered.tex and "at most\ntwo" in rendered.tex.replace("at most two", "at most\ntwo")


@pytest.mark.parametrize(
    ("text", "printed"),
    [
        ("a[hid,1] + b[out,1] = z[out,1]", r"0.25 + \bigl(-0.50\bigr)"),
        ("a[hid,1] - b[out,1] = z[out,1]", r"0.25 - \bigl(-0.50\bigr)"),
        ("b[out,1] + a[hid,1] = z[out,1]", r"-0.50 + 0.25"),
        ("b[out,1] * a[hid,1] = z[out,1]", r"\bigl(-0.50\bigr) \cdot 0.25"),
    ],
)
def test_a_negative_operand_is_bracketed_after_a_sign_and_as_a_factor(text: str, printed: str) -> None:
    """A step prints a + (-b), a - (-b) and (-b) . a, never a + -b; a sum may start with a negative term."""
    expression, _ = steps.parse(text)
    values = {"a": "0.25", "b": "-0.50"}

    def number(ref, bracketed: bool) -> str:
        value = values[ref.call]
        return rf"\bigl({value}\bigr)" if value.startswith("-") and bracketed else value

    assert steps.render(expression, number, numbers=True) == printed


def test_a_step_on_two_lines_is_aligned_on_its_result(project) -> None:
    """A step set on two lines sits on its last line, the result's: the comma after it follows the result."""
    rendered, _ = render(project, "linear-layer")
    assert r"\begin{aligned}[b]" in rendered.tex and r"\begin{aligned}[t]" not in rendered.tex
    assert re.search(r"\\end\{aligned\}[,.]", rendered.tex)


@pytest.mark.parametrize(
    ("template", "chapter", "shown", "moved"),
    [
        (  # the slip's claim at W_11 is the true gradient there: only W_12 shows the slip
            "softmax_cross_entropy.tex.j2",
            "softmax-cross-entropy",
            'v.counterexample("wrong_net_dW2_one_index", "out", 1, 2)',
            'v.counterexample("wrong_net_dW2_one_index", "out", 1, 1)',
        ),
        (  # dy_r/db_i is one where r = i: the note's "always one" is wrong only off the diagonal
            "linear_layer.tex.j2",
            "linear-layer",
            'v.counterexample("wrong_linear_dy_db_one", lin.name, 1, 2)',
            'v.counterexample("wrong_linear_dy_db_one", lin.name, 1, 1)',
        ),
    ],
)
def test_a_counterexample_at_an_instance_where_the_slip_is_right_fails(
    project_copy, template, chapter, shown, moved
) -> None:
    """A wrong formula shown at an instance where its claim equals the true value (by its quantity, or by the
    checked result with its left side) is no counterexample: the render fails naming the template line."""
    edit(project_copy, template, shown, moved)
    with pytest.raises(RenderError, match="choose an instance where they differ"):
        render(project_copy, chapter)


@pytest.mark.parametrize(
    ("spec", "old", "new", "said"),
    [
        ("four-equations", 'reduction = "mean"', 'reduction = "sum"', "loss.reduction = 'mean'"),
        (
            "four-equations",
            'activation = "sigmoid"',
            'activation = "tanh"',
            "the activation of layer three = 'sigmoid'",
        ),
        ("worked-example", 'name = "sse"', 'name = "bce"', "loss.name = 'sse'"),
        ("softmax-cross-entropy", "targets = [[0, 1, 0]]", "targets = [[0, 0, 1]]", "(its true class) = 2"),
    ],
)
def test_a_spec_the_prose_does_not_describe_fails_naming_the_template_line(project_copy, spec, old, new, said) -> None:
    """A spec whose loss, reduction or activation differs from what its chapter's prose says in words ("averaged
    over a batch", "a sigmoid output layer") fails to render, naming the template line and the spec's value."""
    edit_spec(project_copy, spec, old, new)
    with pytest.raises(RenderError, match="the text is written for") as raised:
        render(project_copy, spec)
    assert said in str(raised.value) and "change the text with the spec" in str(raised.value)


def test_a_unit_the_prose_calls_silenced_must_be_one(project_copy) -> None:
    """With the second hidden neuron's weights made positive its pre-activation is positive: the page can no
    longer call it silenced, nor its activation zero (the mutation battery's weights, under which the
    prose stayed as it was)."""
    edit_spec(project_copy, "worked-example", "-0.37", "0.30")
    failures = failures_of(project_copy, "worked-example")
    assert "claim relu_unit: the page says 'silenced', but z[hid,2] = " in failures
    assert "claim zero: the page says 'is zero', but a[hid,2] = " in failures


def test_the_places_the_prose_names_are_the_specs(project_copy) -> None:
    """'The output activations carry six places' names the spec's precision in words, so it follows the spec."""
    rendered, _ = render(project_copy, "worked-example")
    assert "activations carry six places" in rendered.tex
    edit_spec(project_copy, "worked-example", "activation = {hid = 2, out = 6}", "activation = {hid = 2, out = 7}")
    rendered, _ = render(project_copy, "worked-example")
    assert "activations carry seven places" in rendered.tex
