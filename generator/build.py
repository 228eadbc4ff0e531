"""The pipeline, end to end: spec -> compute -> render -> verify -> typeset -> publish.

Every chapter asked for is computed and rendered afresh from its sources; only the expensive
verdicts of the oracle and of the formula checks may come from the cache (``generator.verify``).
Nothing is written unless every check passed. A build holds its build folder's lock, typesets in
a fresh folder, and publishes the ledgers and then the PDF atomically, so a failed, killed or
concurrent build leaves the last good outputs as they were. Outputs of each notation profile are
kept apart: ``build/tex/PROFILE``, ``build/ledger/PROFILE``, ``build/handbook-PROFILE.pdf`` (the
default profile's PDF is ``build/handbook.pdf``) and, with ``html``, the web edition
``build/html-PROFILE/`` (``build/html/``), converted from the very .tex TeX typeset and checked
like the PDF (``generator.web``).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from generator import core as default_core
from generator import dependencies, provenance, web, workspace
from generator.cache import Store
from generator.compute import Computation, CoreFailure, compute
from generator.formulas import RELATIVE as FORMULA_TOLERANCE
from generator.formulas import is_formulas_file, load_chapter_formulas
from generator.layout import check_layout, labels_in
from generator.ledger import Ledger
from generator.notation import Notation, load_notation, profile_names
from generator.notation_tex import macro_error
from generator.oracle import DIGITS as ORACLE_DIGITS
from generator.project import (
    BIBLIOGRAPHY,
    BOOK_STAMP,
    Project,
    ProjectError,
    book_key,
    digest_bytes,
    edition,
    site_key,
    stamp_outputs,
    tree_digest,
    up_to_date,
)
from generator.quantities import HIGH_PRECISION
from generator.render import (
    BOOK_LEDGER,
    Formulas,
    RenderedChapter,
    Verification,
    VerificationRow,
    make_environment,
    render_book,
    render_chapter,
)
from generator.spec import ChapterSpec, SpecError, load_spec
from generator.typeset import TypesetError, has_seeds, pdf_text, tex_version, typeset
from generator.verify import BOOK, Failure, Shell, Verdicts, missing_from_pdf, record, verify_book
from generator.workspace import OutputError, checkpoint, write_atomic

Progress = Callable[[str], None]


class CheckFailed(Exception):
    """At least one check failed; nothing was written."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__("\n".join(str(f) for f in failures))
        self.failures = failures


class UnknownChapter(LookupError):
    """A chapter name that has no spec under chapters/."""


LAYOUT = "(layout)"  # the chapter name of a layout failure: the page, not a chapter, is at fault


def load_chapters(project: Project) -> list[ChapterSpec]:
    """Every chapter spec, in book order (``chapter.order``, then name)."""
    project.validate()
    try:  # glob says nothing of a folder it cannot read: a book with no chapters would be published
        names = sorted(os.listdir(project.chapters))
    except OSError as error:
        raise ProjectError(f"{project.chapters}: cannot be read: {error.strerror or error}") from None
    paths = [project.chapters / n for n in names if n.endswith(".toml") and not is_formulas_file(project.chapters / n)]
    for path in paths:
        if not path.is_file():  # a FIFO would block the read forever, a folder cannot be parsed
            raise SpecError(path, "(file)", "cannot be read: not a regular file (a folder, a FIFO, a device)")
    if not paths:
        raise ProjectError(f"{project.chapters}: no chapter spec (*.toml) in it: a book needs one chapter at least")
    specs = [load_spec(path) for path in paths]
    for spec in specs:
        template = project.templates / spec.template
        try:
            found = template.is_file()
        except OSError as error:  # its folder cannot be searched
            raise ProjectError(f"{template}: cannot be read: {error.strerror or error}") from None
        if not found:
            raise SpecError(
                spec.path,
                "chapter.template",
                f"no template {spec.template.removeprefix('chapters/')!r} under {project.templates / 'chapters'}",
            )
        load_chapter_formulas(spec)  # chapters/NAME.formulas.toml, if the chapter declares formulas in text
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

    chapters: list[RenderedChapter]  # every chapter asked for, in book order
    notation: Notation
    book: str  # the book shell (marked), inputting every chapter, with the verification appendix
    bibliography: str  # the works the book cites (biblatex), from templates/references.bib
    verdicts: Verdicts  # the passing verdicts, stored once the build that uses them succeeded


