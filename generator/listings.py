"""Code beside the equations: the core's own functions, printed from their source.

A template shows the function that computed a chapter's numbers next to the equations it
implements::

    << listing("core.sigmoid_backward", implements=["eq:worked-step2"]) >>

prints a captioned, labelled listing (``Listing 1.2``) whose caption names the function, its file
and the equations it implements (``\\cref``). The source is never copied into a template: it is
read at build time from the file of the very module that computed the chapter's numbers (``core``
is the computation's core, ``gradcheck`` the gradient check), the function found with ``ast``, and
highlighted by Pygments' LaTeX formatter (fancyvrb's ``Verbatim``, no shell escape). The
formatter's style definitions go into the book's preamble once (``style_definitions``).

The listings follow the code: this module imports the modules it lists, so their files are part of
the import closure of every key that covers it (``dependencies.py``), the book's key among them;
an edit of a listed function changes the key, and the next build renders the new source.

A template that names a function the module does not have, lists the same function twice in a
chapter, or says it implements an equation that the chapter does not label, fails to render
(``RenderError``, exit 2), naming its file and line. A listing's digits are code, not printed
numbers: the numeral scan skips the listing environment (``scan.LISTING_ENVIRONMENT``), which only
this module may write.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from pygments import highlight
from pygments.formatters import LatexFormatter
from pygments.lexers import PythonLexer

from generator import core, core_graph, gradcheck, training
from generator.scan import LISTING_ENVIRONMENT
from generator.tex import RenderError, Tex, escape_tex, template_location

# The modules a template may list from, by the name it uses; ``core`` may be replaced by the core
# that computed the chapter (a test's broken copy shows its own source).
MODULES: dict[str, ModuleType] = {"core": core, "core_graph": core_graph, "gradcheck": gradcheck, "training": training}
# Pygments' colour scheme: readable in print, comments in italics.
STYLE = "default"
_LABEL = re.compile(r"\\label\{([^{}]*)\}")
# The widest line a listing prints within the text width: 438.17 pt over 5.25 pt a \small typewriter
# character is 83.5. A longer line is a render error, named here by its function's line before TeX
# runs; the shell also sets every Verbatim line in a box of the text's width, so that TeX reports
# a line that does not fit as an overfull box (the layout check) should the fonts or the page change.
MAX_COLUMNS = 83


def _formatter() -> LatexFormatter:
    return LatexFormatter(style=STYLE)


def style_definitions() -> Tex:
    """The ``\\PY`` macros of the formatter's style, for the book's preamble (once)."""
    return Tex(_formatter().get_style_defs())


@dataclass(frozen=True)
class Listing:
    """One listing a chapter shows: which function, from which file, implementing which equations."""

    name: str  # as the template names it: "core.sigmoid_backward"
    file: str  # the module's file under the project: "generator/core.py"
    source: str
    implements: tuple[str, ...]
    template: str
    line: int


def function_source(module: ModuleType, function: str) -> str | None:
    """The source of the top-level function ``function`` of ``module``, read from its file with ``ast``
    (decorators included), or None if the file defines no such function."""
    path = inspect.getsourcefile(module)
    if path is None:
        return None
    text = Path(path).read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            assert node.end_lineno is not None
            return "\n".join(text.splitlines()[first - 1 : node.end_lineno]) + "\n"
    return None


def functions_of(module: ModuleType) -> list[str]:
    """The names of the top-level functions defined in ``module``'s file, for messages."""
    path = inspect.getsourcefile(module)
    if path is None:
        return []
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    return [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]


def _shown_file(module: ModuleType) -> str:
    """The module's file as the book names it: ``generator/core.py`` (a copy outside the package: its name)."""
    path = Path(inspect.getsourcefile(module) or "?")
    package = Path(core.__file__).resolve().parent
    try:
        return f"{package.name}/{path.resolve().relative_to(package).as_posix()}"
    except ValueError:
        return path.name


class Listings:
    """The template's ``listing(...)``; remembers what one chapter listed."""

    def __init__(self, chapter: str, modules: dict[str, ModuleType] | None = None) -> None:
        self.chapter = chapter
        self.modules = {**MODULES, **(modules or {})}
        self.shown: list[Listing] = []

    def __call__(self, name: str, implements: Sequence[str] = ()) -> Tex:
        template, line = template_location()

        def fail(problem: str) -> RenderError:
            return RenderError(template, line, f"listing({name!r}): {problem}")

        module_name, _, function = str(name).partition(".")
        if module_name not in self.modules or not function:
            raise fail(f"name a function as MODULE.FUNCTION, MODULE one of {', '.join(sorted(self.modules))}")
        module = self.modules[module_name]
        source = function_source(module, function)
        if source is None:
            known = ", ".join(functions_of(module))
            raise fail(f"{_shown_file(module)} has no function {function!r} (it has: {known})")
        if isinstance(implements, str) or not implements or not all(isinstance(x, str) for x in implements):
            raise fail('say which equations it implements: implements=["eq:..."], the labels of this chapter')
        wide = [n for n, text in enumerate(source.splitlines(), start=1) if len(text.expandtabs()) > MAX_COLUMNS]
        if wide:
            raise fail(
                f"line {wide[0]} of the function is wider than {MAX_COLUMNS} characters and would run into the "
                f"margin: break it in {_shown_file(module)}"
            )
        if any(listed.name == name for listed in self.shown):
            raise fail("this chapter lists that function already")
        listing = Listing(name, _shown_file(module), source, tuple(implements), template, line)
        self.shown.append(listing)
        return Tex(self._tex(listing, function))

    def _tex(self, listing: Listing, function: str) -> str:
        caption = (
            rf"\texttt{{{escape_tex(function)}}} in \texttt{{{escape_tex(listing.file)}}}, "
            rf"implementing \cref{{{','.join(listing.implements)}}}"
        )
        label = f"lst:{self.chapter}:{listing.name}"
        code = highlight(listing.source, PythonLexer(), _formatter()).strip("\n")
        return f"\\begin{{{LISTING_ENVIRONMENT}}}{{{caption}}}{{{label}}}\n{code}\n\\end{{{LISTING_ENVIRONMENT}}}"

    def check_references(self, tex: str) -> None:
        """Every equation a listing implements is labelled in the chapter (``tex``): else a ``RenderError``
        naming the listing's template line."""
        labels = set(_LABEL.findall(tex))
        for listing in self.shown:
            missing = [label for label in listing.implements if label not in labels]
            if missing:
                raise RenderError(
                    listing.template,
                    listing.line,
                    f"listing({listing.name!r}) implements {', '.join(missing)}, which this chapter does not "
                    "label (\\label{...} beside the equation)",
                )
