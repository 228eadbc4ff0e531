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

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from generator import core as default_core
from generator import gradcheck, provenance, theorems
from generator.claims import Claim, Claims, Said, about_key
from generator.compute import Computation, CoreFailure, core_constant
from generator.display import Formulas, Layout
from generator.edition import DEFAULT_EPOCH, LICENCE, LICENCE_VERSION, Edition
from generator.exercises.view import ExerciseView
from generator.ledger import NUMBER_WORDS, Ledger
from generator.listings import Listings, style_definitions
from generator.notation import Notation
from generator.quantities import Quantity, QuantityError
from generator.spec import ChapterSpec, SpecText
from generator.steps import Step
from generator.tex import RenderError, Tex, dim, escape_tex, idx, template_location
from generator.theorems import THEOREMS
from generator.values import Values


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
    if isinstance(value, Said):  # a claim's words, marked with what they speak of (claims.referent_problems)
        return provenance.role(provenance.CLAIM, about_key(value), escape_tex(value))
    if isinstance(value, SpecText):  # the spec's words, escaped; the numeral scan is for templates
        return provenance.generated(escape_tex(value))
    text = str(value)  # StrictUndefined raises here, naming the variable
    if any(mark in text for mark in provenance.SENTINELS):
        return text  # output of a template macro: already rendered, already marked
    return escape_tex(text)


BOOK_LEDGER = "(book)"  # the ledger of the book shell: the constants the Conventions print
UNVERSIONED = Edition("0", DEFAULT_EPOCH)  # the title page of a shell rendered without its project


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
    env.filters["chomp"] = chomp
    env.globals.update(
        idx=idx,
        dim=dim,
        gradient_check_rule=gradient_check_rule(),
        gradient_check_at_kink=gradcheck.AT_A_KINK,
        theorem_term=theorem_term,
    )
    return env


_LAST_NEWLINE = re.compile(f"\n((?:{provenance.TAG_OPEN}[^{provenance.TAG_CLOSE}]*{provenance.TAG_CLOSE})?)\\Z")


def theorem_term(theorem: str, name: str) -> Tex:
    """A figure a proved statement quotes, from the code of its proof: ``theorem_term("best_step_cube_root",
    "least_error")`` prints ``\\varepsilon^{2/3}`` (``generator.theorems.TERMS``). The template names the
    statement with ``theorem(...)`` beside it, which runs the proof."""
    try:
        figure = theorems.term(theorem, name)
    except KeyError as error:
        raise RenderError(*template_location(), str(error.args[0])) from None
    key = json.dumps({"theorem": theorem, "term": name})
    return Tex(provenance.role(provenance.THEOREM_TERM, key, figure))


def chomp(text: str) -> str:
    """A macro's output without its last newline (``<< parts.question(e) | chomp >>`` on a line of its
    own then adds no blank line)."""
    return _LAST_NEWLINE.sub(r"\1", str(text))


def gradient_check_rule() -> list[tuple[Tex | None, str]]:
    """The rule of thumb for relative errors, from the code that applies it: (upper bound, meaning)."""
    rows = []
    for bound, meaning in gradcheck.VERDICTS:
        rows.append((None if math.isinf(bound) else Tex(rf"\num{{1e{round(math.log10(bound))}}}"), meaning))
    return rows


@dataclass(frozen=True)
class LayerView:
    """What a template may know of a layer's structure, to loop over it: never a number to print
    (counts go through the ledger, ``v.count``)."""

    name: str
    label: str  # how the layer prints in symbols: \\weight{<< layer.label >>}
    activation: str
    has_bias: bool
    neurons: range
    sources: range


@dataclass(frozen=True)
class RenderedChapter:
    """A chapter's marked LaTeX (see ``provenance``), the ledger of the numbers it printed, the
    formulas it showed, its steps, its claims and the theorems its prose states."""

    spec: ChapterSpec
    marked: str
    ledger: Ledger
    formulas: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()
    claims: tuple[Claim, ...] = ()
    theorems: tuple[str, ...] = ()

    @property
    def tex(self) -> str:
        return provenance.strip(self.marked)


def _layer_views(spec: ChapterSpec) -> list[LayerView]:
    views, width = [], spec.input_size
    for layer in spec.layers:
        views.append(
            LayerView(
                layer.name,
                layer.shown,
                layer.activation,
                layer.biases is not None,
                range(1, layer.size + 1),
                range(1, width + 1),
            )
        )
        width = layer.size
    return views