def _verification(chapters: list[RenderedChapter]) -> Verification:
    rows = []
    for chapter in chapters:
        kinds = [entry.quantity.kind for entry in chapter.ledger.entries]
        high = sum(kind in HIGH_PRECISION for kind in kinds)
        rows.append(
            VerificationRow(
                chapter.spec.title,
                len(kinds) - high,
                high,
                len(chapter.formulas),
                len(chapter.steps),
                len(chapter.claims),
            )
        )
    software = (*dependencies.versions().items(), ("TeX", tex_version()))
    stated = tuple(dict.fromkeys(name for chapter in chapters for name in chapter.theorems))
    return Verification(tuple(rows), tuple(software), ORACLE_DIGITS, FORMULA_TOLERANCE, stated)


def compute_chapters(specs: list[ChapterSpec], core: ModuleType, progress: Progress) -> list[Computation]:
    checkpoint("compute")
    try:
        computations = [compute(spec, core) for spec in specs]
    except CoreFailure as failure:
        raise CheckFailed([Failure(failure.chapter, failure.message)]) from None
    progress(f"compute  forward, backward and SGD step with the NumPy core ({core.__name__})")
    return computations


def render_chapters(
    project: Project,
    specs: list[ChapterSpec],
    computations: list[Computation],
    notation: Notation,
    progress: Progress,
    core: ModuleType = default_core,
) -> tuple[list[RenderedChapter], Shell]:
    """Every chapter, and the book shell that inputs them (with the verification appendix)."""
    checkpoint("render")
    env = make_environment(project.templates)
    try:
        rendered = [render_chapter(env, spec, c, notation) for spec, c in zip(specs, computations, strict=True)]
    except CoreFailure as failure:
        raise CheckFailed([Failure(failure.chapter, failure.message)]) from None
    shell_formulas = Formulas(notation)
    shell_ledger = Ledger(BOOK_LEDGER)
    profiles = tuple(
        load_notation(project.notation_folder / f"{name}.toml") for name in profile_names(project.notation_folder)
    )
    book = render_book(
        env,
        [f"chapters/{s.name}" for s in specs],
        notation,
        shell_formulas,
        _verification(rendered),
        profiles,
        shell_ledger,
        core,
        edition(project),
    )
    numbers = sum(len(r.ledger.entries) for r in rendered)
    progress(f"render   {numbers} numbers through the ledger")
    return rendered, Shell(book, tuple(shell_formulas.shown), shell_ledger)


def verify_chapters(
    project: Project,
    rendered: list[RenderedChapter],
    shell: Shell,
    notation: Notation,
    store: Store,
    progress: Progress,
    core: ModuleType,
) -> Verdicts:
    checkpoint("verify")
    verdicts = verify_book(rendered, shell, notation, store, project.jobs, progress, core)
    if verdicts.failures:
        progress(f"verify   FAILED: {len(verdicts.failures)} check(s)")
        raise CheckFailed(verdicts.failures)
    stored = ""
    if verdicts.numbers_stored or verdicts.formulas_stored:
        covered = "; ".join(
            f"{'the book shell' if chapter == BOOK else chapter} {_covered(numbers, formulas)}"
            for chapter, (numbers, formulas) in verdicts.stored_by_chapter.items()
            if numbers or formulas
        )
        stored = f" (by verdicts stored in {project.cache} when they last passed: {covered})"
    steps = sum(len(r.steps) for r in rendered)
    claims = sum(len(r.claims) for r in rendered)
    progress(
        f"verify   {verdicts.numbers} numbers match the SymPy oracle; {verdicts.formulas} formulas checked"
        f"{stored}; {steps} steps reproduce from their printed operands; {claims} claims hold; "
        "nothing typed by hand"
    )
    return verdicts


