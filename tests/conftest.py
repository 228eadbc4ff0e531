"""Shared fixtures: the real project, copies of it to mutate, and the worked-example spec."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from generator.build import Project
from generator.spec import ChapterSpec, load_spec

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("chapters", "templates", "notation", "generator")


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def worked_spec() -> ChapterSpec:
    return load_spec(ROOT / "chapters" / "worked-example.toml")


@pytest.fixture
def project_copy(tmp_path: Path) -> Project:
    """A copy of the project's sources that a test may change."""
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    return Project(tmp_path)


# Property tests explore new cases locally; CI replays a fixed set so that a landing is repeatable.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
