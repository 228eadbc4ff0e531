"""Formulas declared in text (chapters/NAME.formulas.toml), `handbook formulas`, and the regression
chapter that an author adds with a spec, a template and a formulas file, no Python."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, copy_sources

from generator import core
from generator.build import Project
from generator.cli import main
from generator.formula_list import plain_formula
from generator.formulas import Formula, FormulaTextError, verify_formula
from generator.formulas import catalogue as catalogue_module
from generator.formulas.network import ACTIVATIONS, DERIVATIVES, network_model, own_sizes
from generator.formulas.text import load_formulas, parse
from generator.spec import ACTIVATION_NAMES, load_spec

REGRESSION = ROOT / "tests" / "data" / "regression"
SPEC = REGRESSION / "regression.toml"
FORMULAS_FILE = REGRESSION / "regression.formulas.toml"
DOC = ROOT / "docs" / "formulas.md"


@pytest.fixture(autouse=True)
def catalogue_as_built():
    """Whatever a test declares, the catalogue holds only the built-in formulas after it."""
    yield
    for chapter in {
        owner for name, owner in catalogue_module.CHAPTER_OF.items() if name not in catalogue_module.BUILT_IN
    }:
        catalogue_module.declare(chapter, ())


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def regression_project(root: Path) -> Project:
    """A copy of the project with the regression chapter added: its spec, template and formulas file."""
    project = copy_sources(root)
    shutil.copy2(SPEC, project.chapters / SPEC.name)
    shutil.copy2(FORMULAS_FILE, project.chapters / FORMULAS_FILE.name)
    shutil.copy2(REGRESSION / "regression.tex.j2", project.templates / "chapters" / "regression.tex.j2")
    return project


def declared(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "regression.formulas.toml"
    path.write_text(body, encoding="utf-8")
    return path


def one_formula(text: str, kind: str = "result", name: str = "f") -> str:
    return f'[[formula]]\nname = "{name}"\nkind = "{kind}"\nformula = "{text}"\n'


# ----------------------------------------------------------------------------- the regression chapter


def test_regression_chapter_builds_from_spec_template_and_formulas_file(tmp_path) -> None:
    """The 3-3-1 regression chapter, added as three files and no Python, renders and passes every check."""
    project = regression_project(tmp_path)
    result = invoke("chapter", "regression", "--root", str(project.root))
    assert result.exit_code == 0, result.output
    tex = (project.build / "tex" / "default" / "chapters" / "regression.tex").read_text()
    formulas = load_formulas(FORMULAS_FILE, load_spec(SPEC))
    shown = [f for f in formulas if f.kind != "wrong"]
    assert all(f.tex() in tex or f.tex_aligned() in tex for f in shown)  # each printed from its object
    checked = re.search(r"(\d+) formulas checked", result.output)
    assert checked is not None and int(checked.group(1)) >= len(formulas)
    # A profile that stores batches and weights transposed prints (and checks) them turned.
    turned = invoke("chapter", "regression", "--root", str(project.root), "--notation", "note002")
    assert turned.exit_code == 0, turned.output


def test_changed_factor_declared_as_a_result_fails_naming_the_formula(tmp_path) -> None:
    """The output error term with 1/m for 2/m, declared a result, fails its check: exit 1, the formula named."""
    project = regression_project(tmp_path)
    path = project.chapters / FORMULAS_FILE.name
    text = path.read_text()
    right = 'formula = "delta[out] = 2/m (A[out] - Y)"'
    assert right in text
    path.write_text(text.replace(right, right.replace("2/m", "1/m")))
    result = invoke("chapter", "regression", "--root", str(project.root))
    assert result.exit_code == 1
    assert "formula regression_output_error: exact check" in result.output
    assert "formula regression_output_error: numeric check" in result.output
    assert not (project.build / "tex" / "default" / "chapters" / "regression.tex").exists()


def test_text_formulas_are_checked_formula_objects() -> None:
    """Each declared formula is a Formula over the chapter's network model; results hold, the wrong one fails."""
    spec = load_spec(SPEC)
    formulas = load_formulas(FORMULAS_FILE, spec)
    assert all(isinstance(f, Formula) for f in formulas)
    assert {f.model.name for f in formulas} == {network_model(spec).name}
    for formula in formulas:
        assert verify_formula(formula, core) == [], formula.name  # a wrong formula passes by failing
    wrong = next(f for f in formulas if f.kind == "wrong")
    assert verify_formula(Formula(wrong.name, wrong.model, wrong.lhs, wrong.chain), core)


