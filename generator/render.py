"""Stage 3: render chapters and the book shell from Jinja2 templates.

The environment is fit for LaTeX: ``<< expr >>``, ``<% stmt %>`` and ``<# comment #>`` delimiters,
``StrictUndefined``, and a ``finalize`` hook that decides what each ``<< expr >>`` may print:

* ``Tex`` (trusted LaTeX from generator code: ledger numbers, notation, formulas) is printed
  as is and marked as generated for the numeral scan;
* text already rendered by a template (a macro's output) passes through;
* any other string is text, escaped for LaTeX;
* a bare number is an error: numbers reach the page only through the ledger (``v.*``) or, for
  indices and sizes, through ``idx``.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import FrameType
from typing import Any

import jinja2
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from generator import core, gradcheck, provenance
from generator.compute import Computation
from generator.formulas import TRANSPOSED, get_formula, own_letters_name
from generator.ledger import Ledger
from generator.notation import Notation, companion
from generator.quantities import BOUNDS, BY_CALL, INDEX_PARAMETERS, PER_EXAMPLE, Kind, Quantity, QuantityError
from generator.spec import ChapterSpec, SpecText


class Tex(str):
    """LaTeX written by generator code, printed verbatim."""


class RenderError(Exception):
    """A template could not be rendered; names the template file and line."""

    def __init__(self, template: str, line: int, problem: str) -> None:
        super().__init__(f"{template}:{line}: {problem}")
        self.template, self.line, self.problem = template, line, problem


_TEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_TEX_SPECIAL = re.compile("[" + re.escape("".join(_TEX_SPECIALS)) + "]")
_SENTINEL = re.compile("[" + provenance.SENTINELS + "]")


def escape_tex(text: str) -> str:
    """Escape text for LaTeX in one pass, so that the escapes themselves are not escaped again."""
    return _TEX_SPECIAL.sub(lambda m: _TEX_SPECIALS[m.group()], _SENTINEL.sub("", text))


def template_location() -> tuple[str, int]:
    """The template file and line that is being rendered, found on the call stack."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return template.name or "?", template.get_corresponding_lineno(frame.f_lineno)
        frame = frame.f_back
    return "?", 0


def _finalize(value: Any) -> str:
    if isinstance(value, Tex):
        return provenance.generated(value)
    if isinstance(value, (int, float, Decimal)):
        template, line = template_location()
        raise RenderError(
            template,
            line,
            f"the number {value!r} reached the page without the ledger: "
            "print computed values with v.*(...) and indices or sizes with idx(...)",
        )
    if isinstance(value, SpecText):  # the spec's words, escaped; the numeral scan is for templates
        return provenance.generated(escape_tex(value))
    text = str(value)  # StrictUndefined raises here, naming the variable
    if _SENTINEL.search(text):
        return text  # output of a template macro: already rendered, already marked
    return escape_tex(text)


class _LineTags(Extension):
    """Tag every line of literal template text with its template name and line number."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        name = stream.name or "?"
        for token in stream:
            if token.type == "data" and token.value:
                lines = token.value.split("\n")
                tagged = [provenance.line_tag(name, token.lineno + i) + text for i, text in enumerate(lines)]
                yield Token(token.lineno, "data", "\n".join(tagged))
            else:
                yield token


def make_environment(templates: Path) -> jinja2.Environment:
    """The Jinja2 environment for LaTeX templates under ``templates``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<<",
        variable_end_string=">>",
        comment_start_string="<#",
        comment_end_string="#>",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        finalize=_finalize,
        extensions=[_LineTags],
    )
    env.globals.update(idx=idx, dim=dim, gradient_check_rule=gradient_check_rule(), core_constants=core_constants())
    return env


def core_constants() -> dict[str, Tex]:
    """The core's numeric conventions, printed from the constants the core uses (never retyped)."""
    return {
        name: Tex(rf"\num{{{value!r}}}")
        for name, value in (
            ("leaky_slope", core.LEAKY_SLOPE),
            ("log_floor", core.LOG_FLOOR),
            ("gradient_floor", core.GRADIENT_FLOOR),
        )
    }


