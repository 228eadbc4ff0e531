"""Exercises: the generator of variants (generator/exercises), its rules, the [exercises] table
and the answers linked both ways."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pytest

from generator.compute import compute
from generator.exercises import chapter_exercises, generate, variant_network, variant_spec
from generator.exercises.arith import Floats
from generator.exercises.generate import KINK_MARGIN, VARIANT_PREFIX, derive_candidates, derive_givens
from generator.formulas import CHAPTER_OF, FORMULAS
from generator.ledger import format_fixed
from generator.oracle import Oracle
from generator.quantities import Quantity
from generator.spec import EXERCISE_KINDS, EXERCISES_PER_CHAPTER, SpecError, load_spec
from tests.helpers import render_checked

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.toml"))
SPECS = {path.stem: load_spec(path) for path in CHAPTERS}
GOOD = (ROOT / "chapters" / "worked-example.toml").read_text()


def _printed(spec, q: Quantity, value: float) -> Decimal:
    places = spec.decimals(q.kind, q.layer)
    assert places is not None, q
    return Decimal(format_fixed(value, places))


def _compute_exercises():
    for name, spec in SPECS.items():
        for exercise in chapter_exercises(spec):
            if exercise.kind == "compute":
                yield pytest.param(spec, exercise, id=f"{name}-{exercise.number}")


def test_every_chapter_has_four_to_eight_exercises_of_several_kinds() -> None:
    """Each chapter asks for four to eight exercises, of at least two kinds, numbered from one."""
    low, high = EXERCISES_PER_CHAPTER
    for name, spec in SPECS.items():
        exercises = chapter_exercises(spec)
        assert low <= len(exercises) <= high, name
        assert len({e.kind for e in exercises}) >= 2, name
        assert [e.number for e in exercises] == list(range(1, len(exercises) + 1)), name
        assert "compute" in {e.kind for e in exercises}, name


@pytest.mark.parametrize("kind", EXERCISE_KINDS)
def test_generate_is_a_pure_function_of_spec_kind_and_seed(kind: str) -> None:
    """The same spec, kind and seed give the same exercise; the seed matters for a compute variant."""
    spec = SPECS["softmax-cross-entropy"]
    assert generate(spec, kind, 1234) == generate(spec, kind, 1234)
    if kind == "compute":
        assert generate(spec, kind, 1234).network != generate(spec, kind, 99999).network


def test_a_variant_is_built_from_the_spec_and_its_seed_alone() -> None:
    """``variant_<seed>`` resolves, through the spec, to the variant that the seed draws."""
    spec = SPECS["worked-example"]
    assert spec.network_spec(f"{VARIANT_PREFIX}77") == variant_spec(spec, 77) == variant_network(spec, "variant_77")


@pytest.mark.parametrize("spec, exercise", list(_compute_exercises()))
def test_compute_variants_keep_the_rules(spec, exercise) -> None:
    """A compute variant: numbers of one or two decimals; no ReLU-type unit at its kink; no weight
    or bias whose gradient vanishes in print; the answer equal in print to no given number."""
    variant = spec.network_spec(exercise.network)
    assert [layer.activation for layer in variant.layers] == [layer.activation for layer in spec.layers]
    numbers = [v for layer in variant.layers for row in layer.weights for v in row]
    numbers += [v for layer in variant.layers for v in layer.biases or ()]
    assert all(-v.as_tuple().exponent <= 2 for v in numbers)
    assert all(-v.as_tuple().exponent <= 1 for row in variant.inputs for v in row)
    core = compute(variant)
    for n, layer in enumerate(variant.layers):
        if layer.activation in ("relu", "leaky_relu"):
            assert (abs(core.records[n].Z) >= KINK_MARGIN).all(), layer.name
    for layer in variant.layers:
        for k in range(1, layer.size + 1):
            for t in range(1, len(layer.weights[0]) + 1):
                q = Quantity("weight_gradient", layer.name, None, (k, t))
                assert _printed(variant, q, core.value(q)) != 0, q
    answer = _printed(variant, exercise.asks, core.value(dataclasses.replace(exercise.asks, network=None)))
    given = numbers + [v for row in (*variant.inputs, *variant.targets) for v in row]
    assert answer not in given


@pytest.mark.parametrize("name", sorted(SPECS))
def test_answers_differ_between_the_questions_of_a_chapter(name: str) -> None:
    """No two compute answers of a chapter print alike; no formula or shape is asked twice."""
    spec = SPECS[name]
    exercises = chapter_exercises(spec)
    answers = []
    for e in exercises:
        if e.kind == "compute":
            variant = spec.network_spec(e.network)
            plain = dataclasses.replace(e.asks, network=None)
            answers.append(_printed(variant, e.asks, compute(variant).value(plain)))
    assert len(answers) == len(set(answers))
    formulas = [e.formula for e in exercises if e.formula]
    assert len(formulas) == len(set(formulas))
    shapes = [(e.form, e.layer) for e in exercises if e.kind == "shapes"]
    assert len(shapes) == len(set(shapes))


def test_the_oracle_recomputes_a_variant_from_the_spec() -> None:
    """The oracle's exact value of a compute answer on its variant agrees with the core's."""
    spec = SPECS["three-layer"]
    exercise = next(e for e in chapter_exercises(spec) if e.kind == "compute")
    exact = Oracle(spec).value(exercise.asks)
    core = compute(spec).value(exercise.asks)
    assert abs(float(exact) - core) < 1e-12


def test_derive_and_mistake_exercises_use_the_catalogue() -> None:
    """A derive exercise asks for a checked result; a mistake exercise shows a formula marked wrong."""
    for spec in SPECS.values():
        for e in chapter_exercises(spec):
            if e.kind == "derive":
                assert FORMULAS[e.formula].kind == "result"
            if e.kind == "mistake":
                assert FORMULAS[e.formula].kind == "wrong"


def test_a_derive_question_asks_for_one_result() -> None:
    """Each derive question, its left side with the definitions it states, means one setting of its chapter:
    the gates' shared df_du comes with the gate's definition, and an unresolved one is never asked."""

    def question(name: str) -> tuple[str, tuple[str, ...]]:
        formula = FORMULAS[name]
        return formula.lhs.tex(formula.model.symbols), tuple(derive_givens(name))

    asked = [(spec, e) for spec in SPECS.values() for e in chapter_exercises(spec) if e.kind == "derive"]
    assert asked
    for spec, e in asked:
        same = [
            name
            for name, formula in FORMULAS.items()
            if formula.kind == "result"
            and CHAPTER_OF[name] == CHAPTER_OF[e.formula]
            and question(name) == question(e.formula)
        ]
        assert {FORMULAS[name].model.name for name in same} == {FORMULAS[e.formula].model.name}, (spec.name, e.number)
    assert derive_givens("gate_mul_first") == ["gate_mul"] and derive_givens("gate_add_input") == ["gate_add"]
    assert "chain_rule_paths" not in derive_candidates(SPECS["chain-rule"])  # shares df_dx with chain_rule_single


BAD_TABLES = [
    ("seed = 101", "seed = -1", "exercises.seed", "out of range"),
    ("compute = 2", "compute = 9", "exercises.compute", "out of range"),
    ("compute = 2\nderive = 1\nshapes = 1\nmistake = 1\n", "compute = 4\n", "exercises", "one kind only"),
    ("compute = 2", "compute = 8", "exercises", "a chapter has"),
    ("compute = 2", "compute = 2\nhints = 1", "exercises.hints", "unknown key"),
    ("derive = 1", 'derive = ["sigmoid_derivative", "sigmoid_derivative"]', "exercises.derive", "named twice"),
    ("derive = 1", 'derive = ["no_such_formula"]', "exercises.derive", "not a checked result"),
    ("derive = 1", 'derive = ["wrong_dW_index_swapped"]', "exercises.derive", "not a checked result"),
    ("derive = 1", 'derive = ["softmax_ce_vector"]', "exercises.derive", "holds for a network"),
    ("derive = 1", 'derive = ["chain_rule_paths"]', "exercises.derive", "no definition says which"),
    ("formula = 4\n", "", "exercises.mistake", "no wrong formula"),
    ("formula = 4\n", "formula = 5\n", "exercises.mistake", "printed to the places of the quantity it claims"),
]


@pytest.mark.parametrize("old, new, field, problem", BAD_TABLES)
def test_a_bad_exercises_table_is_a_spec_error(tmp_path: Path, old: str, new: str, field: str, problem: str) -> None:
    """A malformed or impossible [exercises] table is refused naming the file and the field."""
    assert old in GOOD, old
    path = tmp_path / "worked-example.toml"
    path.write_text(GOOD.replace(old, new, 1))
    with pytest.raises(SpecError) as error:
        load_spec(path)
    assert error.value.field.startswith(field)
    assert problem in str(error.value)
    assert str(path) in str(error.value)


def test_exercises_and_answers_link_both_ways(project) -> None:
    """Every exercise names its answer's label and every answer its exercise's, in the chapter's LaTeX;
    the answers are kept for the appendix."""
    rendered = render_checked(project, "worked-example")
    for e in chapter_exercises(SPECS["worked-example"]):
        ex, ans = f"ex:worked-example:{e.number}", f"ans:worked-example:{e.number}"
        assert rf"\exercisehead{{{ex}}}{{{ans}}}" in rendered.tex
        assert rf"\answerhead{{{ex}}}{{{ans}}}" in rendered.tex
    assert rendered.tex.count(r"\begin{exerciseanswer}") == len(chapter_exercises(SPECS["worked-example"])) + 1
    variants = {e.quantity.network for e in rendered.ledger.entries if e.quantity.network}
    assert variants and all(v.startswith(VARIANT_PREFIX) for v in variants)


@pytest.mark.parametrize(
    ("chapter", "formula", "asked"),
    [
        ("softmax-cross-entropy", "softmax_jacobian_offdiagonal", r", for $i \neq j$,"),
        (
            "gradient-checking",
            "forward_difference",
            r"by Taylor's theorem, for a loss $\cost$ that is a cubic in $\param$",
        ),
        ("chain-rule", "gate_mul_first", r"Where $\graphnode{g} = \graphnode{u}\, \graphnode{v}$, derive"),
    ],
)
def test_a_derive_question_says_what_its_answer_assumes(project_copy, chapter, formula, asked) -> None:
    """A derive question states its result's index condition, how it is derived (Taylor, for a cubic) and its gate."""
    spec = project_copy.chapters / f"{chapter}.toml"
    text = spec.read_text()
    assert "\nderive = " in text, spec
    spec.write_text(re.sub(r"\nderive = [^\n]*", f'\nderive = ["{formula}"]', text, count=1))
    tex = render_checked(project_copy, chapter).tex
    assert asked in tex


