"""Problem sheets for a class, end to end: sheet spec and students -> variants -> render -> verify
-> typeset once -> split -> publish ``build/sheets/NAME/`` atomically.

Nothing is written unless every check passed and TeX succeeded: the outputs are made in a fresh
folder and replace the last good ones in one rename, under the build folder's lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from generator import core as default_core
from generator import provenance, workspace
from generator.build import LAYOUT, CheckFailed, Project, edition, load_chapters
from generator.cache import Store
from generator.compute import CoreFailure, compute
from generator.layout import overfull_boxes, undefined_references
from generator.notation import Notation, load_notation
from generator.notation_tex import macro_error
from generator.render import make_environment
from generator.sheets.check import store_verdicts, verify_sheets
from generator.sheets.draw import StudentSheet, draw_class
from generator.sheets.publish import split_pdf, write_csv
from generator.sheets.render import Part, render_document, render_legend, render_parts
from generator.sheets.spec import SHEET_NAME, SheetInputError, SheetSpec, Student, load_sheet
from generator.typeset import TypesetError, pdf_text, typeset
from generator.verify import Failure, missing_from_pdf

Progress = Callable[[str], None]
CSV_HEADER = ("student_id", "name", "question", "chapter", "kind", "points", "asks", "answer")


@dataclass(frozen=True)
class SheetsMade:
    """Where the outputs went, and how long each stage took (seconds), for ``make bench``."""

    folder: Path
    students: int
    timings: dict[str, float]


def sheet_path(project: Project, name: str) -> Path:
    return project.root / "sheets" / f"{name}.toml"


def output_folder(project: Project, name: str) -> Path:
    """``build/sheets/NAME`` (``NAME-PROFILE`` in another notation profile than the default)."""
    return project.build / "sheets" / f"{name}{project.suffix}"


def _answer_row(part: Part) -> tuple[str, str]:
    """What the CSV says the question asks and its answer, as the key prints it (ledger texts)."""
    exercise = part.exercise
    if exercise.kind in ("compute", "mistake"):
        assert exercise.asks is not None
        entry = next(e for e in part.rendered.ledger.entries if e.quantity == exercise.asks)
        return str(exercise.asks).split(" of the network of ")[0], entry.text
    if exercise.kind == "shapes":
        counts = [e.text for e in part.rendered.ledger.entries if e.quantity.kind == "count"][-2:]
        return f"shape of {exercise.form} of layer {exercise.layer}", " x ".join(counts)
    return "derivation", f"formula {exercise.formula}"


def make_sheets(
    project: Project,
    name: str,
    students: Sequence[Student],
    progress: Progress,
    core: ModuleType = default_core,
    wait: bool = True,
) -> SheetsMade:
    """Make, check and publish the sheets ``sheets/NAME.toml`` for ``students``."""
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = timings.get(stage, 0.0) + now - clock
        clock = now

    project.validate()
    if not SHEET_NAME.match(name):
        raise SheetInputError(f"{name!r} is not a sheet's name (sheets/NAME.toml: letters, digits, '_' and '-')")
    specs = {spec.name: spec for spec in load_chapters(project)}
    sheet = load_sheet(sheet_path(project, name), tuple(specs))
    notation = load_notation(project.notation_file)
    drawn = draw_class(sheet, specs, students)
    lap("draw")
    progress(f"draw     {len(drawn)} students x {len(sheet.questions)} questions, every set of answers distinct")
    used = sorted({q.chapter for q in sheet.questions})
    try:
        computations = {chapter: compute(specs[chapter], core) for chapter in used}
    except CoreFailure as failure:
        raise CheckFailed([Failure(failure.chapter, failure.message)]) from None
    env = make_environment(project.templates)
    parts = render_parts(env, drawn, sheet, specs, computations, notation)
    legend = render_legend(env, parts, specs, computations, notation)
    chunks = _chunks(drawn)
    documents = [
        render_document(env, sheet, chunk, parts, legend, notation, with_table=i == len(chunks) - 1)
        for i, chunk in enumerate(chunks)
    ]
    lap("render")
    progress(f"render   {sum(len(p.rendered.ledger.entries) for p in parts)} numbers through the ledger")
    store = Store(project.cache, progress)
    verdicts = verify_sheets(parts, legend, documents, notation, store, project.jobs, core, progress)
    lap("verify")
    if verdicts.failures:
        progress(f"verify   FAILED: {len(verdicts.failures)} check(s); no sheet was written")
        raise CheckFailed(verdicts.failures)
    stored = f" ({verdicts.numbers_stored} by verdicts stored when they last passed)" if verdicts.numbers_stored else ""
    progress(
        f"verify   {verdicts.numbers} numbers match the SymPy oracle{stored}; {verdicts.formulas} formulas "
        f"checked; {verdicts.steps} steps reproduce from their printed operands; nothing typed by hand"
    )
    folder = output_folder(project, name)
    with workspace.locked(project.build, wait, progress):
        with workspace.fresh_folder(project.build, f"sheets-{name}") as out:
            _publish(project, sheet, notation, drawn, parts, documents, out, progress, lap)
            workspace.checkpoint("publish")
            workspace.replace_folder(out, folder)
        store_verdicts(store, verdicts, workspace.write_atomic)
    lap("publish")
    progress(f"sheets   {folder}: {len(drawn)} sheets, {len(drawn)} keys, the instructor's table and answers.csv")
    return SheetsMade(folder, len(drawn), timings)


def tex_folder(project: Project, name: str) -> Path:
    """Where the sheets' LaTeX and TeX's log stay after a run, for the reader of an error."""
    return project.build / "tex" / f"sheets-{name}{project.suffix}"


STUDENTS_PER_DOCUMENT = 30  # a class is typeset as documents of this many students, --jobs of them at a time


def _chunks(drawn: list[StudentSheet]) -> list[list[StudentSheet]]:
    """The class in runs of students in roster order, one document each. The runs do not depend on
    the number of CPUs, so that the files are the same however many typeset them."""
    return [drawn[i : i + STUDENTS_PER_DOCUMENT] for i in range(0, len(drawn), STUDENTS_PER_DOCUMENT)]


def _publish(
    project: Project,
    sheet: SheetSpec,
    notation: Notation,
    drawn: list[StudentSheet],
    parts: list[Part],
    documents: list[str],
    out: Path,
    progress: Progress,
    lap: Callable[[str], None],
) -> None:
    """Typeset the documents side by side (TeX once per document, not per student), check that the
    PDFs show every number and are laid out cleanly, split them into the students' and the
    instructor's PDFs under ``out``, and write the CSV."""
    keep = tex_folder(project, sheet.name)
    epoch = edition(project).epoch
    with workspace.fresh_folder(project.build, f"tex-{sheet.name}") as folder:
        sources = []
        for i, document in enumerate(documents, start=1):
            tex = folder / f"sheets-{i}.tex"
            workspace.write_atomic(tex, provenance.strip(document))
            sources.append(tex)
        workspace.checkpoint("typeset")
        try:
            with ThreadPoolExecutor(max(1, project.jobs)) as pool:  # TeX runs in its own processes
                try:
                    pdfs = list(pool.map(lambda tex: typeset(tex, shown_as=keep, epoch=epoch), sources))
                except TypesetError as error:  # the documents share one preamble: the first one's will do
                    raise macro_error(project.notation_file, notation, sources[0], error) or error from None
            lap("typeset")
            progress(f"typeset  {len(sources)} document(s), side by side: every sheet, key and the instructor's table")
            printed = [(p.where, str(e.quantity), e.shown) for p in parts for e in p.rendered.ledger.entries]
            failures = missing_from_pdf(printed, "\n".join(pdf_text(pdf) for pdf in pdfs))
            for tex in sources:
                log = tex.with_suffix(".log").read_text(errors="replace")
                layout = overfull_boxes(log, folder) + undefined_references(log, folder, frozenset())
                failures += [Failure(LAYOUT, str(problem).replace(str(folder), str(keep))) for problem in layout]
            if failures:
                raise CheckFailed(failures)
            for pdf, chunk in zip(pdfs, _chunks(drawn), strict=True):
                wanted = [(f"sheet-{s.student.id}", out / "students" / f"{s.student.id}.pdf") for s in chunk]
                wanted += [(f"key-{s.student.id}", out / "keys" / f"{s.student.id}.pdf") for s in chunk]
                if pdf == pdfs[-1]:
                    wanted.append(("instructor", out / "instructor-key.pdf"))
                split_pdf(pdf, wanted)
        finally:
            workspace.replace_folder(folder, keep)  # the sources and TeX's logs stay for the reader
    rows = []
    for part in parts:
        asks, answer = _answer_row(part)
        q = part.question
        rows.append((part.student.id, part.student.name, str(q.number), q.chapter, q.kind, str(q.points), asks, answer))
    write_csv(out / "answers.csv", CSV_HEADER, rows)


__all__ = ["SheetInputError", "SheetsMade", "make_sheets"]
