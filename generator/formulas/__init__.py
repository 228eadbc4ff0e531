"""The book's formulas: one entrance to the machinery that writes them and checks them.

* ``language``: the expression language (nodes that print through the notation and evaluate
  exactly with SymPy or in float64 with NumPy);
* ``model``: a ``Model``, the small setting in which formulas hold, exact and numeric;
* ``formula``: a ``Formula``, a displayed equation over a model;
* ``catalogue``: every formula of the book, one module per chapter (``get_formula`` finds one
  by name, ``CHAPTER_OF`` says which chapter's module holds it);
* ``check``: the exact and numeric proofs of a formula (``verify_formula``) and the key of its
  verdict (``formula_key``);
* ``binding``: a model's quantities as ledger quantities of a chapter's network, so that a
  formula's value on the chapter's numbers (a mistake's counterexample) is printed and checked;
* ``network``: the model of a chapter's own network, made from its spec;
* ``text``: formulas a chapter declares in text (``chapters/NAME.formulas.toml``), parsed into
  ``Formula`` objects over that model (``load_chapter_formulas``); the syntax is docs/formulas.md.
"""

from generator.formulas.binding import bind, fill, lhs_quantity
from generator.formulas.catalogue import CHAPTER_OF, FORMULAS, get_formula, results_like
from generator.formulas.check import RELATIVE, formula_key, verify_formula
from generator.formulas.formula import TRANSPOSED, Formula, own_letters_name
from generator.formulas.language import Env, NumpyOps, SympyOps
from generator.formulas.text import FormulaTextError, is_formulas_file, load_chapter_formulas

__all__ = [
    "CHAPTER_OF",
    "FORMULAS",
    "RELATIVE",
    "TRANSPOSED",
    "Env",
    "Formula",
    "FormulaTextError",
    "NumpyOps",
    "SympyOps",
    "bind",
    "fill",
    "formula_key",
    "get_formula",
    "is_formulas_file",
    "lhs_quantity",
    "load_chapter_formulas",
    "own_letters_name",
    "results_like",
    "verify_formula",
]