def _covered(numbers: int, formulas: int) -> str:
    """``96 numbers and 31 formulas``, leaving out what is none."""
    return " and ".join(f"{n} {what}" for n, what in ((numbers, "numbers"), (formulas, "formulas")) if n)


def check(
    project: Project,
    specs: list[ChapterSpec],
    progress: Progress,
    core: ModuleType = default_core,
    store: Store | None = None,
) -> Checked:
    """Compute, render and verify ``specs``; raise ``CheckFailed`` listing every failure.

    Stores nothing: the caller stores the passing verdicts (``store_verdicts``) once its own work succeeded.
    """
    notation = load_notation(project.notation_file)
    progress(f"spec     {len(specs)} chapter(s): {', '.join(s.name for s in specs)}")
    store = store if store is not None else Store(project.cache, progress)
    computations = compute_chapters(specs, core, progress)
    rendered, shell = render_chapters(project, specs, computations, notation, progress, core)
    verdicts = verify_chapters(project, rendered, shell, notation, store, progress, core)
    return Checked(rendered, notation, shell.marked, read_bibliography(project), verdicts)


def read_bibliography(project: Project) -> str:
    """The bibliography the book shell cites (``templates/references.bib``)."""
    path = project.templates / BIBLIOGRAPHY
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError(f"{path}: cannot be read ({type(error).__name__}: {error})") from None


def store_verdicts(project: Project, checked: Checked, progress: Progress) -> None:
    store = Store(project.cache, progress)
    for task in checked.verdicts.passed:
        store.put(task.kind, task.key, record(task), write_atomic)


BOOK_TEX = "handbook.tex"  # the book's main file, in every folder TeX runs in


def write_sources(checked: Checked, folder: Path) -> Path:
    """Write the checked chapters, the book shell and its bibliography under ``folder``; return the book's .tex."""
    for chapter in checked.chapters:
        write_atomic(folder / "chapters" / f"{chapter.spec.name}.tex", chapter.tex)
    write_atomic(folder / BIBLIOGRAPHY, checked.bibliography)
    book = folder / BOOK_TEX
    write_atomic(book, provenance.strip(checked.book))
    return book


def write_ledgers(project: Project, checked: Checked) -> dict[str, str]:
    """Publish each chapter's ledger; return the digest of each file written, by chapter."""
    digests = {}
    for chapter in checked.chapters:
        data = chapter.ledger.to_json()
        write_atomic(project.ledgers / f"{chapter.spec.name}.json", data)
        digests[chapter.spec.name] = digest_bytes(data.encode())
    return digests


def _printed(chapters: list[RenderedChapter]) -> list[tuple[str, str, str]]:
    # A plot's coordinates are drawn, not printed as text: check_printed finds them in its source.
    return [(c.spec.name, str(e.quantity), e.shown) for c in chapters for e in c.ledger.entries if not e.plotted]


def seeds_for(project: Project, keep: Path) -> Path:
    """The folder whose last typeset seeds the one to be kept in ``keep``: ``keep`` itself when it holds
    one; else, for a chapter alone, this profile's whole book; else the book of another profile.

    Each is the same shell with the same chapters (or more of them, or other symbols), so most of its
    cross-references are already where the new typeset's will settle: a first typeset takes two or
    three passes instead of four. Reading another profile's files is safe: every profile's build holds
    the one lock of build/, and no file of it is written.
    """
    books = sorted((project.build / "tex").glob("*/"), key=lambda folder: folder.name != "default")
    candidates = [keep, project.tex, *books]
    return next((folder for folder in candidates if has_seeds(folder, BOOK_TEX)), keep)


