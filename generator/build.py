"""The pipeline, end to end: spec -> compute -> render -> verify -> write -> typeset.

Nothing is written unless every chapter asked for passes every check, and every file is written
to a temporary name and renamed; the ledgers and the PDF are published only after the book
typeset, so a failed or interrupted build leaves the previous outputs, the last good PDF among
them, as they were. Work is skipped where nothing it depends on changed (``incremental``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from generator import core as default_core
from generator import incremental, provenance
from generator.compute import compute
from generator.notation import DEFAULT as DEFAULT_NOTATION
from generator.notation import Notation, load_notation, profile_names
from generator.formula_check import verify_formula
from generator.formulas import get_formula
from generator.formula_check import RELATIVE as FORMULA_TOLERANCE
from generator.incremental import CheckedChapter
from generator.oracle import DIGITS as ORACLE_DIGITS
from generator.parallel import map_in_processes
from generator.render import (
    Formulas, RenderedChapter, Verification, VerificationRow, make_environment, render_book, render_chapter,
)
from generator.scan import scan
from generator.spec import ChapterSpec, SpecError, load_spec
from generator.typeset import tex_version, typeset
from generator.verify import Failure, verify_chapter

Progress = Callable[[str], None]


class CheckFailed(Exception):
    """At least one printed number or the numeral scan failed; nothing was written."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__("\n".join(str(f) for f in failures))
        self.failures = failures


class UnknownChapter(LookupError):
    """A chapter name that has no spec under chapters/."""


@dataclass(frozen=True)
class Project:
    """Where a handbook's sources and outputs live, and the notation profile to print it in."""

    root: Path
    notation: str = DEFAULT_NOTATION
    jobs: int = 1  # processes that verify chapters side by side

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def notation_folder(self) -> Path:
        return self.root / "notation"

    @property
    def notation_file(self) -> Path:
        return self.notation_folder / f"{self.notation}.toml"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def cache(self) -> Path:
        """Stamps of passing verdicts: cache/formulas/ and cache/ledgers/."""
        return self.build / "cache"

    @property
    def formula_cache(self) -> Path:
        return self.cache / "formulas"

    @property
    def suffix(self) -> str:
        """Outputs of another profile than the default carry its name: handbook-note002.pdf."""
        return "" if self.notation == DEFAULT_NOTATION else f"-{self.notation}"

    @property
    def pdf(self) -> Path:
        return self.build / f"handbook{self.suffix}.pdf"

    @property
    def tex(self) -> Path:
        """TeX's working folder: the generated .tex files, the log."""
        return self.build / f"tex{self.suffix}"


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_chapters(project: Project) -> list[ChapterSpec]:
    """Every chapter spec, in book order (``chapter.order``, then name)."""
    specs = [load_spec(path) for path in sorted(project.chapters.glob("*.toml"))]
    for spec in specs:
        if not (project.templates / spec.template).is_file():
            raise SpecError(spec.path, "chapter.template", f"no template {spec.template!r} under {project.templates}")
    return sorted(specs, key=lambda s: (s.order, s.name))


def select(specs: list[ChapterSpec], name: str) -> ChapterSpec:
    for spec in specs:
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in specs) or "none"
    raise UnknownChapter(f"no chapter called {name!r} (chapters: {known})")


@dataclass(frozen=True)
class Checked:
    """Chapters that passed every check, ready to be written and typeset."""

    chapters: list[CheckedChapter]  # every chapter asked for, in book order
    rendered: list[RenderedChapter]  # those rendered and verified in this run (the others were unchanged)
    notation: Notation
    book: str  # the book shell (marked), inputting every chapter, with the verification appendix


def chapter_keys(project: Project, specs: list[ChapterSpec], env) -> dict[str, str]:
    """Each chapter's key: a hash of everything its text and verdict depend on."""
    code = incremental.code_digest()
    return {s.name: incremental.chapter_key(s, env, project.templates, project.notation_file, code) for s in specs}


def _verification(chapters: list[CheckedChapter]) -> Verification:
    rows = tuple(VerificationRow(c.spec.title, c.exact_numbers, c.high_precision_numbers, c.formulas)
                 for c in chapters)
    software = (*incremental.versions().items(), ("TeX", tex_version()))
    return Verification(rows, tuple(software), ORACLE_DIGITS, FORMULA_TOLERANCE)


