"""Checked formulas: every formula passes, and each kind of mutation is caught by each check."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from generator import core
from generator.formulas import FORMULAS, Formula
from generator.formulas.check import check_exact, check_numeric, formula_key, verify_formula
from generator.formulas.language import Apply, Const, Entry, Mul, Q


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_every_formula_passes_its_checks(name: str, formula_verdicts) -> None:
    """Each formula holds exactly on small sizes and numerically against the core (wrong ones fail)."""
    assert formula_verdicts[name] == []


def mutate(name: str, *chain) -> Formula:
    return dataclasses.replace(FORMULAS[name], chain=tuple(chain))


MUTATIONS = {
    "index swapped": mutate("weight_gradient", Mul(Entry("delta", ("t",)), Entry("aprev", ("k",)))),
    "transpose dropped": mutate("activation_gradient_vector", Q("W") @ Q("delta")),
    "transpose misplaced": mutate("weight_gradient_vector", Q("delta").T @ Q("aprev")),
    "sign flipped": mutate("sse_gradient", Mul(Const(Fraction(2)), Entry("y", ("k",)) - Entry("a", ("k",)))),
    "factor dropped": mutate("error_term", Entry("dJ_dz", ("k",)), Entry("dJ_da", ("k",))),
    "constant changed": mutate(
        "sigmoid_derivative", Mul(Apply("sigma", Q("z")), Const(Fraction(2)) - Apply("sigma", Q("z")))
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_exact_check_alone_catches_each_mutation(mutation: str) -> None:
    """SymPy on small symbolic sizes rejects the mutated formula and names it."""
    formula = MUTATIONS[mutation]
    (problem,) = check_exact(formula)
    assert problem.startswith(f"formula {formula.name}: exact check, sizes ")


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_numeric_check_alone_catches_each_mutation(mutation: str) -> None:
    """The core on random sizes rejects the mutated formula and names it."""
    formula = MUTATIONS[mutation]
    (problem,) = check_numeric(formula, core)
    assert problem.startswith(f"formula {formula.name}: numeric check, sizes ")


def test_failure_names_the_first_entry_that_differs() -> None:
    """A flipped sign is reported at the first index with both sides' values."""
    (problem,) = check_exact(MUTATIONS["sign flipped"])
    assert problem.startswith("formula sse_gradient: exact check, sizes {'K': 3}: link 1 differs at k=1: ")
    assert "2*a_1_1 - 2*y_1_1 versus -2*a_1_1 + 2*y_1_1" in problem


def test_a_chain_is_checked_link_by_link() -> None:
    """A wrong middle step of a chain fails at that link even when the ends agree."""
    formula = FORMULAS["error_term"]
    broken = dataclasses.replace(formula, chain=(Entry("dJ_da", ("k",)), formula.chain[1]))
    (problem,) = check_exact(broken)
    assert "link 1 differs at k=1" in problem


def test_declared_shapes_are_confirmed() -> None:
    """A shape stated wrongly in the formula fails, naming the quantity and both shapes."""
    original = FORMULAS["weight_gradient_vector"]
    model = dataclasses.replace(original.model, shapes={**original.model.shapes, "dJ_dW": ("t", "k")})
    (problem,) = check_exact(dataclasses.replace(original, model=model))
    assert "shape of dJ_dW is (2, 3), but the formula states (t, k) = (3, 2)" in problem


def test_a_wrong_formula_that_holds_is_a_failure() -> None:
    """Marking a true formula as wrong fails: a wrong formula's check must fail."""
    formula = dataclasses.replace(FORMULAS["weight_gradient"], kind="wrong")
    assert verify_formula(formula, core) == [
        "formula weight_gradient: marked wrong, but both the exact and the numeric check pass"
    ]


def test_a_formulas_verdict_is_keyed_by_its_content() -> None:
    """The key of a formula's verdict changes with its definition and with nothing else about it."""
    formula = FORMULAS["weight_gradient"]
    assert formula_key(formula, core) == formula_key(dataclasses.replace(formula), core)
    assert formula_key(MUTATIONS["index swapped"], core) != formula_key(formula, core)
    assert formula_key(dataclasses.replace(formula, kind="wrong"), core) != formula_key(formula, core)


def whole_quantities(node):
    """The quantities a formula uses whole (not entry by entry)."""
    if isinstance(node, Q):
        yield node
    for child in node.children():
        yield from whole_quantities(child)


def test_every_vectorised_formula_states_the_shape_of_each_factor() -> None:
    """A formula without free indices whose quantities are matrices declares every one's shape."""
    from generator.formulas.check import exact_env

    missing = {}
    for name, formula in FORMULAS.items():
        if formula.free or formula.kind == "wrong":
            continue
        model = formula.model
        env = exact_env(model, tuple(sorted(model.exact_sizes[0].items())))
        names = {node.name for side in formula.sides() for node in whole_quantities(side)}
        matrices = {n for n in names if env.ops.shape(env.values[n]) not in ((), (1, 1))}
        if matrices - set(formula.shapes):
            missing[name] = sorted(matrices - set(formula.shapes))
    assert missing == {}


def test_names_reach_through_every_node() -> None:
    """A formula's quantity names include those under functions, transposes and sums."""
    assert FORMULAS["net_A1"].chain[0].names() == {"Z1"}
    assert FORMULAS["error_vector"].chain[0].names() == {"dJ_da", "z"}
    assert FORMULAS["activation_gradient_below"].chain[0].names() == {"delta", "W"}


def test_an_instance_prints_numbers_for_letters() -> None:
    """formula_at replaces free letters by whole numbers and can stop after the first link."""
    assert FORMULAS["logistic_weight_chain"].tex_at(1, k=2, j=1) == (
        r"\pd{\cost}{\weightentry{out}{2}{1}} = \pd{\cost}{\actentry{out}{2}}\, "
        r"\pd{\actentry{out}{2}}{\preactentry{out}{2}}\, \pd{\preactentry{out}{2}}{\weightentry{out}{2}{1}}"
    )


def test_selector_and_column_print_as_the_note_writes_them() -> None:
    """The selector form is a cases block on the label; a column of a batch prints as a(e)."""
    assert FORMULAS["hat_bce_selector"].tex() == (
        r"\pd{\exloss}{\yhat} = \begin{dcases} -\frac{1}{\yhat} & \ylabel = 1 \\ "
        r"\frac{1}{1 - \yhat} & \ylabel = 0 \end{dcases}"
    )
    assert FORMULAS["wta_error_3"].tex() == r"\errex{3}{e} = \yhatex{e} - \ylabelex{e}"


def test_every_formula_of_the_catalogue_is_shown_by_a_template() -> None:
    """The catalogue holds no dead formula: each is shown by some template (by name, in a call)."""
    import re

    from helpers import ROOT

    shown = set()
    for template in (ROOT / "templates").rglob("*.j2"):
        calls = r"(?:formula(?:_at|_result|_aligned)?|mistake|counterexample|result_at|result)"
        shown |= set(re.findall(calls + r"\(\s*\"([^\"]+)\"", template.read_text()))
    assert set(FORMULAS) - shown == set()
