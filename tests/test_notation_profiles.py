"""Notation profiles: every chapter in every profile, each profile's letters and only its own."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from helpers import ROOT

from generator import core, provenance
from generator.build import Project, check, load_chapters
from generator.cli import main
from generator.notation import defined_at, load_notation, profile_names
from generator.spec import SpecError
from generator.tex import RenderError

PROFILES = profile_names(ROOT / "notation")


def test_there_is_a_profile_per_note_and_the_default() -> None:
    """The default first, then one profile for each of the five source notes."""
    assert PROFILES == ["default", "note000", "note001", "note002", "note003", "note004"]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_chapter_renders_and_verifies_in_every_profile(project_copy, profile: str) -> None:
    """All chapters pass every check (numbers, formulas, numeral scan) printed in the profile."""
    project = Project(project_copy.root, profile)
    checked = check(project, load_chapters(project), lambda line: None)
    assert [c.spec.name for c in checked.chapters] == [s.name for s in load_chapters(project)]
    source = checked.notation.source
    assert rf"\sourcename{{{source}}}" in provenance.strip(checked.book)  # the appendix names the source it follows
    # The prose speaks of the profile's own layout: a batch runs along rows or along columns.
    book = " ".join(" ".join(c.tex.split()) for c in checked.chapters)
    along, across = ("row", "column") if checked.notation.batch == "rows" else ("column", "row")
    assert f"examples as {along}s]" in book  # the title of the four equations' box
    wrong = [
        f"one example per {across}",
        f"one {across} per example",
        f"examples as {across}s]",
        f"examples as {across}s.}}",
    ]
    assert [phrase for phrase in wrong if phrase in book] == []


@pytest.mark.parametrize(
    ("profile", "own", "others"),
    [
        ("note001", r"\Theta^{[", [r"W^{(\layer{#1})}", r"\mathrm{act}^{["]),
        ("note002", r"\mathrm{act}^{[", [r"\Theta", r"g^{(\layer{#1})}"]),
        ("default", r"W^{(\layer{#1})}", [r"\Theta", r"\mathrm{act}", r"\phi"]),
    ],
)
def test_a_profile_defines_its_letters_and_not_another_ones(profile: str, own: str, others: list[str]) -> None:
    """The macro definitions of a profile hold its own letters and none of another profile's."""
    definitions = load_notation(ROOT / "notation" / f"{profile}.toml").latex_definitions()
    assert own in definitions
    assert not [letter for letter in others if letter in definitions]


def test_a_transposed_orientation_swaps_the_indices_of_an_entry() -> None:
    """In an input-by-output profile, the book's W_kt is the source's W_tk, and W is its W transposed."""
    note002 = load_notation(ROOT / "notation" / "note002.toml")
    assert note002.orientation == "input-by-output" and note002.batch == "columns"
    assert note002.display("weightentry", ("l", "k", "t")) == r"w^{[\mathrm{l}]}_{tk}"
    assert note002.display("weight", ("l",)) == r"\bigl(W^{[\mathrm{l}]}\bigr)^{\top}"


def test_a_quantity_stored_transposed_has_its_bare_symbol_as_its_transpose() -> None:
    """transpose_of gives the book's symbol a transpose and the companion \\nameT the bare symbol."""
    note002, default = (load_notation(ROOT / "notation" / f"{name}.toml") for name in ("note002", "default"))
    assert note002.display("PreactT", ("l",)) == r"Z^{[\mathrm{l}]}"
    assert note002.display("Preact", ("l",)) == r"\bigl(Z^{[\mathrm{l}]}\bigr)^{\top}"
    assert default.display("PreactT", ("l",)) == r"\bigl(Z^{(\mathrm{l})}\bigr)^{\top}"
    assert default.display("onesT", ()) == r"{\onevector}^{\top}"
    assert {"weight", "Preact", "Act", "Err", "Inputs", "Targets"} == note002.stored_transposed
    assert not default.stored_transposed


def test_a_matrix_formula_prints_transposed_where_its_left_side_is_stored_transposed() -> None:
    """In note002 the batch forward pass is Z = W^T A + b 1^T in its own letters; the book's stays."""
    from generator.formulas import get_formula
    from generator.render import Formulas

    note002, default = (load_notation(ROOT / "notation" / f"{name}.toml") for name in ("note002", "default"))
    assert (
        Formulas(default).inline("batch_forward")
        == r"\Preact{\ell} = \Act{\ell-1}\, \weightT{\ell} + \ones\, \biasT{\ell}"
    )
    assert (
        Formulas(note002).inline("batch_forward")
        == r"\PreactT{\ell} = \weight{\ell}\, \ActT{\ell-1} + \bias{\ell}\, \onesT"
    )
    assert note002._expand(r"\PreactT{\ell} = \weight{\ell}\, \ActT{\ell-1}") == (
        r"Z^{[\mathrm{\ell}]} = \bigl(W^{[\mathrm{\ell}]}\bigr)^{\top}\, A^{[\mathrm{\ell-1}]}"
    )
    shown = Formulas(note002)
    shown.inline("batch_forward")
    assert shown.shown == ["batch_forward@T"]  # so the transposed statement is the one verified
    assert get_formula("batch_forward@T").kind == get_formula("batch_forward").kind