def test_a_mistake_prints_its_claim_to_the_places_of_the_truth_beside_it() -> None:
    """In every chapter a mistake's counterexample prints the wrong formula's claim and the true value
    to the same number of places, so that the reader compares like with like."""
    mistakes = [(s, e) for s in SPECS.values() for e in chapter_exercises(s) if e.kind == "mistake"]
    assert mistakes
    for s, e in mistakes:
        assert s.decimals("formula") == s.decimals(e.asks.kind, e.asks.layer), (s.name, e.number)


def test_no_mistake_is_shown_against_a_gradient_at_a_kink() -> None:
    """The first hidden unit of the gradient check's network sits on its kink: its weights' gradients are
    told apart from a smooth one's, and no chapter's mistake exercise is answered by such a gradient."""
    spec = SPECS["gradient-checking"]
    floats = Floats(spec)
    assert floats.at_a_kink(Quantity("weight_gradient", "hid", index=(1, 2)))
    assert not floats.at_a_kink(Quantity("weight_gradient", "hid", index=(2, 1)))
    assert not floats.at_a_kink(Quantity("weight_gradient", "out", index=(1, 1)))
    mistakes = [(s, e) for s in SPECS.values() for e in chapter_exercises(s) if e.kind == "mistake"]
    assert mistakes
    for s, e in mistakes:
        assert not Floats(s).at_a_kink(e.asks), (s.name, e.number)


def test_a_result_of_another_chapter_is_asked_in_that_chapters_notation(project) -> None:
    """A derive question whose result another chapter holds (the training chapter asks for the three-layer
    chapter's cancellation) sends the reader to that chapter's notation, by a label that chapter defines."""
    asked = [(s, e) for s in SPECS.values() for e in chapter_exercises(s) if e.kind == "derive"]
    elsewhere = [(s, e) for s, e in asked if CHAPTER_OF[e.formula] != s.name]
    assert elsewhere
    for s, e in elsewhere:
        home = CHAPTER_OF[e.formula]
        template = (ROOT / "templates" / SPECS[home].template).read_text()
        assert f"\\label{{chap:{home}}}" in template, home
        tex = render_checked(project, s.name).tex
        assert f"in the notation of \\cref{{chap:{home}}}." in tex
