"""Named display formulas, written once in notation macros; templates show them by name.

Templates never carry a formula's LaTeX: they call ``formula("name")``. The constants a formula
holds (the 2 of the squared error, the 1 of sigma(1 - sigma)) are written here, not in templates,
so the numeral scan of templates stays strict. Symbolic checking of these formulas is the next
step of the pipeline (invariant 3); see README.md, "What is checked".
"""

from __future__ import annotations

_L, _P = r"\ell", r"\ell-1"

FORMULAS: dict[str, str] = {
    "preactivation": rf"\preactentry{{{_L}}}{{k}} = \sum_{{t}} \weightentry{{{_L}}}{{k}}{{t}}\, \actentry{{{_P}}}{{t}}",
    "activation": rf"\actentry{{{_L}}}{{k}} = \actfn{{{_L}}}\bigl(\preactentry{{{_L}}}{{k}}\bigr)",
    "input_layer": rf"\actentry{{0}}{{t}} = \inputentry{{t}}",
    "sse_loss": r"\cost = \sum_{k} \bigl(\actentry{out}{k} - \targetentry{k}\bigr)^{2}",
    "sse_gradient": r"\pd{\cost}{\actentry{out}{k}} = 2\,\bigl(\actentry{out}{k} - \targetentry{k}\bigr)",
    "error_term": rf"\errentry{{{_L}}}{{k}} = \pd{{\cost}}{{\preactentry{{{_L}}}{{k}}}}"
    rf" = \pd{{\cost}}{{\actentry{{{_L}}}{{k}}}}\; \actfnprime{{{_L}}}\bigl(\preactentry{{{_L}}}{{k}}\bigr)",
    "sigmoid_derivative": r"\sigmoid'(z) = \sigmoid(z)\,\bigl(1 - \sigmoid(z)\bigr)",
    "relu_derivative": r"\relu'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
    "activation_gradient_below": rf"\pd{{\cost}}{{\actentry{{{_P}}}{{t}}}} = \sum_{{k}} \errentry{{{_L}}}{{k}}\, \weightentry{{{_L}}}{{k}}{{t}}",
    "weight_gradient": rf"\pd{{\cost}}{{\weightentry{{{_L}}}{{k}}{{t}}}} = \errentry{{{_L}}}{{k}}\, \actentry{{{_P}}}{{t}}",
    "sgd_update": rf"\weightentry{{{_L}}}{{k}}{{t}} \leftarrow \weightentry{{{_L}}}{{k}}{{t}} - \lrate\, \pd{{\cost}}{{\weightentry{{{_L}}}{{k}}{{t}}}}",
    "error_vector": rf"\err{{{_L}}} = \pd{{\cost}}{{\act{{{_L}}}}} \odot \actfnprime{{{_L}}}\bigl(\preact{{{_L}}}\bigr)",
    "activation_gradient_vector": rf"\pd{{\cost}}{{\act{{{_P}}}}} = \bigl(\weight{{{_L}}}\bigr)^{{\top}} \err{{{_L}}}",
    "weight_gradient_vector": rf"\pd{{\cost}}{{\weight{{{_L}}}}} = \err{{{_L}}} \bigl(\act{{{_P}}}\bigr)^{{\top}}",
}


def formula_tex(name: str) -> str:
    """The LaTeX of the formula called ``name`` (math-mode content, without delimiters)."""
    try:
        return FORMULAS[name]
    except KeyError:
        raise KeyError(f"no formula called {name!r} (known: {', '.join(sorted(FORMULAS))})") from None
