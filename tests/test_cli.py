"""The `handbook` command: help, listing, exit statuses, and what it writes."""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner
from test_spec import MALFORMED_SPECS

import generator
from generator.cli import main
from generator.spec import load_spec


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def test_every_command_has_help() -> None:
    """`--help` describes the group and each command."""
    assert "Exit status: 0 all checks passed, 1 a check or TeX failed, 2 bad input." in invoke("--help").output
    for command, phrase in [
        ("build", "typeset build/handbook.pdf"),
        ("chapter", "Render and verify the chapter NAME"),
        ("check", "Writes no .tex, ledger or PDF"),
        ("list", "List the chapters in book order"),
        ("run", "Run the chapter NAME's network through the core"),
    ]:
        result = invoke(command, "--help")
        assert result.exit_code == 0 and phrase in result.output, command


def test_list_shows_the_chapters(project) -> None:
    """`handbook list` prints one line per spec of chapters/, in book order (chapter.order, then name),
    each with the chapter's name, source and title."""
    result = invoke("list", "--root", str(project.root))
    assert result.exit_code == 0
    specs = [load_spec(path) for path in project.chapters.glob("*.toml")]
    expected = sorted(specs, key=lambda spec: (spec.order, spec.name))
    lines = result.output.splitlines()
    assert len(lines) == len(expected)
    for line, spec in zip(lines, expected, strict=True):
        assert line.split()[0] == spec.name and spec.source in line and line.endswith(spec.title)


def test_check_prints_one_line_per_stage_and_writes_no_output(project_copy) -> None:
    """`handbook check` passes with exit 0, one progress line per stage, and writes only its cache."""
    result = invoke("check", "--root", str(project_copy.root))
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()] == ["spec", "compute", "render", "verify"]
    assert [p.name for p in project_copy.build.iterdir()] == ["cache"]


def test_chapter_writes_its_tex_and_ledger(project_copy) -> None:
    """`handbook chapter NAME` writes the chapter's .tex and its ledger."""
    result = invoke("chapter", "worked-example", "--root", str(project_copy.root))
    assert result.exit_code == 0, result.output
    tex = project_copy.build / "tex" / "default" / "chapters" / "worked-example.tex"
    assert r"\chapter{A worked example: one gradient step by hand}" in tex.read_text()
    assert (project_copy.build / "ledger" / "default" / "worked-example.json").is_file()


def test_unknown_chapter_is_bad_input(project_copy) -> None:
    """An unknown chapter name exits 2 and lists the chapters there are."""
    result = invoke("chapter", "no-such", "--root", str(project_copy.root))
    assert result.exit_code == 2
    assert (
        "no chapter called 'no-such' (chapters: chain-rule, worked-example, matrix-form, linear-layer, three-layer, "
        "four-equations, softmax-cross-entropy, gradient-checking, training)" in result.output
    )


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        *MALFORMED_SPECS,
        ('title = "A worked example: one gradient step by hand"\n', "", "chapter.title", "missing"),
        (
            'template = "worked_example.tex.j2"',
            'template = "no_such.tex.j2"',
            "chapter.template",
            "no template 'no_such.tex.j2'",
        ),
    ],
)
def test_malformed_spec_is_bad_input_and_writes_nothing(project_copy, old, new, field, problem) -> None:
    """Each kind of malformed spec exits 2 with one message naming file, field and problem, and writes nothing."""
    spec = project_copy.chapters / "worked-example.toml"
    assert old in spec.read_text(), old
    spec.write_text(spec.read_text().replace(old, new, 1))
    result = invoke("build", "--root", str(project_copy.root))
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith(f"error: {spec}: {field}: ") and problem in line, line
    assert sorted(p.name for p in project_copy.build.iterdir()) == ["cache"]  # no .tex, ledger or PDF


def test_template_error_is_bad_input_naming_the_line(project_copy) -> None:
    """An undefined variable in a template exits 2 naming template and line."""
    template = project_copy.templates / "chapters" / "worked_example.tex.j2"
    lines = template.read_text().splitlines()
    lines[5] += " << no_such_variable >>"
    template.write_text("\n".join(lines) + "\n")
    result = invoke("check", "--root", str(project_copy.root))
    assert result.exit_code == 2
    assert "chapters/worked_example.tex.j2:6: undefined: 'no_such_variable' is undefined" in result.output


@pytest.mark.parametrize("command", [["check"], ["chapter", "worked-example"], ["build"], ["list"], ["formulas"]])
def test_a_pipeline_that_cannot_be_imported_is_an_internal_error_in_one_line(
    monkeypatch, project_copy, command
) -> None:
    """A module of the pipeline that fails to import (a syntax error in the core, say) is reported as a bug
    in one line, exit 1, with the traceback kept in build/internal-error.log: never on the terminal."""
    for module in ("generator.build", "generator.core", "generator.formula_list", "generator.run"):
        monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError,
        monkeypatch.delattr(generator, module.rpartition(".")[2], raising=False)  # from generator import it too
    result = CliRunner().invoke(main, [*command, "--root", str(project_copy.root)])
    assert result.exit_code == 1, result.output
    assert "error: internal error (a bug in the handbook" in result.output
    assert "Traceback" not in result.output
    assert "Traceback" in (project_copy.build / "internal-error.log").read_text()