def _not_utf8(env: jinja2.Environment) -> str | None:
    """The first template under the environment's folders that is not UTF-8 (its name), or None."""
    for folder in getattr(env.loader, "searchpath", ()):
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                try:
                    path.read_bytes().decode("utf-8")
                except UnicodeDecodeError:
                    return str(path.relative_to(folder))
    return None


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render template ``name``; every error of the template's making names its file and line."""
    try:
        return env.get_template(name).render(context)
    except (RenderError, CoreFailure):
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
    except UnicodeDecodeError:  # jinja2 does not say which file: find it
        raise RenderError(_not_utf8(env) or name, 0, "not UTF-8") from None
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
    """Render one chapter's template with its ledger-backed values, steps and claims."""
    return render_in_chapter(env, spec, computation, notation, spec.template)


def render_in_chapter(
    env: jinja2.Environment,
    spec: ChapterSpec,
    computation: Computation,
    notation: Notation,
    template: str,
    extra: dict[str, Any] | None = None,
) -> RenderedChapter:
    """Render ``template`` with everything a chapter's template sees (and ``extra``): a chapter, or a
    piece printed about a chapter's networks elsewhere, such as a problem sheet's question."""
    ledger = Ledger(spec.name)
    network = frozenset({layer.activation for layer in spec.layers} | {spec.loss})
    formulas = Formulas(notation, network)
    layout = Layout(notation)
    values = Values(spec, computation, ledger, formulas, layout)
    listings = Listings(spec.name, {"core": computation.core})  # the source of the core that computed it
    claims = Claims(
        values.quantity_of,
        lambda q: Decimal(computation.value(q)),
        template_location,
        lambda problem: RenderError(*template_location(), problem),
    )
    context = {
        "chapter": spec,
        "layers": _layer_views(spec),
        "examples": range(1, len(spec.inputs) + 1),
        "v": values,
        "claim": claims,
        "theorem": claims.theorem,
        "network": NetworkFacts(spec),
        **formulas.template_functions(),
        "notation": notation,
        "layout": layout,
        "listing": listings,
        "exercises": ExerciseView(spec, values, formulas, layout),
        **(extra or {}),
    }
    marked = _render(env, template, context)
    listings.check_references(provenance.strip(marked))
    return RenderedChapter(
        spec, marked, ledger, tuple(formulas.shown), tuple(values.steps), tuple(claims.made), tuple(claims.theorems)
    )


# How the spec's activation functions print, in notation macros.
ACTIVATION_SYMBOLS = {
    "identity": r"\mathrm{id}",
    "sigmoid": r"\sigmoid",
    "tanh": r"\tanh",
    "relu": r"\relu",
    "leaky_relu": r"\operatorname{LeakyReLU}",
    "softmax": r"\operatorname{softmax}",
}


class NetworkFacts:
    """Facts of the chapter's network printed from its spec: ``network.activation("hid")`` prints
    ``g^(hid) = ReLU``; ``network.name`` is its shape, ``2-2-2``."""

    def __init__(self, spec: ChapterSpec) -> None:
        self._spec = spec
        self.name = Tex("--".join(str(n) for n in (spec.input_size, *(layer.size for layer in spec.layers))))

    def activation(self, *layers: str) -> Tex:
        """``\\actfn{a} = \\actfn{b} = \\tanh`` for layers that share their activation."""
        names = {self._layer(layer).activation for layer in layers}
        if len(names) != 1:
            raise RenderError(*template_location(), f"layers {', '.join(layers)} do not share one activation")
        labels = [self._spec.label(layer) for layer in layers]
        return Tex(" = ".join([*(rf"\actfn{{{label}}}" for label in labels), ACTIVATION_SYMBOLS[names.pop()]]))

    def places(self, kind: str, layer: str | None = None) -> Tex:
        """The places the spec prints a kind of number to (``precision``), in words: ``six``."""
        places = self._spec.decimals(kind, layer)
        if places is None or not 0 <= places < len(NUMBER_WORDS):
            raise RenderError(*template_location(), f"{self._spec.path} gives no precision.{kind} in words here")
        return Tex(NUMBER_WORDS[places])

    def assume(self, **facts: str | int) -> Tex:
        """What the template's prose says of the network in words (``loss="sse"``, ``reduction="mean"``,
        ``true_class=2``: the class the first example's one-hot target names, or a layer's name for its
        activation: ``out="sigmoid"``), held to the spec: a spec that says otherwise is an error naming
        the template line, for the prose would then be false. Prints nothing."""
        template, line = template_location()
        for fact, said in facts.items():
            actual: object
            if fact == "true_class":
                first = [float(t) for t in self._spec.targets[0]]
                one_hot = sorted(first) == [0.0] * (len(first) - 1) + [1.0]
                field, actual = "data.targets[0] (its true class)", first.index(1.0) + 1 if one_hot else None
            elif fact in ("loss", "reduction"):
                field, actual = f"loss.{'name' if fact == 'loss' else fact}", getattr(self._spec, fact)
            else:
                field, actual = f"the activation of layer {fact}", self._layer(fact).activation
            if actual != said:
                raise RenderError(
                    template,
                    line,
                    f"the text is written for {field} = {said!r}, and {self._spec.path} gives {actual!r}: "
                    "the prose would be false; change the text with the spec",
                )
        return Tex("")

    def _layer(self, name: str):
        try:
            return self._spec.layers[self._spec.layer_number(name) - 1]
        except QuantityError as error:
            raise RenderError(*template_location(), str(error)) from None


