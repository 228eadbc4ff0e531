"""Mutations of ledger, spec, template and core each fail the checks and name the culprit."""

from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from generator import core
from generator.build import CheckFailed, Project, check, load_chapters
from generator.compute import compute
from generator.notation import load_notation
from generator.quantities import Quantity
from generator.render import make_environment, render_chapter
from generator.verify import verify_chapter

QUIET = lambda line: None  # noqa: E731


def rendered_chapter(project: Project, spec, core_module=core):
    notation = load_notation(project.notation_file)
    return render_chapter(make_environment(project.templates), spec, compute(spec, core_module), notation), notation


def test_unmutated_chapters_pass(project) -> None:
    """The control: every chapter as it is passes every check (the session verified it from scratch)."""
    checked = check(project, load_chapters(project), QUIET)
    assert [c.spec.name for c in checked.chapters] == [s.name for s in load_chapters(project)]


def test_wrong_number_in_the_ledger_is_named(project, worked_spec) -> None:
    """A printed text that differs from the exact value fails, naming quantity, both values and line."""
    chapter, notation = rendered_chapter(project, worked_spec)
    target = Quantity("activation_gradient", "out", 1, (1,))
    index = next(i for i, e in enumerate(chapter.ledger.entries) if e.quantity == target)
    entry = chapter.ledger.entries[index]
    chapter.ledger.entries[index] = dataclasses.replace(entry, text="0.61000")
    message = "\n".join(map(str, verify_chapter(chapter, notation)))
    assert "chapter worked-example: activation_gradient[out]_1 (example 1): printed 0.61000, exact 0.59718" in message
    assert "the ledger records the text '0.61000', which the chapter's LaTeX does not print" in message
    assert f"({entry.template}:{entry.line})" in message


def test_weight_changed_in_the_spec_without_recomputing_is_caught(project, worked_spec) -> None:
    """Numbers computed from a stale spec disagree with the oracle of the current spec."""
    chapter, notation = rendered_chapter(project, worked_spec)
    hid, out = worked_spec.layers
    changed_row = (Decimal("-1.30"), out.weights[0][1])
    current = dataclasses.replace(
        worked_spec, layers=(hid, dataclasses.replace(out, weights=(changed_row, out.weights[1])))
    )
    failures = verify_chapter(dataclasses.replace(chapter, spec=current), notation)
    messages = "\n".join(map(str, failures))
    assert "weight[out]_1,1: printed -1.40, exact -1.30" in messages
    assert "preactivation[out]_1 (example 1): printed -0.8540, exact -0.793" in messages


def test_numeral_typed_into_a_template_is_named(project_copy, worked_spec) -> None:
    """A number typed into a template's maths fails the scan, naming template file and line."""
    template = project_copy.templates / "chapters" / "worked_example.tex.j2"
    lines = template.read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if r"$<< v.eq.lr() >>$" in line)
    lines[number] = lines[number].replace("<< v.eq.lr() >>", "0.1")
    template.write_text("\n".join(lines) + "\n")
    with pytest.raises(CheckFailed) as failed:
        check(project_copy, load_chapters(project_copy), QUIET)
    (failure,) = failed.value.failures
    assert str(failure).startswith(
        f"chapter worked-example: chapters/worked_example.tex.j2:{number + 1}: numeral '0.1' typed into maths"
    )


def broken_core(tmp_path: Path, old: str, new: str):
    """A copy of generator/core.py with one derivative rule broken, imported as its own module."""
    source = Path(core.__file__).read_text()
    assert source.count(old) == 1, old
    path = tmp_path / "broken_core.py"
    path.write_text(source.replace(old, new))
    spec = importlib.util.spec_from_file_location("broken_core", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["broken_core"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("old", "new", "culprit"),
    [
        ("return dA * A * (1.0 - A)", "return dA * A * (1.0 + A)", "error[out]_1 (example 1)"),
        ("return dA * (Z > 0)", "return dA * (Z >= -1)", "error[hid]_2 (example 1)"),
        ("return 2.0 * (a - y)", "return (a - y)", "activation_gradient[out]_1 (example 1)"),
        ("return dA_prev, dz.T @ a_prev, db", "return dA_prev, dz.T @ a_prev * 2, db", "weight_gradient[hid]_1,1"),
    ],
)
def test_broken_derivative_in_a_copy_of_the_core_is_named(project, worked_spec, tmp_path, old, new, culprit) -> None:
    """A core with one wrong derivative rule fails the oracle check on the quantities it feeds."""
    module = broken_core(tmp_path, old, new)
    with pytest.raises(CheckFailed) as failed:
        check(project, [worked_spec], QUIET, core=module)
    assert any(f"worked-example: {culprit}: printed" in str(f) for f in failed.value.failures)


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [sys.executable, "-m", "generator", *args, "--root", str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )


MUTATED_PROJECTS = {
    "template": (
        "templates/chapters/worked_example.tex.j2",
        r"$<< v.eq.lr() >>$",
        r"$0.1$",
        "numeral '0.1' typed into maths",
    ),
    "core": ("generator/core.py", "dA * A * (1.0 - A)", "dA * A * (1.0 + A)", "error[out]_1 (example 1): printed"),
    "formula": (
        "generator/formulas/catalogue/worked_example.py",
        '(Mul(scalar(2), Entry("a", (_k,)) - Entry("y", (_k,))),),\n        free={_k: "K"},',
        '(Mul(scalar(2), Entry("y", (_k,)) - Entry("a", (_k,))),),\n        free={_k: "K"},',
        "formula sse_gradient: exact check, sizes {'K': 3}: link 1 differs at k=1",
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATED_PROJECTS))
def test_make_pdf_fails_and_keeps_the_last_good_pdf(project_copy, mutation) -> None:
    """`handbook build` on a mutated project exits 1, names the culprit and writes nothing."""
    root = project_copy.root
    for spec in project_copy.chapters.glob("*.toml"):  # one chapter is enough, and quick to re-verify
        if spec.stem != "worked-example":
            spec.unlink()
    relative, old, new, culprit = MUTATED_PROJECTS[mutation]
    path = root / relative
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    last_good = b"%PDF-1.5 the last good handbook"
    (root / "build" / "handbook.pdf").write_bytes(last_good)
    result = run_cli(root, "build")
    assert result.returncode == 1, result.stderr
    assert culprit in result.stderr
    assert "nothing was written" in result.stderr
    assert (root / "build" / "handbook.pdf").read_bytes() == last_good
    assert not (root / "build" / "tex").exists()


def test_an_unchanged_chapter_is_not_verified_again(project, worked_spec, tmp_path, monkeypatch) -> None:
    """A passing ledger's verdict is stored; the same chapter again never asks the oracle; a changed one does."""
    import generator.verify as verify
    from generator.build import store_verdicts

    copy = Project(tmp_path)
    shutil.copytree(project.root, copy.root, dirs_exist_ok=True)
    shutil.rmtree(copy.cache / "ledgers")
    store_verdicts(copy, check(copy, [worked_spec], QUIET), QUIET)
    chapter, _ = rendered_chapter(copy, worked_spec)
    assert (copy.cache / "ledgers" / f"{verify.ledger_key(chapter)}.json").is_file()
    monkeypatch.setattr(verify, "Oracle", None)  # any use of the oracle would now fail
    check(copy, [worked_spec], QUIET)
    tampered = dataclasses.replace(chapter.ledger.entries[0], text="9.99")
    changed = dataclasses.replace(chapter, ledger=dataclasses.replace(chapter.ledger, entries=[tampered]))
    assert verify.ledger_key(changed) != verify.ledger_key(chapter)