def test_a_transpose_moved_down_wrongly_fails_its_check() -> None:
    """(A B)^T printed as A^T B^T is caught by the formula check, exactly and numerically."""
    from dataclasses import replace

    from generator.formulas import get_formula
    from generator.formulas.check import check_exact, check_numeric
    from generator.formulas.language import MatMul, Transpose

    right = get_formula("weight_gradient_vector@T")
    assert check_exact(right) == [] and check_numeric(right, core) == []
    product = right.chain[0]
    assert isinstance(product, MatMul)
    unreversed = replace(right, chain=(MatMul(Transpose(product.right), Transpose(product.left)),))
    assert check_numeric(unreversed, core) and check_exact(unreversed)


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ('orientation = "diagonal"', "orientation", "unknown value 'diagonal'"),
        ("[macros]\nnewthing = { body = 'q' }", "macros.newthing", "a profile renames symbols, it adds none"),
        ("[macros]\nweight = { body = 'V', args = 2 }", "macros.weight.args", "but 'default' gives it 1"),
        ("[macros]\nweight = { body = 'V', transpose_of = 'V' }", "macros.weight.body", "not both"),
        ("[macros]\nActentry = { body = 'A_{#2#3}' }", "macros.Actentry.body", "leaves out argument #1"),
        ("[macros]\nPreactentry = { body = 'Z_{#2#2}' }", "macros.Preactentry.body", "leaves out argument #1, #3"),
        ("[macros]\nweight = { body = 'W' }", "macros.weight.body", "leaves out argument #1"),
        ("[macros]\nweight = { body = 'W^{(\\layer{#1})\\top}' }", "macros.weight.body", "prints a transpose sign"),
        ("[macros]\nact = { body = 'a^{T}_{\\layer{#1}}' }", "macros.act.body", "prints a transpose sign"),
        ('orientation = "input-by-output"', "orientation", "prints \\weight as the book's: it is 'output-by-input'"),
        ('batch = "columns"', "batch", "prints the batch matrices as the book's: it is 'rows'"),
        (
            "[macros]\nInputs = { transpose_of = 'X' }\nInputsentry = { body = 'X_{#2#1}' }",
            "macros",
            "stores \\Inputs transposed but not \\Targets, \\Preact, \\Act, \\Err",
        ),
    ],
)
def test_a_malformed_profile_names_file_field_and_problem(tmp_path, text: str, field: str, problem: str) -> None:
    """A bad orientation, a new macro, a changed arity, a quantity's index (its layer too) left out, or an
    orientation or batch layout the profile's matrices do not have is refused with the field named."""
    (tmp_path / "default.toml").write_text((ROOT / "notation" / "default.toml").read_text())
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "default"\n{text}\n')
    with pytest.raises(SpecError) as raised:
        load_notation(path)
    assert raised.value.field == field and problem in raised.value.problem


def test_a_macro_is_traced_to_the_profile_field_that_spells_it(tmp_path) -> None:
    """A macro is spelled by the profile (or the one it extends) that sets its body, a transpose by its
    matrix's field; a name no profile has is spelled by none."""
    (tmp_path / "default.toml").write_text((ROOT / "notation" / "default.toml").read_text())
    mine = tmp_path / "mine.toml"
    mine.write_text("extends = 'default'\n[macros]\nbias = { body = '\\nosuch{b}' }\nweight = { transpose_of = 'V' }\n")

    def spelled(macro: str) -> tuple[str, str] | None:
        found = defined_at(mine, macro)
        return (found[0].name, found[1]) if found else None

    assert spelled("bias") == ("mine.toml", "macros.bias.body")
    assert spelled("weightT") == ("mine.toml", "macros.weight.transpose_of")
    assert spelled("act") == ("default.toml", "macros.act.body")
    assert spelled("actT") == ("default.toml", "macros.act.body")
    assert spelled("section") is None


def test_an_unknown_profile_is_bad_input(project_copy) -> None:
    """`handbook build --notation NAME` with no such profile exits 2 listing the profiles."""
    result = CliRunner().invoke(main, ["build", "--notation", "note999", "--root", str(project_copy.root)])
    assert result.exit_code == 2
    assert "no notation profile 'note999' (profiles: default, note000" in result.output


