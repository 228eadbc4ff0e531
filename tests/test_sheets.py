"""Problem sheets for a class: bad input refused with file and field, a variant per student that
depends only on the seed and the id, the rules of a variant, every answer checked, and (with TeX)
the published files: reproducible, split per student, laid out for a student."""

from __future__ import annotations

import csv
import dataclasses
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import copy_sources, tree_digest
from pypdf import PdfReader

from generator import core
from generator.build import CheckFailed, Project, load_chapters
from generator.cli import main
from generator.compute import compute
from generator.exercises.arith import Floats
from generator.exercises.generate import KINK_MARGIN, KINKED, _cached_variant, _entries, _kind_of, answer_text
from generator.notation import load_notation
from generator.render import make_environment
from generator.sheets import draw as draw_module
from generator.sheets import make_sheets, numbered_students, read_roster
from generator.sheets.check import verify_sheets
from generator.sheets.draw import draw_class, draw_student, variant_space
from generator.sheets.render import render_document, render_legend, render_parts
from generator.sheets.spec import SheetInputError, Student, load_sheet
from generator.typeset import latexmk_available

QUIET = lambda line: None  # noqa: E731
HAS_TEX = latexmk_available() and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(not HAS_TEX, reason="needs latexmk and pdftotext: `make setup` installs them")

SHEET = """
[sheet]
title = "Sheet"
course = "Course"
date = "1 May 2027"
seed = 7

[[questions]]
chapter = "worked-example"
kind = "compute"
points = 5

[[questions]]
chapter = "linear-layer"
kind = "compute"
points = 3

[[questions]]
chapter = "three-layer"
kind = "shapes"
points = 2

[[questions]]
chapter = "worked-example"
kind = "mistake"
points = 4
"""


@pytest.fixture(scope="module")
def specs(project):
    return {spec.name: spec for spec in load_chapters(project)}


def write_sheet(folder: Path, text: str, name: str = "s") -> Path:
    (folder / "sheets").mkdir(exist_ok=True)
    path = folder / "sheets" / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def sheet_of(tmp_path: Path, specs, text: str = SHEET):
    return load_sheet(write_sheet(tmp_path, text), tuple(specs))


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (('chapter = "linear-layer"', 'chapter = "no-such"'), "questions[2].chapter", "unknown chapter"),
        (('kind = "shapes"', 'kind = "essay"'), "questions[3].kind", "unknown exercise kind"),
        (("seed = 7", 'seed = "seven"'), "sheet.seed", "not an integer"),
        (("seed = 7", "seed = 7.5"), "sheet.seed", "not an integer"),
        (("seed = 7", "seed = true"), "sheet.seed", "not an integer"),
        (("points = 3", "points = 0"), "questions[2].points", "out of range"),
        (("points = 3", "points = 3\ncount = 0"), "questions[2].count", "out of range"),
        (("points = 3", "points = 3\nmomentum = 1"), "questions[2].momentum", "unknown key"),
        (('title = "Sheet"', 'title = ""'), "sheet.title", "missing or empty"),
        (("seed = 7", ""), "sheet.seed", "missing"),
    ],
)
def test_a_bad_sheet_spec_names_file_and_field(tmp_path, specs, change, field, words) -> None:
    """Each malformed sheet spec is refused with its file, the field and what is wrong."""
    with pytest.raises(SheetInputError) as raised:
        sheet_of(tmp_path, specs, SHEET.replace(*change, 1))
    message = str(raised.value)
    assert str(tmp_path / "sheets" / "s.toml") in message and field in message and words in message


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("id,name\n1,Ada\n2,Bob\n1,Cy\n", "line 4: duplicate id '1' (first on line 2)"),
        ("id,name\n1,Ada\nA1,Bob\na1,Cy\n", "line 4: duplicate id 'a1'"),
        ("id,name\n1,Ada\n2,\n", "line 3: the name of '2' is empty"),
        ("id,name\n1,Ada\n,Bob\n", "line 3: the id is empty"),
        ("ident,name\n1,Ada\n", "line 1: the header has no column 'id'"),
        ("id,fullname\n1,Ada\n", "no column 'name'"),
        ("id,name\n1,Ada\n../x,Bob\n", "line 3: id '../x'"),
        ("id,name\n1,\u4e2d\u6587\n", "line 2: the name"),
        ("id,name\n1,Ada,extra\n", "line 2: more fields"),
        ("id,name\n", "no students"),
    ],
)
def test_a_bad_roster_names_the_line(tmp_path, rows, words) -> None:
    """Each malformed roster is refused with the file and the line (the header is line 1)."""
    roster = tmp_path / "roster.csv"
    roster.write_text(rows, encoding="utf-8")
    with pytest.raises(SheetInputError) as raised:
        read_roster(roster)
    assert str(roster) in str(raised.value) and words in str(raised.value)


