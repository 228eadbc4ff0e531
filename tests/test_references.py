"""A reference's label does not send the reader to the other side of what its sentence says."""

from __future__ import annotations

import pytest
from helpers import page_problems_after_edit

from generator import references
from generator.verify import cheap_checks


def problems(text: str) -> list[str]:
    return [problem.what for problem in references.problems(text)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            r"\Cref{tab:four-backward} runs the forward pass.",
            "the reference to tab:four-backward is named for backward, but its sentence says forward",
        ),
        (
            r"The output gradient is \cref{eq:matrix-hidden-gradient}.",
            "the reference to eq:matrix-hidden-gradient is named for hidden, but its sentence says output",
        ),
        (
            r"The panel before training (\cref{fig:after}) is pale.",
            "the reference to fig:after is named for after, but its sentence says before",
        ),
    ],
)
def test_a_label_named_for_the_other_side_fails(text: str, message: str) -> None:
    """Forward against backward, hidden against output, before against after."""
    assert problems(text) == [message]


@pytest.mark.parametrize(
    "text",
    [
        r"\Cref{tab:four-forward} runs the forward pass.",
        r"\Cref{tab:four-backward} runs the backward pass after the forward pass.",
        r"The hidden gradient follows from the output one, \cref{eq:matrix-hidden-gradient}.",
        r"See \cref{eq:forward-backward} for the forward pass.",
        r"\Cref{chap:training} trains it.",
    ],
)
def test_labels_that_fit_their_sentence_pass(text: str) -> None:
    """A label of the sentence's side, a sentence naming both sides, a label with both, any other label."""
    assert problems(text) == []


def test_a_reference_swapped_in_a_template_fails(project_copy) -> None:
    """The four-equations chapter pointing its forward pass at the backward table fails its check."""
    _, _, before, after = page_problems_after_edit(
        project_copy,
        "four-equations",
        r"\Cref{tab:four-forward} runs",
        r"\Cref{tab:four-backward} runs",
        cheap_checks,
    )
    assert before == []
    assert any("tab:four-backward is named for backward" in problem for problem in after), after