def gradient_check_rule() -> list[tuple[Tex | None, str]]:
    """The rule of thumb for relative errors, from the code that applies it: (upper bound, meaning)."""
    rows = []
    for bound, meaning in gradcheck.VERDICTS:
        rows.append((None if math.isinf(bound) else Tex(rf"\num{{1e{round(math.log10(bound))}}}"), meaning))
    return rows


def idx(number: int) -> Tex:
    """An index or a size: structural, not a computed value."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise RenderError(*template_location(), f"idx() takes a whole number, got {number!r}")
    return Tex(str(number))


class Formulas:
    """The template's access to checked formulas; remembers which ones the chapter shows."""

    def __init__(self, notation: Notation | None = None) -> None:
        self.shown: list[str] = []
        # Whole-matrix formulas whose left side the profile stores transposed print transposed.
        self.transposing = notation.stored_transposed if notation is not None else frozenset()

    def _get(self, name: str, turn: bool = True):
        try:
            formula = get_formula(name)
        except LookupError as error:
            raise RenderError(*template_location(), str(error.args[0])) from None
        if turn and formula.lhs_macro() in self.transposing:
            name = name + TRANSPOSED
            formula = get_formula(name)
        if self.transposing:
            own = get_formula(own_letters_name(name, self.transposing))
            if own.tex() != formula.tex():  # else keep the name: one formula, verified once
                name, formula = own.name, own
        if name not in self.shown:
            self.shown.append(name)
        return formula

    def template_functions(self) -> dict[str, Any]:
        """What templates call: ``formula``, ``formula_result`` and ``formula_aligned``."""
        return {
            "formula": self.inline,
            "formula_result": self.result,
            "formula_aligned": self.aligned,
            "formula_at": self.at,
        }

    def at(self, name: str, links: int | None = None, **indices: int) -> Tex:
        """One instance of a formula with free indices, e.g. ``formula_at("f", k=1, t=2)``.

        The formula is verified for every value of its indices, so the instance is checked too.
        ``links=1`` prints only ``lhs = r1`` of a chain.
        """
        formula = self._get(name)
        try:
            return Tex(formula.tex_at(links, **indices))
        except LookupError as error:
            raise RenderError(*template_location(), str(error.args[0])) from None

    def inline(self, name: str, turn: bool = True) -> Tex:
        """``lhs = r1 = ...`` as math-mode content.

        ``turn=False`` prints the formula as the book states it, in the profile's letters, even
        where the profile stores its left side transposed (to show the other orientation).
        """
        return Tex(self._get(name, turn).tex())

    def result(self, name: str) -> Tex:
        """Only ``lhs = last side`` of a chain."""
        return Tex(self._get(name).tex_result())

    def aligned(self, name: str) -> Tex:
        """The chain one link per line, for the body of an ``align`` environment."""
        return Tex(self._get(name).tex_aligned())


class Layout:
    """How the chosen profile lays out its matrices, for the prose around the formulas.

    Formulas turn themselves (``Formulas``); the words next to them ask the layout: which way a
    batch runs, which way a neuron's weights run, and which symbol is the profile's own matrix.
    """

    def __init__(self, notation: Notation) -> None:
        self.example = "row" if notation.batch == "rows" else "column"  # one example per ...
        self.unit = "column" if notation.batch == "rows" else "row"  # one unit of a layer per ...
        # The weights into one neuron of the layer above: a row of W, or a column of W^T.
        self.into = "row" if notation.orientation == "output-by-input" else "column"
        self._flipped = notation.stored_transposed

    def flipped(self, name: str) -> bool:
        """Whether the profile's own matrix is the transpose of the book's quantity ``name``."""
        return name in self._flipped

    def own(self, name: str) -> Tex:
        """The macro that prints the profile's own matrix for the book's ``name``: ``\\name`` or ``\\nameT``."""
        return Tex("\\" + (companion(name) if self.flipped(name) else name))

    def shape(self, name: str, rows: str, columns: str) -> Tex:
        """``rows \\times columns``, the shape of the book's ``name``, as the profile's own matrix has it."""
        if self.flipped(name):
            rows, columns = columns, rows
        return Tex(f"{rows} \\times {columns}")


