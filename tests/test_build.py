"""A build people can trust: reproducible, incremental, checked caches, kills, concurrency, profiles apart."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_built, keep_only, thorough
from helpers import copy_sources, copy_typeset_sources, tree_digest, typeset_from_nothing

import generator.build as build_module
import generator.verify as verify
from generator import core, workspace
from generator.build import (
    BOOK_STAMP,
    Project,
    build_book,
    build_chapter,
    check,
    check_book,
    load_chapters,
    write_sources,
)
from generator.cache import Store
from generator.cli import main
from generator.formulas import formula_key, get_formula
from generator.project import ProjectError, edition
from generator.typeset import FINISHED, _plant_seeds, has_seeds, latexmk_available, typeset
from generator.workspace import OutputError

pytestmark = pytest.mark.skipif(
    not (latexmk_available() and shutil.which("pdftotext")),
    reason="needs latexmk and pdftotext: `make setup` installs them (debian-packages.txt)",
)
QUIET = lambda line: None  # noqa: E731
STAGES = ("spec", "compute", "render", "verify", "typeset", "publish")


def copy_project(root: Path, cache: Path, only: tuple[str, ...] = ()) -> Project:
    """A copy of the sources with the session's stored verdicts; with ``only``, just those chapters."""
    project = copy_sources(root)
    shutil.copytree(cache, project.cache)
    keep_only(project, only or None)
    return project


def digests(project: Project) -> dict[str, str]:
    """The SHA-256 of every generated .tex and of the PDF, by path relative to build/."""
    files = [*sorted(project.tex.rglob("*.tex")), project.pdf]
    return {str(f.relative_to(project.build)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def outputs(project: Project) -> dict[str, bytes]:
    """What a reader of the build gets: the PDF and the ledgers, by path."""
    return {str(p): p.read_bytes() for p in [project.pdf, *sorted(project.ledgers.glob("*.json"))]}


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def run_build(project: Project, *args: str, stop_at: str | None = None, **popen) -> subprocess.Popen:
    """``handbook build`` of ``project`` in a process of its own (its own session, so a kill takes TeX too)."""
    env = {key: value for key, value in os.environ.items() if key != workspace.STOP_VARIABLE}
    if stop_at is not None:
        env[workspace.STOP_VARIABLE] = stop_at
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--root", str(project.root), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **popen,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory, built_book) -> Project:
    """The session's built book, copied (a test here builds it again)."""
    return copy_built(built_book, tmp_path_factory.mktemp("built") / "copy")


def change_learning_rate(project: Project) -> None:
    spec = project.chapters / "worked-example.toml"
    spec.write_text(spec.read_text().replace("learning_rate = 0.1", "learning_rate = 0.2"))


def test_two_builds_in_different_folders_are_byte_identical(request, built, small_book, tmp_path, project) -> None:
    """The same sources built in another folder give the same .tex files and the same PDF, byte for byte.

    The quick profile builds the one-chapter book again (TeX's part of the property); the next test holds
    every chapter's .tex to the same in another folder, so the whole book's PDF follows. ``--thorough``
    builds the whole book again."""
    whole = thorough(request.config)
    original = built if whole else small_book
    again = copy_project(tmp_path / "elsewhere", project.cache, only=() if whole else ("worked-example",))
    build_book(again, QUIET)
    assert digests(again) == digests(original)
    assert len(digests(original)) == 1 + len(list(original.chapters.glob("*.toml"))) + 1  # the book, chapters, PDF


def test_the_whole_books_tex_is_the_same_in_any_folder(built, tmp_path, project) -> None:
    """Every chapter, the shell and the bibliography, checked in another folder, are byte for byte the
    files the built book typeset."""
    again = copy_project(tmp_path / "elsewhere", project.cache)
    written = tmp_path / "written"
    write_sources(check_book(again, QUIET), written)

    def sources(folder: Path) -> dict[str, str]:
        files = [*folder.rglob("*.tex"), *folder.glob("*.bib")]
        return {str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(files)}

    assert sources(written) == sources(built.tex)
    assert len(sources(written)) == 1 + len(load_chapters(built)) + 1  # the shell, the chapters, the .bib


def test_a_build_with_nothing_changed_does_no_work(built, monkeypatch) -> None:
    """A second build renders, verifies and typesets nothing, and says so."""
    import generator.build as build

    before = digests(built)

    def refuse(*args, **kwargs):
        raise AssertionError("a stage ran that had nothing to do")

    for name in ("compute", "render_chapter", "verify_book", "render_book", "typeset"):
        monkeypatch.setattr(build, name, refuse)
    lines: list[str] = []
    assert build_book(built, lines.append) == built.pdf
    assert lines[-1] == "up to date: nothing rendered, verified or typeset"
    assert digests(built) == before


def test_only_what_depends_on_a_change_is_verified_again(built, tmp_path, monkeypatch) -> None:
    """A changed spec re-verifies its chapter's ledger and the chapter that checks its network, no other."""
    project = copy_built(built, tmp_path / "copy")
    spec = project.chapters / "linear-layer.toml"
    spec.write_text(spec.read_text().replace("biases = [0.1, -0.2]", "biases = [0.1, -0.3]"))
    verified: list[str] = []
    real = verify.verify_ledger
    monkeypatch.setattr(verify, "verify_ledger", lambda rendered: verified.append(rendered.spec.name) or real(rendered))
    lines: list[str] = []
    build_book(project, lines.append)  # one job: the ledgers are verified in this process
    assert sorted(verified) == ["gradient-checking", "linear-layer"]
    assert any("by verdicts stored" in line for line in lines)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "tampered", "misfiled"])