def test_the_layout_names_the_profiles_own_matrices_and_shapes() -> None:
    """Prose asks the layout: \\ActT is note002's own A, shapes swap, examples run along columns."""
    from generator.render import Layout

    note002, note000, default = (
        Layout(load_notation(ROOT / "notation" / f"{name}.toml")) for name in ("note002", "note000", "default")
    )
    assert (note002.own("Act"), note002.own("weight"), note002.own("bias")) == (r"\ActT", r"\weightT", r"\bias")
    assert (default.own("Act"), default.own("weight")) == (r"\Act", r"\weight")
    assert (note000.own("Act"), note000.own("weight")) == (r"\Act", r"\weightT")
    assert note002.shape("Err", r"\nbatch", r"\units{1}") == r"\units{1} \times \nbatch"
    assert default.shape("Err", r"\nbatch", r"\units{1}") == r"\nbatch \times \units{1}"
    with pytest.raises(RenderError, match=r"shape 'm': write the symbol \\nbatch"):
        default.shape("Err", "m", r"\units{1}")  # a size letter is the notation's, typed through its macro
    assert (note002.example, note002.unit, note002.into) == ("column", "row", "column")
    assert (default.example, default.unit, default.into) == ("row", "column", "row")


@pytest.mark.parametrize("profile", ["default", "note000", "note002", "note003"])
def test_row_and_column_in_prose_follow_the_profiles_layout(project_copy, profile: str) -> None:
    """Where a chapter says which row or column of a batch or a weight gradient it means, it says the
    profile's: an example's error terms are a column where examples are columns, a weight gradient's
    part for one output is a column where weights are stored input by output."""
    from generator.compute import compute
    from generator.render import Layout, make_environment, render_chapter
    from generator.spec import load_spec

    notation = load_notation(project_copy.root / "notation" / f"{profile}.toml")
    layout = Layout(notation)
    environment = make_environment(project_copy.templates)
    text = {}
    for chapter in ("matrix-form", "linear-layer"):
        spec = load_spec(project_copy.chapters / f"{chapter}.toml")
        text[chapter] = provenance.strip(render_chapter(environment, spec, compute(spec), notation).marked)
    assert f"error terms come from its own {layout.example}." in text["matrix-form"]
    assert f"Each {layout.into} of the weight gradient belongs to the weights into one output" in text["linear-layer"]
    other = {"row": "column", "column": "row"}
    assert f"from its own {other[layout.example]}." not in text["matrix-form"]


def test_a_matrix_of_numbers_prints_transposed_where_the_profile_stores_it(project) -> None:
    """v.matrix lays entry (k, t) of the book's weights at (t, k) where the profile stores them transposed."""
    from generator.build import compute_chapters, select
    from generator.render import make_environment, render_chapter

    def output_weights(profile: str) -> list[str]:
        chosen = Project(project.root, profile)
        spec = select(load_chapters(chosen), "worked-example")
        (computation,) = compute_chapters([spec], core, lambda line: None)
        env = make_environment(chosen.templates)
        tex = render_chapter(env, spec, computation, load_notation(chosen.notation_file)).tex
        start = tex.index("\\begin{pmatrix}\n\\num{-1.40}") + len("\\begin{pmatrix}\n")
        block = tex[start : tex.index("\n\\end{pmatrix}", start)]
        return [" ".join(line.split()) for line in block.splitlines()]

    assert output_weights("default") == [r"\num{-1.40} & \num{0.35} \\", r"\num{-0.81} & \num{0.62}"]
    assert output_weights("note002") == [r"\num{-1.40} & \num{-0.81} \\", r"\num{0.35} & \num{0.62}"]


def test_a_difference_of_own_matrices_prints_transposed_as_a_whole() -> None:
    """In note002, dJ/dW = A (A_out - Y)^T, not A ((A_out)^T - (Y)^T); the rewritten formula checks."""
    from generator.formulas import get_formula
    from generator.formulas.check import check_exact, check_numeric
    from generator.render import Formulas

    note002, default = (load_notation(ROOT / "notation" / f"{name}.toml") for name in ("note002", "default"))
    shown = Formulas(note002)
    assert shown.inline("net_dW2") == (
        r"\pd{\cost}{\weightT{out}} = \ActT{hid}\, \Err{out}"
        r" = \ActT{hid}\, \bigl(\ActT{out} - \TargetsT\bigr)^{\top}"
    )
    assert Formulas(default).inline("net_dW2") == (
        r"\pd{\cost}{\weight{out}} = \ErrT{out}\, \Act{hid}"
        r" = \bigl(\Act{out} - \Targets\bigr)^{\top}\, \Act{hid}"
    )
    [name] = shown.shown
    assert name == "net_dW2@T@own:Act,Err,Inputs,Preact,Targets,weight"  # verified under this name
    rewritten = get_formula(name)
    assert check_exact(rewritten) == [] and check_numeric(rewritten, core) == []
    unchanged = Formulas(note002)
    unchanged.inline("batch_forward")
    assert unchanged.shown == ["batch_forward@T"]  # nothing to rewrite: the formula keeps its name
