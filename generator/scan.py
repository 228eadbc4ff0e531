"""The scan of rendered LaTeX (invariants 4 and 8): nothing about the network is typed by hand.

It reads a rendered chapter with its provenance marks (``generator.provenance``) and finds:

* **numerals typed by hand**, anywhere in the text after ``\\begin{document}`` (prose included),
  unless in a structural place: an index argument of a notation macro, ``\\st{...}``, labels,
  references and citations, ``\\texttt{...}`` (names of files and code), environment names and
  tabular column specs, lengths such as ``4pt``;
* **relations typed by hand** in mathematics (``=``, ``<``, ``\\le``, ``\\approx``, ``\\in`` ...)
  where the same formula holds a quantity's symbol or a ledger value: a relation about the
  network is a checked formula, a step or a labelled value, all generated;
* **values without their symbol**: a ledger value printed on its own may stand only in a table
  cell whose row label and column label (both generated) name it;
* **mistakes out of place**: a formula shown as a mistake only inside a ``mistakes`` box;
* **plotted values out of place**: a ledger value drawn as a plot's coordinate only inside the
  axes of a pgfplots picture, and ``\\plotvalue`` never typed by hand.

A listing of the core's source (``LISTING_ENVIRONMENT``, written by ``generator.listings``) is code:
its digits are not printed numbers, and the scan skips it whole; a listing a template typed is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Protocol

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
MISTAKES_ENVIRONMENT = "mistakes"
# A listing of the core's source (``generator.listings``): code, whose digits are no printed numbers.
# The scan skips it whole; only generator code may open one.
LISTING_ENVIRONMENT = "corelisting"
# The axes of a pgfplots picture: a ledger value drawn as a coordinate (``\\plotvalue{...}``,
# ``provenance.PLOTTED``) must stand inside one, where pgfplots reads it as a number and the axes and
# the caption say what it is; anywhere else it would print as a bare number without its symbol.
PLOT_ENVIRONMENTS = frozenset({"axis", "groupplot", "semilogxaxis", "semilogyaxis", "loglogaxis"})
PLOT_VALUE_MACRO = "plotvalue"
# Arguments that are never values: references, lengths, names, and the explicit structural mark \st.
BUILTIN_STRUCTURAL = {
    "st": (1,),
    "sourcename": (1,),
    "handstep": (2,),
    "label": (1,),
    "ref": (1,),
    "cref": (1,),
    "Cref": (1,),
    "eqref": (1,),
    "pageref": (1,),
    "cite": (1,),
    "index": (1,),
    "hspace": (1,),
    "vspace": (1,),
    "multicolumn": (1, 2),
    "cmidrule": (1,),
    "begin": (1,),
    "end": (1,),
    "texttt": (1,),
    "input": (1,),
    "needspace": (1,),
    "Needspace": (1,),
    "addvspace": (1,),
    "url": (1,),
    "href": (1,),
    "setcounter": (1, 2),
    "addtocounter": (1, 2),
    "includegraphics": (1,),
}
# Citations: the key and the optional place in the work cited ("equation (10)") are not values.
CITATIONS = frozenset({"cite", "parencite", "textcite"})
# Arguments after \begin{env} that are structural: the column spec, alignat's column count.
ENVIRONMENT_ARGUMENTS = {"tabular": 1, "tabular*": 2, "tabularx": 2, "longtable": 1, "alignat": 1, "alignat*": 1}
_DIMENSION = re.compile(r"[0-9]*\.?[0-9]+\s*(?:pt|em|ex|cm|mm|in|bp|sp|mu|pc|dd|cc)(?![a-zA-Z])")
_NUMERAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# A letter inside the argument of one of these is part of a word or a name, not a symbol.
_IN_WORD_MACRO = re.compile(r"\\(?:mathrm|text|textrm|textit|operatorname|mathsf|label|ref|cref|eqref)\{[^{}$]*$")
RELATION_CHARACTERS = "=<>"
RELATION_MACROS = frozenset(
    {"le", "leq", "ge", "geq", "ne", "neq", "approx", "leftarrow", "gets", "in", "sim", "simeq", "equiv", "lt", "gt"}
    # and those that state as much about two quantities in other words (\to in a limit does not)
    | {"propto", "ll", "gg", "leqslant", "geqslant", "lesssim", "gtrsim", "asymp", "cong", "doteq", "coloneqq"}
)
# siunitx's macros that print a number (and the book's \\numword): a number typed into one looks exactly like
# a ledger value and is not one, so a digit typed into their number arguments is refused wherever it stands
# (even inside an argument that is otherwise structural). How many leading arguments are numbers.
NUMBER_MACROS = {
    "num": 1,
    "numword": 1,
    "numlist": 1,
    "numproduct": 1,
    "numrange": 2,
    "SI": 1,
    "qty": 1,
    "SIlist": 1,
    "qtylist": 1,
    "SIrange": 2,
    "qtyrange": 2,
    "ang": 1,
    "tablenum": 1,
}
STRUCTURAL_MARK = "st"  # \st{...}: a structural whole number, checked against the chapter's spec


class StructuralNumbers(Protocol):
    """What ``\\st{...}`` may hold (``generator.spec.StructuralNumbers``)."""

    def allows(self, number: int) -> bool: ...

    def described(self) -> str: ...


# Notation macros that name no quantity of the network: they may stand beside a typed relation.
STRUCTURAL_MACROS = frozenset({"layer", "units", "reals", "st", "ones", "onevector"})


@dataclass(frozen=True)
class Violation:
    """Something typed by hand that the book must generate."""

    template: str
    line: int
    what: str
    context: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.what}: {self.context}"


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
        if c.isspace() or (c == "*" and i == start):  # \vspace*{...}: the star form takes the same argument
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


@dataclass
class _Group:
    """One formula (inline or displayed) being read: where it starts and ends, what it holds."""

    start: int
    relations: list[int]
    symbols: bool = False  # a quantity's notation macro stands in it
    end: int = -1


class _Reader:
    """One pass over the final text with its origins; collects violations."""

    def __init__(self, marked: str, structural: dict[str, tuple[int, ...]], quantity_macros: frozenset[str]) -> None:
        self.text, self.origins, self.roles = provenance.annotate_with_roles(marked)
        self.rules = {**BUILTIN_STRUCTURAL, **structural}
        self.quantity_macros = quantity_macros
        self.exempt = bytearray(len(self.text))
        self.violations: list[Violation] = []
        body = self.text.find(r"\begin{document}")
        self.body_start = 0 if body < 0 else body  # a chapter has no preamble; the book's is configuration

    def typed(self, i: int) -> bool:
        return not self.origins[i].generated and not self.exempt[i]

    def context(self, i: int) -> str:
        start = self.text.rfind("\n", 0, i) + 1
        end = self.text.find("\n", i)
        return self.text[start : len(self.text) if end < 0 else end].strip()[:120]

    def report(self, i: int, what: str) -> None:
        origin = self.origins[i] if i < len(self.origins) else provenance.Origin("?", 0, False)
        self.violations.append(Violation(origin.template, origin.line, what, self.context(i)))


def scan(
    marked: str,
    structural: dict[str, tuple[int, ...]],
    quantity_macros: frozenset[str] = frozenset(),
    reserved: dict[str, str] | None = None,
    structural_numbers: StructuralNumbers | None = None,
) -> list[Violation]:
    """Everything typed by hand that must be generated, in a marked rendering. ``reserved`` maps a
    letter the notation spells a symbol with (``m``) to that symbol's macro (``nbatch``): typed
    alone in mathematics, the letter would give the symbol a second meaning. ``structural_numbers``
    (a chapter's) says which whole numbers ``\\st{...}`` may hold; without it, any."""
    r = _Reader(marked, structural, quantity_macros)
    reserved = reserved or {}
    text = r.text
    group: _Group | None = None
    math_envs = table_envs = mistake_envs = 0
    inline = display = False
    table_stack: list[int] = []  # where each open table starts
    plot_stack: list[int] = []  # where each open pgfplots axis starts
    plots: list[tuple[int, int]] = []
    mistake_spans: list[tuple[int, int]] = []
    tables: list[tuple[int, int]] = []
    mistake_start = -1

    groups: list[_Group] = []

    def open_group(i: int) -> _Group:
        return _Group(i, [])

    def close_group(g: _Group | None) -> None:
        if g is not None:
            g.end = i
            groups.append(g)

    i = 0
    while i < len(text):
        c = text[i]
        in_math = inline or display or math_envs > 0
        if c == "%":
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        if c == "\\":
            word = re.match(r"[a-zA-Z]+", text[i + 1 :])
            if word is None:
                nxt = text[i + 1 : i + 2]
                if nxt in ("[", "(") and not in_math:
                    display = True
                    group = open_group(i)
                elif nxt in ("]", ")") and display:
                    display = False
                    close_group(group)
                    group = None
                i += 2
                continue
            name = word.group()
            after = i + 1 + len(name)
            if name == PLOT_VALUE_MACRO and r.typed(i) and i >= r.body_start:  # the preamble defines it
                r.report(
                    i, "a plotted value typed by hand (a plot's coordinates come from v.*_figure, never from text)"
                )
            if in_math and group is not None:
                if name in r.quantity_macros and name not in STRUCTURAL_MACROS:
                    group.symbols = True
                declaration = name == "in" and text[after:].lstrip().startswith("\\reals")
                if name in RELATION_MACROS and r.typed(i) and not declaration:  # x \in \reals^n: a shape
                    group.relations.append(i)
            if name in NUMBER_MACROS:
                _typed_number_argument(r, name, after)
            if name == STRUCTURAL_MARK and structural_numbers is not None:
                _check_structural(r, after, structural_numbers)
            if name in ("begin", "end"):
                spans = _arguments(text, after, 1)
                if spans:
                    env = text[spans[0][0] + 1 : spans[0][1] - 1]
                    if env == LISTING_ENVIRONMENT and name == "begin":
                        if r.typed(i):
                            r.report(i, "a listing typed by hand (listings come from listing(...), never from text)")
                        closing = text.find(rf"\end{{{LISTING_ENVIRONMENT}}}", after)
                        i = len(text) if closing < 0 else closing + len(rf"\end{{{LISTING_ENVIRONMENT}}}")
                        continue
                    step = 1 if name == "begin" else -1
                    if env in MATH_ENVIRONMENTS:
                        math_envs += step
                        if step == 1 and math_envs == 1:
                            group = open_group(i)
                        elif step == -1 and math_envs == 0:
                            close_group(group)
                            group = None
                    if env in PLOT_ENVIRONMENTS:
                        if step == 1:
                            plot_stack.append(i)
                        elif plot_stack:
                            plots.append((plot_stack.pop(), i))
                    if env in TABLE_ENVIRONMENTS:
                        table_envs += step
                        if step == 1:
                            table_stack.append(spans[0][1])
                        elif table_stack:
                            tables.append((table_stack.pop(), i))
                    if env == MISTAKES_ENVIRONMENT:
                        mistake_envs += step
                        if step == 1:
                            mistake_start = i
                        else:
                            mistake_spans.append((mistake_start, i))
                    if name == "begin" and env in ENVIRONMENT_ARGUMENTS:
                        spans += _arguments(text, spans[0][1], ENVIRONMENT_ARGUMENTS[env])
                    for s, e in spans:
                        r.exempt[s:e] = b"\x01" * (e - s)
            elif name in CITATIONS:  # \cite[equation~(10)]{note004}: the key and the place cited
                end = after
                while end < len(text) and text[end] in " [":
                    if text[end] == "[":
                        close = text.find("]", end)
                        close = len(text) if close < 0 else close + 1
                        r.exempt[end:close] = b"\x01" * (close - end)
                        end = close
                    else:
                        end += 1
                for s_, e_ in _arguments(text, end, 1):
                    r.exempt[s_:e_] = b"\x01" * (e_ - s_)
            elif name in r.rules:
                positions = r.rules[name]
                for number, (s, e) in enumerate(_arguments(text, after, max(positions)), start=1):
                    if number in positions:
                        r.exempt[s:e] = b"\x01" * (e - s)
            i = after
            continue
        if c == "$":
            if text.startswith("$$", i):
                display = not display
                i += 2
            else:
                inline = not inline
                i += 1
            if inline or display:
                group = open_group(i)
            else:
                close_group(group)
                group = None
            continue
        if in_math and group is not None and c in RELATION_CHARACTERS and r.typed(i):
            group.relations.append(i)
        if (
            in_math
            and c in reserved
            and r.typed(i)
            and not (text[i - 1 : i].isalpha() or text[i + 1 : i + 2].isalpha())
            and not _IN_WORD_MACRO.search(text, max(0, i - 60), i)  # \mathrm{d}: a word, not a symbol
        ):
            r.report(
                i,
                f"the letter {c!r} typed into maths: it is the symbol \\{reserved[c]} "
                "(one meaning per symbol: write the macro, or choose a letter the notation leaves free)",
            )
        if "0" <= c <= "9":
            dimension = _DIMENSION.match(text, i)
            numeral = _NUMERAL.match(text, i)
            assert numeral is not None
            end = dimension.end() if dimension else numeral.end()
            by_hand = any(r.typed(j) for j in range(i, numeral.end()))
            if by_hand and dimension is None and (in_math or table_envs > 0 or i >= r.body_start):
                where = "maths or a table" if in_math or table_envs > 0 else "the text"
                r.report(
                    i,
                    f"numeral {numeral.group()!r} typed into {where} (print computed values with v.*, "
                    "counts and claims with claim.*, indices with idx or \\st)",
                )
            i = end
            continue
        i += 1
    values = [m.position for m in r.roles if m.name in provenance.VALUES]
    for g in groups:
        if g.relations and (g.symbols or any(g.start <= v <= g.end for v in values)):
            for position in g.relations:
                r.report(
                    position,
                    "a relation typed by hand in a formula about the network (print it as a checked "
                    "formula, a step or a labelled value: v.eq.*)",
                )
    _check_roles(r, tables, mistake_spans)
    for mark in r.roles:
        if mark.name == provenance.PLOTTED and not any(s <= mark.position <= e for s, e in plots):
            r.violations.append(
                Violation(
                    mark.template,
                    mark.line,
                    "a plotted value outside the axes of a plot (it would print as a bare number)",
                    r.context(mark.position),
                )
            )
    return r.violations


def _typed_number_argument(r: _Reader, name: str, after: int) -> None:
    """A digit typed into the number argument of ``\\num`` and its kin: refused, exempt place or not."""
    for s, e in _arguments(r.text, after, NUMBER_MACROS[name]):
        typed = [j for j in range(s, e) if r.text[j].isdigit() and not r.origins[j].generated]
        if typed:
            number = r.text[s + 1 : e - 1].strip()
            r.report(
                typed[0],
                f"a number typed into \\{name}{{{number}}}: it would print like a checked value and is not one "
                "(print computed values with v.*, counts with v.count, constants with v.constant)",
            )
            r.exempt[s:e] = b"\x01" * (e - s)  # reported once


def _check_structural(r: _Reader, after: int, allowed: StructuralNumbers) -> None:
    """The whole numbers typed into ``\\st{...}``: each one an index or a count the spec gives."""
    for s, e in _arguments(r.text, after, 1):
        for numeral in _NUMERAL.finditer(r.text, s, e):
            if not any(not r.origins[j].generated for j in range(numeral.start(), numeral.end())):
                continue
            text = numeral.group()
            if "." in text or not allowed.allows(int(text)):
                r.report(
                    numeral.start(),
                    f"\\st{{{r.text[s + 1 : e - 1]}}}: {text} is no index or count of this chapter's network; "
                    f"\\st holds only whole numbers the build checks against the spec: {allowed.described()} "
                    "(print other numbers with v.*, counts with v.count)",
                )


def table_cells(text: str, start: int, end: int) -> list[list[tuple[int, int]]]:
    """The rows of a table body, each a list of cell spans (split at \\\\ and at & outside braces)."""
    rows: list[list[tuple[int, int]]] = [[]]
    depth, cell_start, i = 0, start, start
    while i < end:
        c = text[i]
        if c == "\\" and text.startswith("\\\\", i):
            rows[-1].append((cell_start, i))
            rows.append([])
            i += 2
            cell_start = i
            continue
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "&" and depth == 0:
            rows[-1].append((cell_start, i))
            cell_start = i + 1
        i += 1
    rows[-1].append((cell_start, end))
    return rows


def _matches(label: dict, value: dict) -> bool:
    """Whether a value is what a label names (a label's list of kinds names any of them)."""
    return all(
        value.get(field) in wanted if isinstance(wanted, list) and field == "kind" else value.get(field) == wanted
        for field, wanted in label.items()
    )


def _check_roles(r: _Reader, tables: list[tuple[int, int]], mistakes: list[tuple[int, int]]) -> None:
    """Bare values only in labelled table cells that name them; mistakes only in mistakes boxes."""
    for mark in r.roles:
        if mark.name == provenance.MISTAKE and not any(s <= mark.position <= e for s, e in mistakes):
            r.violations.append(
                Violation(
                    mark.template,
                    mark.line,
                    "a formula marked wrong shown outside a mistakes box",
                    r.context(mark.position),
                )
            )
    bare = [m for m in r.roles if m.name == provenance.BARE_VALUE]
    placed: set[int] = set()
    for start, end in tables:
        columns: dict[int, dict] = {}
        for row in table_cells(r.text, start, end):
            row_label: dict | None = None
            for column, (s, e) in enumerate(row):
                for mark in r.roles:
                    if s <= mark.position < e and mark.name == provenance.ROW_LABEL:
                        row_label = json.loads(mark.key)
                    if s <= mark.position < e and mark.name == provenance.COLUMN_LABEL:
                        columns[column] = json.loads(mark.key)
            for column, (s, e) in enumerate(row):
                for mark in bare:
                    if not s <= mark.position < e:
                        continue
                    placed.add(mark.position)
                    value = json.loads(mark.key)
                    if row_label is None or column not in columns:
                        r.violations.append(
                            Violation(
                                mark.template,
                                mark.line,
                                f"the value of {value['quantity']} "
                                "stands in a table cell without a generated row label and "
                                "column label that name it",
                                r.context(mark.position),
                            )
                        )
                    elif not (_matches(row_label, value) and _matches(columns[column], value)):
                        r.violations.append(
                            Violation(
                                mark.template,
                                mark.line,
                                f"the value of {value['quantity']} "
                                "stands under a row or column label that names another "
                                "quantity",
                                r.context(mark.position),
                            )
                        )
    for mark in bare:
        if mark.position not in placed:
            value = json.loads(mark.key)
            r.violations.append(
                Violation(
                    mark.template,
                    mark.line,
                    f"the value of {value['quantity']} printed "
                    "without its symbol (use v.eq.*, a step, or a labelled table cell)",
                    r.context(mark.position),
                )
            )