def test_a_wrong_formula_that_holds_is_reported(tmp_path) -> None:
    """A true formula marked wrong fails: its check passes where it must fail."""
    path = declared(tmp_path, one_formula("delta[out] = 2/m (A[out] - Y)", kind="wrong"))
    (formula,) = load_formulas(path, load_spec(SPEC))
    assert verify_formula(formula, core) == ["formula f: marked wrong, but both the exact and the numeric check pass"]


def test_the_network_model_changes_with_the_network(tmp_path) -> None:
    """A changed weight makes another model, so a stored verdict of the old network is not taken."""
    spec = load_spec(SPEC)
    changed = tmp_path / "regression.toml"
    changed.write_text(SPEC.read_text().replace("weights = [[0.7, -0.5, 0.4]]", "weights = [[0.7, -0.5, 0.5]]"))
    assert network_model(spec).name != network_model(load_spec(changed)).name


def test_plain_text_reads_back_to_the_same_formula() -> None:
    """The plain-text rendering that `handbook formulas` prints parses back to the same LaTeX."""
    spec = load_spec(SPEC)
    for formula in load_formulas(FORMULAS_FILE, spec):
        sides, free = parse(plain_formula(formula), formula.model, spec)
        assert " = ".join(side.tex(formula.model.symbols) for side in sides) == formula.tex()
        assert free == formula.free


# ----------------------------------------------------------------------------- parse errors

# (formula text, the text the error points at, words of the message)
BAD_FORMULAS = [
    ("delta[out] = 2/m (A[out] - Y) $", "$", "unexpected character '$'"),
    ("delta[out] = 2/m (A[out] - Yhat)", "Yhat", "unknown name 'Yhat' (quantities: X, Y, J"),
    ("delta[out] = 2/m (A[output] - Y)", "output]", "unknown layer 'output' (layers of this chapter: hid, out)"),
    (
        "delta[hid] = softmax'(Z[hid])",
        "softmax'",
        "softmax has no derivative applied entry by entry (derivatives: identity'",
    ),
    ("delta[out] = 2/m (A[out] - Y", "", "expected ')', found the end of the formula"),
    ("delta[out] 2/m (A[out] - Y)", "", "there is no '='"),
    ("dJ/dW[out] = delta[out]^T * A[hid]", "* A", "'*' multiplies by a number"),
    ("delta[out] = A[out] - 2", "- 2", "'-' between a number and a matrix"),
    ("delta[out] = A[out] / A[out]", "/ A", "'/' divides by a number, not by a matrix"),
    ("delta[out] = 2 .* A[out]", ".* A", "takes two matrices"),
    ("delta[out] = A[out]^3", "^3", "'^' takes T (transpose) or 2 (square)"),
    ("dJ/db[hid]_{k,j} = 0", "dJ/db", "dJ/db[hid] takes 1 index, not 2"),
    ("dJ/db[hid]_{m} = 0", "m}", "'m' names a size; choose another index letter"),
    ("J = sum_{e} A[hid]_{e,k} W[hid]_{k,e}", "W[hid]_{k,e}", "the index e runs over d here but over m elsewhere"),
    ("J = sum_{e} J", "sum_", "the sum over e indexes no entry"),
    ("J = A[out]_{e,k}", "A[out]_{e,k}", "this side's free indices (e, k) are not the left side's (none)"),
]


