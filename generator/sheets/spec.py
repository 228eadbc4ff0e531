"""What a problem sheet asks (``sheets/NAME.toml``) and who it is for (a roster CSV, or a count).

A sheet spec::

    [sheet]
    title = "Problem sheet 2: backpropagation by hand"
    course = "Neural networks (autumn term)"
    date = "4 December 2026"          # printed as written
    seed = 2026                       # an integer: the same seed and roster give the same files

    [[questions]]
    chapter = "worked-example"        # a chapter of chapters/
    kind = "compute"                  # compute, derive, shapes or mistake
    points = 6
    count = 1                         # how many questions of this kind (default 1)
    space = 7                         # centimetres left free to write in (default by kind)

Every error names the file, the field (``questions[2].kind``) or the roster's row, and what is
wrong; it is raised before anything is computed or written.
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from generator.spec import EXERCISE_KINDS, unprintable

SHEET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # an id names the student's files
SHEET_KEYS = ("title", "course", "date", "seed")
QUESTION_KEYS = ("chapter", "kind", "points", "count", "space")
DEFAULT_SPACE = {"compute": 7, "derive": 9, "shapes": 3, "mistake": 6}  # centimetres to write in
MAX_QUESTIONS = 30
MAX_SPACE = 20
MAX_STUDENTS = 2000


class SheetInputError(ValueError):
    """Bad input to ``handbook sheets``: names the file, the field or row, and what is wrong."""


@dataclass(frozen=True)
class Question:
    """One question of the sheet (a ``[[questions]]`` entry of count one): from which chapter, of which kind."""

    number: int  # from one, in the order of the sheet
    chapter: str
    kind: str
    points: int
    space: int  # centimetres


@dataclass(frozen=True)
class SheetSpec:
    path: Path
    name: str
    title: str
    course: str
    date: str
    seed: int
    questions: tuple[Question, ...]

    @property
    def points(self) -> int:
        return sum(q.points for q in self.questions)


@dataclass(frozen=True)
class Student:
    """A student: an id (letters, digits, ``.``, ``_``, ``-``; it names the files) and a name, which
    may be empty (a sheet made with ``--count`` leaves a line to write it on)."""

    id: str
    name: str


def _fail(path: Path, field: str, problem: str) -> SheetInputError:
    return SheetInputError(f"{path}: {field}: {problem}")


def _text(path: Path, table: dict[str, Any], key: str, field: str) -> str:
    value = table.get(key)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _fail(path, field, "missing or empty (a text to print)")
    if not isinstance(value, str):
        raise _fail(path, field, f"{value!r} is not a text")
    problem = unprintable(value)  # the sheets' fonts are the book's (Latin Modern, T1)
    if problem is not None:
        raise _fail(path, field, f"{value!r}: {problem}")
    return value.strip()


def _integer(path: Path, value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, field, f"{value!r} is not an integer")
    if not low <= value <= high:
        raise _fail(path, field, f"{value} is out of range ({low} to {high})")
    return value


def _known(path: Path, table: dict[str, Any], allowed: tuple[str, ...], field: str) -> None:
    for key in table:
        if key not in allowed:
            raise _fail(path, f"{field}.{key}", f"unknown key (allowed: {', '.join(allowed)})")


def load_sheet(path: Path, chapters: tuple[str, ...]) -> SheetSpec:
    """Read and check a sheet spec; ``chapters`` are the names a question may take from."""
    if not SHEET_NAME.match(path.stem):
        raise _fail(path, "(file name)", "a sheet's name is letters, digits, '_' and '-'")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SheetInputError(f"{path}: no such sheet (sheets are sheets/NAME.toml)") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SheetInputError(f"{path}: cannot be read ({type(error).__name__}: {error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SheetInputError(f"{path}: not valid TOML: {error}") from None
    _known(path, data, ("sheet", "questions"), "(top level)")
    sheet = data.get("sheet")
    if not isinstance(sheet, dict):
        raise _fail(path, "sheet", "missing: a [sheet] table with title, course, date and seed")
    _known(path, sheet, SHEET_KEYS, "sheet")
    if "seed" not in sheet:
        raise _fail(path, "sheet.seed", "missing (an integer)")
    seed = _integer(path, sheet["seed"], "sheet.seed", 0, 2**63 - 1)
    entries = data.get("questions")
    if not isinstance(entries, list) or not entries:
        raise _fail(path, "questions", "missing: at least one [[questions]] table")
    questions: list[Question] = []
    for i, entry in enumerate(entries, start=1):
        field = f"questions[{i}]"
        if not isinstance(entry, dict):
            raise _fail(path, field, "is not a table")
        _known(path, entry, QUESTION_KEYS, field)
        chapter = entry.get("chapter")
        if chapter not in chapters:
            raise _fail(path, f"{field}.chapter", f"unknown chapter {chapter!r} (chapters: {', '.join(chapters)})")
        kind = entry.get("kind")
        if kind not in EXERCISE_KINDS:
            raise _fail(path, f"{field}.kind", f"unknown exercise kind {kind!r} (kinds: {', '.join(EXERCISE_KINDS)})")
        if "points" not in entry:
            raise _fail(path, f"{field}.points", "missing (a whole number of points)")
        points = _integer(path, entry["points"], f"{field}.points", 1, 100)
        count = _integer(path, entry.get("count", 1), f"{field}.count", 1, MAX_QUESTIONS)
        space = _integer(path, entry.get("space", DEFAULT_SPACE[kind]), f"{field}.space", 0, MAX_SPACE)
        for _ in range(count):
            questions.append(Question(len(questions) + 1, chapter, kind, points, space))
    if len(questions) > MAX_QUESTIONS:
        raise _fail(path, "questions", f"{len(questions)} questions in all; a sheet has at most {MAX_QUESTIONS}")
    return SheetSpec(
        path,
        path.stem,
        _text(path, sheet, "title", "sheet.title"),
        _text(path, sheet, "course", "sheet.course"),
        _text(path, sheet, "date", "sheet.date"),
        seed,
        tuple(questions),
    )


def numbered_students(count: int) -> tuple[Student, ...]:
    """``count`` students without names, their ids 001, 002, ... (as wide as the count needs)."""
    if not 1 <= count <= MAX_STUDENTS:
        raise SheetInputError(f"--count: {count} is out of range (1 to {MAX_STUDENTS})")
    width = max(3, len(str(count)))
    return tuple(Student(f"{n:0{width}d}", "") for n in range(1, count + 1))


def read_roster(path: Path) -> tuple[Student, ...]:
    """The students of a roster CSV with the columns ``id`` and ``name`` (others are ignored), one
    student per row. A row is named by its line in the file (the header is line 1)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SheetInputError(f"{path}: no such roster file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SheetInputError(f"{path}: cannot be read as UTF-8 text ({type(error).__name__}: {error})") from None
    reader = csv.DictReader(text.splitlines())
    try:
        header = [name.strip().lower() for name in reader.fieldnames or ()]
    except csv.Error as error:
        raise SheetInputError(f"{path}: line 1: not CSV ({error})") from None
    missing = [column for column in ("id", "name") if column not in header]
    if missing:
        raise SheetInputError(
            f"{path}: line 1: the header has no column {' and no column '.join(map(repr, missing))} "
            f"(a roster has the columns id and name; found: {', '.join(header) or 'nothing'})"
        )
    reader.fieldnames = header
    students: list[Student] = []
    first_line: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                raise SheetInputError(f"{path}: line {line}: more fields than the header has columns")
            if all(not (value or "").strip() for value in row.values()):
                continue  # a blank line
            student_id, name = (row.get("id") or "").strip(), (row.get("name") or "").strip()
            if not student_id:
                raise SheetInputError(f"{path}: line {line}: the id is empty")
            if not STUDENT_ID.match(student_id):
                raise SheetInputError(
                    f"{path}: line {line}: id {student_id!r}: an id names the student's files: "
                    "letters, digits, '.', '_' and '-' only"
                )
            if student_id.casefold() in first_line:  # ids name files: A1 and a1 would be one file on some disks
                raise SheetInputError(
                    f"{path}: line {line}: duplicate id {student_id!r} "
                    f"(first on line {first_line[student_id.casefold()]})"
                )
            if not name:
                raise SheetInputError(f"{path}: line {line}: the name of {student_id!r} is empty")
            problem = unprintable(name)
            if problem is not None:
                raise SheetInputError(f"{path}: line {line}: the name {name!r}: {problem}")
            first_line[student_id.casefold()] = line
            students.append(Student(student_id, name))
    except csv.Error as error:
        raise SheetInputError(f"{path}: line {reader.line_num}: not CSV ({error})") from None
    if not students:
        raise SheetInputError(f"{path}: the roster has no students")
    if len(students) > MAX_STUDENTS:
        raise SheetInputError(f"{path}: {len(students)} students; a run makes at most {MAX_STUDENTS}")
    return tuple(students)