def dim(number: float) -> Tex:
    """A layout length or coordinate for a drawing (in TeX's units, never a computed value)."""
    return Tex(f"{number:g}")


class Values:
    """The template's access to computed numbers: ``v.<call>(...)`` for each kind of ``quantities.KINDS``.

    Every call is checked against the chapter's network (layer names, units counted from one,
    examples), formatted by the ledger's one rounding rule and recorded in the ledger.
    """

    def __init__(self, spec: ChapterSpec, computation: Computation, ledger: Ledger) -> None:
        self._spec, self._computation, self._ledger = spec, computation, ledger

    def __getattr__(self, call: str) -> Any:
        if call.startswith("_"):
            raise AttributeError(call)
        kind = BY_CALL.get(call)
        if kind is None:
            calls = ", ".join(sorted(BY_CALL))
            raise RenderError(
                *template_location(), f"v.{call} is not a value the ledger knows (the calls are: {calls})"
            )
        return functools.partial(self._ask, kind)

    def _ask(self, kind: Kind, *args: Any, **kwargs: Any) -> Tex:
        template, line = template_location()
        try:
            bound = kind.signature.bind(*args, **kwargs)
        except TypeError as error:
            raise RenderError(template, line, f"{kind.usage()}: {error}") from None
        bound.apply_defaults()
        given = bound.arguments
        index = tuple(given.get("index", ())) or tuple(given[p] for p in kind.parameters if p in INDEX_PARAMETERS)
        example = given.get("example") if kind.per_example else None
        return self._number(kind.name, given.get("layer"), index, example, given.get("name"), given.get("network"))

    def _number(
        self,
        kind: str,
        layer: str | None,
        index: tuple[int, ...],
        example: int | None,
        formula: str | None = None,
        network: str | None = None,
    ) -> Tex:
        template, line = template_location()
        spec = self._spec
        bound = kind in BOUNDS  # printed as a power of ten: no precision to choose
        if not bound and kind not in spec.precision:
            raise RenderError(template, line, f"{spec.path} has no precision.{kind} for the number asked here")
        try:
            network_spec = spec.network_spec(network)
            if layer is not None:
                network_spec.layer_number(layer)
        except QuantityError as error:
            raise RenderError(template, line, str(error)) from None
        if kind in PER_EXAMPLE:
            example = 1 if example is None else example
            if (
                isinstance(example, bool)
                or not isinstance(example, int)
                or not 1 <= example <= len(network_spec.inputs)
            ):
                raise RenderError(template, line, f"example {example!r} out of range 1..{len(network_spec.inputs)}")
        quantity = Quantity(kind, layer, example, tuple(index), formula, network)
        if any(isinstance(i, bool) or not isinstance(i, int) or i < 1 for i in index):
            raise RenderError(template, line, f"indices are whole numbers from 1: {quantity}")
        if formula is None:
            for position, (what, size) in zip(index, _index_ranges(kind, network_spec, layer), strict=False):
                if position > size:
                    raise RenderError(
                        template, line, f"{quantity}: there is no {what} {position}: it has {size} (counted from 1)"
                    )
        try:
            value = self._computation.value(quantity)
        except QuantityError as error:
            raise RenderError(template, line, f"no value for {quantity}: {error}") from None
        entry = self._ledger.record(quantity, value, 0 if bound else spec.precision[kind], template, line)
        return Tex(rf"\num{{{entry.text}}}")

    def verdict(self, network: str | None = None, layer: str | None = None) -> str:
        """What the largest relative error says, by the gradient check's rule of thumb (text)."""
        quantity = Quantity("relative_error_bound", layer, None, (), None, network)
        return gradcheck.verdict(self._computation.value(quantity))


