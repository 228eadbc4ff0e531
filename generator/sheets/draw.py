"""Each student's variant of a sheet: a pure function of the sheet's seed, the student's id and the
question, so that adding a student to the roster changes no one else's sheet.

A question's exercise comes from ``generator.exercises.next_exercise`` with a seed hashed from
(sheet seed, student id, question number); the exercise generator enforces the rules of a variant
(numbers of one or two decimals, no unit at a kink, no vanishing gradient, no answer equal to a
number the question gives, answers that differ within the sheet). Two students with the same set of
answers would be a repeated variant: the sheet is refused (``SheetInputError``) rather than
written, as it is when its questions cannot give every student a sheet of their own.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from generator.exercises import Exercise, ExerciseError, next_exercise
from generator.exercises.generate import (
    answer_text,
    derive_candidates,
    mistake_candidates,
    shape_options,
)
from generator.sheets.spec import SheetInputError, SheetSpec, Student
from generator.spec import ChapterSpec

SEED_BITS = 48  # a student's seeds: far more than any class, small enough to print in a network's name


@dataclass(frozen=True)
class StudentSheet:
    """One student's questions, in the sheet's order."""

    student: Student
    exercises: tuple[Exercise, ...]
    answers: tuple[tuple, ...]  # what identifies each answer (``answer_identity``)


def question_seed(sheet_seed: int, student_id: str, question: int) -> int:
    """The seed of one question of one student's sheet: from the sheet's seed, the id and the question alone."""
    digest = hashlib.sha256(f"{sheet_seed}\x00{student_id}\x00{question}".encode()).digest()
    return int.from_bytes(digest[: SEED_BITS // 8], "big")


def answer_identity(spec: ChapterSpec, exercise: Exercise) -> tuple:
    """What a student would copy: the quantity asked and its printed value (compute), the formula
    (derive), the shape asked (shapes), the wrong formula and where it is shown wrong (mistake)."""
    if exercise.kind == "compute":
        assert exercise.asks is not None
        asks = exercise.asks
        return ("compute", asks.kind, asks.layer, asks.index, answer_text(spec, exercise))
    if exercise.kind == "shapes":
        return ("shapes", exercise.form, exercise.layer, exercise.below)
    return (exercise.kind, exercise.formula, exercise.layer, exercise.index)


def draw_student(sheet: SheetSpec, specs: dict[str, ChapterSpec], student: Student) -> StudentSheet:
    """The student's exercises; ``SheetInputError`` names the student and question no variant fits."""
    made: dict[str, list[Exercise]] = {}
    exercises, answers = [], []
    for question in sheet.questions:
        spec = specs[question.chapter]
        earlier = made.setdefault(question.chapter, [])
        seed = question_seed(sheet.seed, student.id, question.number)
        try:
            exercise = next_exercise(spec, question.kind, seed, earlier)
        except ExerciseError as error:
            raise SheetInputError(
                f"{sheet.path}: question {question.number} ({question.kind}, {question.chapter}) for student "
                f"{student.id}: {error}"
            ) from None
        exercise = replace(exercise, number=question.number)
        earlier.append(exercise)
        exercises.append(exercise)
        answers.append(answer_identity(spec, exercise))
    return StudentSheet(student, tuple(exercises), tuple(answers))


def variant_space(sheet: SheetSpec, specs: dict[str, ChapterSpec]) -> float:
    """How many different sets of answers the sheet's questions can give at most (infinite with a
    compute question: its variants are drawn from more networks than any class has students)."""
    total = 1.0
    used: dict[tuple[str, str], int] = {}
    for question in sheet.questions:
        if question.kind == "compute":
            return math.inf
        spec = specs[question.chapter]
        if question.kind == "derive":
            options = len(derive_candidates(spec))
        elif question.kind == "shapes":
            options = len(shape_options(spec))
        else:
            options = len(mistake_candidates(spec))
        key = (question.chapter, "formula" if question.kind != "shapes" else "shapes")
        taken = used.get(key, 0)
        used[key] = taken + 1
        total *= max(options - taken, 0)
    return total


def draw_class(sheet: SheetSpec, specs: dict[str, ChapterSpec], students: Sequence[Student]) -> list[StudentSheet]:
    """Every student's variant; refused when two students would get the same set of answers."""
    space = variant_space(sheet, specs)
    if space < len(students):
        raise SheetInputError(
            f"{sheet.path}: its questions give at most {space:.0f} different sets of answers, fewer than the "
            f"{len(students)} students: add a question (a compute question has a variant for everyone), "
            "or make the sheet for fewer students"
        )
    drawn = [draw_student(sheet, specs, student) for student in students]
    first: dict[tuple, Student] = {}
    for sheet_of in drawn:
        other = first.setdefault(sheet_of.answers, sheet_of.student)
        if other is not sheet_of.student:
            raise SheetInputError(
                f"{sheet.path}: students {other.id} and {sheet_of.student.id} would get the same set of answers "
                f"(the questions allow about {space:g} different sets): choose another sheet.seed, or add a "
                "compute question"
            )
    return drawn
