"""A figure's caption, and a sentence about the figure, say what its drawing shows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from helpers import page_problems_after_edit

from generator import figures
from generator.verify import figure_failures

GRAPH = r"""\begin{figure}
\begin{tikzpicture}[
    forward/.style={font=\scriptsize, text=green!35!black, above=1pt, pos=0.45},
    backward/.style={font=\scriptsize, text=red!65!black, below=1pt, pos=0.45}]
\end{tikzpicture}
\caption{CAPTION}\label{fig:graph}
\end{figure}"""
NETWORK = r"""\begin{figure}
\begin{tikzpicture}
\node[inputnode] (n0-1) at (0, 1.2) {$x$};
\node[neuron] (n1-1) at (4.2, 1.2) {$h$};
\node[neuron] (n2-1) at (8.4, 1.2) {$y$};
\end{tikzpicture}
\caption{CAPTION}\label{fig:network}
\end{figure}"""
BOUNDARY = r"""\begin{figure}
\begin{tikzpicture}
\begin{groupplot}[colormap={boundary}{rgb255=(33,102,172) rgb255=(247,247,247) rgb255=(178,24,43)},
point meta min=0, point meta max=1, enlargelimits=false]
\nextgroupplot[title={before training}]
\addplot[only marks, mark=*, mark options={fill=black}, mark size=2.6pt] coordinates {(\plotvalue{0},\plotvalue{1})};
\addplot[only marks, mark=o, mark options={thick}, mark size=2.6pt] coordinates {(\plotvalue{1},\plotvalue{1})};
\addplot[black, thick, no marks] coordinates {(0,0) (1,1)};
\nextgroupplot[title={after training}]
\end{groupplot}
\end{tikzpicture}
\caption{CAPTION}\label{fig:boundary}
\end{figure}"""
XOR = {(Decimal(0), Decimal(1)): Decimal(1), (Decimal(1), Decimal(1)): Decimal(0)}


def problems(figure: str, caption: str, after: str = "") -> list[str]:
    return [problem.what for problem in figures.problems(figure.replace("CAPTION", caption) + after, XOR)]


RIGHT = [
    (GRAPH, "Above each edge, in green, the value that flows forward; below, in red, what the backward pass sends."),
    (GRAPH, "Above each edge the value flowing forward, below it the gradient flowing back."),
    (GRAPH, r"Its gradient is the sum of its \numword{two} red numbers."),
    (NETWORK, "Inputs on the left, the hidden layer (ReLU) in the middle, the output layer (sigmoid) on the right."),
    (
        BOUNDARY,
        "Before (left) and after (right). Filled dots are the examples whose target is one, open circles"
        " those whose target is zero; the black line, where the output crosses one half.",
    ),
]


@pytest.mark.parametrize(("figure", "caption"), RIGHT)
def test_a_caption_that_says_what_the_drawing_shows_passes(figure: str, caption: str) -> None:
    """Sides, colours, panels and marks as drawn raise nothing."""
    assert problems(figure, caption) == []


@pytest.mark.parametrize(
    ("figure", "caption", "message"),
    [
        (
            GRAPH,
            "Below each edge, in green, the value that flows forward.",
            "the text says the forward values are below the edges in green, but the figure shows them above in green",
        ),
        (
            GRAPH,
            "Above each edge the value flowing forward; above it, in red, the gradient flowing back.",
            "the text says the backward values are above the edges in red, but the figure shows them below in red",
        ),
        (
            GRAPH,
            "the sum of its two green numbers",
            "the text says the gradients are the green numbers, but the figure shows them in red",
        ),
        (
            NETWORK,
            "Inputs on the right, the output layer (sigmoid) on the left.",
            "the text says the inputs are on the right, but the figure shows the inputs on the left",
        ),
        (
            BOUNDARY,
            "before (right) and after (left)",
            "the text says the panel before training is on the right, but the figure shows it on the left",
        ),
        (
            BOUNDARY,
            "Open circles are the examples whose target is one.",
            "the text says the open circles are the examples whose target is one, but the figure shows one at (1, 1),"
            " whose target is 0",
        ),
        (
            BOUNDARY,
            "the red line, where the output crosses one half",
            "the text says the boundary is the red line, but the figure shows it in black",
        ),
    ],
)
def test_a_caption_the_drawing_contradicts_fails(figure: str, caption: str, message: str) -> None:
    """Each side, colour, panel and mark a caption names is held to the figure's LaTeX."""
    assert problems(figure, caption)[:1] == [message]


def test_a_sentence_that_refers_to_the_figure_is_held_too() -> None:
    """The colours a sentence citing the figure gives the map are the map's; other sentences are not read."""
    said = r" \Cref{fig:boundary} draws it: blue where the output is near one, red where it is near zero."
    assert problems(BOUNDARY, "The map.", said) == [
        "the text says an output near one is blue, but the figure shows it red",
        "the text says an output near zero is red, but the figure shows it blue",
    ]
    assert problems(BOUNDARY, "The map.", " Elsewhere: blue where the output is near one.") == []


def test_a_drawing_whose_styles_change_fails_its_unchanged_caption() -> None:
    """The check reads the drawing, so a figure drawn differently fails the words that described it."""
    swapped = GRAPH.replace("text=green!35!black, above", "text=green!35!black, below")
    assert problems(swapped, "Above each edge, in green, the value that flows forward.")


MUTATIONS = [
    ("chain-rule", "Above each edge, in green, the value", "Above each edge, in red, the value", "forward values"),
    ("chain-rule", "the sum of its two red numbers", "the sum of its two green numbers", "gradients are the green"),
    ("worked-example", "output layer (sigmoid) on the right", "output layer (sigmoid) on the left", "output layer"),
    ("training", "red where the output is near one", "blue where the output is near one", "near one is blue"),
    (
        "training",
        "Filled dots are the examples\nwhose target is one",
        "Filled dots are the examples\nwhose target is zero",
        "filled dots",
    ),
]


@pytest.mark.parametrize(("chapter", "old", "new", "what"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_wrong_figure_word_in_a_template_fails_at_its_line(project_copy, chapter, old, new, what) -> None:
    """A template whose caption or prose contradicts its drawing fails its chapter's check at that line."""
    template, line, before, after = page_problems_after_edit(
        project_copy, chapter, old, new, lambda rendered, _: figure_failures(rendered)
    )
    assert before == []
    assert after, "the mutation passed"
    assert f"{template}:{line}: the text says" in after[0] and what in after[0]
