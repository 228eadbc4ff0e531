"""The words beside a proved statement are the statement's own."""

from __future__ import annotations

import pytest
from helpers import page_problems_after_edit

from generator import proved_words
from generator.claims import Claims
from generator.provenance import annotate_with_roles
from generator.render import theorem_term
from generator.verify import cheap_checks

CLAIMS = Claims(resolve=None, value=None, where=lambda: ("t", 1), fail=ValueError)  # type: ignore[arg-type]


def named(name: str) -> str:
    """The mark ``theorem(name)`` leaves in the page."""
    return CLAIMS.theorem(name)


def problems(text: str) -> list[str]:
    final, _, roles = annotate_with_roles(text)
    return [problem.what for problem in proved_words.problems(final, roles)]


FORWARD = theorem_term("forward_difference_order_one", "error")
CENTRAL = theorem_term("central_difference_order_two", "error")


def test_statements_beside_their_own_words_pass() -> None:
    """Each term with its own statement, a precision's figure after its words, 'at most two'."""
    text = (
        f"wrong in proportion to ${FORWARD}${named('forward_difference_order_one')}, the central difference in"
        f" proportion to ${CENTRAL}${named('central_difference_order_two')}. It is at most"
        f" two{named('relative_error_at_most_two')}. In double precision"
        f" $\\varepsilon = {theorem_term('precision_against_thresholds', 'double')}$, and so on."
    )
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"wrong in proportion to ${FORWARD}${named('central_difference_order_two')}.",
            "the clause quotes forward_difference_order_one but names the statement central_difference_order_two",
        ),
        (
            f"It is at most one{named('relative_error_at_most_two')}.",
            "the text says 'one' just before the statement relative_error_at_most_two, which does not say it",
        ),
        (
            f"In double precision $\\varepsilon = {theorem_term('precision_against_thresholds', 'single')}$.",
            "the figure for single precision stands after the words 'double precision'",
        ),
    ],
)
def test_words_that_say_another_statement_fail(text: str, message: str) -> None:
    """A term beside another statement, a number word the statement does not say, a precision mislabelled."""
    assert problems(text) == [message]


MUTATIONS = [
    (
        r'$<< theorem_term("forward_difference_order_one", "error") >>$<< theorem("forward_difference_order_one") >>',
        r'$<< theorem_term("forward_difference_order_one", "error") >>$<< theorem("central_difference_order_two") >>',
        "but names the statement central_difference_order_two",
    ),
    ("at most\ntwo<< theorem(", "at most\none<< theorem(", "the text says 'one' just before"),
    (
        'theorem_term("precision_against_thresholds", "double")',
        'theorem_term("precision_against_thresholds", "single")',
        "the figure for single precision stands after the words 'double precision'",
    ),
]


@pytest.mark.parametrize(("old", "new", "what"), MUTATIONS)
def test_a_statement_moved_or_misquoted_in_a_template_fails(project_copy, old, new, what) -> None:
    """The gradient-checking chapter's statements, moved or misquoted, fail its check."""
    _, _, before, after = page_problems_after_edit(project_copy, "gradient-checking", old, new, cheap_checks)
    assert before == []
    assert any(what in problem for problem in after), after
