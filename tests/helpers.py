"""Helpers shared by the chapter tests."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from decimal import Decimal
from pathlib import Path

from generator.build import BOOK_TEX, Project, check, load_chapters, select
from generator.notation import load_notation
from generator.project import edition
from generator.typeset import typeset
from generator.verify import verify_chapter

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("chapters", "templates", "notation", "generator", "sheets")
SOURCE_FILES = ("pyproject.toml",)  # the edition's version


def copy_sources(root: Path) -> Project:
    """A copy of the project's sources under ``root`` (no build/)."""
    for name in SOURCES:
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in SOURCE_FILES:
        shutil.copy2(ROOT / name, root / name)
    return Project(root)


def tree_digest(folder: Path) -> dict[str, str]:
    """The SHA-256 of every file under ``folder``, by relative path (empty when it does not exist)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
        for p in sorted(folder.rglob("*"))
    }


def printed(rendered, quantity) -> set[str]:
    """The texts a rendered chapter printed for ``quantity``."""
    return {e.text for e in rendered.ledger.entries if e.quantity == quantity}


def printed_value(rendered, quantity) -> Decimal:
    """The one text printed for ``quantity``, as a number."""
    (text,) = printed(rendered, quantity)
    return Decimal(text)


def render_checked(project: Project, name: str):
    """The chapter ``name`` rendered and passed through every check."""
    (chapter,) = check(project, [select(load_chapters(project), name)], lambda line: None).chapters
    return chapter


def verify_tampered(project: Project, rendered, matches, text: str) -> list:
    """The failures of ``rendered`` with the first entry that ``matches`` printed as ``text`` instead,
    in its ledger and on its page alike (so that only the oracle can tell)."""
    index = next(i for i, e in enumerate(rendered.ledger.entries) if matches(e.quantity))
    entries = list(rendered.ledger.entries)
    old = entries[index].text
    occurrence = sum(e.text == old for e in entries[:index])
    entries[index] = dataclasses.replace(entries[index], text=text)
    pieces = rendered.marked.split(rf"\num{{{old}}}")
    marked = (
        rf"\num{{{old}}}".join(pieces[: occurrence + 1])
        + rf"\num{{{text}}}"
        + rf"\num{{{old}}}".join(pieces[occurrence + 1 :])
    )
    tampered = dataclasses.replace(
        rendered, marked=marked, ledger=dataclasses.replace(rendered.ledger, entries=entries)
    )
    return verify_chapter(tampered, load_notation(project.notation_file))


def copy_typeset_sources(kept: Path, folder: Path) -> Path:
    """Copy the sources a typeset kept in ``kept`` (the book's .tex, its bibliography, its chapters) into
    the empty ``folder``; return the book's .tex there."""
    for name in (BOOK_TEX, "references.bib", "chapters"):
        (shutil.copytree if (kept / name).is_dir() else shutil.copyfile)(kept / name, folder / name)
    return folder / BOOK_TEX


def typeset_from_nothing(project: Project, kept: Path, folder: Path) -> bytes:
    """The PDF of the sources a typeset kept in ``kept``, typeset again in the empty ``folder`` without seeds."""
    return typeset(copy_typeset_sources(kept, folder), epoch=edition(project).epoch).read_bytes()


def page_problems_after_edit(project: Project, chapter: str, old: str, new: str, find) -> tuple[str, int, list, list]:
    """A check of one rendered chapter (``find(rendered, notation)``, no oracle) before and after the
    first ``old`` of the chapter's template becomes ``new``: the template, the line edited, the
    problems before and the problems after."""
    from generator.compute import compute
    from generator.render import make_environment, render_chapter
    from generator.spec import load_spec

    spec = load_spec(project.chapters / f"{chapter}.toml")
    notation = load_notation(project.notation_file)
    computation = compute(spec)

    def problems() -> list:
        rendered = render_chapter(make_environment(project.templates), spec, computation, notation)
        return [str(problem) for problem in find(rendered, notation)]

    path = project.templates / spec.template
    source = path.read_text(encoding="utf-8")
    assert old in source, f"{old!r} is not in {spec.template}"
    before = problems()
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    return spec.template, source[: source.index(old)].count("\n") + 1, before, problems()
