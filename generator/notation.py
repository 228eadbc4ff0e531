"""The notation table: symbols as LaTeX macros, loaded from ``notation/<profile>.toml``.

Templates and formulas write ``\\weightentry{out}{1}{1}``, never ``W``; the profile decides how
that prints (invariant 6). A profile also says which macro arguments are indices, which the
numeral scan accepts as structural.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.project import DEFAULT_NOTATION as DEFAULT
from generator.spec import SpecError, unprintable

MACRO_NAME = re.compile(r"^[a-zA-Z]+$")
PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
PROFILE_KEYS = ("name", "description", "orientation", "batch", "source", "extends", "macros")
MACRO_KEYS = ("args", "body", "structural", "transpose_of", "meaning", "shown", "listed")
# What the profile a book starts from says of each macro, once; a profile that extends it only respells.
MEANING_KEYS = ("meaning", "shown", "listed")


@dataclass(frozen=True)
class Macro:
    """One notation macro: ``\\name`` with ``args`` arguments expanding to ``body``."""

    name: str
    args: int
    body: str
    structural: tuple[int, ...]
    # The profile's own symbol when the book's quantity is its transpose (body: that, transposed).
    transpose_of: str = ""
    companion: bool = False  # generated: \nameT, the transpose of \name
    meaning: str = ""  # what the symbol stands for, with #1 ... for its arguments
    shown: tuple[str, ...] = ()  # the arguments the list of symbols prints it with
    listed: bool = True  # in the list of symbols (a helper such as \layer is not)

    def described(self) -> str:
        """The meaning with its arguments filled in as the list of symbols shows them (LaTeX text)."""
        text = self.meaning
        for position, argument in enumerate(self.shown, start=1):
            text = text.replace(f"#{position}", f"${argument}$")
        return text


ORIENTATIONS = ("output-by-input", "input-by-output")
BATCH_LAYOUTS = ("rows", "columns")


@dataclass(frozen=True)
class Notation:
    """A notation profile: its macros, and how its source stores weights and batches."""

    name: str
    description: str
    macros: tuple[Macro, ...]
    orientation: str = ORIENTATIONS[0]  # W of shape (outputs, inputs), or its transpose
    batch: str = BATCH_LAYOUTS[0]  # examples as rows or as columns
    source: str = ""

    def macro(self, name: str) -> Macro:
        return next(m for m in self.macros if m.name == name)

    def display(self, name: str, args: tuple[str, ...]) -> str:
        """The macro ``name`` applied to ``args`` and expanded within this profile (for the mapping table)."""
        body = self.macro(name).body
        for position, arg in enumerate(args, start=1):
            body = body.replace(f"#{position}", arg)
        return self._expand(body)

    def _expand(self, text: str) -> str:
        """Expand this profile's macros inside ``text`` (bodies refer to \\layer and the like)."""
        pattern = re.compile(
            r"\\(" + "|".join(sorted((m.name for m in self.macros), key=len, reverse=True)) + r")(?![a-zA-Z])"
        )
        out, position = [], 0
        while (match := pattern.search(text, position)) is not None:
            macro = self.macro(match.group(1))
            out.append(text[position : match.start()])
            end, args = match.end(), []
            for _ in range(macro.args):
                depth, start = 0, end
                for i in range(end, len(text)):
                    depth += {"{": 1, "}": -1}.get(text[i], 0)
                    if depth == 0:
                        args.append(text[start + 1 : i])
                        end = i + 1
                        break
            out.append(self.display(macro.name, tuple(args)))
            position = end
        return "".join(out) + text[position:]

    def latex_definitions(self) -> str:
        """``\\newcommand`` lines for every macro (``\\newcommand`` so that a clash is an error)."""
        lines = []
        for macro in self.macros:
            arity = f"[{macro.args}]" if macro.args else ""
            lines.append(f"\\newcommand{{\\{macro.name}}}{arity}{{{macro.body}}}")
        return "\n".join(lines) + "\n"

    @property
    def stored_transposed(self) -> frozenset[str]:
        """Macros whose book quantity this profile stores transposed (its W is the book's W^T)."""
        return frozenset(m.name for m in self.macros if m.transpose_of)

    def quantity_macros(self) -> frozenset[str]:
        """Every macro of the profile (a symbol of the book); the scan tells the structural ones apart."""
        return frozenset(m.name for m in self.macros)

    def reserved_letters(self) -> dict[str, str]:
        """Letters the book's own profile spells a symbol with, alone (``m`` for ``\\nbatch``), by letter:
        typed by hand in mathematics, such a letter would mean something else."""
        found = {}
        for macro in self.macros:
            letter = re.fullmatch(r"(?:\\mathit\{)?([A-Za-z])\}?", macro.body)
            if letter and not macro.args and not macro.companion:
                found[letter.group(1)] = macro.name
        return found

    def structural_arguments(self) -> dict[str, tuple[int, ...]]:
        """For each macro with index arguments, the 1-based positions of those arguments."""
        return {m.name: m.structural for m in self.macros if m.structural}


