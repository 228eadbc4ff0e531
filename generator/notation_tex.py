"""After a failed typeset: was it a notation macro's body? Each macro typeset alone behind the book's
own preamble says which one TeX cannot typeset, so that the error is the profile's field (bad input)
rather than a line of the generated source.

Only a failed typeset pays for this (one TeX pass over the preamble); a good one never runs it.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

from generator.notation import Macro, Notation, defined_at
from generator.spec import SpecError
from generator.typeset import TexError, TypesetError, parse_log

PROBE = "notation-probe"
_BEGIN = "\\begin{document}"
_ERROR_AT = re.compile(rf"^(?:\./)?{PROBE}\.tex:(?P<line>\d+): ", re.MULTILINE)
# Letters for the arguments of a macro the list of symbols does not show (a transpose's companion).
_PLACEHOLDERS = ("\\ell", "k", "t")


def macro_error(profile: Path, notation: Notation, book: Path, error: TypesetError) -> SpecError | None:
    """The profile's error behind ``error``, the failed typeset of ``book``: the first macro (one whose
    body uses no other failing macro) that TeX cannot typeset alone, named by the file and field of the
    profile ``profile`` (or of one it extends) that spells it; None when every macro typesets alone, so
    that the failure lies elsewhere."""
    try:
        source = book.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if _BEGIN not in source:
        return None
    found = failing_macro(notation, source[: source.index(_BEGIN)])
    if found is None:
        return None
    macro, tex = found
    where = defined_at(profile, macro.name)
    if where is None:
        return None
    at = f" at {tex.at} in its body" if tex.macro == macro.name and tex.at else ""
    stopped = error.error.context if error.error is not None else ""
    used = f" (the book stopped at: {stopped})" if re.search(rf"\\{macro.name}(?![A-Za-z])", stopped) else ""
    return SpecError(where[0], where[1], f"TeX cannot typeset \\{macro.name}: {tex.message.rstrip('.')}{at}{used}")


def probe_document(notation: Notation, preamble: str) -> tuple[str, dict[int, Macro]]:
    """A document of ``preamble`` and every macro of ``notation`` on a line of its own, in a formula of
    the text, of a table's cell and of a display; and which line holds which macro."""
    lines = preamble.splitlines() + [_BEGIN]
    at: dict[int, Macro] = {}
    for macro in notation.macros:
        at[len(lines) + 1] = macro
        used = f"{{\\{macro.name}{''.join(f'{{{a}}}' for a in _arguments(notation, macro))}}}"
        # in the places the book sets its symbols: running text, a table's cell, a display
        lines.append(
            f"\\noindent\\({used}\\) \\begin{{tabular}}{{@{{}}l@{{}}}}\\({used}\\)\\end{{tabular}}\\[{used}\\]\\par"
        )
    lines.append("\\end{document}")
    return "\n".join(lines) + "\n", at


def _arguments(notation: Notation, macro: Macro) -> tuple[str, ...]:
    shown = macro.shown
    if not shown and macro.companion:
        shown = notation.macro(macro.name.removesuffix("T")).shown
    return shown if len(shown) == macro.args else _PLACEHOLDERS[: macro.args]


def failing_macro(notation: Notation, preamble: str) -> tuple[Macro, TexError] | None:
    """The macro of ``notation`` that TeX cannot typeset behind ``preamble`` (the root one, whose body
    uses no other failing macro), with TeX's error; None when each typesets."""
    document, at = probe_document(notation, preamble)
    with tempfile.TemporaryDirectory(prefix="handbook-probe-") as folder:
        (Path(folder) / f"{PROBE}.tex").write_text(document, encoding="utf-8")
        command = ["pdflatex", "-draftmode", "-interaction=nonstopmode", "-file-line-error", "-no-shell-escape"]
        env = dict(os.environ, openout_any="p", openin_any="p")
        try:
            subprocess.run([*command, f"{PROBE}.tex"], cwd=folder, env=env, capture_output=True, timeout=300)
            log = (Path(folder) / f"{PROBE}.log").read_text(errors="replace")
        except (OSError, subprocess.TimeoutExpired):
            return None
    failing: list[tuple[Macro, TexError]] = []
    for match in _ERROR_AT.finditer(log):
        macro = at.get(int(match["line"]))
        tex = parse_log(log[match.start() :])
        if macro is not None and tex is not None and macro not in (m for m, _ in failing):
            failing.append((macro, tex))
    names = {macro.name for macro, _ in failing}
    for macro, tex in failing:  # the root of the failures: a macro whose body calls none of the others
        calls = any(re.search(rf"\\{name}(?![A-Za-z])", macro.body) for name in names - {macro.name})
        copied = macro.companion and macro.name.removesuffix("T") in names  # a transpose copies its body
        if not (calls or copied):
            return macro, tex
    return failing[0] if failing else None
