"""Where a handbook lives and whether its outputs are current: the light part of the pipeline.

``Project`` names the sources and outputs of one notation profile; ``book_key`` and ``site_key``
are what the PDF and the site depend on; ``up_to_date`` says whether the last good build made
them from exactly these sources. Nothing here imports the computing packages (NumPy, SymPy,
Jinja2): a build with nothing to do decides so in a fraction of a second
(``generator.cli`` asks this module before it loads the pipeline, ``generator.build``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator import dependencies, workspace
from generator.cache import Store
from generator.edition import Edition, EditionError, load_edition
from generator.typeset import tex_version

PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
BOOK_STAMP = "book"
DEFAULT_NOTATION = "default"  # the profile a project prints in unless told otherwise
BIBLIOGRAPHY = "references.bib"  # under templates/, beside the book shell that cites it


class ProjectError(Exception):
    """The project folder or the profile asked for does not exist: bad input."""


@dataclass(frozen=True)
class Project:
    """Where a handbook's sources and outputs live, and the notation profile to print it in."""

    root: Path
    notation: str = DEFAULT_NOTATION
    jobs: int = 1  # processes that verify side by side

    @property
    def chapters(self) -> Path:
        return self.root / "chapters"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def notation_folder(self) -> Path:
        return self.root / "notation"

    @property
    def notation_file(self) -> Path:
        return self.notation_folder / f"{self.notation}.toml"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def cache(self) -> Path:
        """Stored verdicts (shared by every profile: they depend on content only) and each profile's stamp."""
        return self.build / "cache"

    @property
    def suffix(self) -> str:
        """PDFs of another profile than the default carry its name: handbook-note002.pdf."""
        return "" if self.notation == DEFAULT_NOTATION else f"-{self.notation}"

    @property
    def pdf(self) -> Path:
        return self.build / f"handbook{self.suffix}.pdf"

    @property
    def tex(self) -> Path:
        """The .tex files and TeX's log of this profile's last typeset book."""
        return self.build / "tex" / self.notation

    @property
    def ledgers(self) -> Path:
        return self.build / "ledger" / self.notation

    @property
    def site(self) -> Path:
        """The web edition: ``build/html/`` for the default profile, ``build/html-PROFILE/`` for another."""
        return self.build / f"html{self.suffix}"

    def validate(self) -> None:
        """Bad input before anything is read: no such folder, no chapters in it, a path as a profile name."""
        if not self.root.is_dir():
            raise ProjectError(f"{self.root}: no such folder (--root names the project folder)")
        if not self.chapters.is_dir():
            raise ProjectError(f"{self.root}: not a handbook project: it has no chapters/ folder")
        if not PROFILE_NAME.match(self.notation):
            from generator.notation import profile_names

            raise ProjectError(
                f"--notation: {self.notation!r} is not a profile name (profiles: "
                f"{', '.join(profile_names(self.notation_folder)) or 'none'})"
            )


def edition(project: Project) -> Edition:
    """The edition the title page prints (bad SOURCE_DATE_EPOCH or pyproject.toml: bad input)."""
    try:
        return load_edition(project.root)
    except EditionError as error:
        raise ProjectError(str(error)) from None


def digest_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def book_key(project: Project) -> str:
    """Everything the PDF and the ledgers depend on: the code (every module of the package), every spec,
    template and notation profile, the profile asked for, and TeX."""
    sources = [
        *project.chapters.glob("*.toml"),
        *project.templates.rglob("*.j2"),
        project.templates / BIBLIOGRAPHY,
        *project.notation_folder.glob("*.toml"),
    ]
    for path in sources:
        if path.exists() and not path.is_file():  # a FIFO's read would block: the pipeline names it
            raise ProjectError(f"{path}: not a regular file")
    book_edition = edition(project)
    texts = (project.notation, tex_version(), book_edition.version, str(book_edition.epoch))
    # The command's import closure is the whole package (every module but __main__ and the browser
    # tests' driver): hashing every module spares parsing seventy files on a build with nothing to do.
    return dependencies.digest(files=sorted(sources), root=project.root, texts=(dependencies.package_digest(), *texts))


def site_key(project: Project) -> str:
    """Everything a site depends on beyond the book: its code (in the book's key), LaTeXML's
    bindings, the style sheet, and the versions of LaTeXML and MathJax."""
    from generator import web  # the web edition's tools are asked only for a site

    return dependencies.digest(files=web.files(), texts=(book_key(project), *web.tool_versions()))


def tree_digest(folder: Path) -> str:
    """One digest of every file under ``folder``, by relative path."""
    sha = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        sha.update(f"{path.relative_to(folder).as_posix()}\0".encode())
        sha.update(digest_bytes(path.read_bytes()).encode())
    return sha.hexdigest()


def stamp_outputs(project: Project, ledgers: dict[str, str], site: str | None) -> dict[str, object]:
    """What a build's stamp records of its outputs, for ``up_to_date`` to compare."""
    outputs: dict[str, object] = {"pdf": digest_bytes(project.pdf.read_bytes()), "ledgers": ledgers}
    if site is not None:
        outputs["site"] = {"key": site, "digest": tree_digest(project.site)}
    return outputs


def up_to_date(project: Project, key: str, store: Store, site: str | None = None) -> bool:
    """Whether this profile's PDF and ledgers (and, given the site's key, its site) are the ones the
    last good build made from these sources."""
    stamp = store.get(project.notation, BOOK_STAMP)
    if not isinstance(stamp, dict) or stamp.get("key") != key:
        return False
    ledgers = stamp.get("ledgers")
    if not isinstance(ledgers, dict):
        return False
    try:
        found = {path.stem: digest_bytes(path.read_bytes()) for path in project.ledgers.glob("*.json")}
        if found != ledgers or stamp.get("pdf") != digest_bytes(project.pdf.read_bytes()):
            return False
        if site is None:
            return True
        made = stamp.get("site")
        return (
            isinstance(made, dict)
            and made.get("key") == site
            and project.site.is_dir()
            and made.get("digest") == tree_digest(project.site)
        )
    except OSError:
        return False


def report_if_current(project: Project, progress: Callable[[str], None], wait: bool = True) -> bool:
    """Whether this profile's PDF and ledgers are current (saying so through ``progress``): what
    ``handbook build`` asks before it loads the pipeline, under the build folder's lock."""
    project.validate()  # an unknown profile has no stamp: the build that follows names it
    with workspace.locked(project.build, wait, progress):
        try:
            key = book_key(project)
        except (OSError, ProjectError):  # an unreadable source: the pipeline names it
            return False
        if not up_to_date(project, key, Store(project.cache, progress)):
            return False
    chapters = len(list(project.chapters.glob("*.toml")))
    progress(f"spec     {chapters} chapter(s), unchanged since {project.pdf} was built")
    progress("up to date: nothing rendered, verified or typeset")
    return True
