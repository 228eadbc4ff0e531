"""The ``handbook`` command: build the book, one chapter, or only the checks.

Exit status: 0 when everything passed, 1 when a check (or TeX, or the web edition's converter)
failed, 2 for bad input (a malformed spec, notation profile or template, an unknown chapter or
profile, a project folder that does not exist, a build folder that cannot be written or is busy, a
site to serve that is not there or a port that is taken). Anything else is a bug in the handbook:
it says so in one line, exits 1 and keeps the traceback in a log file.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

import click

from generator.parallel import available_jobs
from generator.project import Project, ProjectError, report_if_current

# The pipeline (NumPy, SymPy, Jinja2 and the rest) is imported by the commands that run it, not
# here: a build with nothing to do answers without loading it (bench/README.md, the no-op build).
EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 1, 2, 130


def _bad_input() -> tuple[type[Exception], ...]:
    """The exceptions that mean bad input (exit 2), imported when an error is being reported."""
    from generator.build import UnknownChapter
    from generator.core import CoreError
    from generator.render import RenderError
    from generator.spec import SpecError
    from generator.web import ServeError
    from generator.workspace import OutputError

    return (SpecError, RenderError, UnknownChapter, CoreError, ProjectError, OutputError, ServeError)


def _progress(line: str) -> None:
    click.echo(line)


def _log_internal_error(root: Path) -> Path:
    """Write the traceback of the exception being handled to a log file; return its path."""
    text = traceback.format_exc()
    try:
        log = root / "build" / "internal-error.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(text)
        return log
    except OSError:
        fd, name = tempfile.mkstemp(prefix="handbook-internal-error-", suffix=".log")
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        return Path(name)


def _run(action: Callable[[], object], root: Path) -> None:
    """Run a pipeline action, turning its errors into a short message and an exit status."""
    try:
        action()
    except KeyboardInterrupt:
        click.echo("interrupted: nothing was published; the last good outputs are unchanged", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:  # the reader of our output went away (handbook list | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as error:
        _report(error, root)


def _report(error: Exception, root: Path) -> None:
    """Say what went wrong in one line (or one per failed check) and exit with its status."""
    try:
        known = _known(error)
    except Exception:  # the pipeline itself cannot be imported (a syntax error in it): a bug, below
        known = None
    if known is not None:
        status, lines = known
        for line in lines:
            click.echo(line, err=True)
        sys.exit(status)
    # A bug: say so, keep the traceback for the report.
    log = _log_internal_error(root)
    click.echo(
        f"error: internal error (a bug in the handbook, not in your sources): {type(error).__name__}: "
        f"{error}; the traceback is in {log}",
        err=True,
    )
    sys.exit(EXIT_CHECK_FAILED)


def _known(error: Exception) -> tuple[int, list[str]] | None:
    """The exit status and the lines to print for an error the handbook expects, or None for a bug."""
    from generator.build import CheckFailed
    from generator.typeset import TypesetError
    from generator.web import SiteError

    if isinstance(error, CheckFailed):
        head = f"error: {len(error.failures)} check(s) failed; nothing was written:"
        return EXIT_CHECK_FAILED, [head, *(f"  {failure}" for failure in error.failures)]
    if isinstance(error, TypesetError):
        return EXIT_CHECK_FAILED, [f"error: TeX failed; the last good PDF is unchanged:\n  {error}"]
    if isinstance(error, SiteError):
        return EXIT_CHECK_FAILED, [f"error: the web edition failed; nothing was published:\n  {error}"]
    if isinstance(error, _bad_input()):
        return EXIT_BAD_INPUT, [f"error: {error}"]
    return None


root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The project folder (with chapters/, templates/, notation/; outputs go to build/).",
)


notation_option = click.option(
    "--notation",
    default="default",
    show_default=True,
    metavar="PROFILE",
    help="The notation profile to print in, by name (notation/PROFILE.toml: default, note000 ... note004). "
    "Outputs of each profile are kept apart: build/tex/PROFILE, build/ledger/PROFILE and "
    "build/handbook-PROFILE.pdf (build/handbook.pdf for the default).",
)


jobs_option = click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=available_jobs,
    show_default="the number of CPUs",
    help="How many processes verify side by side.",
)


wait_option = click.option(
    "--no-wait",
    "no_wait",
    is_flag=True,
    help="If another build of the same build/ folder is running, stop at once (exit 2) instead of waiting for it.",
)


@click.group()
def main() -> None:
    """Build the backprop handbook: every printed number is computed by the NumPy core and
    re-derived by an exact SymPy oracle, and every displayed formula is checked with SymPy and
    against the core, before anything is typeset.

    Exit status: 0 all checks passed, 1 a check or TeX failed, 2 bad input.
    """


@main.command()
@root_option
@notation_option
@jobs_option
@wait_option
@click.option(
    "--html",
    is_flag=True,
    help="Also make the web edition, build/html/ (build/html-PROFILE/): LaTeXML converts the .tex that TeX "
    "typeset, and every page must show its source's numbers, or nothing is published.",
)
def build(root: Path, notation: str, jobs: int, no_wait: bool, html: bool) -> None:
    """Check every chapter and typeset build/handbook.pdf (with --html, the site too).

    If any check fails, nothing is written and the last good PDF (and site) stays. Verdicts that
    passed before are taken from build/cache/ when nothing they depend on changed (each is checked
    when read); with nothing changed at all, nothing is done.
    """

    def run() -> None:
        project = Project(root, notation, jobs)
        if not html and report_if_current(project, _progress, wait=not no_wait):
            return
        from generator.build import build_book

        build_book(project, _progress, wait=not no_wait, html=html)

    _run(run, root)


@main.command()
@click.argument("name")
@click.option("--pdf", is_flag=True, help="Also typeset the chapter alone into build/NAME.pdf.")
@root_option
@notation_option
@wait_option
def chapter(name: str, pdf: bool, root: Path, notation: str, no_wait: bool) -> None:
    """Render and verify the chapter NAME (see `handbook list`); write build/tex/PROFILE/chapters/NAME.tex
    and its ledger build/ledger/PROFILE/NAME.json."""

    def run() -> None:
        from generator.build import build_chapter  # inside _run: a pipeline that cannot import is a bug reported

        build_chapter(Project(root, notation), name, pdf, _progress, wait=not no_wait)

    _run(run, root)


@main.command("check")
@root_option
@notation_option
@jobs_option
@wait_option
def check_command(root: Path, notation: str, jobs: int, no_wait: bool) -> None:
    """Render and verify every chapter without TeX.

    Writes no .tex, ledger or PDF; only the verdicts that passed (build/cache/), for later builds.
    """

    def run() -> None:
        from generator.build import check_book

        check_book(Project(root, notation, jobs), _progress, wait=not no_wait)

    _run(run, root)


@main.command("audit")
@root_option
@notation_option
@click.option("--html", is_flag=True, help="Also check each chapter's page of the published site.")
def audit_command(root: Path, notation: str, html: bool) -> None:
    """Check that the published PDF shows every number its published ledgers record.

    Reads build/handbook.pdf (or build/handbook-PROFILE.pdf) with pdftotext and build/ledger/PROFILE/;
    with --html, also each chapter's page of build/html/ (build/html-PROFILE/). Exit 1 names each
    number not shown. A build runs the same checks, and more, before it publishes.
    """

    def run() -> None:
        from generator.build import audit

        audit(Project(root, notation), _progress, html=html)

    _run(run, root)


@main.command("serve")
@root_option
@notation_option
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True, help="0: any free port."
)
def serve_command(root: Path, notation: str, host: str, port: int) -> None:
    """Serve the web edition (build/html/, or build/html-PROFILE/) and print its address.

    Build it first with `handbook build --html`. Stops with Ctrl-C.
    """

    def run() -> None:
        from generator.web import serve

        project = Project(root, notation)
        project.validate()
        serve(project.site, host, port, _progress)

    _run(run, root)


@main.command("run")
@click.argument("name")
@root_option
def run_command(name: str, root: Path) -> None:
    """Run the chapter NAME's network through the core and print its numbers as a table.

    Inputs and parameters, the forward pass, the backward pass and the SGD step, each number at the
    precision the book prints it with, beside the template call that prints it. Writes nothing; the
    notation profile does not matter (the table names quantities, not symbols).
    """

    def show() -> None:
        from generator import core
        from generator.build import compute_chapters, load_chapters, select
        from generator.run import table

        spec = select(load_chapters(Project(root)), name)
        (computation,) = compute_chapters([spec], core, lambda line: None)
        click.echo(table(computation))

    _run(show, root)


@main.command("sheets")
@click.argument("name")
@click.option("--count", type=int, metavar="N", help="Make sheets for N students with ids 001 ... N and no names.")
@click.option(
    "--roster",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.csv",
    help="Make a sheet for each student of a CSV with the columns id and name (one student per row).",
)
@root_option
@notation_option
@jobs_option
@wait_option
def sheets_command(
    name: str, count: int | None, roster: Path | None, root: Path, notation: str, jobs: int, no_wait: bool
) -> None:
    """Make the problem sheets sheets/NAME.toml for a class: a variant per student, every answer checked.

    Writes build/sheets/NAME/: students/ID.pdf (a student's questions), keys/ID.pdf (that student's
    answer key), instructor-key.pdf (every student's answers in one table) and answers.csv (for a
    marking script). A student's variant depends only on the sheet's seed and the student's id.
    Every number is checked as the book's are; if a check fails, nothing is written and the message
    names the student and the question. Give --count or --roster.
    """

    def make() -> None:
        from generator import sheets  # imported here: the other commands do not need pypdf

        try:
            if (count is None) == (roster is None):
                raise sheets.SheetInputError("give either --count N or --roster FILE.csv (one of them)")
            students = sheets.numbered_students(count) if count is not None else sheets.read_roster(roster)  # type: ignore[arg-type]
            sheets.make_sheets(Project(root, notation, jobs), name, students, _progress, wait=not no_wait)
        except sheets.SheetInputError as error:
            raise ProjectError(str(error)) from None

    _run(make, root)


@main.command("new")
@click.argument("name")
@click.option(
    "--from",
    "source",
    default="worked-example",
    show_default=True,
    metavar="CHAPTER",
    help="The chapter to start from (see `handbook list`).",
)
@root_option
def new_command(name: str, source: str, root: Path) -> None:
    """Start the chapter NAME: write chapters/NAME.toml and templates/chapters/NAME.tex.j2 (hyphens as
    underscores), a copy of the chapter CHAPTER with its title, template and place (last) renamed and every
    label its template defines given NAME, so that it builds at once; then change its network and prose
    and check it with `handbook chapter NAME`. Overwrites nothing (exit 2 if either file exists).
    """

    def start() -> None:
        from generator.starter import new_chapter

        starter = new_chapter(Project(root), name, source)
        for path in (starter.spec, starter.template):
            click.echo(f"write    {path.relative_to(root)}")
        click.echo(f"next     handbook chapter {name}")

    _run(start, root)


@main.command("docs")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if docs/authoring.md is not what the code gives.")
@root_option
def docs_command(check: bool, root: Path) -> None:
    """Write docs/authoring.md, the authors' reference, from the code (the tables of the spec, the ledger's
    calls, the template variables, the macros) and its prose in generator/authoring.py."""

    def write() -> None:
        from generator import authoring  # renders a chapter to learn what a template receives: only when asked

        Project(root).validate()
        status = authoring.main(["--root", str(root), *(["--check"] if check else [])])
        if status:
            sys.exit(EXIT_CHECK_FAILED)

    _run(write, root)


@main.command("formulas")
@click.argument("chapter", required=False)
@root_option
@jobs_option
@click.option(
    "--no-verdicts", "no_verdicts", is_flag=True, help="List the formulas without checking them (no verdicts)."
)
def formulas_command(chapter: str | None, root: Path, jobs: int, no_verdicts: bool) -> None:
    """List the formulas of CHAPTER (of every chapter without one) and check them.

    For each formula, built in or declared in the chapter's formulas file (chapters/NAME.formulas.toml,
    docs/formulas.md): its name, its kind (result, definition or wrong), the text it prints (its
    LaTeX and a plain-text rendering in the syntax of formulas files), the sizes it is checked on,
    exactly with SymPy and numerically against the core, and its verdict, taken from the stored
    verdicts of build/cache when they match, else checked now. Writes nothing. Exit status 1 if a
    formula fails its check (a formula marked wrong fails when its check passes).
    """

    def show() -> None:
        from generator import core
        from generator.formula_list import list_formulas  # imported here: the other commands do not need it

        if not list_formulas(Project(root, jobs=jobs), chapter, core, click.echo, check=not no_verdicts):
            click.echo("error: a formula failed its check", err=True)
            sys.exit(EXIT_CHECK_FAILED)

    _run(show, root)


@main.command("list")
@root_option
def list_command(root: Path) -> None:
    """List the chapters in book order: name, source note, title."""

    def show() -> None:
        from generator.build import load_chapters

        for spec in load_chapters(Project(root)):
            click.echo(f"{spec.name:24} {spec.source:10} {spec.title}")

    _run(show, root)


if __name__ == "__main__":
    main()
