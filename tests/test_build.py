"""A build people can trust: incremental, reproducible, atomic when killed, safe with hostile text."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import copy_sources

import generator.build as build
from generator.build import Project, build_book, build_chapter
from generator.typeset import latexmk_available

pytestmark = pytest.mark.skipif(
    not (latexmk_available() and shutil.which("pdftotext")),
    reason="needs latexmk and pdftotext: `make setup` installs them (debian-packages.txt)",
)


def copy_project(root: Path, cache: Path) -> Project:
    project = copy_sources(root)
    shutil.copytree(cache, project.cache)
    return project


def digests(project: Project) -> dict[str, str]:
    """The SHA-256 of every generated .tex and of the PDF, by path relative to build/."""
    files = [*sorted((project.build / "tex").rglob("*.tex")), project.pdf]
    return {str(f.relative_to(project.build)): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


@pytest.fixture(scope="module")
def built(tmp_path_factory, verified_cache) -> Project:
    project = copy_project(tmp_path_factory.mktemp("built"), verified_cache)
    build_book(project, lambda line: None)
    return project


def forbid(monkeypatch, *names: str) -> None:
    """Make the build stages ``names`` fail if they are called at all."""
    def refuse(*args, **kwargs):
        raise AssertionError("a stage ran that had nothing to do")

    for name in names:
        monkeypatch.setattr(build, name, refuse)


def test_two_builds_in_different_folders_are_byte_identical(built, tmp_path, verified_cache) -> None:
    """The same sources built in another folder give the same .tex files and the same PDF, byte for byte."""
    again = copy_project(tmp_path / "elsewhere", verified_cache)
    build_book(again, lambda line: None)
    assert digests(again) == digests(built)
    assert len(digests(built)) == 9  # the book, seven chapters and the PDF


def test_a_build_with_nothing_changed_does_no_work(built, monkeypatch) -> None:
    """A second build renders, verifies and typesets nothing, and says so."""
    before = digests(built)
    forbid(monkeypatch, "compute", "render_chapter", "verify_chapter", "render_book", "typeset")
    lines: list[str] = []
    assert build_book(built, lines.append) == built.pdf
    assert lines[-1] == "up to date: nothing rendered, verified or typeset"
    assert digests(built) == before


def test_only_what_depends_on_a_change_is_rendered_again(tmp_path, verified_cache, monkeypatch) -> None:
    """A changed spec re-renders its chapter and the chapter that checks its network, no other."""
    project = copy_project(tmp_path, verified_cache)
    build_book(project, lambda line: None)
    spec = project.chapters / "linear-layer.toml"
    spec.write_text(spec.read_text().replace("biases = [0.1, -0.2]", "biases = [0.1, -0.3]"))
    rendered: list[str] = []
    real = build.render_chapter
    monkeypatch.setattr(build, "render_chapter", lambda env, spec, *a: rendered.append(spec.name) or real(env, spec, *a))
    build_book(project, lambda line: None)
    assert sorted(rendered) == ["gradient-checking", "linear-layer"]


def test_a_killed_build_leaves_the_previous_outputs(built, tmp_path) -> None:
    """A build killed while it typesets changes neither the PDF nor the ledgers."""
    project = Project(tmp_path / "project")
    shutil.copytree(built.root, project.root)
    before = {p: p.read_bytes() for p in [project.pdf, *sorted((project.build / "ledger").glob("*.json"))]}
    spec = project.chapters / "worked-example.toml"
    spec.write_text(spec.read_text().replace("learning_rate = 0.1", "learning_rate = 0.2"))
    env = dict(os.environ, PYTHONPATH=str(project.root))
    with subprocess.Popen([sys.executable, "-m", "generator", "build", "--root", str(project.root)],
                          cwd=project.root, env=env, stdout=subprocess.PIPE, text=True,
                          start_new_session=True) as process:
        for line in process.stdout:
            if line.startswith("verify"):  # checks passed: the next stage is TeX
                time.sleep(0.5)
                break
        os.killpg(process.pid, signal.SIGKILL)  # the build and latexmk with it
        process.wait()
    assert process.returncode == -signal.SIGKILL
    assert {p: p.read_bytes() for p in before} == before
    assert not list(project.build.glob(".*.tmp"))


@pytest.mark.parametrize("hostile", [r"\input{/etc/passwd}", r"\immediate\write18{touch pwned}", r"{unbalanced \{"])
def test_text_from_a_spec_prints_as_text(tmp_path, verified_cache, hostile: str) -> None:
    """A title holding TeX commands or unbalanced braces is typeset as those characters, not run."""
    project = copy_project(tmp_path, verified_cache)
    spec = project.chapters / "worked-example.toml"
    title = f"Evil {hostile} end"
    # A TOML literal string: backslashes and braces reach the title as they are.
    spec.write_text(spec.read_text().replace('"A worked example: one gradient step by hand"', f"'{title}'"))
    pdf = build_chapter(project, "worked-example", True, lambda line: None)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert title in " ".join(text.split())
    assert not list(tmp_path.rglob("pwned"))