def _index_ranges(kind: str, spec: ChapterSpec, layer: str | None) -> tuple[tuple[str, int], ...]:
    """What each index of a quantity counts, and how many there are: ("unit of layer 'hid'", 2), ..."""
    if layer is not None:
        weights = spec.layers[spec.layer_number(layer) - 1].weights
        return ((f"unit in layer {layer!r}", len(weights)), (f"input to layer {layer!r}", len(weights[0])))
    if kind in ("input", "input_gradient"):
        return (("input to the network", spec.input_size),)
    if kind == "target":
        return (("output of the network", spec.layers[-1].size),)
    return ()


@dataclass(frozen=True)
class LayerView:
    """What a template may know of a layer's structure (never its numbers)."""

    name: str
    number: int
    size: Tex
    inputs: Tex
    activation: str
    has_bias: bool
    neurons: range
    sources: range
    units: int  # the same sizes as whole numbers, for counting (print them with idx)
    fan_in: int


@dataclass(frozen=True)
class RenderedChapter:
    """A chapter's marked LaTeX (see ``provenance``) and the ledger of the numbers it printed."""

    spec: ChapterSpec
    marked: str
    ledger: Ledger
    formulas: tuple[str, ...] = ()

    @property
    def tex(self) -> str:
        return provenance.strip(self.marked)


def _layer_views(spec: ChapterSpec) -> list[LayerView]:
    views, width = [], spec.input_size
    for number, layer in enumerate(spec.layers, start=1):
        views.append(
            LayerView(
                layer.name,
                number,
                idx(layer.size),
                idx(width),
                layer.activation,
                layer.biases is not None,
                range(1, layer.size + 1),
                range(1, width + 1),
                layer.size,
                width,
            )
        )
        width = layer.size
    return views


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render template ``name``; every error of the template's making names its file and line."""
    try:
        return env.get_template(name).render(context)
    except RenderError:
        raise
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(error.name or name, error.lineno, f"template syntax: {error.message}") from None
    except jinja2.TemplateNotFound as error:
        template, line = _traceback_location(error, name)
        raise RenderError(template, line, f"template not found: {error.name}") from None
    except jinja2.UndefinedError as error:
        template, line = _traceback_location(error, name)
        raise RenderError(template, line, f"undefined: {error.message}") from None
    except OSError as error:  # a template that exists but cannot be read
        raise RenderError(name, 0, f"cannot be read: {error.strerror or error}") from None
    except Exception as error:
        if not _raised_by_template(error):
            raise  # raised inside the generator's own code: a bug, not the template's doing
        template, line = _traceback_location(error, name)
        raise RenderError(template, line, f"{type(error).__name__}: {error}") from None


