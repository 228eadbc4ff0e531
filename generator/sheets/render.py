"""Render a class's sheets: each question in its chapter's context (its ledger, formulas and
notation, as a chapter's exercises are), then one document holding every student's sheet, every
student's key and the instructor's table, in that order.

A question's part (``templates/sheets/part.tex.j2``) prints four pieces after marker lines: the
question, the drawing of its network, the answer, and the cell of the instructor's table. Each
part is a ``RenderedChapter`` of its own, verified like a chapter (``generator.sheets.check``);
the document around the parts prints only the sheet's own words (course, title, date, names,
ids, points), escaped, and no computed number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jinja2

from generator import provenance
from generator.compute import Computation
from generator.exercises import Exercise
from generator.notation import Notation
from generator.render import RenderedChapter, render_in_chapter
from generator.sheets.draw import StudentSheet
from generator.sheets.spec import Question, SheetSpec, Student
from generator.spec import ChapterSpec
from generator.tex import Tex, escape_tex

PART_TEMPLATE = "sheets/part.tex.j2"
LEGEND_TEMPLATE = "sheets/legend.tex.j2"
DOCUMENT_TEMPLATE = "sheets/document.tex.j2"
PIECES = ("question", "drawing", "answer", "cell")
_MARKER = re.compile(r"^%% sheet part: (question|drawing|answer|cell)\n", re.MULTILINE)
TABLE_QUESTIONS = 6  # questions per instructor's table: more are split over further tables


@dataclass(frozen=True)
class Part:
    """One question of one student's sheet, rendered: its three pieces of final LaTeX."""

    student: Student
    question: Question
    exercise: Exercise
    rendered: RenderedChapter
    pieces: dict[str, str]

    @property
    def where(self) -> str:
        q = self.question
        return f"student {self.student.id}, question {q.number} ({q.kind}, {q.chapter})"


def formula_label(name: str) -> Tex:
    """The label of a formula in the instructor's list of derived formulas."""
    return Tex(f"formula:{name}")


def _split(tex: str) -> dict[str, str]:
    pieces = _MARKER.split(tex)
    found = dict(zip(pieces[1::2], (piece.strip("\n") for piece in pieces[2::2]), strict=True))
    if tuple(found) != PIECES:
        raise ValueError(f"{PART_TEMPLATE} must print the pieces {', '.join(PIECES)} after their markers, in order")
    return found


def render_parts(
    env: jinja2.Environment,
    drawn: list[StudentSheet],
    sheet: SheetSpec,
    specs: dict[str, ChapterSpec],
    computations: dict[str, Computation],
    notation: Notation,
) -> list[Part]:
    """Every question of every student's sheet, in the chapter of its question."""
    parts = []
    for student_sheet in drawn:
        for question, exercise in zip(sheet.questions, student_sheet.exercises, strict=True):
            spec = specs[question.chapter]
            rendered = render_in_chapter(
                env,
                spec,
                computations[question.chapter],
                notation,
                PART_TEMPLATE,
                {"e": exercise, "formula_label": formula_label},
            )
            parts.append(Part(student_sheet.student, question, exercise, rendered, _split(rendered.tex)))
    return parts


def render_legend(
    env: jinja2.Environment,
    parts: list[Part],
    specs: dict[str, ChapterSpec],
    computations: dict[str, Computation],
    notation: Notation,
) -> list[RenderedChapter]:
    """The formulas the derive questions ask for, each once, numbered for the instructor's table."""
    named: dict[str, str] = {}
    for part in parts:
        exercise = part.exercise
        if exercise.kind == "derive" and exercise.formula is not None:
            named.setdefault(exercise.formula, part.question.chapter)
    return [
        render_in_chapter(
            env,
            specs[chapter],
            computations[chapter],
            notation,
            LEGEND_TEMPLATE,
            {"name": name, "formula_label": formula_label},
        )
        for name, chapter in named.items()
    ]


def _text(value: str) -> Tex:
    return Tex(escape_tex(value))


def _points(n: int) -> Tex:
    return Tex(rf"\st{{{n}}}~point{'s' if n != 1 else ''}")


def _table(numbers: list[int]) -> dict[str, object]:
    """One instructor's table: its columns (id, name, then a column per question sharing the rest of
    the line) and the questions it shows."""
    width = rf"\dimexpr(\linewidth-5.6cm-{2 * len(numbers)}\tabcolsep)/{len(numbers)}\relax"
    spec = r"@{}>{\raggedright}p{1.4cm}>{\raggedright}p{3.2cm}" + len(numbers) * (
        rf">{{\raggedright\arraybackslash}}p{{{width}}}"
    )
    return {
        "spec": Tex(spec + "@{}"),
        "columns": [{"number": Tex(rf"\st{{{n}}}"), "index": n - 1} for n in numbers],
    }


def _student(student: Student, parts: list[Part]) -> dict[str, object]:
    return {
        "id": _text(student.id),
        "label": Tex(student.id),
        "name": _text(student.name) if student.name else None,
        "questions": [
            {
                "number": Tex(rf"\st{{{part.question.number}}}"),
                "points": _points(part.question.points),
                "space": Tex(rf"\answerspace{{{part.question.space}cm}}"),
                **{piece: Tex(text) for piece, text in part.pieces.items()},
            }
            for part in parts
        ],
    }


def render_document(
    env: jinja2.Environment,
    sheet: SheetSpec,
    drawn: list[StudentSheet],
    parts: list[Part],
    legend: list[RenderedChapter],
    notation: Notation,
    with_table: bool,
) -> str:
    """A document of the sheets and keys of the students ``drawn`` and, ``with_table``, the
    instructor's table of every student in ``parts`` (marked LaTeX). The class is typeset as a few
    such documents side by side, one per CPU."""
    by_student: dict[str, list[Part]] = {}
    for part in parts:
        by_student.setdefault(part.student.id, []).append(part)
    everyone = list(dict.fromkeys(part.student for part in parts))
    columns = [q.number for q in sheet.questions]
    tables = [columns[i : i + TABLE_QUESTIONS] for i in range(0, len(columns), TABLE_QUESTIONS)]
    context = {
        "sheet": {
            "title": _text(sheet.title),
            "course": _text(sheet.course),
            "date": _text(sheet.date),
            "points": _points(sheet.points),
            "questions": Tex(rf"\st{{{len(sheet.questions)}}}"),
        },
        "students": [_student(s.student, by_student[s.student.id]) for s in drawn],
        "table_students": [_student(student, by_student[student.id]) for student in everyone] if with_table else [],
        "tables": [_table(table) for table in tables],
        "legend": [Tex(provenance.strip(rendered.marked)) for rendered in legend],
        "notation_macros": Tex(notation.latex_definitions()),
    }
    return env.get_template(DOCUMENT_TEMPLATE).render(context)
