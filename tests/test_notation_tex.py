"""The notation probe: after a failed typeset, which macro body TeX cannot typeset, named by its field."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from helpers import ROOT

from generator.notation import load_notation, profile_names
from generator.notation_tex import failing_macro, macro_error, probe_document
from generator.typeset import TexError, TypesetError

pytestmark = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex (make setup)")

DEFAULT = ROOT / "notation" / "default.toml"
ACT = "act = { args = 1, body = '\\mathbf{a}^{(\\layer{#1})}'"


def profile_with(tmp_path: Path, spelled: str, *more: tuple[str, str]) -> Path:
    """A copy of the default profile with the macro ``\\act``'s field spelled ``spelled`` (and other
    replacements), in ``tmp_path``."""
    source = DEFAULT.read_text()
    assert ACT in source
    source = source.replace(ACT, spelled)
    for old, new in more:
        assert old in source
        source = source.replace(old, new)
    path = tmp_path / "default.toml"
    path.write_text(source)
    return path


def book_preamble(built_book, profile: Path) -> str:
    """The whole book's preamble, its notation's definitions those of ``profile``."""
    source = (built_book.tex / "handbook.tex").read_text()
    preamble = source[: source.index("\\begin{document}")]
    ours = load_notation(DEFAULT).latex_definitions()
    assert preamble.count(ours) == 1
    return preamble.replace(ours, load_notation(profile).latex_definitions())


@pytest.mark.parametrize("profile", profile_names(ROOT / "notation"))
def test_every_macro_of_every_profile_typesets_alone(built_book, profile: str) -> None:
    """No macro of a sound profile fails the probe: a failed typeset is never blamed on a sound profile."""
    path = ROOT / "notation" / f"{profile}.toml"
    assert failing_macro(load_notation(path), book_preamble(built_book, path)) is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("\\nosuch{a}^{(\\layer{#1})}", "Undefined control sequence at \\nosuch in its body"),
        ("\\left(\\mathbf{a}^{(\\layer{#1})}", "forgotten \\right"),  # fine until the formula ends
        ("\\mathbf{a}^{(\\layer{#1})}\\\\", "Missing } inserted"),  # fails in a table's cell only
        ("\\mathbf{a}^{(\\layer{#1})}\\end{document}", "Missing $ inserted"),
    ],
)
def test_a_body_tex_cannot_typeset_is_named_by_its_field(built_book, tmp_path, body: str, message: str) -> None:
    """The probe names the macro whose body TeX rejects, with TeX's message, wherever in its use TeX stops."""
    path = profile_with(tmp_path, f"act = {{ args = 1, body = '{body}'")
    notation = load_notation(path)
    book = tmp_path / "handbook.tex"
    book.write_text(book_preamble(built_book, path) + "\\begin{document}\nx\n\\end{document}\n")
    stopped = TypesetError(
        "handbook.tex:518: ...", TexError("handbook.tex", 518, "Missing $ inserted.", "l.518 $\\act{\\ell}$")
    )
    error = macro_error(path, notation, book, stopped)
    assert error is not None
    assert (error.path, error.field) == (path, "macros.act.body")
    assert error.problem.startswith("TeX cannot typeset \\act: ") and message in error.problem
    assert error.problem.endswith("(the book stopped at: l.518 $\\act{\\ell}$)")


def test_the_root_of_the_failures_is_named_not_a_macro_that_uses_it(built_book, tmp_path) -> None:
    """When \\layer fails, every symbol with a layer fails with it: the probe names \\layer, whose body
    is wrong, even when the symbols that use it come first."""
    layer = "layer = { args = 1, body = '\\mathrm{#1}'"
    path = profile_with(tmp_path, ACT, (layer, "layer = { args = 1, body = '\\nosuch{#1}'"))
    notation = load_notation(path)
    last_first = dataclasses.replace(notation, macros=tuple(reversed(notation.macros)))
    preamble = book_preamble(built_book, path)
    for order in (notation, last_first):
        found = failing_macro(order, preamble)
        assert found is not None and found[0].name == "layer" and found[1].at == "\\nosuch"


def test_a_failure_no_macro_explains_is_left_to_the_caller(built_book, tmp_path) -> None:
    """A sound profile, or a book whose source has no document, gives no profile error: the TeX failure stands."""
    notation = load_notation(DEFAULT)
    book = tmp_path / "handbook.tex"
    book.write_text(book_preamble(built_book, DEFAULT) + "\\begin{document}\n")
    stopped = TypesetError("handbook.tex:9: Undefined control sequence.")
    assert macro_error(DEFAULT, notation, book, stopped) is None
    book.write_text("no document here")
    assert macro_error(DEFAULT, notation, book, stopped) is None
    assert macro_error(DEFAULT, notation, tmp_path / "missing.tex", stopped) is None


def test_the_probe_sets_each_macro_in_text_a_cell_and_a_display() -> None:
    """Each macro has its own line of the probe, in the three places the book sets a symbol."""
    notation = load_notation(DEFAULT)
    document, at = probe_document(notation, "\\documentclass{book}")
    lines = document.splitlines()
    assert sorted(m.name for m in at.values()) == sorted(m.name for m in notation.macros)
    line = lines[next(n for n, m in at.items() if m.name == "act") - 1]
    assert line == (
        "\\noindent\\({\\act{\\ell}}\\) \\begin{tabular}{@{}l@{}}\\({\\act{\\ell}}\\)\\end{tabular}"
        "\\[{\\act{\\ell}}\\]\\par"
    )
    companion = lines[next(n for n, m in at.items() if m.name == "weightT") - 1]
    assert "{\\weightT{\\ell}}" in companion