@pytest.mark.parametrize("kind", [verify.LEDGER_VERDICT, verify.FORMULA_VERDICT, "default"])
def test_a_damaged_cache_entry_is_discarded_and_built_again(small_book, tmp_path, kind: str, damage: str) -> None:
    """Each kind of cache entry, cut short, overwritten, edited or holding another entry, is caught,
    said so in one line, and done again; the build still passes and stores a good entry."""
    project = copy_built(small_book, tmp_path / "copy")
    if kind == verify.LEDGER_VERDICT:
        (chapter,) = check(project, load_chapters(project), QUIET).chapters
        key = verify.ledger_key(chapter)
    elif kind == verify.FORMULA_VERDICT:
        key = formula_key(get_formula("sse_gradient"), core)  # a formula the worked example shows
    else:
        key = BOOK_STAMP  # the stamp that says whether this profile's outputs are up to date
    store = Store(project.cache, QUIET)
    entry = store.path(kind, key)
    text = entry.read_text()
    if damage == "truncated":
        entry.write_text(text[: len(text) // 2])
    elif damage == "garbage":
        entry.write_bytes(os.urandom(200))
    elif damage == "tampered":  # what it records changed, its digest kept: the digest no longer fits
        data = json.loads(text)
        data["record"] = {**data["record"], "forged": True}
        entry.write_text(json.dumps(data))
    else:
        entry.write_text(next(p for p in project.cache.rglob("*.json") if p != entry).read_text())
    lines: list[str] = []
    if kind == "default":
        build_book(project, lines.append)
        assert lines[-1].startswith("typeset")
    else:  # a verdict is read by every check; no need to typeset
        check_book(project, lines.append)
        assert lines[-1].startswith("verify   ")
    discarded = [line for line in lines if line.startswith("cache    discarded")]
    assert len(discarded) == 1 and str(entry) in discarded[0], lines
    assert store.get(kind, key) is not None  # stored again, whole


def test_edited_outputs_are_rebuilt_not_believed(small_book, tmp_path) -> None:
    """A ledger edited by hand makes the build redo the book; TeX sources edited by hand never reach the PDF."""
    project = copy_built(small_book, tmp_path / "copy")
    ledger = project.ledgers / "worked-example.json"
    good_ledger = ledger.read_bytes()
    ledger.write_text(ledger.read_text().replace('"0.0763"', '"9.9999"'))
    tex = project.tex / "chapters" / "worked-example.tex"
    tex.write_text(tex.read_text().replace(r"\num{0.0763}", r"\num{9.9999}"))
    lines: list[str] = []
    build_book(project, lines.append)
    assert "up to date" not in lines[-1]
    assert ledger.read_bytes() == good_ledger
    assert "9.9999" not in pdf_text(project.pdf) and "0.0763" in pdf_text(project.pdf)


@pytest.mark.parametrize("stage", STAGES)
def test_a_build_killed_at_any_stage_leaves_the_last_good_outputs(small_book, tmp_path, stage: str) -> None:
    """SIGKILL at each stage (TeX's included) changes neither the PDF nor the ledgers; the next build passes."""
    project = copy_built(small_book, tmp_path / "copy")
    before = outputs(project)
    change_learning_rate(project)
    with run_build(project, stop_at=stage) as process:
        process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL
    assert outputs(project) == before
    with run_build(project) as process:
        out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert outputs(project) != before
    assert "0.2" in pdf_text(project.pdf)  # the new learning rate is in the book
    assert not list(project.build.rglob(".*.tmp")) and not (project.build / workspace.WORK_NAME).exists()


def test_two_builds_at_once_both_end_well(small_book, tmp_path) -> None:
    """Two builds of one folder started together: one waits for the other; both exit 0 with one good PDF."""
    project = copy_built(small_book, tmp_path / "copy")
    change_learning_rate(project)
    first, second = run_build(project), run_build(project)
    results = [process.communicate(timeout=300) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], results
    combined = "".join(out for out, _ in results)
    assert "typeset  " in combined and ("up to date" in combined or "waiting" in combined)
    assert "0.2" in pdf_text(project.pdf)
    with run_build(project) as process:
        out, _ = process.communicate(timeout=300)
    assert "up to date" in out


def test_no_wait_stops_at_once_when_the_folder_is_busy(small_book, tmp_path) -> None:
    """With --no-wait, a build of a folder that another build holds exits 2 naming the folder, writing nothing."""
    project = copy_built(small_book, tmp_path / "copy")
    before = tree_digest(project.build)
    with workspace.locked(project.build, wait=False, progress=QUIET):
        result = CliRunner().invoke(main, ["build", "--no-wait", "--root", str(project.root)])
    assert result.exit_code == 2
    assert f"error: {project.build}: another build of this folder is running" in result.output
    assert tree_digest(project.build) == before


def test_profiles_keep_their_outputs_apart(small_book, tmp_path) -> None:
    """Building note002 writes its own ledgers, TeX and PDF, and leaves the default book up to date; its first
    typeset, started from the default book's, is byte for byte the PDF its sources typeset from nothing give."""
    project = copy_built(small_book, tmp_path / "copy")
    before = outputs(project)
    other = Project(project.root, "note002")
    build_book(other, QUIET)
    assert other.pdf.name == "handbook-note002.pdf" and other.ledgers == project.build / "ledger" / "note002"
    cold = tmp_path / "cold"
    cold.mkdir()
    assert typeset_from_nothing(other, other.tex, cold) == other.pdf.read_bytes()
    assert sorted(p.name for p in other.ledgers.glob("*.json")) == ["worked-example.json"]
    assert outputs(project) == before
    lines: list[str] = []
    build_book(project, lines.append)
    assert lines[-1] == "up to date: nothing rendered, verified or typeset"
    chapter = build_chapter(Project(project.root, "note003"), "worked-example", False, QUIET)
    assert chapter == project.build / "tex" / "note003" / "chapters" / "worked-example.tex"
    assert outputs(project) == before


def test_published_files_have_the_users_permissions(small_book, tmp_path) -> None:
    """The PDF, the ledgers and the cache entries are written 0644 under the usual umask (not 0600)."""
    project = copy_built(small_book, tmp_path / "copy")
    change_learning_rate(project)
    old = os.umask(0o022)
    try:
        build_book(project, QUIET)
    finally:
        os.umask(old)
    for path in [project.pdf, *project.ledgers.glob("*.json"), *project.cache.rglob("*.json")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


# The titles the next two tests read back, each given to one chapter of one book built once (one
# typeset for the five titles, not one each): TeX commands and unbalanced braces, which must print as
# those characters and never run, and accented Latin with typographic punctuation.
HOSTILE_TITLES = (r"\input{/etc/passwd}", r"\immediate\write18{touch pwned}", r"{unbalanced \{")
ACCENTED_TITLES = ("Rückwärts durch das Netz: Fehlerterme à la française, ŁÓDŹ", "Ångström – “quoted” — €5")
TITLED_CHAPTERS = ("worked-example", "chain-rule", "linear-layer", "gradient-checking", "softmax-cross-entropy")


@dataclass(frozen=True)
class TitledBook:
    folder: Path  # everything the build wrote is under it
    text: str  # the PDF's text, its lines joined by single spaces


@pytest.fixture(scope="module")
def titled_book(tmp_path_factory, built_book) -> TitledBook:
    """The book of ``TITLED_CHAPTERS``, each titled with one of the titles above, built once."""
    folder = tmp_path_factory.mktemp("titled")
    project = copy_built(built_book, folder / "copy")
    keep_only(project, TITLED_CHAPTERS)
    titles = [f"Evil {hostile} end" for hostile in HOSTILE_TITLES] + list(ACCENTED_TITLES)
    for chapter, title in zip(TITLED_CHAPTERS, titles, strict=True):
        spec = project.chapters / f"{chapter}.toml"
        # A TOML literal string: backslashes and braces reach the title as they are.
        line = f"title = '{title}'"
        text, count = re.subn(r'^title = ".*"$', lambda _, line=line: line, spec.read_text(), count=1, flags=re.M)
        assert count == 1, spec
        spec.write_text(text)
    build_book(project, QUIET)
    return TitledBook(folder, " ".join(pdf_text(project.pdf).split()))


@pytest.mark.parametrize("hostile", HOSTILE_TITLES)
def test_text_from_a_spec_prints_as_text(titled_book, hostile: str) -> None:
    """A title holding TeX commands or unbalanced braces is typeset as those characters, not run."""
    assert f"Evil {hostile} end" in titled_book.text
    assert not list(titled_book.folder.rglob("pwned"))


@pytest.mark.parametrize("title", ACCENTED_TITLES)
def test_a_title_in_accented_latin_is_printed(titled_book, title: str) -> None:
    """Titles in accented Latin letters and typographic punctuation typeset and read back from the PDF."""
    assert title in titled_book.text


# The damaged-seed tests of the quick profile typeset this instead of the small book: every file a
# seed holds (cross-references, contents, PDF outlines, biber's bibliography, makeindex's index) in two
# pages of TeX, a tenth of the small book's time a pass. `--thorough` typesets the small book too.
SEED_BOOK = r"""\documentclass[11pt,a4paper,oneside]{book}
\pdfinfoomitdate=1
\pdftrailerid{}
\pdfsuppressptexinfo=-1
\usepackage[backend=biber,style=alphabetic,maxbibnames=9,sorting=nyt]{biblatex}
\addbibresource{references.bib}
\usepackage[noautomatic]{imakeidx}
\makeindex[intoc,columns=2]
\usepackage[hidelinks,hypertexnames=false]{hyperref}
\begin{document}
\tableofcontents
\chapter{The chain rule}\label{chap:one}
Backpropagation\index{backpropagation} is the chain rule \cite{nielsen2015}.
\chapter{The worked example}
Chapter~\ref{chap:one} on page~\pageref{chap:one}\index{chain rule}.
\printbibliography[heading=bibintoc]
\printindex
\end{document}
"""


@dataclass(frozen=True)
class Typeset:
    """A book's folder as its last typeset left it, and the PDF that typeset wrote."""

    folder: Path
    pdf: bytes
    epoch: int


@pytest.fixture(scope="module", params=["seed-book", "small-book"])
def last_typeset(request, small_book, tmp_path_factory) -> Typeset:
    """The folder of a book's last typeset: the two-page seed book, and with ``--thorough`` the small book."""
    epoch = edition(small_book).epoch
    if request.param == "small-book":
        if not thorough(request.config):
            pytest.skip("the small book's seeds are tampered with in the thorough profile (--thorough)")
        return Typeset(small_book.tex, small_book.pdf.read_bytes(), epoch)
    folder = tmp_path_factory.mktemp("seed-book")
    (folder / "chapters").mkdir()
    (folder / "handbook.tex").write_text(SEED_BOOK)
    shutil.copyfile(small_book.tex / "references.bib", folder / "references.bib")
    return Typeset(folder, typeset(folder / "handbook.tex", epoch=epoch).read_bytes(), epoch)


def typeset_seeded(last: Typeset, tmp_path: Path, tamper=None) -> bytes:
    """A book's TeX sources typeset afresh, seeded by its last typeset (``tamper``ed first)."""
    seeds = tmp_path / "seeds"
    shutil.copytree(last.folder, seeds)
    if tamper is not None:
        tamper(seeds)
    folder = tmp_path / "again"
    folder.mkdir()
    return typeset(copy_typeset_sources(last.folder, folder), epoch=last.epoch, seeds=seeds).read_bytes()


def replace_in(name: str, old: str, new: str):
    def tamper(seeds: Path) -> None:
        text = (seeds / name).read_text()
        assert old in text, f"{old!r} is not in {name}"
        (seeds / name).write_text(text.replace(old, new, 1))

    return tamper


def test_a_seeded_typeset_gives_the_cold_typesets_pdf(small_book, tmp_path) -> None:
    """TeX seeded with the last typeset's cross-reference files writes the PDF a typeset from nothing wrote."""
    last = Typeset(small_book.tex, small_book.pdf.read_bytes(), edition(small_book).epoch)
    assert typeset_seeded(last, tmp_path) == last.pdf


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(replace_in("handbook.bbl", "Nielsen", "Nobody"), id="bibliography"),
        pytest.param(replace_in("handbook.ind", "\\item ", "\\item zzz "), id="index"),
        pytest.param(replace_in("handbook.aux", "{1}", "{99}"), id="cross-reference"),
        pytest.param(replace_in("handbook.toc", "{1}", "{99}"), id="contents"),
        pytest.param(lambda seeds: (seeds / "handbook.fdb_latexmk").write_text("garbage\n"), id="latexmk-record"),
    ],
)
def test_damaged_seeds_never_reach_the_pdf(last_typeset, tmp_path, tamper) -> None:
    """A seed file edited by hand (biber's, makeindex's, TeX's or latexmk's) is made again, not believed."""
    assert typeset_seeded(last_typeset, tmp_path, tamper) == last_typeset.pdf


def test_only_a_typeset_that_ended_well_lends_its_seeds(small_book, tmp_path) -> None:
    """A kept typeset lends its seeds only beside the mark a finished typeset writes: one interrupted or
    failed (whose latexmk record says 'error') is passed over, and the next typeset starts elsewhere."""
    folder = tmp_path / "kept"
    shutil.copytree(small_book.tex, folder)
    assert (folder / FINISHED).is_file() and has_seeds(folder, "handbook.tex")
    (folder / FINISHED).unlink()
    assert not has_seeds(folder, "handbook.tex")
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert not _plant_seeds(folder, fresh / "handbook.tex") and not list(fresh.iterdir())


def test_a_cache_that_cannot_be_written_publishes_nothing(small_book, tmp_path, monkeypatch) -> None:
    """The verdicts are stored before anything is published: when they cannot be, the PDF and the ledgers
    stay the last good ones and the build says why."""
    project = copy_built(small_book, tmp_path / "copy")
    before = outputs(project)
    change_learning_rate(project)

    def refuse(*args) -> None:
        raise OutputError(project.cache, "cannot be written: Permission denied")

    monkeypatch.setattr(build_module, "store_verdicts", refuse)
    with pytest.raises(OutputError, match="cannot be written"):
        build_book(project, QUIET)
    assert outputs(project) == before


def test_an_unreadable_chapters_folder_is_named(small_book, tmp_path, monkeypatch) -> None:
    """A chapters/ folder that cannot be listed is bad input naming it, not a book with no chapters."""
    project = copy_built(small_book, tmp_path / "copy")
    real = os.listdir

    def listdir(path="."):
        if Path(path) == project.chapters:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)
    with pytest.raises(ProjectError, match=r"chapters: cannot be read: Permission denied"):
        load_chapters(project)
