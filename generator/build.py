"""The pipeline, end to end: spec -> compute -> render -> verify -> write -> typeset.

Nothing is written unless every chapter asked for passes every check, and every file is written
to a temporary name and renamed, so a failed or interrupted build leaves the previous outputs,
the last good PDF among them, as they were.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from generator import core as default_core
from generator import provenance
from generator.compute import compute
from generator.notation import Notation, load_notation
from generator.formula_check import verify_formula
from generator.formulas import get_formula
from generator.render import Formulas, RenderedChapter, make_environment, render_book, render_chapter
from generator.scan import scan
from generator.spec import ChapterSpec, SpecError, load_spec
from generator.typeset import typeset
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
    """Where a handbook's sources and outputs live."""

    root: Path

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def notation_file(self) -> Path:
        return self.root / "notation" / "default.toml"

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
    def pdf(self) -> Path:
        return self.build / "handbook.pdf"


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

    chapters: list[RenderedChapter]
    notation: Notation


def check(project: Project, specs: list[ChapterSpec], progress: Progress, core: ModuleType = default_core) -> Checked:
    """Compute, render and verify ``specs``; raise ``CheckFailed`` listing every failure."""
    notation = load_notation(project.notation_file)
    env = make_environment(project.templates)
    names = ", ".join(s.name for s in specs)
    progress(f"spec     {len(specs)} chapter(s): {names}")
    computations = [compute(spec, core) for spec in specs]
    progress(f"compute  forward, backward and SGD step with the NumPy core ({core.__name__})")
    rendered = [render_chapter(env, spec, c, notation) for spec, c in zip(specs, computations)]
    numbers = sum(len(r.ledger.entries) for r in rendered)
    progress(f"render   {numbers} numbers through the ledger")
    structural = notation.structural_arguments()
    failures = [f for r in rendered for f in verify_chapter(r, structural, project.cache)]
    shell_formulas = Formulas()
    book = render_book(env, [], notation, shell_formulas)
    failures += [Failure("(book)", str(v)) for v in scan(book, structural)]
    for name in shell_formulas.shown:
        failures += [Failure("(book)", p) for p in verify_formula(get_formula(name), project.formula_cache)]
    if failures:
        progress(f"verify   FAILED: {len(failures)} check(s)")
        raise CheckFailed(failures)
    shown = len({name for r in rendered for name in r.formulas} | set(shell_formulas.shown))
    progress(f"verify   {numbers} numbers match the SymPy oracle; {shown} formulas checked; no numeral typed by hand")
    return Checked(rendered, notation)


def write_chapter(project: Project, chapter: RenderedChapter, folder: Path) -> Path:
    """Write one checked chapter's .tex under ``folder`` and its ledger under build/ledger."""
    tex = folder / "chapters" / f"{chapter.spec.name}.tex"
    write_atomic(tex, chapter.tex)
    write_atomic(project.build / "ledger" / f"{chapter.spec.name}.json", chapter.ledger.to_json())
    return tex


def write_sources(project: Project, checked: Checked, folder: Path) -> Path:
    """Write the checked chapters, their ledgers and the book shell; return the book's .tex."""
    env = make_environment(project.templates)
    for chapter in checked.chapters:
        write_chapter(project, chapter, folder)
    files = [f"chapters/{c.spec.name}" for c in checked.chapters]
    book = folder / "handbook.tex"
    write_atomic(book, provenance.strip(render_book(env, files, checked.notation)))
    return book


def publish_pdf(built: Path, target: Path, progress: Progress) -> None:
    """Copy a freshly typeset PDF over ``target`` atomically."""
    write_atomic(target, built.read_bytes())
    progress(f"typeset  {target}")


def build_book(project: Project, progress: Progress, core: ModuleType = default_core) -> Path:
    """``handbook build``: every chapter, checked, written and typeset into build/handbook.pdf."""
    checked = check(project, load_chapters(project), progress, core)
    book = write_sources(project, checked, project.build / "tex")
    publish_pdf(typeset(book), project.pdf, progress)
    return project.pdf


def build_chapter(project: Project, name: str, pdf: bool, progress: Progress,
                  core: ModuleType = default_core) -> Path:
    """``handbook chapter NAME``: one chapter checked and written; with ``pdf``, typeset alone."""
    spec = select(load_chapters(project), name)
    checked = check(project, [spec], progress, core)
    if not pdf:
        tex = write_chapter(project, checked.chapters[0], project.build / "tex")
        progress(f"write    {tex}")
        return tex
    folder = project.build / f"chapter-{name}"
    shutil.rmtree(folder / "chapters", ignore_errors=True)
    book = write_sources(project, checked, folder)
    target = project.build / f"{name}.pdf"
    publish_pdf(typeset(book), target, progress)
    return target
