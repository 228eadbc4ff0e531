"""The authors' reference, ``docs/authoring.md``: the prose is written here, the tables are read from the
code (the spec's keys and names, the quantity kinds, the signatures and docstrings of what a template
calls, the variables a chapter template receives, the macros), so that the reference cannot drift.

``python -m generator.authoring`` (or ``handbook docs``) writes it; ``--check`` exits 1 when the committed
file differs from what the code gives, and a test does the same. A template variable, a ``layout``
attribute or an activation that the code has and this module does not describe stops the generation,
naming it: the description is written here once.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes

from generator import render as render_module
from generator.claims import Claims
from generator.display import Formulas, Layout
from generator.notation import load_notation
from generator.quantities import KINDS, PRECISION_KINDS, Kind
from generator.spec import (
    ACTIVATION_NAMES,
    ALL_NETWORKS,
    EXERCISE_KINDS,
    KEYS,
    LOSS_NAMES,
    PROBABILITY_LOSSES,
    REDUCTION_NAMES,
    load_spec,
)
from generator.values import Values

DOCUMENT = Path("docs") / "authoring.md"
EXAMPLE_SPEC = Path("docs") / "examples" / "batch-example.toml"
EXAMPLE_TEMPLATE = Path("docs") / "examples" / "batch_example.tex.j2"
PROBE_CHAPTER = "worked-example"  # a chapter rendered to learn what a template receives

ACTIVATIONS = {
    "identity": "a(z) = z: no activation, as for a regression output",
    "sigmoid": "1 / (1 + exp(-z))",
    "tanh": "the hyperbolic tangent",
    "relu": "max(0, z)",
    "leaky_relu": "z for z > 0, else the core's constant `leaky_slope` times z",
    "softmax": "exp(z_k) / sum_j exp(z_j) over the layer (output layer, with `softmax_ce`)",
}
LOSSES = {
    "sse": "the sum of squared errors, sum_k (a_k - y_k)^2, per example",
    "mse": "the mean squared error, (1/K) sum_k (a_k - y_k)^2 over the K outputs, per example",
    "bce": "binary cross-entropy of sigmoid outputs against targets from 0 to 1",
    "softmax_ce": "cross-entropy of a softmax output against a distribution over the classes",
}
REDUCTIONS = {"sum": "the loss of the batch is the sum over its examples", "mean": "the mean over them (1/m)"}
VARIABLES = {
    "chapter": "the chapter's spec (`ChapterSpec`): `chapter.title`, `chapter.source`, `chapter.check_networks` ...",
    "layers": "the layers, in order, each a `LayerView` (below): loop over them",
    "examples": "the examples, `range(1, m + 1)`: loop over them",
    "v": "the ledger: every number on the page (below)",
    "claim": "words about values, chosen by the values and checked (below)",
    "theorem": "`theorem(name, says=None)`: a general statement of the prose, proved by the build "
    "(`generator/theorems.py`); `says` prints words of the statement",
    "network": "facts of the network printed from its spec: `network.name` (its shape, `2--2--2`), "
    "`network.activation(layer, ...)`; `network.places(kind, layer)` (the spec's precision, in words); "
    "`network.assume(loss=..., reduction=..., true_class=..., LAYER=activation)` "
    "holds the "
    "spec to what the prose says of it in words, printing nothing",
    "notation": "the notation profile (`notation.display(macro, args)`)",
    "layout": "how the profile lays out matrices, for the prose (below)",
    "listing": '`listing("core.NAME", implements=["eq:..."])`: a function of the core beside its equations',
    "exercises": "the chapter's exercises (used by `exercises.tex.j2`, which a chapter includes last)",
    "formula": "`formula(name)`: a checked formula, inline (see docs/formulas.md)",
    "formula_result": "`formula_result(name)`: only `lhs = last side` of a chain",
    "formula_aligned": "`formula_aligned(name)`: a chain one link per line, inside `aligned`",
    "formula_at": "`formula_at(name, ...)`: a formula at given indices",
    "mistake": "`mistake(name)`: a formula marked wrong, only inside a `mistakes` box",
}
GLOBALS = {
    "idx": "`idx(k)`: an index or a size from a loop, printed as structure (never a computed value)",
    "dim": "`dim(x)`: a length or coordinate of a drawing",
    "gradient_check_rule": "the rule of thumb for relative errors, from `generator/gradcheck.py`",
    "gradient_check_at_kink": "what the gradient check says at a kink, from `generator/gradcheck.py`",
    "theorem_term": "`theorem_term(theorem, term)`: a figure a proved statement quotes (`\\varepsilon^{2/3}`)",
}
LAYER_FIELDS = {
    "name": "its name in the spec (`hid`): the first argument of `v.*` calls",
    "label": "how it prints in symbols: `\\weight{<< layer.label >>}`",
    "activation": "its activation's name (see the names above)",
    "has_bias": "whether the spec gives it biases",
    "neurons": "its units, `range(1, size + 1)`: `<% for k in layer.neurons %>`",
    "sources": "its inputs (the units of the layer below), `range(1, fan_in + 1)`",
}
LAYOUT_ATTRIBUTES = {
    "example": "`row` or `column`: one example per ... of a batch matrix",
    "unit": "`column` or `row`: one unit of a layer per ...",
    "into": "`row` or `column`: the weights into one neuron are a ... of the weight matrix",
}
PRINTERS = {  # v.<prefix>.<call>(...): the Values method behind each prefix
    "eq": "_labelled",
    "sym": "_symbol",
    "row": "_symbol",
    "column": "_column",
    "matrix": "_matrix",
    "words": "_words",
    "row_of": "_per_example_row",
}


class Undescribed(Exception):
    """The code has something a template sees that this module does not describe."""


def _summary(function: Any) -> str:
    """The first paragraph of a docstring, on one line."""
    doc = inspect.getdoc(function)
    if not doc:
        raise Undescribed(f"{function.__qualname__} has no docstring: the reference prints it")
    return " ".join(doc.split("\n\n")[0].split())


def _signature(function: Callable[..., Any]) -> str:
    parameters = list(inspect.signature(function).parameters.values())
    if parameters and parameters[0].name == "self":
        parameters = parameters[1:]
    return str(inspect.Signature(parameters)).replace("'", "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _described(names: Iterable[str], descriptions: dict[str, str], what: str) -> list[tuple[str, str]]:
    names = list(names)
    missing = [name for name in names if name not in descriptions]
    stale = [name for name in descriptions if name not in names]
    if missing or stale:
        raise Undescribed(f"{what}: undescribed {missing}, no longer in the code {stale} (generator/authoring.py)")
    return [(name, descriptions[name]) for name in names]


def _printed(kind: Kind) -> str:
    return {
        "fixed": f"at `precision.{kind.name}` decimals",
        "bound": "a power of ten above it",
        "integer": "a whole number (in words with `v.words`)",
        "exact": "as the code holds it",
    }[kind.printed]


def chapter_context(root: Path) -> dict[str, Any]:
    """What a chapter template receives: the context of a real rendering of ``PROBE_CHAPTER``, with the
    environment's globals (caught as the renderer hands it over, so that it is the renderer's own)."""
    from generator.compute import compute

    spec = load_spec(root / "chapters" / f"{PROBE_CHAPTER}.toml")
    captured: dict[str, Any] = {}

    def capture(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
        captured.update(context)
        return ""

    real = render_module._render
    render_module._render = capture
    try:
        env = render_module.make_environment(root / "templates")
        notation = load_notation(root / "notation" / "default.toml")
        render_module.render_chapter(env, spec, compute(spec), notation)
    finally:
        render_module._render = real
    return captured


def _jinja_globals(root: Path) -> list[str]:
    env = render_module.make_environment(root / "templates")
    defaults = jinja2.Environment().globals
    return [name for name in env.globals if name not in defaults]


def _jinja_macros(root: Path) -> list[tuple[str, str, str]]:
    """Every ``<% macro %>`` of the templates: (template, name, arguments)."""
    env = render_module.make_environment(root / "templates")
    found = []
    for path in sorted((root / "templates").rglob("*.j2")):
        relative = path.relative_to(root / "templates").as_posix()
        for macro in env.parse(path.read_text(encoding="utf-8")).find_all(nodes.Macro):
            arguments = [argument.name for argument in macro.args]
            for i, default in enumerate(macro.defaults, start=len(arguments) - len(macro.defaults)):
                value = default.value if isinstance(default, nodes.Const) else "..."
                arguments[i] += f"={str(value).lower() if isinstance(value, bool) else value!r}"
            found.append((relative, macro.name, ", ".join(arguments)))
    return found


def _latex_commands(root: Path) -> list[tuple[str, str]]:
    """The LaTeX commands ``templates/shared_macros.tex.j2`` defines: (name, arguments)."""
    text = (root / "templates" / "shared_macros.tex.j2").read_text(encoding="utf-8")
    return [
        (name, count or "0") for name, count in re.findall(r"\\(?:re)?newcommand\{?\\([A-Za-z]+)\}?(?:\[(\d)\])?", text)
    ]


def _section_methods(cls: type, prefix: str, skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    rows = []
    for name, function in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith("_") or name in skip:
            continue
        rows.append((f"`{prefix}{name}{_signature(function)}`", _summary(function)))
    return rows


def reference(root: Path) -> str:
    """The text of ``docs/authoring.md`` for the project at ``root``."""
    out: list[str] = [
        "# Writing a chapter: the authors' reference",
        "",
        "<!-- Generated by `python -m generator.authoring` (or `handbook docs`) from the code: do not edit;",
        "     edit generator/authoring.py, and a test compares this file with what the code gives. -->",
        "",
        "A chapter is two files: a spec, `chapters/NAME.toml` (the network, the data, the loss, the",
        "precision each kind of number is printed with, the exercises), and a template,",
        "`templates/chapters/NAME.tex.j2` (LaTeX with Jinja2: `<< expression >>`, `<% statement %>`,",
        "`<# comment #>`). No Python, and no edit anywhere else: the book, the tests and the gradient-check",
        "chapter find every spec under `chapters/`. Every number on the page comes from the ledger (`v.*`),",
        "and the build checks each one against an exact oracle; a digit typed into the text is refused.",
        "",
        "Start from a chapter that builds, then change it:",
        "",
        "```sh",
        "handbook new regression --from worked-example  # its spec and template, copied and renamed",
        "handbook chapter regression                    # render and verify it; --pdf to typeset it alone",
        "handbook run regression                        # every number of its network, with the call printing it",
        "```",
        "",
        "Formulas are written in a small text syntax: see [docs/formulas.md](formulas.md).",
        "",
        "## The spec",
        "",
        "Every key a spec may hold, by table; any other key is an error naming it, its table and these keys.",
        "",
    ]
    tables = {"": "(top level)", "layer": "[[network.layers]]", "graph": "[[graphs]]", "node": "graphs' nodes"}
    out += _table(
        ("table", "keys"),
        ((tables.get(table, f"[{table}]"), ", ".join(f"`{key}`" for key in keys)) for table, keys in KEYS.items()),
    )
    out += ["Activations (`activation` of a layer):", ""]
    out += _table(
        ("name", "what it computes"),
        ((f"`{n}`", d) for n, d in _described(ACTIVATION_NAMES, ACTIVATIONS, "activations")),
    )
    out += ["Losses (`[loss] name`) and reductions (`[loss] reduction`):", ""]
    rows = []
    for name, description in _described(LOSS_NAMES, LOSSES, "losses"):
        needs = f"; needs a `{PROBABILITY_LOSSES[name]}` output layer" if name in PROBABILITY_LOSSES else ""
        rows.append((f"`{name}`", description + needs))
    rows += [(f"`{n}`", d) for n, d in _described(REDUCTION_NAMES, REDUCTIONS, "reductions")]
    out += _table(("name", "meaning"), rows)
    out += [
        "Precision kinds (`[precision]`): the decimals each kind of number prints with, one number for",
        "the kind or one per layer (`preactivation = {hid = 2, out = 4}`). A chapter gives the kinds it prints;",
        "a value of the spec (an input, a weight) may not have more decimals than its kind prints.",
        "",
    ]
    by_name = {kind.name: kind for kind in KINDS}
    out += _table(
        ("kind", "printed by", "meaning"),
        ((f"`{n}`", f"`v.{by_name[n].call}`", by_name[n].meaning) for n in PRECISION_KINDS),
    )
    out += [
        f"Exercises (`[exercises]`): `seed` and how many of each kind: {', '.join(f'`{k}`' for k in EXERCISE_KINDS)};",
        "four to eight in all, of at least two kinds. `derive` picks among the checked results of the chapter's",
        'own formulas, or names them: `derive = ["name", ...]`.',
        "",
        f'The gradient-check chapter runs on `networks = "{ALL_NETWORKS}"`: every other chapter\'s network, in',
        "book order. A chapter leaves itself out with `[gradient_check]` `include = false` in its own spec.",
        "",
        "## What a chapter template receives",
        "",
    ]
    context = chapter_context(root)
    out += _table(
        ("name", "what it is"), ((f"`{n}`", d) for n, d in _described(context, VARIABLES, "template variables"))
    )
    out += [
        "Everywhere (globals of the environment), and the filter `chomp` (a macro's output without its last newline):",
        "",
    ]
    out += _table(
        ("name", "what it is"), ((f"`{n}`", d) for n, d in _described(_jinja_globals(root), GLOBALS, "globals"))
    )
    out += ["Each of `layers` (`LayerView`):", ""]
    fields = [field.name for field in dataclasses.fields(render_module.LayerView)]
    out += _table(
        ("field", "what it is"), ((f"`layer.{n}`", d) for n, d in _described(fields, LAYER_FIELDS, "LayerView"))
    )
    out += [
        "## The ledger: `v.*`",
        "",
        "Each call names a quantity of the chapter's network, with indices counted from one (`k` a unit of the",
        "layer, `t` an input to it, `j` an input to the network, `example` an example of the batch); `network`",
        "names another chapter's network (the gradient check's) or an exercise's variant. An unknown call, an",
        "index out of range or a missing precision is a render error naming the template line.",
        "",
    ]
    out += _table(
        ("call", "prints", "meaning"),
        ((f"`{kind.usage()}`", _printed(kind), kind.meaning) for kind in KINDS),
    )
    out += [
        'A call prints its value alone (`v.z("hid", 1)`), allowed only in a table cell under generated row and',
        "column labels that name it. The same calls print in other ways through a prefix:",
        "",
    ]
    out += _table(
        ("prefix", "what it prints"),
        ((f"`v.{prefix}.CALL(...)`", _summary(getattr(Values, method))) for prefix, method in PRINTERS.items()),
    )
    out += ["The ledger's other calls:", ""]
    out += _table(("call", "what it prints"), _section_methods(Values, "v.", skip=("quantity_of",)))
    out += [
        "## Claims: `claim.*`",
        "",
        "Words about values, chosen from the core's values and again from the oracle's; `says=` insists.",
        "",
    ]
    out += _table(("call", "what it says"), _section_methods(Claims, "claim.", skip=("theorem",)))
    out += [
        "## Layout: `layout`",
        "",
        "Prose about whole matrices asks the profile's layout, so that it reads right in every profile.",
        "",
    ]
    layout = context["layout"]
    attributes = [name for name in vars(layout) if not name.startswith("_")]
    out += _table(
        ("name", "what it is"),
        [(f"`layout.{n}`", d) for n, d in _described(attributes, LAYOUT_ATTRIBUTES, "layout")]
        + _section_methods(Layout, "layout."),
    )
    out += ["## Formulas", "", "The template functions that print checked formulas:", ""]
    functions = Formulas().template_functions()
    out += _table(
        ("function", "what it prints"), ((f"`{n}{_signature(f)}`", _summary(f)) for n, f in functions.items())
    )
    out += [
        "The formula's own text syntax, and how a chapter declares new formulas: [docs/formulas.md](formulas.md).",
        "",
    ]
    out += [
        "## Macros",
        "",
        "Symbols are notation macros (`notation/default.toml`; every profile renames them, so never type the",
        "letters): a reserved size letter (m, d, K, L, n) typed alone in mathematics fails the scan.",
        "",
    ]
    notation = load_notation(root / "notation" / "default.toml")
    out += _table(
        ("macro", "arguments", "meaning"),
        ((f"`\\{m.name}`", str(m.args), m.meaning) for m in notation.macros if not m.companion),
    )
    out += [
        "LaTeX commands of `templates/shared_macros.tex.j2` (`\\st{...}` marks a whole number as structure: it",
        "may hold only an index in range or a count of the chapter's network, which the build checks):",
        "",
    ]
    out += _table(("command", "arguments"), ((f"`\\{n}`", a) for n, a in _latex_commands(root)))
    out += ['Jinja macros of the templates (import them with `<% from "FILE" import NAME %>`):', ""]
    out += _table(("template", "macro"), ((f"`{t}`", f"`{n}({a})`") for t, n, a in _jinja_macros(root)))
    out += [
        "## A second worked example: a batch and biases",
        "",
        "Two inputs, three tanh units with biases, one identity output with a bias, the mean squared error",
        f"over three examples. The spec, `{EXAMPLE_SPEC}`:",
        "",
        "```toml",
        (root / EXAMPLE_SPEC).read_text(encoding="utf-8").rstrip(),
        "```",
        "",
        f"and its template, `{EXAMPLE_TEMPLATE}` (a test builds both as a chapter):",
        "",
        "```latex",
        (root / EXAMPLE_TEMPLATE).read_text(encoding="utf-8").rstrip(),
        "```",
        "",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Write docs/authoring.md (``--check``: exit 1 if the committed file is not what the code gives)."""
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[args.index("--root") + 1]) if "--root" in args else Path(".")
    text = reference(root)
    path = root / DOCUMENT
    if "--check" in args:
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text:
            print(f"{path} is not what the code gives: run `python -m generator.authoring`", file=sys.stderr)
            return 1
        print(f"{path} is up to date")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"write    {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