def typeset_into(
    project: Project, checked: Checked, keep: Path, progress: Progress, seeds: Path | None = None
) -> bytes:
    """Typeset the checked book in a fresh folder, keep that folder as ``keep``; return the PDF's bytes.

    The last typeset kept in ``seeds`` (by default ``keep``) seeds TeX's cross-references
    (``typeset``'s ``seeds``): a rebuild starts where the last one ended, and its PDF is the one a
    cold typeset gives.

    The typeset PDF must show every ledger text (its text read back with pdftotext) and pass the layout
    checks (``generator.layout``: no overfull box, no heading at a page's foot, right running heads), or
    nothing is published.
    """
    # A book of some chapters (one typeset alone) may point to the others: their labels are known.
    elsewhere = labels_in(project.templates)
    with workspace.fresh_folder(project.build, project.notation) as folder:
        book = write_sources(checked, folder)
        checkpoint("typeset")
        try:
            try:
                pdf = typeset(book, shown_as=keep, epoch=edition(project).epoch, seeds=seeds or keep)
            except TypesetError as error:
                raise macro_error(project.notation_file, checked.notation, book, error) or error from None
            built = pdf.read_bytes()
            failures = missing_from_pdf(_printed(checked.chapters), pdf_text(pdf))
            layout = [
                Failure(LAYOUT, str(problem).replace(str(folder), str(keep)))
                for problem in check_layout(folder, elsewhere=elsewhere)
            ]
        finally:
            workspace.replace_folder(folder, keep)  # the sources and TeX's log stay for the reader
    if failures:
        progress(f"typeset  FAILED: {len(failures)} ledger text(s) missing from the PDF")
        raise CheckFailed(failures)
    if layout:
        progress(f"typeset  FAILED: {len(layout)} layout defect(s)")
        raise CheckFailed(layout)
    return built


def _published_ledgers(project: Project) -> list[tuple[str, str, str]]:
    """(chapter, quantity, text) of every entry of this profile's published ledgers."""
    printed = []
    for path in sorted(project.ledgers.glob("*.json")):
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))["entries"]
            printed += [
                (path.stem, str(entry["quantity"]), str(entry["shown"]))
                for entry in entries
                if not entry.get("plotted", False)  # drawn in a plot, not printed as text
            ]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ProjectError(f"{path}: not a ledger ({error})") from None
    return printed


def audit(project: Project, progress: Progress, html: bool = False) -> None:
    """``handbook audit``: the published PDF of this profile shows every text its published ledgers
    record; with ``html``, so does each chapter's page of the published site."""
    project.validate()
    if not project.pdf.is_file():
        raise ProjectError(
            f"{project.pdf}: no such file (build it first: handbook build --notation {project.notation})"
        )
    if html and not project.site.is_dir():
        raise ProjectError(
            f"{project.site}: no such folder (build it first: handbook build --html --notation {project.notation})"
        )
    printed = _published_ledgers(project)
    failures = missing_from_pdf(printed, pdf_text(project.pdf))
    if html:
        by_chapter: dict[str, list[tuple[str, str]]] = {}
        for chapter, quantity, text in printed:
            by_chapter.setdefault(chapter, []).append((quantity, text))
        failures += web.check_published(project.site, by_chapter)
    if failures:
        raise CheckFailed(failures)
    progress(f"audit    {project.pdf} shows all {len(printed)} numbers of {project.ledgers}")
    if html:
        progress(f"audit    each chapter's page of {project.site} shows its ledger's numbers")


def make_site_into(project: Project, checked: Checked, work: Path, progress: Progress) -> web.Site:
    """The web edition of the book just typeset (``project.tex`` holds the .tex TeX read), made and
    checked in ``work``; raise ``CheckFailed`` if a page does not show its source's numbers."""
    checkpoint("site")
    chapters = [
        web.ChapterText(
            chapter.spec.name,
            str(chapter.spec.title),
            chapter.tex,
            # As printed (a count in words as its word); a plot's coordinates are drawn, not printed.
            tuple((str(entry.quantity), entry.shown) for entry in chapter.ledger.entries if not entry.plotted),
        )
        for chapter in checked.chapters
    ]
    site = web.make_site(project.tex, provenance.strip(checked.book), chapters, work, progress)
    if site.report.failures:
        progress(f"site     FAILED: {len(site.report.failures)} check(s) of the pages")
        raise CheckFailed(site.report.failures)
    return site


