"""Writing a chapter as an instructor: chapters are found in chapters/ (no list to edit), `handbook new`
starts one that builds, and the loopholes an author falls into are closed, each with a clear message."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import ROOT, copy_sources, render_checked, tree_digest
from test_listings import parse_table

from generator import authoring, provenance
from generator.build import Project, load_chapters
from generator.cli import main
from generator.quantities import BY_CALL, KINDS, PRECISION_KINDS, Quantity
from generator.scan import scan
from generator.spec import ACTIVATION_NAMES, KEYS, LOSS_NAMES, MAX_ORDER, SpecError, StructuralNumbers, load_spec
from generator.starter import defined_labels, template_file_name

NEW = "throwaway"


def invoke(project: Project, *args: str):
    return CliRunner().invoke(main, [*args, "--root", str(project.root)])


def hand(text: str, line: int = 1) -> str:
    """Text as a template line would render it."""
    return provenance.line_tag("t.tex.j2", line) + text


# ----------------------------------------------------------------------------- chapters discovered


def test_a_new_chapter_needs_no_edit_anywhere_else(project_copy: Project) -> None:
    """A chapter added to a copy of the project (the worked example under another name, with other weights)
    renders and verifies in the default and a transposing profile, `handbook run` prints its ledger's
    numbers, `handbook list` shows it last, and the gradient-check chapter checks its network, passing."""
    result = invoke(project_copy, "new", NEW, "--from", "worked-example")
    assert result.exit_code == 0, result.output
    spec = project_copy.chapters / f"{NEW}.toml"
    text = spec.read_text()
    for old, new in [
        ("weights = [[0.42, 0.19], [-0.27, -0.37]]", "weights = [[0.36, 0.21], [-0.25, -0.33]]"),
        ("weights = [[-1.40, 0.35], [-0.81, 0.62]]", "weights = [[-1.20, 0.45], [-0.70, 0.52]]"),
    ]:
        assert old in text
        text = text.replace(old, new)
    spec.write_text(text)
    for profile in ("default", "note002"):
        result = invoke(project_copy, "chapter", NEW, "--notation", profile)
        assert result.exit_code == 0, result.output
    result = invoke(project_copy, "run", NEW)
    assert result.exit_code == 0, result.output
    table = {quantity: text for _, text, quantity in parse_table(result.output)}
    chapter = render_checked(project_copy, NEW)
    weight = chapter.ledger.entries[[str(e.quantity) for e in chapter.ledger.entries].index("weight[out]_1,1")]
    assert weight.text == table["weight[out]_1,1"] == "-1.20"
    assert invoke(project_copy, "list").output.splitlines()[-1].split()[0] == NEW
    checker = load_spec(project_copy.chapters / "gradient-checking.toml")
    others = [s for s in load_chapters(project_copy) if s.name != "gradient-checking"]
    assert [s.name for s in checker.check_networks] == [s.name for s in others]  # every other, in book order
    gradient_check = render_checked(project_copy, "gradient-checking")
    bound = Quantity("relative_error_bound", None, None, (), None, NEW)
    assert any(e.quantity == bound for e in gradient_check.ledger.entries)


def test_a_chapter_opts_out_of_the_gradient_check(tmp_path: Path) -> None:
    """`[gradient_check] include = false` in a chapter's own spec leaves its network out of a check over
    `networks = "all"`; the others stay, in book order (chapter.order, then name)."""
    for path in (ROOT / "chapters").glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    before = [s.name for s in load_spec(tmp_path / "gradient-checking.toml").check_networks]
    linear = tmp_path / "linear-layer.toml"
    linear.write_text(linear.read_text() + "\n[gradient_check]\ninclude = false\n")
    after = [s.name for s in load_spec(tmp_path / "gradient-checking.toml").check_networks]
    assert "linear-layer" in before and after == [name for name in before if name != "linear-layer"]
    specs = [load_spec(path, follow=False) for path in tmp_path.glob("*.toml")]
    order = [s.name for s in sorted(specs, key=lambda s: (s.order, s.name)) if s.name != "gradient-checking"]
    assert before == order
    assert load_spec(linear).step is None  # include alone asks for no check of its own


# ----------------------------------------------------------------------------- handbook new


def test_handbook_new_writes_a_starter_that_builds(project_copy: Project) -> None:
    """`handbook new NAME --from worked-example` writes the spec and the template; `handbook chapter NAME`
    passes; the starter's labels are its own (none shared with the chapter it copies)."""
    result = invoke(project_copy, "new", "regression", "--from", "worked-example")
    assert result.exit_code == 0, result.output
    spec = project_copy.chapters / "regression.toml"
    template = project_copy.templates / "chapters" / template_file_name("regression")
    assert spec.is_file() and template.is_file()
    assert load_spec(spec).template == f"chapters/{template.name}"
    result = invoke(project_copy, "chapter", "regression")
    assert result.exit_code == 0, result.output
    original = (project_copy.templates / "chapters" / "worked_example.tex.j2").read_text()
    assert defined_labels(original) and not set(defined_labels(original)) & set(defined_labels(template.read_text()))
    rendered = render_checked(project_copy, "regression")
    assert not set(re.findall(r"\\label\{([^}]*)\}", rendered.tex)) & set(defined_labels(original))


