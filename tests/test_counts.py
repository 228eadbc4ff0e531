"""A count the prose types in words is the number of the things on the page it counts."""

from __future__ import annotations

import pytest
from helpers import page_problems_after_edit

from generator import counts
from generator.verify import cheap_checks

STEPS = r"We take it in WORD steps. \handstep{one}{s1} \handstep{two}{s2} \handstep{three}{s3}"
BOX = r"""WORD of its formulas are wrong.
\begin{mistakes}[Slips in \sourcename{note 000}]
\begin{itemize}
  \item First. \begin{itemize} \item a sub-item \end{itemize}
  \item Second.
\end{itemize}
\end{mistakes}
\begin{mistakes}[Common slips]
\begin{itemize} \item Not the note's. \end{itemize}
\end{mistakes}"""
EQUATIONS = r"\section{The WORD equations} \tag{BP\st{1}} \tag{BP\st{2}} \tag{BP\st{2}}"


def problems(text: str) -> list[str]:
    return [problem.what for problem in counts.problems(text)]


@pytest.mark.parametrize(
    ("text", "right", "wrong", "message"),
    [
        (STEPS, "three", "four", "the text counts 4 hand steps, but the chapter has 3"),
        (BOX, "Two", "Three", "the text counts 3 slips in the mistakes box, but the chapter has 2"),
        (EQUATIONS, "two", "three", "the text counts 3 equations tagged BP, but the chapter has 2"),
        (STEPS, r"\numword{three}", r"\numword{two}", "the text counts 2 hand steps, but the chapter has 3"),
    ],
)
def test_a_count_in_words_is_the_number_counted(text: str, right: str, wrong: str, message: str) -> None:
    """Hand steps, the source's slips (items, not sub-items; its own box only) and tagged equations are counted."""
    assert problems(text.replace("WORD", right)) == []
    assert problems(text.replace("WORD", wrong)) == [message]


def test_words_with_nothing_to_count_on_the_page_are_left_alone() -> None:
    """'The four equations' in a chapter that shows none speaks of another chapter's: nothing is judged."""
    assert problems("As the four equations say, and in five steps.") == []


MUTATIONS = [
    ("worked-example", "We take it in four steps.", "We take it in three steps.", "hand steps"),
    ("softmax-cross-entropy", "five of its steps", "four of its steps", "slips in the mistakes box"),
    ("three-layer", "Three of its formulas are wrong.", "Two of its formulas are wrong.", "slips in the mistakes box"),
    ("four-equations", r"\section{The four equations}", r"\section{The three equations}", "equations tagged BP"),
    (
        "three-layer",
        'layer\none << v.words.count("units", "one") >>',
        'layer\none << v.words.count("units", "two") >>',
        "the count of count units[two] follows the words 'layer\none'",
    ),
]


@pytest.mark.parametrize(("chapter", "old", "new", "what"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_wrong_count_in_a_template_fails_at_its_line(project_copy, chapter, old, new, what) -> None:
    """A template whose count word drifts from what it counts (or whose count is another layer's than the
    words before it say) fails its chapter's check at that line."""
    template, line, before, after = page_problems_after_edit(project_copy, chapter, old, new, cheap_checks)
    assert before == []
    assert after, "the mutation passed"
    assert any(f"{template}:{n}: " in after[0] for n in (line, line + 1)) and what in after[0]
