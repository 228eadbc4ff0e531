"""Shared fixtures: the real project, copies of it to mutate, and the worked-example spec."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

from helpers import ROOT, copy_sources

from generator.build import Project
from generator.spec import ChapterSpec, load_spec


@pytest.fixture(scope="session")
def project() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="session")
def worked_spec() -> ChapterSpec:
    return load_spec(ROOT / "chapters" / "worked-example.toml")


@pytest.fixture(scope="session")
def formula_cache(tmp_path_factory) -> Path:
    """Every formula verified once for the whole session; only passing ones leave a stamp."""
    from generator.formula_check import verify_formula
    from generator.formulas import FORMULAS

    cache = tmp_path_factory.mktemp("formula-cache")
    for formula in FORMULAS.values():
        verify_formula(formula, cache)  # a failure leaves no stamp: its own test reports it
    return cache


@pytest.fixture(scope="session")
def verified_cache(tmp_path_factory, formula_cache: Path) -> Path:
    """The stamps of a whole project verified once: every formula and every chapter's ledger.

    Stamps are keyed by what each verdict depends on, so a copy that changes a spec, a template,
    the core or a formula still has the changed parts verified again.
    """
    from generator.build import check, load_chapters

    verified = copy_sources(tmp_path_factory.mktemp("verified"))
    shutil.copytree(formula_cache, verified.formula_cache)
    check(verified, load_chapters(verified), lambda line: None)
    return verified.cache


@pytest.fixture
def project_copy(tmp_path: Path, verified_cache: Path) -> Project:
    """A copy of the project's sources that a test may change, with the session's verified stamps."""
    copy = copy_sources(tmp_path)
    shutil.copytree(verified_cache, copy.cache)
    return copy


# Property tests: a quick profile by default, a thorough one with `pytest --thorough`. CI replays
# a fixed set of cases (derandomized) so that a landing is repeatable.
settings.register_profile("quick", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.register_profile("quick-ci", parent=settings.get_profile("quick"), derandomize=True)
settings.register_profile("thorough-ci", parent=settings.get_profile("thorough"), derandomize=True)


def pytest_addoption(parser) -> None:
    parser.addoption("--thorough", action="store_true",
                     help="run the property tests with many more random cases (minutes, not seconds)")


def pytest_configure(config) -> None:
    profile = "thorough" if config.getoption("--thorough") else "quick"
    settings.load_profile(profile + ("-ci" if os.environ.get("CI") else ""))
