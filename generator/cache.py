"""The cache: verdicts that passed, and what the last good build published, each checked when read.

A cache is a convenience, never a source of truth. Every entry is a JSON file named by its key
(``dependencies.digest`` of everything the entry depends on) that holds the key again, what it
records, and the SHA-256 of its own content. Reading an entry checks all three; an entry that is
cut short, not JSON, tampered with or filed under the wrong key is discarded (one line says so)
and the work it stood for is done again. Entries are written atomically, and only by a build that
passed every check.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Report = Callable[[str], None]
Writer = Callable[[Path, str], None]


def _content_digest(kind: str, key: str, record: Any) -> str:
    canonical = json.dumps({"kind": kind, "key": key, "record": record}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Store:
    """Entries of several kinds under ``folder``/KIND/KEY.json."""

    def __init__(self, folder: Path, report: Report) -> None:
        self.folder = folder
        self.report = report

    def path(self, kind: str, key: str) -> Path:
        return self.folder / kind / f"{key}.json"

    def get(self, kind: str, key: str) -> Any | None:
        """The record stored under ``key``, or None: no entry, or one that failed its check (discarded)."""
        path = self.path(kind, key)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            self._discard(path, f"unreadable ({error})")
            return None
        try:
            entry = json.loads(text)
        except ValueError:
            self._discard(path, "not valid JSON (cut short or overwritten)")
            return None
        if not isinstance(entry, dict) or set(entry) != {"kind", "key", "record", "digest"}:
            self._discard(path, "not a cache entry")
            return None
        if entry["kind"] != kind or entry["key"] != key:
            self._discard(path, "filed under another key")
            return None
        if entry["digest"] != _content_digest(kind, key, entry["record"]):
            self._discard(path, "its content does not match its digest")
            return None
        return entry["record"]

    def put(self, kind: str, key: str, record: Any, write: Writer) -> None:
        """Store ``record`` under ``key`` with ``write`` (an atomic writer)."""
        entry = {"kind": kind, "key": key, "record": record, "digest": _content_digest(kind, key, record)}
        write(self.path(kind, key), json.dumps(entry, sort_keys=True, indent=1) + "\n")

    def _discard(self, path: Path, why: str) -> None:
        self.report(f"cache    discarded {path}: {why}; it is built again")
        with contextlib.suppress(OSError):  # a read-only cache: the entry is ignored all the same
            path.unlink()
