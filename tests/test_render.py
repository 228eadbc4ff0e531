"""The Jinja2 environment for LaTeX: escaping, the number gate, and errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import provenance
from generator.render import RenderError, Tex, _render, escape_tex, make_environment


def test_escape_tex_handles_all_ten_specials() -> None:
    """Each of TeX's ten special characters prints as itself, escaped exactly once."""
    assert escape_tex(r"\ { } $ & # % _ ^ ~") == (
        r"\textbackslash{} \{ \} \$ \& \# \% \_ \textasciicircum{} \textasciitilde{}"
    )


def test_escape_tex_neutralises_commands() -> None:
    """A title with \\input, \\write18 or unbalanced braces prints as text."""
    assert escape_tex(r"\input{/etc/passwd} \write18{rm} }{") == (
        r"\textbackslash{}input\{/etc/passwd\} \textbackslash{}write18\{rm\} \}\{"
    )


def test_escape_tex_drops_provenance_sentinels() -> None:
    """Text cannot forge provenance marks: the sentinel characters are removed."""
    assert escape_tex(provenance.generated("0.5")) == "0.5"


def render_source(tmp_path: Path, source: str, **context) -> str:
    (tmp_path / "t.tex.j2").write_text(source)
    return _render(make_environment(tmp_path), "t.tex.j2", context)


def test_strings_are_escaped_and_tex_is_not(tmp_path: Path) -> None:
    """A plain string is escaped as text; Tex from generator code is printed verbatim and marked."""
    out = render_source(tmp_path, "<< s >>|<< t >>", s="50% & more", t=Tex(r"\num{1}"))
    assert provenance.strip(out) == r"50\% \& more|\num{1}"
    assert provenance.generated(r"\num{1}") in out


def test_bare_number_is_refused_with_its_line(tmp_path: Path) -> None:
    """A number printed without the ledger is an error naming template and line."""
    with pytest.raises(RenderError, match=r"t\.tex\.j2:2: the number 0\.5 reached the page without the ledger"):
        render_source(tmp_path, "first line\n<< x >>\n", x=0.5)


def test_undefined_variable_names_template_and_line(tmp_path: Path) -> None:
    """StrictUndefined: a missing variable is an error naming template and line."""
    with pytest.raises(RenderError, match=r"t\.tex\.j2:3: undefined: 'missing' is undefined"):
        render_source(tmp_path, "a\nb\n<< missing >>\n")


def test_syntax_error_names_template_and_line(tmp_path: Path) -> None:
    """A template syntax error names template and line."""
    with pytest.raises(RenderError, match=r"t\.tex\.j2:2: template syntax"):
        render_source(tmp_path, "a\n<% if %>\n")


def test_literal_lines_are_tagged_with_template_and_line(tmp_path: Path) -> None:
    """Every literal line carries its template line, so a later check can point at it."""
    out = render_source(tmp_path, "one\n<% if true %>\nthree\n<% endif %>\n")
    text, origins = provenance.annotate(out)
    assert text == "one\nthree\n"
    assert (origins[text.index("three")].template, origins[text.index("three")].line) == ("t.tex.j2", 3)


def test_unknown_formula_names_template_and_line(tmp_path: Path) -> None:
    """Asking for a formula that does not exist is an error naming template and line."""
    from generator.render import Formulas

    with pytest.raises(RenderError, match=r"t\.tex\.j2:2: no formula called 'nope'"):
        render_source(tmp_path, "a\n$<< formula('nope') >>$\n", formula=Formulas().inline)


def test_idx_refuses_a_float_with_its_line(tmp_path: Path) -> None:
    """idx() marks whole numbers only; a float is an error naming template and line."""
    with pytest.raises(RenderError, match=r"t\.tex\.j2:1: idx\(\) takes a whole number, got 0\.5"):
        render_source(tmp_path, "<< idx(0.5) >>\n")


def test_conventions_print_the_cores_own_constants(project, monkeypatch) -> None:
    """The conventions section takes ReLU'(0) and the floors from the core itself."""
    from generator import core
    from generator.notation import load_notation
    from generator.render import Formulas, render_book

    def conventions() -> tuple[str, list[str]]:
        formulas = Formulas()
        book = render_book(make_environment(project.templates), [], load_notation(project.notation_file), formulas)
        return " ".join(provenance.strip(book).split()), formulas.shown

    text, shown = conventions()
    assert r"floored at \num{-100} and" in text and r"at \num{1e-12}, as PyTorch does" in text
    assert {"relu_derivative", "sse_loss", "sse_gradient"} <= set(shown)  # checked against the core
    assert "leaky" not in text  # no chapter uses the leaky ReLU, so the conventions do not define it
    monkeypatch.setattr(core, "GRADIENT_FLOOR", 1e-9)
    assert r"at \num{1e-09}, as PyTorch does" in conventions()[0]