def _balanced(text: str) -> bool:
    """Whether the braces of a macro body pair up (an escaped brace does not count)."""
    depth = 0
    for match in re.finditer(r"\\.|[{}]", text):
        token = match.group()
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    return depth == 0


ENTRY_SUFFIX = "entry"  # \weightentry is an entry of the matrix \weight
_ARGUMENT = re.compile(r"#([1-9])")


# The activation function's symbols may stand for every layer's (note 000 writes phi throughout); a
# quantity's may not leave its layer out, or two layers' numbers would print alike (A_{ek} of both).
_LAYER_MAY_BE_LEFT_OUT = frozenset({"actfn", "actfnprime"})


def _layer_arguments(macro: Macro | None) -> set[int]:
    """The arguments a profile may leave out of a macro: the layer label (``\\layer{#1}``) of a function."""
    if macro is None or macro.name not in _LAYER_MAY_BE_LEFT_OUT:
        return set()
    return {int(n) for n in re.findall(r"\\layer\{#([1-9])\}", macro.body)}


# A transpose sign in a spelling: \top, \intercal, ^T, ^{T}, ^{\mathsf{T}} (a reader takes the symbol for a
# transposed matrix that the shape checks read as the book's own).
_TRANSPOSE_SIGN = re.compile(r"\\top\b|\\intercal\b|\^\s*(?:\{\s*)?(?:\\mathsf\{T\}|\\mathrm\{T\}|T)\s*\}?(?![A-Za-z])")


def _check_body(path: Path, macro: Macro, macros: dict[str, Macro], base: Macro | None) -> None:
    """A body holds no digit (a digit only TeX would expand is a numeral nobody checks) and no transpose
    sign, uses every
    argument but a layer label the profile leaves out (note 000's activation is phi in every layer),
    and uses them in order, but for the two indices of an entry of a matrix the profile stores
    transposed, which it swaps."""
    body = macro.transpose_of or macro.body
    field = f"macros.{macro.name}.body"
    if re.search(r"[0-9]", _ARGUMENT.sub("", body)):
        raise SpecError(path, field, f"a digit in {body!r}: a symbol holds no number")
    if _TRANSPOSE_SIGN.search(body):
        problem = "a transpose is the notation's own (transpose_of, and each macro's \\nameT), not a spelling"
        raise SpecError(path, field, f"{body!r} prints a transpose sign: {problem}")
    order = list(dict.fromkeys(int(n) for n in _ARGUMENT.findall(body)))
    required = set(range(1, macro.args + 1)) - _layer_arguments(base)
    if not required <= set(order):
        missing = ", ".join(f"#{n}" for n in sorted(required - set(order)))
        raise SpecError(path, field, f"{body!r} leaves out argument {missing}: every index must print")
    expected = [n for n in range(1, macro.args + 1) if n in order]
    base = macros.get(macro.name.removesuffix(ENTRY_SUFFIX)) if macro.name.endswith(ENTRY_SUFFIX) else None
    if base is not None and base.transpose_of and macro.args >= 2:
        expected[-2:] = expected[:-3:-1]  # the matrix is stored transposed: its entry's indices swap
    if order != expected:
        said = ", ".join(f"#{n}" for n in expected)
        raise SpecError(
            path,
            field,
            f"{body!r} uses its arguments in the order {', '.join(f'#{n}' for n in order)}; "
            f"this profile's layout asks for {said}",
        )


