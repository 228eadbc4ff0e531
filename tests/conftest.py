"""Shared fixtures: a verified copy of the project, copies of it to mutate, the worked-example spec.

No test reads or writes the repository's own build/: every fixture works on a copy under the
test's temporary folder, and the session fails if build/ changed while it ran.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ROOT, copy_sources, tree_digest
from hypothesis import settings

from generator import core, web
from generator.build import Project, build_book, check_book, compute_chapters, load_chapters, render_chapters
from generator.cache import Store
from generator.formulas import FORMULAS, formula_key, get_formula, verify_formula
from generator.notation import load_notation, profile_names
from generator.parallel import available_jobs, map_in_processes
from generator.spec import ChapterSpec, load_spec
from generator.typeset import latexmk_available
from generator.verify import FORMULA_VERDICT
from generator.workspace import write_atomic


@pytest.fixture(scope="session", autouse=True)
def repository_build_is_untouched():
    """The repository's build/ is the same after the test session as before it."""
    before = tree_digest(ROOT / "build")
    yield
    assert tree_digest(ROOT / "build") == before, "the test session changed the repository's build/"


def once_for_the_run(tmp_path_factory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder filled by ``make`` once for the whole test run, read-only afterwards.

    Under pytest-xdist the first worker to ask makes it (under a lock) and the others wait and
    share it: the session's book is checked and typeset once, not once per worker.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    shared = tmp_path_factory.getbasetemp().parent / "shared"  # the run's folder, above each worker's
    shared.mkdir(exist_ok=True)
    folder, done = shared / name, shared / f"{name}.done"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # left by a worker whose make failed
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


def verify_against_the_core(name: str) -> list[str]:
    return verify_formula(get_formula(name), core)


def shown_in_every_profile() -> set[str]:
    """The formulas the book shows in any notation profile (a profile may show one transposed, NAME@T)."""
    shown: set[str] = set()
    for profile in profile_names(ROOT / "notation"):
        project = Project(ROOT, profile)
        specs = load_chapters(project)
        notation = load_notation(project.notation_file)
        computations = compute_chapters(specs, core, lambda line: None)
        rendered, shell = render_chapters(project, specs, computations, notation, lambda line: None)
        shown |= {name for chapter in rendered for name in chapter.formulas} | set(shell.formulas)
    return shown


@pytest.fixture(scope="session")
def formula_verdicts(tmp_path_factory) -> dict[str, list[str]]:
    """Every formula of the catalogue, and every variant a profile shows, verified once for the whole
    run (on all CPUs): its problems, by name."""

    def verify_all(folder: Path) -> None:
        names = sorted(set(FORMULAS) | shown_in_every_profile())
        problems = map_in_processes(verify_against_the_core, names, available_jobs())
        (folder / "verdicts.json").write_text(json.dumps(dict(zip(names, problems, strict=True))))

    folder = once_for_the_run(tmp_path_factory, "formula-verdicts", verify_all)
    return json.loads((folder / "verdicts.json").read_text())


@pytest.fixture(scope="session")
def project(tmp_path_factory, formula_verdicts) -> Project:
    """A copy of the project, checked once, with the passing verdicts stored in its cache (read-only)."""

    def checked(folder: Path) -> None:
        copy = copy_sources(folder)
        store = Store(copy.cache, lambda line: None)
        for name, problems in formula_verdicts.items():
            if not problems:  # a failing formula is stored as nothing: its own test reports it
                key = formula_key(get_formula(name), core)
                store.put(FORMULA_VERDICT, key, {"passed": name, "numbers": 0}, write_atomic)
        check_book(Project(copy.root, jobs=available_jobs()), lambda line: None)

    return Project(once_for_the_run(tmp_path_factory, "project", checked))


@pytest.fixture(scope="session")
def worked_spec(project) -> ChapterSpec:
    return load_spec(project.chapters / "worked-example.toml")


@pytest.fixture
def project_copy(tmp_path: Path, project: Project) -> Project:
    """A copy of the project's sources that a test may change, with the session's stored verdicts."""
    copy = copy_sources(tmp_path)
    shutil.copytree(project.cache, copy.cache)
    return copy


@pytest.fixture(scope="session")
def built_book(tmp_path_factory, project) -> Project:
    """A copy of the project with the whole book built (PDF, ledgers, TeX's folder), once for the session.

    Read-only: a test that builds again, or changes anything, works on ``copy_built(built_book, ...)``.
    """

    def built(folder: Path) -> None:
        copy = copy_sources(folder)
        shutil.copytree(project.cache, copy.cache)
        build_book(copy, lambda line: None)

    return Project(once_for_the_run(tmp_path_factory, "book", built))


def keep_only(project: Project, chapters: tuple[str, ...] | None) -> None:
    """Remove the specs of every chapter not in ``chapters`` (None: keep them all)."""
    if chapters is None:
        return
    for spec in project.chapters.glob("*.toml"):
        if spec.stem not in chapters:
            spec.unlink()


@pytest.fixture(scope="session")
def small_book(tmp_path_factory, project) -> Project:
    """A copy of the project with one chapter (the worked example), built: quick to typeset again.

    Read-only, as ``built_book``: tests work on ``copy_built(small_book, ...)``.
    """

    def built(folder: Path) -> None:
        copy = copy_sources(folder)
        shutil.copytree(project.cache, copy.cache)
        keep_only(copy, ("worked-example",))
        build_book(copy, lambda line: None)

    return Project(once_for_the_run(tmp_path_factory, "small", built))


def copy_built(built: Project, root: Path, notation: str = "default") -> Project:
    """A copy of a built project, outputs and all (a build in it starts from the last one)."""
    shutil.copytree(built.root, root, symlinks=True)
    return Project(root, notation)


def site_unavailable() -> str | None:
    """Why this machine cannot build the web edition (TeX, LaTeXML or MathJax missing), or None."""
    if not (latexmk_available() and shutil.which("pdftotext")):
        return "needs latexmk and pdftotext: `make setup` installs them (debian-packages.txt)"
    return web.missing_tools()


# The web edition's tests in the quick profile convert a book of four chapters that between them hold
# every kind of thing a page shows (tables, the network drawing and the backward flow, computational
# graphs, pgfplots, listings, exercises, a gradient check of other chapters' networks) beside the
# shell's pages: LaTeXML takes four minutes over the whole book, one over these. A book of some
# chapters is one the build supports (their references to the others are known labels); `--thorough`
# converts the whole book.
SITE_SAMPLE = ("chain-rule", "worked-example", "gradient-checking", "training")


def thorough(config: pytest.Config) -> bool:
    """Whether this run is the thorough profile (``pytest --thorough``)."""
    return bool(config.getoption("--thorough"))


@pytest.fixture(scope="session")
def built_site(request, tmp_path_factory, project) -> Project:
    """A copy of the project built with its web edition (``handbook build --html``), once for the run:
    the whole book with ``--thorough``, the chapters of ``SITE_SAMPLE`` otherwise.

    Read-only: only the browser's visits (made once for the run, see test_browser.visits) write into it,
    their screenshots.
    """
    reason = site_unavailable()
    if reason is not None:
        pytest.skip(reason)
    whole = thorough(request.config)

    def built(folder: Path) -> None:
        copy = copy_sources(folder)
        shutil.copytree(project.cache, copy.cache)
        keep_only(copy, None if whole else SITE_SAMPLE)
        build_book(Project(copy.root, jobs=available_jobs()), lambda line: None, html=True)

    return Project(once_for_the_run(tmp_path_factory, "site" if whole else "site-sample", built))


# Property tests: a quick profile by default, a thorough one with `pytest --thorough` (which also sizes the
# whole-book tests, see `thorough`). CI replays a fixed set of cases (derandomized) so that a landing is
# repeatable.
settings.register_profile("quick", max_examples=10, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.register_profile("quick-ci", parent=settings.get_profile("quick"), derandomize=True)
settings.register_profile("thorough-ci", parent=settings.get_profile("thorough"), derandomize=True)


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--thorough",
        action="store_true",
        help="the thorough profile: 500 random cases per property test, the whole book converted to the web"
        " edition and built twice, the small book's seeds damaged too (minutes more; CI runs it)",
    )


def pytest_configure(config) -> None:
    profile = "thorough" if thorough(config) else "quick"
    settings.load_profile(profile + ("-ci" if os.environ.get("CI") else ""))