def test_a_roster_keeps_names_as_written(tmp_path) -> None:
    """Names with TeX's special characters and accents are read as written, in roster order."""
    roster = tmp_path / "r.csv"
    roster.write_text(
        'id,name,email\n9,"O\'Brien & {Co} 100% #1 $x_y ~^\\\\"\n3,Zo\u00eb \u0141ukasz,z@x\n', encoding="utf-8"
    )
    assert read_roster(roster) == (
        Student("9", "O'Brien & {Co} 100% #1 $x_y ~^\\\\"),
        Student("3", "Zo\u00eb \u0141ukasz"),
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--count", "0"], "--count: 0 is out of range"),
        ([], "give either --count N or --roster"),
        (["--count", "2", "--roster", "r.csv"], "give either --count N or --roster"),
        (["--roster", "missing.csv"], "no such roster file"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(project_copy, args, words) -> None:
    """The command refuses bad input with exit status 2, a one-line reason and no file written."""
    result = CliRunner().invoke(main, ["sheets", "example", "--root", str(project_copy.root), *args])
    assert result.exit_code == 2, result.output
    assert words in result.output and "Traceback" not in result.output
    assert not (project_copy.build / "sheets").exists()


def test_an_unknown_sheet_and_a_path_as_name_are_bad_input(project_copy) -> None:
    """A sheet that does not exist, or a name that is a path, exits 2 naming it."""
    for name, words in (("nosuch", "no such sheet"), ("../chapters/x", "is not a sheet's name")):
        result = CliRunner().invoke(main, ["sheets", name, "--count", "2", "--root", str(project_copy.root)])
        assert result.exit_code == 2 and words in result.output, result.output


# ----------------------------------------------------------------------------- variants


def test_a_variant_depends_only_on_the_seed_and_the_id(tmp_path, specs) -> None:
    """A student's questions are the same alone or in a class, and adding students changes no one's."""
    sheet = sheet_of(tmp_path, specs)
    small = draw_class(sheet, specs, numbered_students(5))
    larger = draw_class(sheet, specs, [Student("zz-new", "New"), *numbered_students(12)])
    by_id = {s.student.id: s.exercises for s in larger}
    for student_sheet in small:
        assert by_id[student_sheet.student.id] == student_sheet.exercises
        assert draw_student(sheet, specs, student_sheet.student).exercises == student_sheet.exercises
    other_seed = dataclasses.replace(sheet, seed=sheet.seed + 1)
    assert draw_student(other_seed, specs, Student("001", "")).answers != small[0].answers


def test_variants_keep_the_rules_for_a_class(tmp_path, specs) -> None:
    """For a class of forty: given numbers of one or two decimals, no ReLU unit near its kink, no
    answer equal in print to a given number, no zero answer, and no two students with one set of answers."""
    sheet = sheet_of(tmp_path, specs)
    drawn = draw_class(sheet, specs, numbered_students(40))
    assert len({s.answers for s in drawn}) == 40
    for student_sheet in drawn:
        for question, exercise in zip(sheet.questions, student_sheet.exercises, strict=True):
            if exercise.kind != "compute":
                continue
            spec = specs[question.chapter]
            variant, floats, unfit = _cached_variant(spec, exercise.seed)
            assert unfit is None
            given = [
                q for call, layer in exercise.given for q in _entries(variant, _kind_of(call), layer, exercise.network)
            ]
            for q in given:
                value = Decimal(str(floats.value(q)))
                assert -value.as_tuple().exponent <= 2, (q, value)
            for (n, _, k), z in Floats(variant).z.items():
                if variant.layers[n - 1].activation in KINKED:
                    assert abs(z) >= KINK_MARGIN, (variant.name, n, k, z)
            answer = Decimal(answer_text(spec, exercise))
            assert answer != 0
            places = -answer.as_tuple().exponent
            assert all(round(Decimal(str(floats.value(q))), places) != answer for q in given)


def test_too_few_variants_for_the_class_is_refused(tmp_path, specs) -> None:
    """A sheet whose questions allow fewer sets of answers than students is refused, saying so."""
    text = SHEET.split("[[questions]]")[0] + '[[questions]]\nchapter = "three-layer"\nkind = "shapes"\npoints = 2\n'
    sheet = sheet_of(tmp_path, specs, text)
    space = variant_space(sheet, specs)
    assert 1 < space < 100
    with pytest.raises(SheetInputError, match=rf"at most {space:.0f} different sets of answers"):
        draw_class(sheet, specs, numbered_students(int(space) + 1))


def test_two_students_with_one_set_of_answers_are_refused(tmp_path, specs, monkeypatch) -> None:
    """When two students would get the same answers, the sheet is refused naming both (not repeated)."""
    sheet = sheet_of(tmp_path, specs)
    monkeypatch.setattr(draw_module, "question_seed", lambda seed, student, question: 1000 * question)
    with pytest.raises(SheetInputError, match="students 001 and 002 would get the same set of answers"):
        draw_class(sheet, specs, numbered_students(3))


# ----------------------------------------------------------------------------- checks


def render_class(project, specs, sheet, count: int, core_module=core):
    drawn = draw_class(sheet, specs, numbered_students(count))
    computations = {name: compute(specs[name], core_module) for name in {q.chapter for q in sheet.questions}}
    notation = load_notation(project.notation_file)
    env = make_environment(project.templates)
    parts = render_parts(env, drawn, sheet, specs, computations, notation)
    legend = render_legend(env, parts, specs, computations, notation)
    document = render_document(env, sheet, drawn, parts, legend, notation, with_table=True)
    return parts, legend, document, notation


def test_every_part_of_a_class_passes_the_checks(project, tmp_path, specs) -> None:
    """Every number of every student's question, answer and table cell passes the oracle and the scans."""
    sheet = sheet_of(tmp_path, specs)
    parts, legend, document, notation = render_class(project, specs, sheet, 4)
    verdicts = verify_sheets(parts, legend, [document], notation, None, 1, core)
    assert verdicts.failures == []
    assert verdicts.numbers == sum(len(p.rendered.ledger.entries) for p in parts) > 4 * 40


def test_a_wrong_answer_in_a_key_names_student_and_question(project, tmp_path, specs) -> None:
    """A key whose printed answer disagrees with the oracle fails, naming the student and the question."""
    sheet = sheet_of(tmp_path, specs)
    parts, legend, document, notation = render_class(project, specs, sheet, 2)
    part = parts[5]  # student 002, question 2
    entries = list(part.rendered.ledger.entries)
    index = next(i for i, e in enumerate(entries) if e.quantity == part.exercise.asks)
    old = entries[index].text
    wrong = f"{Decimal(old) + Decimal('0.5'):.{entries[index].decimals}f}"
    entries[index] = dataclasses.replace(entries[index], text=wrong)
    marked = part.rendered.marked.replace(rf"\num{{{old}}}", rf"\num{{{wrong}}}")
    rendered = dataclasses.replace(
        part.rendered, marked=marked, ledger=dataclasses.replace(part.rendered.ledger, entries=entries)
    )
    part = dataclasses.replace(part, rendered=rendered)
    failures = verify_sheets([part], [], [], notation, None, 1, core).failures
    assert any("student 002, question 2 (compute, linear-layer)" in str(f) and wrong in str(f) for f in failures)


# ----------------------------------------------------------------------------- published files


def pdf_text(path: Path) -> str:
    """The text of a PDF as a reader types it: straight quotes and hyphen-minus."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.replace("\u2019", "'").replace("\u2212", "-")


@needs_tex
def test_sheets_are_published_checked_and_reproducible(tmp_path, project) -> None:
    """A class's sheets, keys, table and CSV are written, split per student, and byte-identical when made again."""
    copy = copy_sources(tmp_path / "p")
    shutil.copytree(project.cache, copy.cache)
    roster = tmp_path / "roster.csv"
    roster.write_text('id,name\nb7,"O\'Brien & {Co} 100% #1"\na2,Zo\u00eb\n', encoding="utf-8")
    write_sheet(copy.root, SHEET, "quiz")
    made = make_sheets(Project(copy.root, jobs=2), "quiz", read_roster(roster), QUIET)
    first = tree_digest(made.folder)
    assert sorted(first) == [
        "answers.csv",
        "instructor-key.pdf",
        "keys",
        "keys/a2.pdf",
        "keys/b7.pdf",
        "students",
        "students/a2.pdf",
        "students/b7.pdf",
    ]
    sheet_text = pdf_text(made.folder / "students/b7.pdf")
    pages = sheet_text.count("\f")
    assert f"Page {pages} of {pages}" in sheet_text and "Page 1 of" in sheet_text
    assert "O'Brien & {Co} 100% #1" in sheet_text and "Student id: b7" in sheet_text
    assert "Question 4" in sheet_text and "(4 points)" in sheet_text and "Answer." not in sheet_text
    key_text = pdf_text(made.folder / "keys/b7.pdf")
    for name, wide in (("students/b7.pdf", False), ("keys/b7.pdf", False), ("instructor-key.pdf", True)):
        for page in PdfReader(made.folder / name).pages:  # the table's pages turned, footer and all
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            assert (width > height) == wide and page.rotation == 0, (name, width, height, page.rotation)
    table_text = pdf_text(made.folder / "instructor-key.pdf")
    table_pages = table_text.count("\f")
    assert f"Page {table_pages} of {table_pages}" in table_text  # the footer reads along the page
    rows = list(csv.DictReader((made.folder / "answers.csv").read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 2 * 4 and {r["student_id"] for r in rows} == {"b7", "a2"}
    for row in rows:
        if row["student_id"] == "b7" and row["kind"] == "compute":
            assert row["answer"] in key_text
    shutil.rmtree(made.folder)
    again = make_sheets(Project(copy.root, jobs=1), "quiz", read_roster(roster), QUIET)
    assert tree_digest(again.folder) == first


@needs_tex
def test_a_failed_check_writes_nothing(tmp_path, project, monkeypatch) -> None:
    """When a check fails, no sheet is written and the last good ones stay."""
    copy = copy_sources(tmp_path / "p")
    write_sheet(copy.root, SHEET, "quiz")
    from generator.sheets import pipeline

    def failing(*args, **kwargs):
        verdicts = verify_sheets(*args, **kwargs)
        verdicts.failures.append(pipeline.Failure("student 001, question 1", "made to fail"))
        return verdicts

    monkeypatch.setattr(pipeline, "verify_sheets", failing)
    with pytest.raises(CheckFailed, match="made to fail"):
        make_sheets(Project(copy.root), "quiz", numbered_students(2), QUIET)
    assert not (copy.build / "sheets").exists()