def _meaning(path: Path, field: str, entry: dict, args: int) -> tuple[str, tuple[str, ...], bool]:
    """A macro's meaning, the arguments it is listed with and whether it is listed: all required."""
    meaning, shown, listed = entry.get("meaning"), entry.get("shown", []), entry.get("listed", True)
    if not isinstance(meaning, str) or not meaning.strip():
        raise SpecError(path, f"{field}.meaning", "say what the symbol stands for (a phrase)")
    if not isinstance(shown, list) or len(shown) != args or not all(isinstance(a, str) and a for a in shown):
        raise SpecError(path, f"{field}.shown", f"give the {args} argument(s) the list of symbols prints it with")
    if not isinstance(listed, bool):
        raise SpecError(path, f"{field}.listed", "true or false")
    return meaning.strip(), tuple(shown), listed


def companion(name: str) -> str:
    """The name of the macro that prints the transpose of ``\\name``'s quantity: ``nameT``."""
    return f"{name}T"


def transpose_of_macro(name: str) -> str:
    """The macro of the transpose of ``\\name``'s quantity: ``nameT``, and ``name`` for a companion
    ``nameT`` (no macro of a profile ends in ``T``: the letter marks the companions)."""
    return name[:-1] if name.endswith("T") else companion(name)


def _transposed(macro: Macro) -> str:
    """How the transpose of ``macro``'s quantity prints: the profile's own symbol where the book's
    is its transpose, else the symbol with a transpose (parenthesised after a superscript)."""
    if macro.transpose_of:
        return macro.transpose_of
    return rf"\bigl({macro.body}\bigr)^{{\top}}" if "^" in macro.body else rf"{{{macro.body}}}^{{\top}}"


def profile_names(folder: Path) -> list[str]:
    """The notation profiles under ``folder``, the default first."""
    names = sorted(p.stem for p in folder.glob("*.toml"))
    return sorted(names, key=lambda n: n != DEFAULT)