@pytest.mark.parametrize(("text", "at", "words"), BAD_FORMULAS)
def test_parse_error_names_file_line_and_column(tmp_path, text, at, words) -> None:
    """A formula that does not parse is an error naming the file, the line and the column it stops at."""
    path = declared(tmp_path, "# a comment\n\n" + one_formula(text))
    with pytest.raises(FormulaTextError) as raised:
        load_formulas(path, load_spec(SPEC))
    column = len('formula = "') + 1 + (text.index(at) if at else len(text))
    assert str(raised.value).startswith(f"{path}:6:{column}: formula f: ")
    assert words in str(raised.value)


def test_parse_error_in_a_multiline_string_counts_lines(tmp_path) -> None:
    """In a formula written over lines (a TOML multi-line string), the error's line and column are the text's."""
    last = '  2/m (A[out] - Q)"""'
    path = declared(tmp_path, f'[[formula]]\nname = "f"\nkind = "result"\nformula = """\ndelta[out] =\n{last}\n')
    where = f"{path}:6:{last.index('Q') + 1}: formula f: unknown name 'Q'"
    with pytest.raises(FormulaTextError, match="^" + re.escape(where)):
        load_formulas(path, load_spec(SPEC))


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ('[[formula]]\nname = "f"\nkind = "result\n', 3, "not valid TOML"),
        ('[[formula]]\nname = "f"\nkind = "result"\nformula = "J = J"\nlabel = "x"\n', 5, "unknown key 'label'"),
        ('[[formula]]\nname = "f"\nkind = "result"\n', 1, "this [[formula]] table has no 'formula'"),
        ('[[formula]]\nname = "f"\nkind = "theorem"\nformula = "J = J"\n', 3, "unknown kind 'theorem' (kinds: result"),
        ('[[formula]]\nname = "F"\nkind = "result"\nformula = "J = J"\n', 2, "is not a formula name"),
        (one_formula("J = J") + "\n" + one_formula("J = J"), 7, "a formula 'f' is declared earlier in this file"),
        (one_formula("J = J", name="bp_weight_gradient"), 2, "taken by a formula of the built-in catalogue"),
        ('[chapter]\ntitle = "x"\n', 1, "the file holds [[formula]] tables only"),
    ],
)
def test_file_error_names_file_and_line(tmp_path, body, line, words) -> None:
    """A malformed table (TOML, keys, kind, name) is an error naming the file and the line."""
    path = declared(tmp_path, body)
    with pytest.raises(FormulaTextError) as raised:
        load_formulas(path, load_spec(SPEC))
    assert re.match(rf"^{re.escape(str(path))}:{line}:\d+: ", str(raised.value))
    assert words in str(raised.value)


def test_a_layer_without_biases_has_no_bias_gradient(tmp_path) -> None:
    """Naming the biases of a layer that has none is an error that says so."""
    path = declared(tmp_path, one_formula("dJ/db[hid] = delta[hid]^T ones"))
    with pytest.raises(FormulaTextError, match="dJ/db\\[hid\\] does not exist: that layer has no biases"):
        load_formulas(path, load_spec(ROOT / "chapters" / "worked-example.toml"))


def test_parse_error_is_bad_input_without_traceback(tmp_path) -> None:
    """`handbook chapter` on a chapter whose formulas file does not parse exits 2 with one line, no traceback."""
    project = regression_project(tmp_path)
    path = project.chapters / FORMULAS_FILE.name
    path.write_text(path.read_text().replace("2/m (A[out] - Y)", "2/m (A[out] - Yhat)", 1))
    result = invoke("chapter", "regression", "--root", str(project.root))
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {path}:")
    assert "unknown name 'Yhat'" in result.output and "Traceback" not in result.output
    assert not project.build.exists() or not (project.build / "tex").exists()


# ----------------------------------------------------------------------------- handbook formulas


def test_formulas_lists_each_formula_with_its_text_checks_and_verdict(tmp_path) -> None:
    """`handbook formulas CHAPTER` lists each formula's name, kind, LaTeX, plain text, checks and verdict."""
    project = regression_project(tmp_path)
    result = invoke("formulas", "regression", "--root", str(project.root))
    assert result.exit_code == 0, result.output
    formulas = load_formulas(FORMULAS_FILE, load_spec(SPEC))
    for formula in formulas:
        assert f"{formula.name}  ({formula.kind}; declared in " in result.output
        assert f"  LaTeX:    {formula.tex()}\n" in result.output
        assert f"  text:     {plain_formula(formula)}\n" in result.output
    sizes = ", ".join(f"{size}={value}" for size, value in own_sizes(load_spec(SPEC)).items())
    assert result.output.count(f"on the chapter's own network and numbers ({sizes})") == len(formulas)
    assert result.output.count("verdict:  passed") == sum(f.kind != "wrong" for f in formulas)
    assert result.output.count("verdict:  shown wrong") == sum(f.kind == "wrong" for f in formulas)


