"""A recap row that names an equation shows that equation's formula."""

from __future__ import annotations

from helpers import page_problems_after_edit

from generator import recaps

SOURCE = r"""
\begin{equation}
  \err{\nlayers} = \nabla_{\act{\nlayers}} \cost \odot \actfnprime{\nlayers}(\preact{\nlayers}) \label{eq:one}
\end{equation}
\begin{equation}
  \pd{\cost}{\bias{\ell}} = \err{\ell} \label{eq:two}
\end{equation}
"""


def problems(text: str) -> list[str]:
    return [problem.what for problem in recaps.problems(text)]


def test_a_recap_that_repeats_its_equation_passes() -> None:
    """Rows that show the formula of the equation they name raise nothing, spacing and punctuation aside."""
    recap = r"""\begin{align*}
  \err{\nlayers} = \nabla_{\act{\nlayers}}\cost \odot \actfnprime{\nlayers}(\preact{\nlayers}),
    && \text{\eqref{eq:one}} \\
  \pd{\cost}{\bias{\ell}} = \err{\ell} && \text{\eqref{eq:two}}
\end{align*}"""
    assert problems(SOURCE + recap) == []


def test_a_recap_with_swapped_references_fails() -> None:
    """Rows whose references were swapped each name an equation that shows another formula."""
    recap = r"""\begin{align*}
  \err{\nlayers} = \nabla_{\act{\nlayers}} \cost \odot \actfnprime{\nlayers}(\preact{\nlayers})
    && \text{\eqref{eq:two}} \\
  \pd{\cost}{\bias{\ell}} = \err{\ell} && \text{\eqref{eq:one}}
\end{align*}"""
    found = problems(SOURCE + recap)
    assert len(found) == 2
    row = r"\pd{\cost}{\bias{\ell}} = \err{\ell}"
    expected = f"the recap's row ${row}$ names \\eqref{{eq:one}}, which shows another formula"
    assert found[1] == expected


def test_a_tag_names_its_equation_too() -> None:
    """A display tagged with another equation's number must show that equation's formula."""
    repeated = r"\begin{equation*} \pd{\cost}{\bias{\ell}} = \err{\ell} \tag{\ref{eq:two}} \end{equation*}"
    assert problems(SOURCE + repeated) == []
    assert problems(SOURCE + repeated.replace(r"\err{\ell}", "0")) != []


def test_a_reference_to_an_unknown_label_binds_nothing() -> None:
    """A row naming a label no display of the chapter carries (another chapter's) is left alone."""
    assert problems(r"\begin{align*} x = y && \text{\eqref{eq:elsewhere}} \end{align*}") == []


def test_swapped_summary_tags_fail_the_four_equations_chapter_at_their_line(project_copy) -> None:
    """Swapping two formulas of the four-equations summary box fails the chapter at the template's line."""
    rows = (
        '<< formula("bp_bias_gradient") >> && \\text{\\eqref{eq:bp3}} \\\\\n'
        '  << formula("bp_weight_gradient") >> && \\text{\\eqref{eq:bp4}}'
    )
    swapped = rows.replace("bp_bias", "BIAS").replace("bp_weight", "bp_bias").replace("BIAS", "bp_weight")
    template, line, before, after = page_problems_after_edit(
        project_copy, "four-equations", rows, swapped, lambda rendered, _: recaps.check(rendered.marked)
    )
    assert before == []
    assert len(after) == 2
    assert after[0].startswith(f"{template}:{line}: the recap's row")
    assert "names \\eqref{eq:bp3}" in after[0]
