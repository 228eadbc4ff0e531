"""What each output depends on, and the store of chapters that already passed every check.

A chapter's key hashes everything its rendering and verdict depend on: its spec (and the specs
of the networks it checks), its template and every template that one includes or imports, the
notation table, the generator's own code and the versions of the packages that compute. A
chapter whose key has a stored entry is neither rendered nor verified again; the entry holds its
LaTeX, its ledger and a summary for the verification appendix. Entries are written atomically,
only after the chapter passed.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import jinja2
import jinja2.meta

from generator.ledger import BOUND_KINDS
from generator.render import RenderedChapter
from generator.spec import ChapterSpec

PACKAGES = ("numpy", "sympy", "mpmath", "jinja2")
# Ledger kinds whose oracle is mpmath's high-precision evaluation of the exact loss, not SymPy's.
HIGH_PRECISION_KINDS = frozenset({"numerical_gradient", "relative_error"}) | BOUND_KINDS
GENERATOR = Path(__file__).resolve().parent


def versions() -> dict[str, str]:
    """Python and the computing packages, by name."""
    return {"Python": platform.python_version(), **{name: metadata.version(name) for name in PACKAGES}}


def code_digest() -> str:
    """A hash of the generator's code and of the versions that compute with it."""
    digest = hashlib.sha256()
    for path in sorted(GENERATOR.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(versions(), sort_keys=True).encode())
    return digest.hexdigest()


def template_closure(env: jinja2.Environment, name: str) -> list[str]:
    """``name`` and every template it includes, imports or extends, recursively, sorted."""
    found, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        source = env.loader.get_source(env, current)[0]
        todo += [t for t in jinja2.meta.find_referenced_templates(env.parse(source)) if t is not None]
    return sorted(found)


def files_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def chapter_key(spec: ChapterSpec, env: jinja2.Environment, templates: Path, notation_file: Path, code: str) -> str:
    """The hash of everything a chapter's text and verdict depend on."""
    inputs = [spec.path, *(other.path for other in spec.check_networks), notation_file]
    inputs += [templates / name for name in template_closure(env, spec.template)]
    digest = hashlib.sha256(files_digest(inputs).encode())
    digest.update(code.encode())
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class CheckedChapter:
    """A chapter that passed every check: its LaTeX, its ledger and what the appendix reports."""

    spec: ChapterSpec
    tex: str
    ledger_json: str
    formulas: int
    exact_numbers: int
    high_precision_numbers: int

    @classmethod
    def of(cls, rendered: RenderedChapter) -> CheckedChapter:
        kinds = [entry.quantity.kind for entry in rendered.ledger.entries]
        high = sum(kind in HIGH_PRECISION_KINDS for kind in kinds)
        return cls(rendered.spec, rendered.tex, rendered.ledger.to_json(), len(rendered.formulas),
                   len(kinds) - high, high)

    @property
    def numbers(self) -> int:
        return self.exact_numbers + self.high_precision_numbers


class ChapterStore:
    """Checked chapters by key, under ``folder`` (one subfolder per chapter and key)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _entry(self, spec: ChapterSpec, key: str) -> Path:
        return self.folder / f"{spec.name}-{key}"

    def load(self, spec: ChapterSpec, key: str) -> CheckedChapter | None:
        entry = self._entry(spec, key)
        try:
            summary = json.loads((entry / "summary.json").read_text())
            return CheckedChapter(spec, (entry / "chapter.tex").read_text(), (entry / "ledger.json").read_text(),
                                  summary["formulas"], summary["exact_numbers"], summary["high_precision_numbers"])
        except (OSError, ValueError, KeyError):
            return None  # no entry, or one cut short: check the chapter again

    def save(self, chapter: CheckedChapter, key: str, write) -> None:
        """Store a checked chapter; ``write`` is an atomic writer. The summary goes last: it marks completeness."""
        entry = self._entry(chapter.spec, key)
        write(entry / "chapter.tex", chapter.tex)
        write(entry / "ledger.json", chapter.ledger_json)
        summary = {"formulas": chapter.formulas, "exact_numbers": chapter.exact_numbers,
                   "high_precision_numbers": chapter.high_precision_numbers}
        write(entry / "summary.json", json.dumps(summary, sort_keys=True) + "\n")
