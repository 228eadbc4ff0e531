"""Helpers shared by the chapter tests."""

from __future__ import annotations

from generator.build import Project, check, load_chapters, select


def printed(rendered, quantity) -> set[str]:
    """The texts a rendered chapter printed for ``quantity``."""
    return {e.text for e in rendered.ledger.entries if e.quantity == quantity}


def render_checked(project: Project, name: str):
    """The chapter ``name`` rendered and passed through every check."""
    (chapter,) = check(project, [select(load_chapters(project), name)], lambda line: None).rendered
    return chapter