def defined_at(path: Path, name: str) -> tuple[Path, str] | None:
    """Which profile file, and which field of it, spells the macro ``\\name`` of the profile ``path``
    (this one or one it extends; the transpose ``\\nameT`` is spelled by ``\\name``'s field), or None
    if no profile does. Read again from the files, which ``load_notation`` has already validated."""
    seen: set[Path] = set()
    while path not in seen:
        seen.add(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None
        table = data.get("macros", {})
        for candidate in (name, name.removesuffix("T")):
            entry = table.get(candidate) if isinstance(table, dict) else None
            if isinstance(entry, dict):
                return path, f"macros.{candidate}.{'transpose_of' if 'transpose_of' in entry else 'body'}"
        if not isinstance(data.get("extends"), str):
            return None
        path = path.parent / f"{data['extends']}.toml"
    return None


def load_notation(path: Path, _seen: tuple[Path, ...] = ()) -> Notation:
    """Read and validate one notation profile; ``extends`` takes the macros of another and overrides some."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(profile_names(path.parent)) or "none"
        raise SpecError(path, "(file)", f"no notation profile {path.stem!r} (profiles: {known})") from None
    except tomllib.TOMLDecodeError as error:
        raise SpecError(path, "(syntax)", str(error)) from None
    except UnicodeDecodeError as error:
        raise SpecError(path, "(encoding)", f"not UTF-8: {error}") from None
    except OSError as error:
        raise SpecError(path, "(file)", f"cannot be read: {error.strerror or error}") from None
    for key in data:
        if key not in PROFILE_KEYS:
            raise SpecError(path, key, f"unknown key (allowed: {', '.join(PROFILE_KEYS)})")
    parent: Notation | None = None
    if "extends" in data:
        if not isinstance(data["extends"], str) or not PROFILE_NAME.match(data["extends"]):
            raise SpecError(path, "extends", f"{data['extends']!r} is not the name of a profile in {path.parent}")
        base = path.parent / f"{data['extends']}.toml"
        if base in _seen or base == path:
            raise SpecError(path, "extends", f"profiles extend each other in a circle: {data['extends']!r}")
        if not base.exists():
            known = ", ".join(profile_names(path.parent)) or "none"
            raise SpecError(path, "extends", f"no notation profile {data['extends']!r} (profiles: {known})")
        parent = load_notation(base, (*_seen, path))
    inherited = {m.name: m for m in parent.macros if not m.companion} if parent else {}
    table = data.get("macros", {} if parent else None)  # a profile that extends may rename nothing
    if not isinstance(table, dict) or not (table or parent):
        raise SpecError(path, "macros", "missing or empty")
    macros = dict(inherited)
    for name, entry in table.items():
        field = f"macros.{name}"
        if not MACRO_NAME.match(name):
            raise SpecError(path, field, "a macro name is letters only")
        if (
            not isinstance(entry, dict)
            or [isinstance(entry.get(k), str) for k in ("body", "transpose_of")].count(True) != 1
        ):
            raise SpecError(
                path,
                f"{field}.body",
                "give a string as body, or as transpose_of (the profile's symbol "
                "when the book's quantity is its transpose), not both",
            )
        for key in entry:
            if key not in MACRO_KEYS:
                raise SpecError(path, f"{field}.{key}", f"unknown key (allowed: {', '.join(MACRO_KEYS)})")
        text = str(entry.get("body", entry.get("transpose_of")))
        if not _balanced(text):
            raise SpecError(path, f"{field}.body", f"unbalanced braces in {text!r}")
        if parent is not None and name not in inherited:
            raise SpecError(path, field, f"not a macro of {parent.name!r}: a profile renames symbols, it adds none")
        said = [key for key in MEANING_KEYS if key in entry]
        if parent is not None and said:
            raise SpecError(
                path, f"{field}.{said[0]}", f"the meaning of a symbol is {parent.name!r}'s: a profile only respells it"
            )
        base_macro = inherited.get(name)
        args = entry.get("args", base_macro.args if base_macro else 0)
        if isinstance(args, bool) or not isinstance(args, int) or not 0 <= args <= 9:
            raise SpecError(path, f"{field}.args", f"expected 0 to 9, got {args!r}")
        if base_macro is not None and parent is not None and args != base_macro.args:
            raise SpecError(path, f"{field}.args", f"{args}, but {parent.name!r} gives it {base_macro.args}")
        structural = entry.get("structural", list(base_macro.structural) if base_macro else [])
        if not isinstance(structural, list) or any(
            isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= args for i in structural
        ):
            raise SpecError(path, f"{field}.structural", f"expected argument positions 1..{args}")
        if base_macro is not None:
            meaning, shown, listed = base_macro.meaning, base_macro.shown, base_macro.listed
        else:
            meaning, shown, listed = _meaning(path, field, entry, args)
        if "transpose_of" in entry:
            stored = entry["transpose_of"]
            body = rf"\bigl({stored}\bigr)^{{\top}}"
            macros[name] = Macro(name, args, body, tuple(structural), stored, False, meaning, shown, listed)
        else:
            macros[name] = Macro(name, args, entry["body"], tuple(structural), "", False, meaning, shown, listed)
    for macro in macros.values():
        _check_body(path, macro, macros, inherited.get(macro.name))
    for macro in list(macros.values()):
        transpose = companion(macro.name)
        if transpose in macros:
            raise SpecError(path, f"macros.{transpose}", f"the name is taken by the transpose of \\{macro.name}")
        macros[transpose] = Macro(transpose, macro.args, _transposed(macro), macro.structural, companion=True)
    orientation = data.get("orientation", parent.orientation if parent else ORIENTATIONS[0])
    if orientation not in ORIENTATIONS:
        raise SpecError(
            path, "orientation", f"unknown value {orientation!r} (expected one of: {', '.join(ORIENTATIONS)})"
        )
    batch = data.get("batch", parent.batch if parent else BATCH_LAYOUTS[0])
    if batch not in BATCH_LAYOUTS:
        raise SpecError(path, "batch", f"unknown value {batch!r} (expected one of: {', '.join(BATCH_LAYOUTS)})")
    notation = Notation(
        str(data.get("name", path.stem)),
        str(data.get("description", "")),
        tuple(macros.values()),
        orientation,
        batch,
        str(data.get("source", "")),
    )
    _layout_agrees(path, notation)
    for field in ("source", "description"):  # printed in the book: in its fonts, on one line
        problem = unprintable(getattr(notation, field))
        if problem is not None:
            raise SpecError(path, field, problem)
    _one_spelling_each(path, notation)
    return notation


# The book's batch matrices: a profile that stores examples as columns stores each of them transposed.
BATCH_MATRICES = ("Inputs", "Targets", "Preact", "Act", "Err")


def _layout_agrees(path: Path, notation: Notation) -> None:
    """``orientation`` and ``batch`` are what the profile's own matrices are: the words the pages take
    from them ("row $k$ of a weight matrix holds the weights into neuron $k$") must describe the
    matrices the formulas print. The book's \\weight is output-by-input; a profile storing it as
    ``transpose_of`` is input-by-output. The book's batches have one example per row; a profile storing
    them transposed has one per column, and stores all of them so."""
    flipped = notation.stored_transposed
    orientation = "input-by-output" if "weight" in flipped else "output-by-input"
    if notation.orientation != orientation:
        how = "stores \\weight as its transpose" if "weight" in flipped else "prints \\weight as the book's"
        raise SpecError(
            path, "orientation", f"is {notation.orientation!r}, but the profile {how}: it is {orientation!r}"
        )
    batches = [name for name in BATCH_MATRICES if name in flipped]
    if batches and len(batches) != len(BATCH_MATRICES):
        kept = ", ".join("\\" + name for name in BATCH_MATRICES if name not in flipped)
        stored = ", ".join("\\" + name for name in batches)
        raise SpecError(
            path,
            "macros",
            f"stores {stored} transposed but not {kept}: a batch layout is one for all batch matrices",
        )
    batch = "columns" if batches else "rows"
    if notation.batch != batch:
        how = "stores the batch matrices transposed" if batches else "prints the batch matrices as the book's"
        raise SpecError(path, "batch", f"is {notation.batch!r}, but the profile {how}: it is {batch!r}")


def _one_spelling_each(path: Path, notation: Notation) -> None:
    """No two listed symbols print alike, nor share a meaning: each spelling has one meaning (the list of
    symbols says so).
    Where weights are stored input-by-output, the entry of the profile's own matrix and the book's
    entry with its indices swapped are one symbol, and may print alike."""
    same_weight = {"weightioentry"} if notation.orientation == "input-by-output" else set()
    listed = [macro for macro in notation.macros if macro.listed and not macro.companion]
    spelled = {macro.name: notation.display(macro.name, macro.shown) for macro in listed}
    twice = _repeated((name, _as_printed(text)) for name, text in spelled.items() if name not in same_weight)
    if twice is not None:
        name, first = twice
        problem = f"prints as {spelled[name]}, as \\{first} does: two symbols never share a spelling"
        raise SpecError(path, f"macros.{name}", problem)
    twice = _repeated((macro.name, " ".join(macro.meaning.split())) for macro in listed)
    if twice is not None:
        name, first = twice
        meaning = " ".join(notation.macro(name).meaning.split())
        problem = f"says {meaning!r}, as \\{first} does: two symbols never share a meaning"
        raise SpecError(path, f"macros.{name}.meaning", problem)


def _repeated(pairs: Iterable[tuple[str, str]]) -> tuple[str, str] | None:
    """The first name whose key an earlier name has, with that earlier name; None if no key repeats."""
    seen: dict[str, str] = {}
    for name, key in pairs:
        if key in seen:
            return name, seen[key]
        seen[key] = name
    return None


# A group of one token prints as the token (``{W}`` as ``W``, ``\\mathbf{W}`` as ``\\mathbf W``), and
# spaces between tokens print as nothing in math: the spelling as TeX sets it, for comparing two.
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\S")


def _as_printed(tex: str) -> str:
    """``tex`` as its tokens, spaces and the braces of single-token groups taken out: what it prints."""
    tokens = _TOKEN.findall(tex)
    i = 0
    while i + 2 < len(tokens):
        if tokens[i] == "{" and tokens[i + 2] == "}" and tokens[i + 1] not in "{}":
            del tokens[i + 2], tokens[i]
            i = max(i - 1, 0)  # the token may now close a group of one around it
        else:
            i += 1
    return " ".join(tokens)
