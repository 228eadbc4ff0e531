"""Listings: the core's own source beside the equations, in every chapter; the build fails when a listed
function is gone; the scan treats a listing as code; the listings follow the core; `handbook run`."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_built
from helpers import copy_sources

from generator import core, dependencies, provenance
from generator.build import Project, book_key, compute_chapters, load_chapters, select
from generator.cli import main
from generator.layout import overfull_boxes
from generator.listings import MAX_COLUMNS, MODULES, Listings, function_source, style_definitions
from generator.notation import load_notation
from generator.render import RenderError, make_environment, render_chapter
from generator.run import SECTIONS
from generator.scan import LISTING_ENVIRONMENT, scan
from generator.typeset import latexmk_available

QUIET = lambda line: None  # noqa: E731
# Every chapter of the book, found in chapters/ (a new chapter is tested with no edit here).
CHAPTERS = sorted(path.stem for path in (Path(__file__).resolve().parents[1] / "chapters").glob("*.toml"))


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Project:
    """A copy of the project's sources (nothing built)."""
    return copy_sources(tmp_path_factory.mktemp("listings"))


def render(project: Project, name: str, core_module=core, notation: str = "default"):
    """Chapter ``name`` rendered (no verification) with ``core_module``."""
    spec = select(load_chapters(project), name)
    (computation,) = compute_chapters([spec], core_module, QUIET)
    notes = load_notation(project.notation_folder / f"{notation}.toml")
    return render_chapter(make_environment(project.templates), spec, computation, notes)


def listed(tex: str) -> list[str]:
    """The function names of the listings in a chapter's LaTeX, from their captions."""
    return re.findall(rf"\\begin\{{{LISTING_ENVIRONMENT}\}}\{{\\texttt\{{([^{{}}]*)\}}", tex)


def test_every_chapter_lists_core_functions_with_their_real_source(sources) -> None:
    """Each chapter shows at least one listing; each is the function's source as Python reads it, highlighted."""
    for spec in load_chapters(sources):
        chapter = render(sources, spec.name)
        names = listed(chapter.tex)
        assert names, f"{spec.name} shows no listing"
        for name in names:
            function = name.replace(r"\_", "_")
            module = next(m for m in MODULES.values() if function_source(m, function) is not None)
            source = inspect.getsource(getattr(module, function))
            assert function_source(module, function) == source
            body = chapter.tex.split(rf"\texttt{{{name}}}", 1)[1].split(rf"\end{{{LISTING_ENVIRONMENT}}}", 1)[0]
            assert r"\begin{Verbatim}[commandchars=\\\{\}]" in body
            assert rf"\PY{{n+nf}}{{{function}}}" in body.replace(r"\PYZus{}", "_")  # the def line, highlighted


def test_a_listing_cites_the_equations_it_implements_and_is_labelled() -> None:
    """The caption names the function and file and \\cref's every label given; the listing has a label."""
    listings = Listings("ch")
    tex = listings("core.sigmoid_backward", implements=["eq:a", "eq:b"])
    assert r"\texttt{sigmoid\_backward} in \texttt{generator/core.py}, implementing \cref{eq:a,eq:b}" in tex
    assert "{lst:ch:core.sigmoid_backward}" in tex
    listings.check_references(r"\label{eq:a} \label{eq:b}")
    with pytest.raises(RenderError, match=r"implements eq:b, which this chapter does not label"):
        listings.check_references(r"\label{eq:a}")


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        ('"core.no_such_function", implements=["eq:a"]', "generator/core.py has no function 'no_such_function'"),
        ('"numpy.exp", implements=["eq:a"]', "MODULE one of core, core_graph, gradcheck, training"),
        ('"core.sigmoid_backward"', "say which equations it implements"),
        ('"core.sigmoid_backward", implements=["eq:nowhere"]', "implements eq:nowhere, which this chapter"),
    ],
)
def test_a_bad_listing_names_the_template_line(sources, tmp_path, call: str, problem: str) -> None:
    """A listing of a function that is not there, from another module, implementing nothing, or an
    equation the chapter does not label, fails to render, naming the template's file and line."""
    project = copy_sources(tmp_path)
    template = project.templates / "chapters" / "worked_example.tex.j2"
    lines = template.read_text().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("<< listing("))
    lines[number - 1] = f"<< listing({call}) >>\n"
    template.write_text("".join(lines))
    with pytest.raises(RenderError) as error:
        render(project, "worked-example")
    assert (error.value.template, error.value.line) == ("chapters/worked_example.tex.j2", number)
    assert problem in error.value.problem


