"""Cache keys are found from the code: every module an output's code imports is part of its key."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from generator import core, dependencies
from generator.build import book_key, check, load_chapters
from generator.formulas import formula_key, get_formula, verify_formula
from generator.verify import ledger_key, verify_ledger

# Each cache, by the modules whose import closures its key covers: a formula's verdict covers the
# checks and the core it is checked against.
CACHES = {
    "formula verdict": ("generator.formulas.check", "generator.core"),
    "ledger verdict": ("generator.verify",),
    "book stamp": (),  # every module of the package: the command's closure is (almost) all of it
}


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("package") / "generator"
    shutil.copytree(dependencies.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def keys(project, rendered) -> dict[str, str]:
    """The key of each cache for the worked example, as the build computes it."""
    return {
        "formula verdict": formula_key(get_formula("error_term"), core),
        "ledger verdict": ledger_key(rendered),
        "book stamp": book_key(project),
    }


def test_a_one_byte_change_to_any_module_invalidates_every_cache_that_imports_it(
    project, package_copy, monkeypatch
) -> None:
    """For every module of generator/, one byte more changes exactly the keys whose code imports it
    (the book's stamp: every module)."""
    (rendered,) = check(
        project, [s for s in load_chapters(project) if s.name == "worked-example"], lambda line: None
    ).chapters
    monkeypatch.setattr(dependencies, "PACKAGE", package_copy)
    before = keys(project, rendered)
    modules = sorted(package_copy.rglob("*.py"))
    assert len(modules) > 10
    for module in modules:
        source = module.read_bytes()
        module.write_bytes(source + b"\n")
        try:
            after = keys(project, rendered)
        finally:
            module.write_bytes(source)
        for cache, roots in CACHES.items():
            imported = not roots or any(module in dependencies.closure(root, package_copy) for root in roots)
            assert (after[cache] != before[cache]) == imported, (module.name, cache)
    assert keys(project, rendered) == before


def test_gradcheck_is_part_of_the_formula_verdicts_key() -> None:
    """The formula checks compare against gradcheck.relative_error: its module is in their key."""
    assert dependencies.PACKAGE / "gradcheck.py" in dependencies.closure("generator.formulas.check")


def files_run_by(action) -> set[Path]:
    """The files of this package whose code ran while ``action()`` ran."""
    ran: set[str] = set()

    def profile(frame, event, arg):
        if event == "call":
            ran.add(frame.f_code.co_filename)

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return {Path(name) for name in ran if Path(name).is_relative_to(dependencies.PACKAGE)}


def test_every_module_whose_code_makes_a_verdict_is_in_its_key(project) -> None:
    """The code that runs while a ledger or a formula is verified lies in the import closure of its key's root."""
    specs = [s for s in load_chapters(project) if s.name in ("worked-example", "gradient-checking")]
    rendered = check(project, specs, lambda line: None).chapters
    ledger_code = files_run_by(lambda: [verify_ledger(chapter) for chapter in rendered])
    assert dependencies.PACKAGE / "oracle.py" in ledger_code
    assert ledger_code <= set(dependencies.closure("generator.verify"))
    formula_code = files_run_by(
        lambda: [
            verify_formula(get_formula(name), core)
            for name in ("error_term", "softmax_ce_chain", "relative_error", "wta_error_2")
        ]
    )
    assert dependencies.PACKAGE / "formulas" / "check.py" in formula_code
    assert formula_code <= set(dependencies.closure("generator.formulas.check")) | set(
        dependencies.closure("generator.core")
    )


def test_package_versions_are_importlib_metadatas() -> None:
    """The versions read from the dist-info folders' names are the ones importlib.metadata reports."""
    from importlib import metadata

    dependencies.versions.cache_clear()
    found = dependencies.versions()
    assert {name: found[name] for name in dependencies.PACKAGES} == {
        name: metadata.version(name) for name in dependencies.PACKAGES
    }