def build_book(
    project: Project, progress: Progress, core: ModuleType = default_core, wait: bool = True, html: bool = False
) -> Path:
    """``handbook build``: every chapter, checked, written and typeset into this profile's PDF; with
    ``html``, also converted into its web edition, published only if the site's own check passed.

    Nothing is done when this profile's PDF and ledgers (and site) were built from exactly these sources.
    """
    project.validate()
    load_notation(project.notation_file)  # an unknown profile is bad input, named before anything else
    if html and (missing := web.missing_tools()) is not None:
        raise web.SiteError(missing)  # before any work: the build could not publish anything
    with workspace.locked(project.build, wait, progress):
        checkpoint("spec")
        specs = load_chapters(project)
        store = Store(project.cache, progress)
        try:
            key = book_key(project)
        except OSError as error:  # a source that cannot be read (the no-op check let the pipeline name it)
            raise ProjectError(f"{error.filename or project.root}: cannot be read: {error.strerror or error}") from None
        site_version = site_key(project) if html else None
        if up_to_date(project, key, store, site_version):
            made = f"{project.pdf} and {project.site} were" if html else f"{project.pdf} was"
            progress(f"spec     {len(specs)} chapter(s), unchanged since {made} built")
            progress("up to date: nothing rendered, verified or typeset")
            return project.pdf
        checked = check(project, specs, progress, core, store)
        pdf = typeset_into(project, checked, project.tex, progress, seeds_for(project, project.tex))
        with contextlib.ExitStack() as stack:
            site = None
            if html:
                work = stack.enter_context(workspace.fresh_folder(project.build, f"html-{project.notation}"))
                site = make_site_into(project, checked, work, progress)
            # The verdicts first: a cache that cannot be written stops the build before anything is published.
            store_verdicts(project, checked, progress)
            checkpoint("publish")
            ledgers = write_ledgers(project, checked)
            write_atomic(project.pdf, pdf)
            progress(f"typeset  {project.pdf}")
            if site is not None:
                workspace.replace_folder(site.folder, project.site)
                progress(f"site     {project.site}/index.html")
        store.put(
            project.notation, BOOK_STAMP, {"key": key, **stamp_outputs(project, ledgers, site_version)}, write_atomic
        )
    return project.pdf


def build_chapter(
    project: Project, name: str, pdf: bool, progress: Progress, core: ModuleType = default_core, wait: bool = True
) -> Path:
    """``handbook chapter NAME``: one chapter checked and written; with ``pdf``, typeset alone."""
    project.validate()
    load_notation(project.notation_file)
    with workspace.locked(project.build, wait, progress):
        spec = select(load_chapters(project), name)
        checked = check(project, [spec], progress, core)
        if not pdf:
            tex = project.tex / "chapters" / f"{name}.tex"
            store_verdicts(project, checked, progress)  # first: an unwritable cache publishes nothing
            write_atomic(tex, checked.chapters[0].tex)
            write_ledgers(project, checked)
            progress(f"write    {tex}")
            return tex
        keep = project.tex / f"chapter-{name}"
        built = typeset_into(project, checked, keep, progress, seeds_for(project, keep))
        store_verdicts(project, checked, progress)
        write_ledgers(project, checked)
        target = project.build / f"{name}{project.suffix}.pdf"
        write_atomic(target, built)
        progress(f"typeset  {target}")
        return target


def check_book(project: Project, progress: Progress, wait: bool = True) -> Checked:
    """``handbook check``: every chapter rendered and verified; only passing verdicts are written."""
    project.validate()
    load_notation(project.notation_file)
    with workspace.locked(project.build, wait, progress):
        checked = check(project, load_chapters(project), progress)
        store_verdicts(project, checked, progress)
    return checked


__all__ = [
    "CheckFailed",
    "Checked",
    "OutputError",
    "Project",
    "ProjectError",
    "UnknownChapter",
    "book_key",
    "build_book",
    "build_chapter",
    "check",
    "check_book",
    "load_chapters",
    "select",
    "site_key",
    "tree_digest",
    "up_to_date",
]
