"""The notation table: symbols as LaTeX macros, loaded from ``notation/<profile>.toml``.

Templates and formulas write ``\\weightentry{out}{1}{1}``, never ``W``; the profile decides how
that prints (invariant 6). A profile also says which macro arguments are indices, which the
numeral scan accepts as structural.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from generator.spec import SpecError

MACRO_NAME = re.compile(r"^[a-zA-Z]+$")


@dataclass(frozen=True)
class Macro:
    """One notation macro: ``\\name`` with ``args`` arguments expanding to ``body``."""

    name: str
    args: int
    body: str
    structural: tuple[int, ...]


@dataclass(frozen=True)
class Notation:
    """A notation profile."""

    name: str
    description: str
    macros: tuple[Macro, ...]

    def latex_definitions(self) -> str:
        """``\\newcommand`` lines for every macro (``\\newcommand`` so that a clash is an error)."""
        lines = []
        for macro in self.macros:
            arity = f"[{macro.args}]" if macro.args else ""
            lines.append(f"\\newcommand{{\\{macro.name}}}{arity}{{{macro.body}}}")
        return "\n".join(lines) + "\n"

    def structural_arguments(self) -> dict[str, tuple[int, ...]]:
        """For each macro with index arguments, the 1-based positions of those arguments."""
        return {m.name: m.structural for m in self.macros if m.structural}


def load_notation(path: Path) -> Notation:
    """Read and validate one notation profile."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(path, "(file)", "no such notation profile") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(path, "(syntax)", str(error)) from None
    macros = []
    table = data.get("macros")
    if not isinstance(table, dict) or not table:
        raise SpecError(path, "macros", "missing or empty")
    for name, entry in table.items():
        field = f"macros.{name}"
        if not MACRO_NAME.match(name):
            raise SpecError(path, field, "a macro name is letters only")
        if not isinstance(entry, dict) or not isinstance(entry.get("body"), str):
            raise SpecError(path, f"{field}.body", "missing or not a string")
        args = entry.get("args", 0)
        if isinstance(args, bool) or not isinstance(args, int) or not 0 <= args <= 9:
            raise SpecError(path, f"{field}.args", f"expected 0 to 9, got {args!r}")
        structural = entry.get("structural", [])
        if not isinstance(structural, list) or any(
            isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= args for i in structural
        ):
            raise SpecError(path, f"{field}.structural", f"expected argument positions 1..{args}")
        macros.append(Macro(name, args, entry["body"], tuple(structural)))
    return Notation(str(data.get("name", path.stem)), str(data.get("description", "")), tuple(macros))
