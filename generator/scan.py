"""The numeral scan (invariant 4): no number typed by hand into maths or a table.

It reads a rendered chapter with its provenance marks. A digit inside maths (``$...$``, ``\\[``,
``\\(``, math environments) or a table (``tabular``) is a violation unless generator code wrote
it (ledger numbers, formulas, ``idx``), it sits in a structural argument (an index argument of
a notation macro, ``\\st{...}``, labels and references, a tabular's column spec), or it is a TeX
length such as ``2pt``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator import provenance

MATH_ENVIRONMENTS = frozenset(
    {
        "equation",
        "equation*",
        "align",
        "align*",
        "gather",
        "gather*",
        "multline",
        "multline*",
        "displaymath",
        "math",
        "alignat",
        "alignat*",
        "flalign",
        "flalign*",
    }
)
TABLE_ENVIRONMENTS = frozenset({"tabular", "tabular*", "tabularx", "longtable"})
# Arguments that are never values: references, lengths, and the explicit structural mark \st.
BUILTIN_STRUCTURAL = {
    "st": (1,),
    "label": (1,),
    "ref": (1,),
    "cref": (1,),
    "Cref": (1,),
    "eqref": (1,),
    "pageref": (1,),
    "hspace": (1,),
    "vspace": (1,),
    "multicolumn": (1, 2),
    "cmidrule": (1,),
    "begin": (1,),
    "end": (1,),
}
# Arguments after \begin{env} that are structural: the column spec, alignat's column count.
ENVIRONMENT_ARGUMENTS = {"tabular": 1, "tabular*": 2, "tabularx": 2, "longtable": 1, "alignat": 1, "alignat*": 1}
_DIMENSION = re.compile(r"[0-9]*\.?[0-9]+\s*(?:pt|em|ex|cm|mm|in|bp|sp|mu|pc|dd|cc)(?![a-zA-Z])")
_NUMERAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")


@dataclass(frozen=True)
class Violation:
    """A numeral typed by hand into maths or a table."""

    template: str
    line: int
    numeral: str
    context: str

    def __str__(self) -> str:
        return (
            f"{self.template}:{self.line}: numeral {self.numeral!r} typed into maths or a table "
            f"(print computed values with v.*, indices with idx or \\st): {self.context}"
        )


def _brace_group_end(text: str, start: int) -> int:
    """Index just past the brace group opening at ``start``."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def _arguments(text: str, start: int, count: int) -> list[tuple[int, int]]:
    """Spans of the next ``count`` brace arguments after ``start``, skipping [..] and (..) options."""
    spans: list[tuple[int, int]] = []
    i = start
    while len(spans) < count and i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "[(":
            close = "]" if c == "[" else ")"
            end = text.find(close, i)
            i = len(text) if end < 0 else end + 1
        elif c == "{":
            end = _brace_group_end(text, i)
            spans.append((i, end))
            i = end
        else:
            break
    return spans


def scan(marked: str, structural: dict[str, tuple[int, ...]]) -> list[Violation]:
    """All hand-typed numerals in maths or tables of a marked rendering."""
    text, origins = provenance.annotate(marked)
    rules = {**BUILTIN_STRUCTURAL, **structural}
    exempt = bytearray(len(text))
    violations: list[Violation] = []
    inline_math = display_math = False
    math_envs = table_envs = 0
    i = 0
    while i < len(text):
        c = text[i]
        if c == "%":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if c == "\\":
            word = re.match(r"[a-zA-Z]+", text[i + 1 :])
            if word is None:
                nxt = text[i + 1 : i + 2]
                if nxt in ("[", "("):
                    display_math = True
                elif nxt in ("]", ")"):
                    display_math = False
                i += 2
                continue
            name = word.group()
            after = i + 1 + len(name)
            if name in ("begin", "end"):
                spans = _arguments(text, after, 1)
                if spans:
                    env = text[spans[0][0] + 1 : spans[0][1] - 1]
                    step = 1 if name == "begin" else -1
                    if env in MATH_ENVIRONMENTS:
                        math_envs += step
                    if env in TABLE_ENVIRONMENTS:
                        table_envs += step
                    if name == "begin" and env in ENVIRONMENT_ARGUMENTS:
                        spans += _arguments(text, spans[0][1], ENVIRONMENT_ARGUMENTS[env])
                    for s, e in spans:
                        exempt[s:e] = b"\x01" * (e - s)
            elif name in rules:
                positions = rules[name]
                for number, (s, e) in enumerate(_arguments(text, after, max(positions)), start=1):
                    if number in positions:
                        exempt[s:e] = b"\x01" * (e - s)
            i = after
            continue
        if c == "$":
            if text.startswith("$$", i):
                display_math = not display_math
                i += 2
            else:
                inline_math = not inline_math
                i += 1
            continue
        if "0" <= c <= "9":
            dimension = _DIMENSION.match(text, i)
            numeral = _NUMERAL.match(text, i)
            assert numeral is not None
            end = dimension.end() if dimension else numeral.end()
            in_scope = inline_math or display_math or math_envs > 0 or table_envs > 0
            by_hand = any(not origins[j].generated and not exempt[j] for j in range(i, numeral.end()))
            if in_scope and by_hand and dimension is None:
                origin = origins[i]
                line_start = text.rfind("\n", 0, i) + 1
                line_end = text.find("\n", i)
                context = text[line_start : len(text) if line_end < 0 else line_end].strip()
                violations.append(Violation(origin.template, origin.line, numeral.group(), context[:120]))
            i = end
            continue
        i += 1
    return violations