def test_formulas_takes_stored_verdicts(tmp_path) -> None:
    """After a build stored the chapter's verdicts, `handbook formulas` takes them from the cache."""
    project = regression_project(tmp_path)
    assert invoke("chapter", "regression", "--root", str(project.root)).exit_code == 0
    result = invoke("formulas", "regression", "--root", str(project.root))
    assert result.exit_code == 0, result.output
    assert result.output.count("(stored verdict)") == len(load_formulas(FORMULAS_FILE, load_spec(SPEC)))


def test_formulas_fails_on_a_formula_that_does_not_hold(tmp_path) -> None:
    """A declared result that does not hold gets a FAILED verdict and exit status 1."""
    project = regression_project(tmp_path)
    path = project.chapters / FORMULAS_FILE.name
    path.write_text(path.read_text().replace('"delta[out] = 2/m (A[out] - Y)"', '"delta[out] = 3/m (A[out] - Y)"'))
    result = invoke("formulas", "regression", "--root", str(project.root))
    assert result.exit_code == 1
    assert "verdict:  FAILED: formula regression_output_error:" in result.output


def test_formulas_lists_built_in_formulas(tmp_path) -> None:
    """Built-in formulas are listed too, with where they are written (here without verdicts)."""
    project = copy_sources(tmp_path)
    result = invoke("formulas", "four-equations", "--root", str(project.root), "--no-verdicts")
    assert result.exit_code == 0, result.output
    names = [n for n, owner in catalogue_module.CHAPTER_OF.items() if owner == "four-equations"]
    assert names and all(f"{n}  (" in result.output for n in names)
    assert "built in (generator/formulas/catalogue/)" in result.output and "verdict:" not in result.output


def test_formulas_of_an_unknown_chapter_is_bad_input(tmp_path) -> None:
    """`handbook formulas` of a chapter that does not exist exits 2, naming the chapters there are."""
    project = copy_sources(tmp_path)
    result = invoke("formulas", "no-such", "--root", str(project.root))
    assert result.exit_code == 2
    assert "no chapter called 'no-such' (chapters: chain-rule, worked-example" in result.output


# ----------------------------------------------------------------------------- the reference


def _doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), flags=re.S)


def test_every_example_of_the_reference_parses(tmp_path) -> None:
    """Every formula and every formulas file that docs/formulas.md shows parses on the regression network."""
    spec = load_spec(SPEC)
    model = network_model(spec)
    lines = [line for block in _doc_blocks("formula") for line in block.splitlines() if line.strip()]
    files = _doc_blocks("toml")
    assert lines and files
    for line in lines:
        parse(line, model, spec)
    for n, block in enumerate(files):
        folder = tmp_path / str(n)
        folder.mkdir()
        assert load_formulas(declared(folder, block), spec)


def test_formulas_know_every_activation_of_a_spec() -> None:
    """A formula may name every activation a spec may give a layer, and no other."""
    assert ACTIVATIONS == ACTIVATION_NAMES


def test_the_reference_names_the_activations_of_the_code() -> None:
    """The activation names and derivatives the reference lists are exactly those the parser takes."""
    text = DOC.read_text()
    listed = re.search(r"Activations: (.*)\.\n", text)
    derivatives = re.search(r"Derivatives: (.*)\.\n", text)
    assert listed is not None and derivatives is not None
    assert tuple(re.findall(r"`([a-z_]+)`", listed.group(1))) == ACTIVATIONS
    assert tuple(re.findall(r"`([a-z_]+)'`", derivatives.group(1))) == DERIVATIVES