def test_a_listed_line_wider_than_the_page_is_a_render_error(tmp_path) -> None:
    """A listed function with a line wider than MAX_COLUMNS fails to render, naming the line: TeX would not say."""
    wide = "def wide():\n    return " + "1 + " * 30 + "1\n"
    path = tmp_path / "wide_module.py"
    path.write_text(wide)
    module = load_copy(path, "wide_module")
    assert len(wide.splitlines()[1]) > MAX_COLUMNS
    with pytest.raises(RenderError, match=rf"line 2 of the function is wider than {MAX_COLUMNS} characters"):
        Listings("ch", {"wide": module})("wide.wide", implements=["eq:a"])
    narrow = tmp_path / "narrow_module.py"
    narrow.write_text("def narrow():\n    return " + "1 + " * 10 + "1\n")
    assert "narrow" in Listings("ch", {"narrow": load_copy(narrow, "narrow_module")})("narrow.narrow", ["eq:a"])


def test_a_listed_function_gone_from_the_core_fails_the_build_with_exit_2(tmp_path) -> None:
    """Rename a listed function in core.py: `handbook chapter` exits 2 with one line naming the template line."""
    project = copy_sources(tmp_path)
    core_file = project.root / "generator" / "core.py"
    core_file.write_text(core_file.read_text().replace("sigmoid_backward", "logistic_backward"))
    template = project.templates / "chapters" / "worked_example.tex.j2"
    number = next(
        i for i, line in enumerate(template.read_text().splitlines(), start=1) if '"core.sigmoid_backward"' in line
    )
    result = subprocess.run(
        [sys.executable, "-m", "generator", "chapter", "worked-example", "--root", str(project.root)],
        cwd=project.root,
        env={"PYTHONPATH": str(project.root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2, result.stderr
    message = result.stderr.strip()
    assert "\n" not in message
    assert message.startswith(f"error: chapters/worked_example.tex.j2:{number}: listing('core.sigmoid_backward'): ")
    assert "has no function 'sigmoid_backward'" in message
    assert not (project.build / "tex").exists()


def hand(text: str, line: int = 1) -> str:
    """Text as a template line would render it."""
    return provenance.line_tag("t.tex.j2", line) + text


def test_the_scan_skips_a_listing_but_not_a_number_typed_beside_it() -> None:
    """Digits inside a generated listing are code; a numeral typed in the prose after it still fails."""
    code = Listings("ch")("core.sigmoid_backward", implements=["eq:a"])
    assert re.search(r"\d", code.split(r"\begin{Verbatim}")[1])  # the code has digits of its own
    marked = hand("The core:\n", 4) + provenance.generated(code) + hand("\nwith a rate of 0.5 here.\n", 9)
    (violation,) = scan(marked, {})
    assert (violation.line, "numeral '0.5'" in violation.what) == (9, True)
    assert scan(hand("The core:\n", 4) + provenance.generated(code), {}) == []


def test_the_scan_skips_the_listing_environment_explicitly() -> None:
    """A listing's digits are skipped because it is a listing, not only because code generated them."""
    listing = rf"\begin{{{LISTING_ENVIRONMENT}}}{{cap}}{{lab}}" + "\nx = 1.0\n" + rf"\end{{{LISTING_ENVIRONMENT}}}"
    marked = provenance.generated(rf"\begin{{{LISTING_ENVIRONMENT}}}{{cap}}{{lab}}") + hand(
        "\nx = 1.0\n" + rf"\end{{{LISTING_ENVIRONMENT}}}", 5
    )
    assert scan(marked, {}) == []
    (violation,) = scan(hand(listing, 6), {})  # a listing typed into a template is refused
    assert (violation.line, "listing typed by hand" in violation.what) == (6, True)


def test_the_style_definitions_are_in_the_preamble_once(sources) -> None:
    """The book's shell holds Pygments' style definitions exactly once, before the document begins."""
    from generator.render import render_book

    notation = load_notation(sources.notation_file)
    shell = provenance.strip(render_book(make_environment(sources.templates), ["chapters/x"], notation))
    preamble, _ = shell.split(r"\begin{document}")
    definitions = style_definitions()
    assert shell.count(definitions) == 1 and definitions in preamble
    assert r"\usepackage{fancyvrb}" in preamble


def load_copy(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_an_edit_of_a_listed_function_changes_the_book_key_and_the_listing(sources, tmp_path, monkeypatch) -> None:
    """The book's key covers core.py (the listings module imports it), and the chapter renders the edited source."""
    edited = "return dA * A * (1.0 - A)  # edited"
    source = Path(core.__file__).read_text()
    assert source.count("return dA * A * (1.0 - A)") == 1
    path = tmp_path / "edited_core.py"
    path.write_text(source.replace("return dA * A * (1.0 - A)", edited))
    chapter = render(sources, "worked-example", load_copy(path, "edited_core"))
    assert r"\PY{c+c1}{\PYZsh{} edited}" in chapter.tex

    package = tmp_path / "package" / "generator"
    shutil.copytree(dependencies.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(dependencies, "PACKAGE", package)
    assert package / "core.py" in dependencies.closure("generator.listings", package)
    before = book_key(sources)
    (package / "core.py").write_text(source.replace("return dA * A * (1.0 - A)", edited))
    assert book_key(sources) != before


def parse_table(output: str) -> list[tuple[str, str, str]]:
    """The rows of `handbook run`: (template call, printed text, quantity)."""
    rows = []
    for line in output.splitlines():
        if line.startswith("  v."):
            call, text, quantity = re.split(r"\s{2,}", line.strip(), maxsplit=2)
            rows.append((call, text, quantity))
    return rows


@pytest.mark.parametrize("name", CHAPTERS)
def test_handbook_run_prints_the_ledgers_numbers(sources, name: str) -> None:
    """Every number `handbook run` prints for a quantity the chapter's ledger records is the ledger's text
    for it, at its precision; and every number of the network the ledger records is in the table."""
    assert name in [s.name for s in load_chapters(sources)]
    result = CliRunner().invoke(main, ["run", name, "--root", str(sources.root)])
    assert result.exit_code == 0, result.output
    table = {quantity: text for _, text, quantity in parse_table(result.output)}
    chapter = render(sources, name)
    recorded: dict[str, set[str]] = {}
    for entry in json.loads(chapter.ledger.to_json())["entries"]:  # the ledger as the build publishes it
        recorded.setdefault(entry["quantity"], set()).add(entry["text"])
    matched = [quantity for quantity in table if quantity in recorded]
    for quantity in matched:
        assert recorded[quantity] == {table[quantity]}, quantity
    kinds = {kind for _, section in SECTIONS for kind in section}
    of_the_network = {
        str(e.quantity) for e in chapter.ledger.entries if e.quantity.kind in kinds and e.quantity.network is None
    }
    assert matched and sorted(of_the_network - set(table)) == []


def test_handbook_run_of_an_unknown_chapter_exits_2_with_one_line(sources) -> None:
    """An unknown chapter is bad input: exit 2, one line naming the chapters there are."""
    result = CliRunner().invoke(main, ["run", "no-such-chapter", "--root", str(sources.root)])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: no chapter called 'no-such-chapter' (chapters: chain-rule, worked-example")


def test_handbook_run_is_in_the_help_and_the_readme() -> None:
    """`handbook --help` lists run, and README's command table has a row for it."""
    result = CliRunner().invoke(main, ["--help"])
    assert re.search(r"^\s+run\s", result.output, re.MULTILINE)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "| `handbook run CHAPTER` |" in readme


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    """`handbook` run on the copy at ``root`` with the copy's own generator/ (its core, its listings)."""
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [sys.executable, "-m", "generator", *args, "--root", str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.skipif(
    not (latexmk_available() and shutil.which("pdftotext")), reason="needs latexmk and pdftotext (make setup)"
)
def test_a_change_in_core_py_renders_the_book_again_with_the_new_listing(small_book, tmp_path) -> None:
    """Built and up to date, then a listed function edited in core.py: the next build is not up to date and
    typesets the edited source."""
    project_copy = copy_built(small_book, tmp_path / "copy")  # one chapter is enough, and quick to typeset
    root = project_copy.root
    assert cli(root, "build").returncode == 0
    assert cli(root, "build").stdout.strip().splitlines()[-1] == "up to date: nothing rendered, verified or typeset"
    core_file = root / "generator" / "core.py"
    core_file.write_text(
        core_file.read_text().replace("return dA * A * (1.0 - A)", "return dA * A * (1.0 - A)  # edited")
    )
    again = cli(root, "build")
    assert again.returncode == 0, again.stderr
    assert "up to date" not in again.stdout and "typeset" in again.stdout
    tex = (project_copy.tex / "chapters" / "worked-example.tex").read_text()
    assert r"\PY{c+c1}{\PYZsh{} edited}" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex (make setup)")
def test_max_columns_is_the_widest_listed_line_the_page_holds(built_book, tmp_path) -> None:
    """In the book's own preamble a listing's line of MAX_COLUMNS characters fits the text width, and one
    more character is an overfull box the layout check reports (TeX says so, not only the render check)."""
    source = (built_book.tex / "handbook.tex").read_text()
    preamble = source[: source.index("\\begin{document}")]

    def problems(columns: int) -> list[str]:
        line = "x" * columns
        listing = f"\\begin{{Verbatim}}[commandchars=\\\\\\{{\\}}]\n{line}\n\\end{{Verbatim}}\n"
        body = f"\\begin{{document}}\n\\begin{{corelisting}}{{A line}}{{lst:a}}\n{listing}\\end{{corelisting}}\n"
        folder = tmp_path / str(columns)
        folder.mkdir()
        tex = folder / "probe.tex"
        tex.write_text(preamble + body + "\\end{document}\n")
        command = ["pdflatex", "-draftmode", "-interaction=nonstopmode", "-file-line-error", tex.name]
        subprocess.run(command, cwd=folder, capture_output=True, check=False)
        return [str(p) for p in overfull_boxes((folder / "probe.log").read_text(errors="replace"), folder)]

    assert problems(MAX_COLUMNS) == []
    assert problems(MAX_COLUMNS + 1) != []