def test_handbook_new_copies_a_commented_header_and_stays_in_range(project_copy: Project) -> None:
    """A [chapter] header with a comment after it is still the chapter table, and the starter's order,
    after a last chapter at the largest order, is one that loads (tied last, not past the range)."""
    source = project_copy.chapters / "worked-example.toml"
    source.write_text(source.read_text().replace("[chapter]\n", "[chapter]  # the chapter's own keys\n", 1))
    last = project_copy.chapters / "training.toml"
    last.write_text(re.sub(r"^order = .*$", f"order = {MAX_ORDER}", last.read_text(), count=1, flags=re.M))
    result = invoke(project_copy, "new", "fresh", "--from", "worked-example")
    assert result.exit_code == 0, result.output
    assert load_spec(project_copy.chapters / "fresh.toml").order == MAX_ORDER


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("new", "worked-example"), "already exists"),
        (("new", "Bad_Name"), "'Bad_Name' is not a chapter name"),
        (("new", "fresh", "--from", "no-such-chapter"), "no chapter called 'no-such-chapter'"),
    ],
)
def test_handbook_new_refuses_and_writes_nothing(project_copy: Project, args, message: str) -> None:
    """An existing chapter, a bad name or an unknown chapter to start from: exit 2, the reason, nothing written."""
    before = tree_digest(project_copy.root)
    result = invoke(project_copy, *args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert tree_digest(project_copy.root) == before


def test_handbook_new_refuses_a_template_that_exists(project_copy: Project) -> None:
    """A template of the new chapter's name already under templates/chapters/ is not overwritten either."""
    template = project_copy.templates / "chapters" / template_file_name("fresh")
    template.write_text("mine\n")
    result = invoke(project_copy, "new", "fresh")
    assert result.exit_code == 2 and "already exists" in result.output
    assert template.read_text() == "mine\n" and not (project_copy.chapters / "fresh.toml").exists()


# ----------------------------------------------------------------------------- loopholes closed

# A spec table's header as written in chapters/*.toml, and its entry of spec.KEYS.
TABLES = {
    "chapter": "chapter",
    "network": "network",
    "network.layers": "layer",
    "data": "data",
    "loss": "loss",
    "training": "training",
    "gradient_check": "gradient_check",
    "graphs": "graph",
    "exercises": "exercises",
}


def spec_tables() -> list[tuple[str, str]]:
    """Every (spec, table header) of chapters/*.toml, and each spec's top level as ("", "")."""
    found = []
    for path in sorted((ROOT / "chapters").glob("*.toml")):
        found.append((path.name, ""))
        headers = re.findall(r"^\[\[?([a-z_.]+)\]\]?\s*$", path.read_text(), re.MULTILINE)
        found += [(path.name, header) for header in dict.fromkeys(headers)]
    return found


@pytest.mark.parametrize(("name", "header"), spec_tables())
def test_an_unknown_key_in_any_table_is_named_with_the_keys_allowed(tmp_path: Path, name: str, header: str) -> None:
    """`momentum = 0.9` added to any table of any chapter's spec is an error naming the key, its table and
    every key that table allows (a precision kind: every kind known)."""
    for path in (ROOT / "chapters").glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    path = tmp_path / name
    text = path.read_text()
    if header:
        line = re.search(rf"^\[\[?{re.escape(header)}\]\]?\s*$", text, re.MULTILINE)
        assert line is not None
        text = text[: line.end()] + "\nmomentum = 0.9" + text[line.end() :]
    else:
        text = "momentum = 0.9\n" + text
    path.write_text(text)
    with pytest.raises(SpecError) as raised:
        load_spec(path)
    error = raised.value
    assert error.path == path and error.field.endswith("momentum")
    assert error.field.startswith(header.split(".")[0])
    if header == "precision":
        assert "unknown quantity kind" in error.problem
        return
    assert "unknown key" in error.problem
    allowed = KEYS[TABLES.get(header, "")]
    assert all(key in error.problem for key in allowed), error.problem


def test_an_unknown_call_lists_every_valid_call(project_copy: Project) -> None:
    """`v.dz` is a render error naming the template line and listing every call; no Python attribute error."""
    template = project_copy.templates / "chapters" / "worked_example.tex.j2"
    template.write_text(template.read_text() + '\n<< v.eq.dz("hid", 1) >>\n')
    result = invoke(project_copy, "chapter", "worked-example")
    assert result.exit_code == 2
    assert "worked_example.tex.j2:" in result.output and "v.dz is not a value the ledger knows" in result.output
    assert all(f" {call}," in result.output or f" {call})" in result.output for call in BY_CALL)
    assert "attribute" not in result.output


def test_a_unit_out_of_range_is_counted_from_one(project_copy: Project) -> None:
    """A unit index past a layer's size names the layer, its size and the index as the book counts."""
    spec = load_spec(project_copy.chapters / "worked-example.toml")
    size = spec.layers[-1].size
    template = project_copy.templates / "chapters" / "worked_example.tex.j2"
    template.write_text(template.read_text() + f'\n$<< v.eq.a("out", {size + 1}) >>$\n')
    result = invoke(project_copy, "chapter", "worked-example")
    assert result.exit_code == 2
    assert f"there is no unit in layer 'out' {size + 1}: it has {size} (counted from 1)" in result.output
    assert "out of bounds" not in result.output


@pytest.mark.parametrize(
    "source",
    [
        r"the loss is \num{0.3076}",
        r"$J = \num{0.3076}$",
        r"a rate of \SI{0.5}{\per\second}",
        r"a rate of \qty{0.5}{\per\second}",
        r"$\weightentry{out}{\num{0.3}}{1}$",  # inside an argument that is structural
        r"\texttt{\num{42}}",
        r"$\st{\num{2}}$",
    ],
)
def test_a_number_typed_into_num_is_a_typed_numeral(source: str) -> None:
    """A number typed into \\num, \\SI or \\qty looks like a checked value: refused, wherever it stands."""
    violations = scan(hand(source, 3), {"weightentry": (1, 2, 3)})
    assert violations and all(v.line == 3 for v in violations)
    assert any("a number typed into" in v.what for v in violations)


def test_a_ledger_number_in_num_passes() -> None:
    """The ledger's own \\num{...} (generated) is not typed by hand."""
    assert scan(hand("the loss is ") + provenance.generated(r"$\num{0.3076}$"), {}) == []


NETWORK = StructuralNumbers((("inputs", 2), ("units of hid", 3), ("layers", 2), ("examples", 4)), (("parameters", 17),))


@pytest.mark.parametrize(
    ("source", "passes"),
    [
        (r"$\actentry{\st{\ell-1}}{t}$", True),
        (r"$(\st{1}, \st{4})$", True),  # an index in range: the largest size is 4 examples
        (r"$\st{0}$", True),  # the inputs, as layer 0
        (r"$\st{17}$", True),  # a count of the spec
        (r"$\st{5}$", False),
        (r"$\st{52}$", False),
        (r"$\st{0.5}$", False),
    ],
)
def test_st_holds_only_numbers_the_spec_checks(source: str, passes: bool) -> None:
    """\\st{...} takes an index in range or a count of the chapter's spec; anything else is refused, and the
    message says which numbers are allowed."""
    violations = scan(hand(source), {}, structural_numbers=NETWORK)
    assert (violations == []) == passes
    if not passes:
        (violation,) = violations
        assert "0 to 4 (inputs 2, units of hid 3, layers 2, examples 4), or a count (parameters 17)" in violation.what


def test_every_chapter_states_only_its_own_structural_numbers() -> None:
    """The structural numbers a chapter allows are its network's: the worked example's 2-2-2 network with
    one example allows 0 to 2 and its eight weights, not 3."""
    allowed = load_spec(ROOT / "chapters" / "worked-example.toml").structural_numbers()
    assert [n for n in range(10) if allowed.allows(n)] == [0, 1, 2, 8]


def test_a_chapter_from_the_cache_says_what_its_verdicts_cover(project_copy: Project) -> None:
    """A chapter whose verdicts come from the cache says how many numbers and formulas they cover, never
    that none were checked."""
    invoke(project_copy, "chapter", "linear-layer")  # stores its verdicts, if the session's did not
    result = invoke(project_copy, "chapter", "linear-layer")
    assert result.exit_code == 0, result.output
    (line,) = [line for line in result.output.splitlines() if line.startswith("verify")]
    numbers, formulas = map(int, re.search(r"(\d+) numbers match .*; (\d+) formulas checked", line).groups())
    assert numbers > 0 and formulas > 0
    covered = re.search(r"when they last passed: (.*)\); \d+ steps", line).group(1)
    assert f"linear-layer {numbers} numbers and " in covered
    assert sum(int(n) for n in re.findall(r"(\d+) formulas", covered)) == formulas
    assert " 0 numbers" not in line


# ----------------------------------------------------------------------------- the authors' reference


def test_the_committed_reference_is_what_the_code_gives() -> None:
    """docs/authoring.md is exactly what `python -m generator.authoring` writes from the code today."""
    assert (ROOT / authoring.DOCUMENT).read_text(encoding="utf-8") == authoring.reference(ROOT)


def test_the_reference_names_every_call_variable_and_name() -> None:
    """The reference lists every v.* call with its arguments, every precision kind, activation and loss
    (identity included), every template variable and LayerView field, and links the formula syntax."""
    text = (ROOT / authoring.DOCUMENT).read_text(encoding="utf-8")
    for kind in KINDS:
        assert f"`{kind.usage()}`" in text
    for name in (*PRECISION_KINDS, *ACTIVATION_NAMES, *LOSS_NAMES):
        assert f"| `{name}` |" in text, name
    assert "| `identity` |" in text
    for name in authoring.chapter_context(ROOT):
        assert f"| `{name}` |" in text, name
    for name in ("layer.neurons", "layer.sources", "layout.example", "v.eq.CALL(...)"):
        assert name in text
    assert "](formulas.md)" in text


def test_a_stale_reference_is_reported(tmp_path: Path) -> None:
    """`handbook docs --check` exits 1 when the committed reference differs from the code's, 0 after
    `handbook docs` wrote it."""
    project = copy_sources(tmp_path)
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    (tmp_path / authoring.DOCUMENT).write_text("old\n")
    assert CliRunner().invoke(main, ["docs", "--check", "--root", str(tmp_path)]).exit_code == 1
    assert CliRunner().invoke(main, ["docs", "--root", str(tmp_path)]).exit_code == 0
    assert CliRunner().invoke(main, ["docs", "--check", "--root", str(tmp_path)]).exit_code == 0
    assert project.chapters.is_dir()


def test_an_undescribed_template_variable_stops_the_reference(monkeypatch) -> None:
    """A variable the code gives templates that the reference does not describe is an error naming it."""
    monkeypatch.delitem(authoring.VARIABLES, "layout")
    with pytest.raises(authoring.Undescribed, match="layout"):
        authoring.reference(ROOT)


@pytest.mark.parametrize("profile", ["default", "note002"])
def test_the_references_second_example_builds(project_copy: Project, profile: str) -> None:
    """The reference's worked example with a batch and biases, added as a chapter, renders and verifies."""
    shutil.copy(ROOT / authoring.EXAMPLE_SPEC, project_copy.chapters / authoring.EXAMPLE_SPEC.name)
    shutil.copy(
        ROOT / authoring.EXAMPLE_TEMPLATE, project_copy.templates / "chapters" / authoring.EXAMPLE_TEMPLATE.name
    )
    spec = load_spec(project_copy.chapters / authoring.EXAMPLE_SPEC.name)
    assert len(spec.inputs) > 1 and all(layer.biases is not None for layer in spec.layers)
    result = invoke(project_copy, "chapter", spec.name, "--notation", profile)
    assert result.exit_code == 0, result.output