def check(project: Project, specs: list[ChapterSpec], progress: Progress, core: ModuleType = default_core,
          reuse: bool = False) -> Checked:
    """Compute, render and verify ``specs``; raise ``CheckFailed`` listing every failure.

    With ``reuse``, a chapter whose key has a stored entry (it passed before, and nothing it
    depends on changed) is taken from the store without rendering or verifying it.
    """
    notation = load_notation(project.notation_file)
    env = make_environment(project.templates)
    names = ", ".join(s.name for s in specs)
    progress(f"spec     {len(specs)} chapter(s): {names}")
    keys = chapter_keys(project, specs, env)
    store = incremental.ChapterStore(project.cache / "chapters")
    stored = {s.name: store.load(s, keys[s.name]) for s in specs} if reuse else {}
    fresh = [s for s in specs if stored.get(s.name) is None]
    unchanged = f"; {len(specs) - len(fresh)} unchanged chapter(s) taken from build/cache" if reuse else ""
    computations = [compute(spec, core) for spec in fresh]
    progress(f"compute  forward, backward and SGD step with the NumPy core ({core.__name__}){unchanged}")
    rendered = [render_chapter(env, spec, c, notation) for spec, c in zip(fresh, computations)]
    numbers = sum(len(r.ledger.entries) for r in rendered)
    progress(f"render   {numbers} numbers through the ledger")
    structural = notation.structural_arguments()
    verdicts = map_in_processes(lambda r: verify_chapter(r, structural, project.cache), rendered, project.jobs)
    failures = [f for chapter_failures in verdicts for f in chapter_failures]
    by_name = {r.spec.name: incremental.CheckedChapter.of(r) for r in rendered}
    chapters = [stored.get(s.name) or by_name[s.name] for s in specs]
    shell_formulas = Formulas(notation)
    profiles = tuple(load_notation(project.notation_folder / f"{name}.toml")
                     for name in profile_names(project.notation_folder))
    book = render_book(env, [f"chapters/{s.name}" for s in specs], notation, shell_formulas, _verification(chapters),
                       profiles)
    failures += [Failure("(book)", str(v)) for v in scan(book, structural)]
    for name in shell_formulas.shown:
        failures += [Failure("(book)", p) for p in verify_formula(get_formula(name), project.formula_cache)]
    if failures:
        progress(f"verify   FAILED: {len(failures)} check(s)")
        raise CheckFailed(failures)
    for chapter in (by_name[s.name] for s in fresh):
        store.save(chapter, keys[chapter.spec.name], write_atomic)
    shown = len({name for r in rendered for name in r.formulas} | set(shell_formulas.shown))
    progress(f"verify   {numbers} numbers match the SymPy oracle; {shown} formulas checked; no numeral typed by hand")
    return Checked(chapters, rendered, notation, book)


def write_chapter(folder: Path, chapter: CheckedChapter) -> Path:
    """Write one checked chapter's .tex under ``folder``/chapters."""
    tex = folder / "chapters" / f"{chapter.spec.name}.tex"
    write_atomic(tex, chapter.tex)
    return tex


def write_ledgers(project: Project, checked: Checked) -> None:
    for chapter in checked.chapters:
        write_atomic(project.build / "ledger" / f"{chapter.spec.name}.json", chapter.ledger_json)


def write_sources(checked: Checked, folder: Path) -> Path:
    """Write the checked chapters and the book shell under ``folder``; return the book's .tex."""
    for chapter in checked.chapters:
        write_chapter(folder, chapter)
    book = folder / "handbook.tex"
    write_atomic(book, provenance.strip(checked.book))
    return book


def publish_pdf(built: Path, target: Path, progress: Progress) -> None:
    """Copy a freshly typeset PDF over ``target`` atomically."""
    write_atomic(target, built.read_bytes())
    progress(f"typeset  {target}")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def book_key(project: Project, specs: list[ChapterSpec]) -> str:
    """A hash of everything the PDF depends on: every chapter's key, the shell's templates, TeX."""
    env = make_environment(project.templates)
    digest = hashlib.sha256(json.dumps(chapter_keys(project, specs, env), sort_keys=True).encode())
    shell = incremental.template_closure(env, "book.tex.j2")
    digest.update(incremental.files_digest([project.templates / name for name in shell]).encode())
    digest.update(tex_version().encode())
    return digest.hexdigest()


def build_book(project: Project, progress: Progress, core: ModuleType = default_core) -> Path:
    """``handbook build``: every chapter, checked, written and typeset into build/handbook.pdf.

    Nothing is done when the PDF was built from exactly these sources; otherwise only the
    chapters that changed are rendered and verified. The ledgers and then the PDF are published
    only after the whole book passed and typeset, so an interrupted build changes neither.
    """
    load_notation(project.notation_file)  # an unknown profile is bad input, named before anything else
    specs = load_chapters(project)
    key = book_key(project, specs)
    stamp = project.cache / f"book{project.suffix}.json"
    if _up_to_date(stamp, key, project.pdf):
        progress(f"spec     {len(specs)} chapter(s), unchanged since {project.pdf} was built")
        progress("up to date: nothing rendered, verified or typeset")
        return project.pdf
    checked = check(project, specs, progress, core, reuse=True)
    book = write_sources(checked, project.tex)
    built = typeset(book)
    write_ledgers(project, checked)
    publish_pdf(built, project.pdf, progress)
    write_atomic(stamp, json.dumps({"key": key, "pdf": _digest(project.pdf.read_bytes())}) + "\n")
    return project.pdf


def _up_to_date(stamp: Path, key: str, pdf: Path) -> bool:
    try:
        recorded = json.loads(stamp.read_text())
        return recorded["key"] == key and recorded["pdf"] == _digest(pdf.read_bytes())
    except (OSError, ValueError, KeyError):
        return False


def build_chapter(project: Project, name: str, pdf: bool, progress: Progress,
                  core: ModuleType = default_core) -> Path:
    """``handbook chapter NAME``: one chapter checked and written; with ``pdf``, typeset alone."""
    spec = select(load_chapters(project), name)
    checked = check(project, [spec], progress, core, reuse=True)
    if not pdf:
        tex = write_chapter(project.tex, checked.chapters[0])
        write_ledgers(project, checked)
        progress(f"write    {tex}")
        return tex
    folder = project.build / f"chapter-{name}{project.suffix}"
    shutil.rmtree(folder / "chapters", ignore_errors=True)
    built = typeset(write_sources(checked, folder))
    write_ledgers(project, checked)
    target = project.build / f"{name}{project.suffix}.pdf"
    publish_pdf(built, target, progress)
    return target
