"""The ``handbook`` command: build the book, one chapter, or only the checks.

Exit status: 0 when everything passed, 1 when a check (or TeX) failed, 2 for bad input
(a malformed spec, notation profile or template, an unknown chapter).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.build import CheckFailed, Project, UnknownChapter, build_book, build_chapter, check, load_chapters
from generator.core import CoreError
from generator.parallel import available_jobs
from generator.render import RenderError
from generator.spec import SpecError
from generator.typeset import TypesetError

EXIT_CHECK_FAILED, EXIT_BAD_INPUT = 1, 2


def _progress(line: str) -> None:
    click.echo(line)


def _run(action) -> None:
    """Run a pipeline action, turning its errors into a short message and an exit status."""
    try:
        action()
    except CheckFailed as failed:
        click.echo(f"error: {len(failed.failures)} check(s) failed; nothing was written:", err=True)
        for failure in failed.failures:
            click.echo(f"  {failure}", err=True)
        sys.exit(EXIT_CHECK_FAILED)
    except TypesetError as error:
        click.echo(f"error: TeX failed; the last good PDF is unchanged:\n  {error}", err=True)
        sys.exit(EXIT_CHECK_FAILED)
    except (SpecError, RenderError, UnknownChapter, CoreError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_BAD_INPUT)


root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
    help="The project folder (with chapters/, templates/, notation/; outputs go to build/).",
)


notation_option = click.option(
    "--notation", default="default", show_default=True, metavar="PROFILE",
    help="The notation profile to print in (notation/PROFILE.toml: default, note000 ... note004). "
         "Outputs of another profile than the default carry its name: build/handbook-PROFILE.pdf.",
)


jobs_option = click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=available_jobs, show_default="the number of CPUs",
    help="How many processes verify chapters side by side.",
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
def build(root: Path, notation: str, jobs: int) -> None:
    """Check every chapter and typeset build/handbook.pdf.

    If any check fails, nothing is written and the last good PDF stays. Only chapters whose
    sources changed are rendered and verified again; with nothing changed, nothing is done.
    """
    _run(lambda: build_book(Project(root, notation, jobs), _progress))


@main.command()
@click.argument("name")
@click.option("--pdf", is_flag=True, help="Also typeset the chapter alone into build/NAME.pdf.")
@root_option
@notation_option
def chapter(name: str, pdf: bool, root: Path, notation: str) -> None:
    """Render and verify the chapter NAME (see `handbook list`); write build/tex/chapters/NAME.tex."""
    _run(lambda: build_chapter(Project(root, notation), name, pdf, _progress))


@main.command("check")
@root_option
@notation_option
@jobs_option
def check_command(root: Path, notation: str, jobs: int) -> None:
    """Render and verify every chapter without TeX.

    Always renders and verifies every chapter. Writes no .tex, ledger or PDF; only the stamps
    of passing verdicts (build/cache/).
    """
    project = Project(root, notation, jobs)
    _run(lambda: check(project, load_chapters(project), _progress))


@main.command("list")
@root_option
def list_command(root: Path) -> None:
    """List the chapters in book order: name, source note, title."""

    def show() -> None:
        for spec in load_chapters(Project(root)):
            click.echo(f"{spec.name:24} {spec.source:10} {spec.title}")

    _run(show)


if __name__ == "__main__":
    main()
