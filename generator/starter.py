"""``handbook new NAME --from CHAPTER``: a starter chapter, a spec and a template that build.

The starter is a copy of an existing chapter under the new name: its spec (comments kept) with the
new chapter's title, template and place at the end of the book, and its template with every label it
defines renamed (``eq:worked-loss`` becomes ``eq:NAME-worked-loss``), so that the two chapters'
cross-references stay apart. The author then changes the network and the prose; ``handbook chapter
NAME`` checks the result. Nothing is overwritten: a spec or template of that name already there, a
bad name or an unknown chapter is bad input (exit 2), and then nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from generator.build import Project, load_chapters, select
from generator.exercises import chapter_exercises
from generator.spec import CHAPTER_NAME, MAX_ORDER, TEMPLATE_FOLDER, ChapterSpec, SpecError
from generator.workspace import OutputError, write_atomic

# Where a template defines a label: \label{...}, the second argument of \handstep, and the label a
# figure call (v.network_figure("fig:..."), v.loss_figure, ...) gives its figure.
_DEFINITIONS = (
    re.compile(r"\\label\{([^{}]+)\}"),
    re.compile(r"\\handstep\{[^{}]*\}\{([^{}]+)\}"),
    re.compile(r"_figure\(\s*\"([^\"]+)\""),
)
# Table [chapter] keys the starter rewrites, one line each.
_CHAPTER_LINE = re.compile(r"^(title|template|order)\s*=.*$", re.MULTILINE)
ORDER_STEP = 10  # the starter comes this far after the last chapter


@dataclass(frozen=True)
class Starter:
    """The files ``new_chapter`` wrote."""

    spec: Path
    template: Path


def template_file_name(name: str) -> str:
    """The template of chapter ``name``: ``regression-example`` has ``regression_example.tex.j2``."""
    return f"{name.replace('-', '_')}.tex.j2"


def defined_labels(template: str) -> list[str]:
    """The labels a template defines, in the order it first defines them."""
    found: dict[str, None] = {}
    for pattern in _DEFINITIONS:
        for match in pattern.finditer(template):
            found.setdefault(match.group(1), None)
    return list(found)


def rename_labels(template: str, name: str) -> str:
    """``template`` with each label it defines, and every reference to it, given the prefix ``name-``
    after its kind (``eq:loss`` becomes ``eq:NAME-loss``); labels of other chapters stay as they are."""
    for label in defined_labels(template):
        kind, colon, rest = label.partition(":")
        renamed = f"{kind}:{name}-{rest}" if colon else f"{name}-{label}"
        template = re.sub(rf"(?<![\w:-]){re.escape(label)}(?![\w:-])", renamed, template)
    return template


def _derive_by_name(text: str, original: ChapterSpec) -> str:
    """``exercises.derive = N`` picks among the results of the chapter's own catalogue module, which a new
    chapter does not have: the starter names the results the original's exercises derive instead."""
    names = [exercise.formula for exercise in chapter_exercises(original) if exercise.kind == "derive"]
    if not names:
        return text
    listed = ", ".join(f'"{name}"' for name in names)
    return re.sub(r"^derive[ \t]*=[ \t]*\d+[ \t]*$", f"derive = [{listed}]", text, count=1, flags=re.MULTILINE)


def new_chapter(project: Project, name: str, source: str) -> Starter:
    """Write ``chapters/NAME.toml`` and its template as a renamed copy of chapter ``source``."""
    spec_path = project.chapters / f"{name}.toml"
    if not CHAPTER_NAME.match(name):
        raise SpecError(spec_path, "(file name)", f"{name!r} is not a chapter name (lower-case letters, digits, '-')")
    specs = load_chapters(project)
    original = select(specs, source)
    template_path = project.templates / TEMPLATE_FOLDER / template_file_name(name)
    for path in (spec_path, template_path):
        if path.exists():
            raise SpecError(path, "(file)", "already exists: handbook new writes a new chapter and overwrites nothing")
    order = min(max(spec.order for spec in specs) + ORDER_STEP, MAX_ORDER)  # a spec that loads, last or tied last
    title = name.replace("-", " ").capitalize()
    lines = {
        "title": f'title = "{title}"',
        "template": f'template = "{template_path.name}"',
        "order": f"order = {order}",
    }
    text = original.path.read_text(encoding="utf-8")
    chapter_table = re.search(
        r"^\[[ \t]*chapter[ \t]*\][ \t]*(?:#[^\n]*)?$(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL
    )
    if chapter_table is None:  # it loaded, so its [chapter] keys are written another way (dotted, inline)
        raise SpecError(
            original.path, "chapter", "handbook new copies a spec whose [chapter] keys stand under a [chapter] header"
        )
    body = _CHAPTER_LINE.sub(lambda m: lines[m.group(1)], chapter_table.group(1))
    for key, line in lines.items():
        if not re.search(rf"^{key}\s*=", body, re.MULTILINE):
            body = f"\n{line}" + body
    spec_text = (
        f"# Started with `handbook new {name} --from {source}`: a copy of {source}'s spec to change.\n"
        + text[: chapter_table.start(1)]
        + body
        + text[chapter_table.end(1) :]
    )
    spec_text = _derive_by_name(spec_text, original)
    template = (project.templates / original.template).read_text(encoding="utf-8")
    write_atomic(template_path, rename_labels(template, name))
    try:
        write_atomic(spec_path, spec_text)
    except OutputError:
        template_path.unlink(missing_ok=True)  # nothing half-written: a template without its spec goes too
        raise
    return Starter(spec_path, template_path)
