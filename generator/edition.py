"""The edition printed on the title page: the version (pyproject.toml) and the build date.

The date comes from ``SOURCE_DATE_EPOCH`` (the reproducible-builds convention: seconds since
1970 UTC) when it is set, so that the same sources and the same epoch give a byte-identical PDF;
``make`` sets it from the last commit. Without it the edition's own date below is used. TeX is
given the same epoch, so the PDF's own dates agree with the title page.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

LICENCE, LICENCE_VERSION = "CC BY", "4.0"  # the text's licence; the code's is MIT (LICENSE)
DEFAULT_EPOCH = 1767225600  # 2026-01-01T00:00:00Z: the date of an edition built without SOURCE_DATE_EPOCH
LARGEST_EPOCH = 253402300799  # 9999-12-31T23:59:59Z


class EditionError(ValueError):
    """SOURCE_DATE_EPOCH or pyproject.toml cannot give an edition: says which and why."""


@dataclass(frozen=True)
class Edition:
    version: str
    epoch: int

    @property
    def date(self) -> str:
        """The build date as the title page prints it: ``1 January 2026``."""
        moment = datetime.fromtimestamp(self.epoch, UTC)
        return f"{moment.day} {moment:%B %Y}"


def build_epoch(environ: dict[str, str] | None = None) -> int:
    """``SOURCE_DATE_EPOCH`` if set (a whole number of seconds), else the edition's default."""
    text = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        return DEFAULT_EPOCH
    if not text.isdigit() or int(text) > LARGEST_EPOCH:
        raise EditionError(f"SOURCE_DATE_EPOCH: {text[:40]!r} is not a time (seconds since 1970, at most year 9999)")
    return int(text)


def load_edition(root: Path) -> Edition:
    """The version from ``root/pyproject.toml`` and the build date."""
    path = root / "pyproject.toml"
    try:
        version = tomllib.loads(path.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as error:
        raise EditionError(f"{path}: no [project] version ({type(error).__name__}: {error})") from None
    if not isinstance(version, str) or not version.replace(".", "").isalnum():
        raise EditionError(f"{path}: project.version {version!r} is not a version such as 0.2.0")
    return Edition(version, build_epoch())
