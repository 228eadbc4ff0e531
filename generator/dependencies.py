"""What an output depends on, as one digest: the one key function every cache uses.

An output (a verdict, a chapter, the PDF) depends on the code that produced it and on the files
and texts it was made from. The code is found from the code itself: the *import closure* of the
module that produced the output, every module of this package that it imports, directly or
through others, at the top of a file or inside a function (read from the source with ``ast``, so
nothing is imported to find it). Imports under ``if TYPE_CHECKING:`` are left out: they never run.
The versions of Python and of the computing packages are part of every digest.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import importlib.util
import json
import platform
from collections.abc import Iterable
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
PACKAGE_NAME = PACKAGE.name
PACKAGES = ("numpy", "sympy", "mpmath", "jinja2", "click", "pygments")


@functools.cache
def versions() -> dict[str, str]:
    """Python and the computing packages, by name (read once per process)."""
    return {"Python": platform.python_version(), **{name: _version(name) for name in PACKAGES}}


def _version(name: str) -> str:
    """A package's version, from the name of its ``NAME-VERSION.dist-info`` folder beside it
    (``importlib.metadata`` gives the same, but importing it costs a build with nothing to do a
    tenth of a second), or from ``importlib.metadata`` where there is no such folder."""
    spec = importlib.util.find_spec(name)  # finds the package without importing it
    if spec is not None and spec.origin is not None:
        prefix = f"{name.lower()}-"
        found = [
            entry.name[len(prefix) : -len(".dist-info")]
            for entry in Path(spec.origin).parent.parent.iterdir()
            if entry.name.lower().startswith(prefix) and entry.name.endswith(".dist-info")
        ]
        if len(found) == 1:  # two would be a broken environment: ask importlib.metadata
            return found[0]
    from importlib import metadata

    return metadata.version(name)


def module_file(name: str, package: Path = PACKAGE) -> Path | None:
    """The source file of module ``name`` (``generator.x.y``) under ``package``, or None."""
    parts = name.split(".")
    if parts[0] != PACKAGE_NAME:
        return None
    base = package.joinpath(*parts[1:])
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterable[str]:
    """Every module name an ``import`` in ``tree`` may load (``from a import b``: ``a`` and ``a.b``)."""
    here = module if is_package else module.rpartition(".")[0]
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from .x import y
                base = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            yield source
            yield from (f"{source}.{alias.name}" for alias in node.names)
        stack.extend(ast.iter_child_nodes(node))


def _parents(name: str) -> list[str]:
    """``a.b.c`` -> ``a``, ``a.b``: importing a submodule runs its packages' ``__init__`` first."""
    parts = name.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def _stamps(paths: Iterable[Path]) -> tuple[tuple[Path, int, int], ...]:
    return tuple((path, (stat := path.stat()).st_mtime_ns, stat.st_size) for path in paths)


_closures: dict[tuple[str, Path], tuple[tuple[tuple[Path, int, int], ...], list[Path]]] = {}


def closure(root: str, package: Path | None = None) -> list[Path]:
    """The source files of ``root`` and of every module of the package it imports, sorted.

    Kept per process and found again when one of its files changed (its time or size): a
    closure changes only when a file in it does."""
    package = package or PACKAGE
    kept = _closures.get((root, package))
    if kept is not None:
        with contextlib.suppress(OSError):
            if _stamps(kept[1]) == kept[0]:
                return list(kept[1])
    found = _find_closure(root, package)
    _closures[root, package] = (_stamps(found), found)
    return list(found)


def _find_closure(root: str, package: Path) -> list[Path]:
    found: dict[str, Path] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        path = module_file(name, package)
        if path is None:
            continue
        found[name] = path
        stat = path.stat()
        todo += [n for n in _imports(path, name, stat.st_mtime_ns, stat.st_size) if n.split(".")[0] == PACKAGE_NAME]
        todo += _parents(name)
    return sorted(found.values())


@functools.lru_cache(maxsize=1024)
def _imports(path: Path, module: str, mtime: int, size: int) -> tuple[str, ...]:
    """The module names one file imports, read again whenever the file changes (its time or size)."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    return tuple(_imported_names(tree, module, path.name == "__init__.py"))


def package_digest(package: Path | None = None) -> str:
    """One digest of every module of the package, by path under it, and of the package versions."""
    package = package or PACKAGE
    sha = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        data = path.read_bytes()
        sha.update(f"{path.relative_to(package).as_posix()}\0{len(data)}\0".encode())
        sha.update(data)
    sha.update(json.dumps(versions(), sort_keys=True).encode())
    return sha.hexdigest()[:32]


def digest(
    code: Iterable[str] = (),
    files: Iterable[Path] = (),
    texts: Iterable[str] = (),
    root: Path | None = None,
    package: Path | None = None,
) -> str:
    """The key of an output made by the modules ``code`` (with their import closures) from
    ``files`` and ``texts``; the package versions are always part of it. Files are named by their
    path under ``root`` (by their own name without one), never by where the project lies."""
    package = package or PACKAGE
    sha = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        sha.update(f"{label}\0{len(data)}\0".encode())
        sha.update(data)

    sources = sorted({path for module in code for path in closure(module, package)})
    for path in sources:
        add(f"code:{path.relative_to(package).as_posix()}", path.read_bytes())
    for path in files:
        label = Path(path).relative_to(root).as_posix() if root is not None else Path(path).name
        add(f"file:{label}", Path(path).read_bytes())
    for text in texts:
        add("text", text.encode("utf-8"))
    add("versions", json.dumps(versions(), sort_keys=True).encode())
    return sha.hexdigest()[:32]
