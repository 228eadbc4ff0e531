"""What the prose says a pass multiplies by is in that pass's equations, so oriented."""

from __future__ import annotations

import pytest
from helpers import page_problems_after_edit

from generator import pass_words
from generator.verify import cheap_checks

EQUATIONS = r"""
\begin{equation} \liny = \linW\, \inputvec + \linb \label{eq:linear-forward} \end{equation}
\begin{equation} \pd{\cost}{\inputvec} = \linW^{\top} \pd{\cost}{\liny} \label{eq:linear-vector} \end{equation}
\begin{equation} \preactex{\ell}{e} = \weightioT{\ell}\, \actex{\ell-1}{e} \label{eq:three-forward} \end{equation}
\begin{equation} \errex{\ell}{e} = \weightio{\ell+1}\, \errex{\ell+1}{e} \label{eq:three-error} \end{equation}
"""


def problems(text: str) -> list[str]:
    return [problem.what for problem in pass_words.problems(EQUATIONS + text)]


@pytest.mark.parametrize(
    "text",
    [
        r"the forward pass goes through $\linW$, the backward pass through $\linW^{\top}$.",
        r"The forward pass multiplied by $\weightioT{3}$; the backward pass multiplies by $\weightio{3}$.",
        r"the backward pass through $\linWT$.",
    ],
)
def test_the_matrix_each_pass_multiplies_by_passes(text: str) -> None:
    """A matrix in its pass's equations, in the same orientation (a companion T macro too), passes."""
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            r"the forward pass goes through $\linW^{\top}$.",
            r"the text says the forward pass multiplies by the transpose of \linW, but no equation of the forward"
            " pass does",
        ),
        (
            r"The forward pass multiplied by $\weightio{3}$.",
            r"the text says the forward pass multiplies by the untransposed \weightio, but no equation of the"
            " forward pass does",
        ),
    ],
)
def test_a_pass_given_the_other_orientation_fails(text: str, message: str) -> None:
    """The transpose moved from one pass to the other is named."""
    assert problems(text) == [message]


def test_chapters_without_a_forward_equation_are_left_alone() -> None:
    """Without a display labelled forward, the words have nothing to be held to."""
    assert pass_words.problems(r"the forward pass goes through $\linW^{\top}$.") == []


def test_a_transpose_moved_in_a_template_fails(project_copy) -> None:
    """The linear-layer chapter's forward pass given the transpose fails its check."""
    _, _, before, after = page_problems_after_edit(
        project_copy, "linear-layer", r"goes through $\linW$, the", r"goes through $\linW^{\top}$, the", cheap_checks
    )
    assert before == []
    assert any("the forward pass multiplies by the transpose of \\linW" in problem for problem in after), after