def _traceback_location(error: BaseException, default: str) -> tuple[str, int]:
    """The innermost template frame of a rendering error's traceback (Jinja rewrites it so)."""
    found = (default, 0)
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".j2"):  # Jinja rewrites template frames to their file and line
            template = tb.tb_frame.f_globals.get("__jinja_template__")
            found = (template.name if template else tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _raised_by_template(error: BaseException) -> bool:
    """Whether the innermost frame that raised ``error`` runs template code (or Jinja's own on its behalf)."""
    tb = error.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return False
    frame = last.tb_frame  # Jinja rewrites a template's frames to carry the template's file name
    return frame.f_code.co_filename.endswith(".j2") or frame.f_globals.get("__name__", "").startswith("jinja2")


def render_chapter(
    env: jinja2.Environment, spec: ChapterSpec, computation: Computation, notation: Notation
) -> RenderedChapter:
    """Render one chapter's template with its ledger-backed values."""
    ledger = Ledger(spec.name)
    formulas = Formulas(notation)
    context = {
        "chapter": spec,
        "layers": _layer_views(spec),
        "examples": range(1, len(spec.inputs) + 1),
        "v": Values(spec, computation, ledger),
        **formulas.template_functions(),
        "notation": notation,
        "layout": Layout(notation),
    }
    marked = _render(env, spec.template, context)
    return RenderedChapter(spec, marked, ledger, tuple(formulas.shown))


@dataclass(frozen=True)
class VerificationRow:
    """One chapter's line in the verification appendix."""

    title: str
    exact: int  # numbers checked by the exact oracle
    high: int  # numbers checked in high precision (the gradient check's figures)
    formulas: int


@dataclass(frozen=True)
class Verification:
    """What the appendix reports: per chapter counts, the tolerances and the software."""

    rows: tuple[VerificationRow, ...] = ()
    versions: tuple[tuple[str, str], ...] = ()
    oracle_digits: int = 0
    formula_tolerance: float = 0.0


def _appendix_context(verification: Verification) -> dict[str, Any]:
    def counts(row: VerificationRow) -> dict[str, Any]:
        return {
            "title": SpecText(row.title),
            "exact": idx(row.exact),
            "high": idx(row.high),
            "formulas": idx(row.formulas),
        }

    total = VerificationRow(
        SpecText(""),
        sum(r.exact for r in verification.rows),
        sum(r.high for r in verification.rows),
        sum(r.formulas for r in verification.rows),
    )
    return {
        "verification": [counts(row) for row in verification.rows],
        "totals": counts(total),
        # Names and versions are text with digits in a table: generated by code, escaped, never typed.
        "versions": [(Tex(escape_tex(name)), Tex(escape_tex(version))) for name, version in verification.versions],
        "oracle_digits": idx(verification.oracle_digits),
        "formula_tolerance": Tex(rf"\num{{{verification.formula_tolerance!r}}}"),
    }


# The rows of the notation table: a macro, its arguments, and what it names (in the book's terms).
NOTATION_ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("weight", (r"\ell",), "weights (out-by-in)"),
    ("weightentry", (r"\ell", "k", "t"), "weight into k from t"),
    ("weightio", (r"\ell",), "weights (in-by-out)"),
    ("bias", (r"\ell",), "biases"),
    ("preact", (r"\ell",), "pre-activation"),
    ("act", (r"\ell",), "activation"),
    ("err", (r"\ell",), "error term"),
    ("actfn", (r"\ell",), "activation function"),
    ("Inputs", (), "inputs, rows"),
    ("Preact", (r"\ell",), "pre-activations, rows"),
    ("Act", (r"\ell",), "activations, rows"),
    ("Err", (r"\ell",), "error terms, rows"),
    ("cost", (), "cost"),
)


def _notation_context(profiles: tuple[Notation, ...]) -> dict[str, Any]:
    rows = [(meaning, [Tex(f"${p.display(macro, args)}$") for p in profiles]) for macro, args, meaning in NOTATION_ROWS]
    return {
        # Names and sources come from the profiles (data), not from the template: printed as text.
        "profiles": [
            {
                "name": SpecText(p.name),
                "source": SpecText(p.source),
                "orientation": {"output-by-input": "out-by-in"}.get(p.orientation, "in-by-out"),
                "batch": p.batch,
            }
            for p in profiles
        ],
        "notation_rows": rows,
    }


def render_book(
    env: jinja2.Environment,
    chapter_files: list[str],
    notation: Notation,
    formulas: Formulas | None = None,
    verification: Verification = Verification(),
    profiles: tuple[Notation, ...] = (),
) -> str:
    """Render the book shell that inputs the given chapter files and ends with the appendix (marked text).

    ``formulas`` collects the names of the formulas the shell shows, for verification.
    """
    formulas = formulas if formulas is not None else Formulas(notation)
    context = {
        "chapter_files": [Tex(name) for name in chapter_files],
        "notation_macros": Tex(notation.latex_definitions()),
        "notation": notation,
        "layout": Layout(notation),
        **formulas.template_functions(),
        **_appendix_context(verification),
        **_notation_context(profiles or (notation,)),
    }
    return _render(env, "book.tex.j2", context)