@dataclass(frozen=True)
class VerificationRow:
    """One chapter's line in the verification appendix."""

    title: str
    exact: int  # numbers checked by the exact oracle
    high: int  # numbers checked in high precision (the gradient check's figures)
    formulas: int
    steps: int = 0  # displayed steps, reproduced from their printed operands
    claims: int = 0  # claims of the prose, their words chosen again from the exact values


@dataclass(frozen=True)
class Verification:
    """What the appendix reports: per chapter counts, the tolerances and the software."""

    rows: tuple[VerificationRow, ...] = ()
    versions: tuple[tuple[str, str], ...] = ()
    oracle_digits: int = 0
    formula_tolerance: float = 0.0
    theorems: tuple[str, ...] = ()  # the general statements the prose makes, each proved by the build


def _appendix_context(verification: Verification) -> dict[str, Any]:
    def counts(row: VerificationRow) -> dict[str, Any]:
        return {
            "title": SpecText(row.title),
            "exact": idx(row.exact),
            "high": idx(row.high),
            "formulas": idx(row.formulas),
            "steps": idx(row.steps),
            "claims": idx(row.claims),
        }

    total = VerificationRow(
        SpecText(""),
        sum(r.exact for r in verification.rows),
        sum(r.high for r in verification.rows),
        sum(r.formulas for r in verification.rows),
        sum(r.steps for r in verification.rows),
        sum(r.claims for r in verification.rows),
    )
    return {
        "verification": [counts(row) for row in verification.rows],
        "totals": counts(total),
        # Names and versions are text with digits in a table: generated by code, escaped, never typed.
        "versions": [(Tex(escape_tex(name)), Tex(escape_tex(version))) for name, version in verification.versions],
        "oracle_digits": idx(verification.oracle_digits),
        "theorems": [Tex(THEOREMS[name].statement) for name in verification.theorems],
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
    ledger: Ledger | None = None,
    core: ModuleType = default_core,
    edition: Edition = UNVERSIONED,
) -> str:
    """Render the book shell that inputs the given chapter files and ends with the appendix (marked text).

    ``formulas`` collects the names of the formulas the shell shows, ``ledger`` the constants of
    the core's conventions it prints (``constant(name)``), for verification.
    """
    formulas = formulas if formulas is not None else Formulas(notation)
    ledger = ledger if ledger is not None else Ledger(BOOK_LEDGER)

    def constant(name: str) -> Tex:
        template, line = template_location()
        quantity = Quantity("constant", name=name)
        try:
            value = core_constant(core, name)
        except QuantityError as error:
            raise RenderError(template, line, str(error)) from None
        entry = ledger.record(quantity, value, 0, template, line)
        return Tex(provenance.role(provenance.LABELLED_VALUE, "{}", rf"\num{{{entry.text}}}"))

    context = {
        "constant": constant,
        "chapter_files": [Tex(name) for name in chapter_files],
        "notation_macros": Tex(notation.latex_definitions()),
        "notation": notation,
        "layout": Layout(notation),
        **formulas.template_functions(),
        **_appendix_context(verification),
        **_notation_context(profiles or (notation,)),
        "symbols": symbol_list(notation),
        "edition": _edition_view(edition),
        "listing_styles": style_definitions(),
    }
    return _render(env, "book.tex.j2", context)


def symbol_list(notation: Notation) -> list[tuple[Tex, Tex]]:
    """The list of symbols: each listed macro with the arguments it is shown with, and its meaning."""
    rows = []
    for macro in notation.macros:
        if macro.listed and not macro.companion:
            arguments = "".join(f"{{{argument}}}" for argument in macro.shown)
            rows.append((Tex(rf"\{macro.name}{arguments}"), Tex(macro.described())))
    return rows


@dataclass(frozen=True)
class EditionView:
    """The edition as the title page prints it (code's text, not values)."""

    version: Tex
    date: Tex
    licence: Tex
    licence_version: Tex


def _edition_view(edition: Edition) -> EditionView:
    return EditionView(Tex(escape_tex(edition.version)), Tex(edition.date), Tex(LICENCE), Tex(LICENCE_VERSION))
