"""The shapes the page states: products conform, and every shape the text gives a matrix is its own."""

from __future__ import annotations

import pytest
from helpers import page_problems_after_edit

from generator import shapes
from generator.verify import shape_failures

# A 2-3-2 network: layers hid (three units) and out (two), two inputs.
NET = shapes.network_of(2, [("hid", "", 3), ("out", "", 2)])
# The three-layer chapter's: layers named one, two, three, printed 1, 2, 3; one output.
NUMBERED = shapes.network_of(2, [("one", "1", 3), ("two", "2", 2), ("three", "3", 1)])


def problems(text: str, network: shapes.Network = NET) -> list[str]:
    return [problem.what for problem in shapes.problems(text, network)]


@pytest.mark.parametrize(
    ("formula", "shape"),
    [
        (r"\weight{out}\, \act{hid}", "K × 1"),
        (r"\err{out} \actT{hid}", "K × n(hid)"),
        (r"\act{hid} \err{out}^{\top}", "n(hid) × K"),
        (r"\Err{out}^{\top} \Act{hid}", "K × n(hid)"),
        (r"\pd{\cost}{\weight{hid}} = \ErrT{hid}\, \Inputs", "n(hid) × d"),
        (r"\frac{1}{\nbatch} \Err{hid} \odot \actfnprime{hid}\bigl(\Preact{hid}\bigr)", "m × n(hid)"),
        (r"1 - \Act{hid}", "m × n(hid)"),
        (r"\sum_{e} \actex{\ell-1}{e}\, \errex{\ell}{e}^{\top}", "n(ℓ-1) × n(ℓ)"),
        (r"\weight{\ell+1}", "n(ℓ+1) × n(ℓ)"),
        (r"\weightio{out}", "n(hid) × K"),
        (r"\Inputs \weightT{hid} + \ones \biasT{hid}", "m × n(hid)"),
    ],
)
def test_shape_of_a_formula(formula: str, shape: str) -> None:
    """A formula of the notation's matrices reads whole, with the shape its factors give it."""
    result = shapes.shape_of(formula, NET)
    assert result is not None and shapes.show(result) == shape


def test_a_width_of_one_is_the_number_one() -> None:
    """A layer of one unit has vectors of one entry: its error term equals a difference of numbers."""
    assert shapes.shape_of(r"\errex{3}{e} = \yhatex{e} - \ylabelex{e}", NUMBERED) == shapes.SCALAR
    assert shapes.show(shapes.shape_of(r"\weight{3}", NUMBERED) or shapes.SCALAR) == "1 × n(2)"


def test_one_input_or_one_output_makes_d_or_k_the_number_one() -> None:
    """A one-output network's target, output weights and \\noutputs are sized 1, a one-input network's input too."""
    assert shapes.shape_of(r"\target = (\num{0.3})^{\top}", NUMBERED) == shapes.SCALAR
    assert shapes.show(shapes.shape_of(r"\weight{\nlayers}", NUMBERED) or shapes.SCALAR) == "1 × n(2)"
    assert shapes.stated_shape(r"\noutputs \times \nbatch", NUMBERED) == (shapes.ONE, ("m", 0))
    one_input = shapes.network_of(1, [("hid", "", 3), ("out", "", 2)])
    assert shapes.shape_of(r"\inputvec", one_input) == shapes.SCALAR
    assert shapes.show(shapes.shape_of(r"\Inputs", one_input) or shapes.SCALAR) == "m × 1"
    assert shapes.show(shapes.shape_of(r"\target", NET) or shapes.SCALAR) == "K × 1"


@pytest.mark.parametrize(
    "formula",
    [
        r"\operatorname{diag}(\act{out})",
        r"\act{out}_{k}",
        r"\weight{nowhere}",
        "x + y",
        r"\pd{\act{out}}{\preact{out}}",
    ],
)
def test_what_the_reader_does_not_know_is_left_alone(formula: str) -> None:
    """Unknown commands, subscripts, unknown layers and Jacobians give no shape and no problem."""
    assert shapes.shape_of(formula, NET) is None
    assert problems(f"${formula}$ is $\\units{{hid}} \\times \\nbatch$") == []


def test_entries_are_numbers() -> None:
    """An entry of a matrix is a number: it multiplies anything."""
    assert shapes.shape_of(r"\weightentry{out}{k}{j}\, \Act{hid}", NET) == shapes.shape_of(r"\Act{hid}", NET)


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (r"\act{hid}\, \act{out}", "a product of n(hid) × 1 by K × 1 does not conform"),
        (r"\weight{out} \Act{hid}", "a product of K × n(hid) by m × n(hid) does not conform"),
        (r"\Act{hid} + \Act{out}", "the terms of a sum differ in shape: m × n(hid) and m × K"),
        (r"\Err{out} \odot \ErrT{out}", "a Hadamard product's factors differ in shape: m × K and K × m"),
        (
            r"\pd{\cost}{\weight{out}} = \actT{hid} \act{hid}",
            "the two sides of = differ in shape: K × n(hid) and 1 × 1",
        ),
    ],
)
def test_formulas_whose_shapes_do_not_fit_are_named(formula: str, message: str) -> None:
    """A product that does not conform, or sides of different shapes, is a problem naming both shapes."""
    assert problems(f"The product ${formula}$ is wrong.") == [f"${formula}$: {message}"]


def test_a_mistake_may_be_ill_shaped() -> None:
    """Inside a mistakes box a formula may fail to conform: showing that is the box's point."""
    assert problems(r"\begin{mistakes}$\act{hid}\, \act{out}$\end{mistakes}") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            r"$\Err{hid}$ is $\units{hid} \times \nbatch$.",
            r"the text gives $\Err{hid}$ the shape n(hid) × m, but it is m × n(hid)",
        ),
        (
            r"$\weight{out}$ of shape $\units{hid} \times \noutputs$",
            r"the text gives $\weight{out}$ the shape n(hid) × K, but it is K × n(hid)",
        ),
        (
            r"$\pd{\cost}{\weight{hid}}$ must come out $\ninputs \times \units{hid}$",
            r"the text gives $\pd{\cost}{\weight{hid}}$ the shape d × n(hid), but it is n(hid) × d",
        ),
        (
            r"the shape $\ninputs \times \units{hid}$ of $\weight{hid}$",
            r"the text gives $\weight{hid}$ the shape d × n(hid), but it is n(hid) × d",
        ),
        (
            r"is $\nbatch \times \units{hid}$ like $\Act{out}$",
            r"the text gives $\Act{out}$ the shape m × n(hid), but it is m × K",
        ),
        (
            r"the shape $\noutputs \times \units{hid}$ of the transpose of $\weight{out}$",
            r"the text gives the transpose of $\weight{out}$ the shape K × n(hid), but it is n(hid) × K",
        ),
        (
            r"$\act{hid}\, \errT{out}$ has the shape of $\weight{out}$",
            r"the text gives $\act{hid}\, \errT{out}$ the shape of $\weight{out}$, K × n(hid), but it is n(hid) × K",
        ),
        (
            r"$\act{hid}\, \errT{out}$ is an outer product with the shape of $\weight{out}$",
            r"the text gives $\act{hid}\, \errT{out}$ the shape of $\weight{out}$, K × n(hid), but it is n(hid) × K",
        ),
        (
            r"$\Inputs \in \reals^{\ninputs \times \nbatch}$",
            r"$\Inputs \in \reals^{\ninputs \times \nbatch}$ gives the shape d × m, but it is m × d",
        ),
        (
            r"$\bias{out} \in \reals^{\units{hid}}$",
            r"$\bias{out} \in \reals^{\units{hid}}$ gives the shape n(hid) × 1, but it is K × 1",
        ),
    ],
)
def test_a_shape_the_text_states_must_hold(text: str, message: str) -> None:
    """Each way the prose gives a matrix a shape is held to the matrix's own shape."""
    assert problems(text) == [message]


@pytest.mark.parametrize(
    "text",
    [
        r"$\Err{hid}$ is $\nbatch \times \units{hid}$ like $\Preact{hid}$.",
        r"$\weight{out}$ of shape $\noutputs \times \units{hid}$, and"
        r" $\act{hid}\, \errT{out}$ has the shape of $\weightT{out}$",
        r"$\linW \in \reals^{\noutputs \times \ninputs}$ and $\InputsT \in \reals^{\ninputs \times \nbatch}$",
        r"the shape $\units{hid} \times \noutputs$ of the transpose of $\weight{out}$",
        r"This product has shape $\units{hid} \times \noutputs$, not the"
        r" $\noutputs \times \units{hid}$ of $\weight{out}$",
    ],
)
def test_shapes_that_hold_pass(text: str) -> None:
    """The same statements with the right shapes are no problem."""
    assert problems(text) == []


def test_a_table_row_gives_its_matrices_the_shape_beside_them() -> None:
    """In a table a cell holding a shape gives it to every matrix of the cell before it."""
    table = "\n".join(
        [
            r"\begin{tabular}{llll}",
            r"Quantity & Shape & Quantity & Shape \\",
            r"\midrule",
            r"$\Inputs$ & $\nbatch \times \ninputs$",
            r"  & $\Targets$, $\Act{out}$ & $\nbatch \times \noutputs$ \\",
            r"$\weight{hid}$, $\pd{\cost}{\weight{hid}}$ & $\ninputs \times \units{hid}$ & $\cost$ & a number \\",
            r"\end{tabular}",
        ]
    )
    assert problems(table) == [
        r"the text gives $\weight{hid}$ the shape d × n(hid), but it is n(hid) × d",
        r"the text gives $\pd{\cost}{\weight{hid}}$ the shape d × n(hid), but it is n(hid) × d",
    ]
    assert problems(table.replace(r"\ninputs \times \units{hid}", r"\units{hid} \times \ninputs")) == []


def test_a_shape_far_from_its_matrix_binds_nothing() -> None:
    """Only the patterns above bind: a shape in another sentence says nothing of the formula before it."""
    assert problems(r"We know $\weight{out}$. The product has shape $\units{hid} \times \noutputs$.") == []


ANSWER = r"""\exercisehead{ex:a:4}{ans:a:4}{shapes}
What is the shape of the gradient $QUESTION$?
Give it in the book's sizes, and in numbers for this chapter's network.
\begin{exerciseanswer}
\answerhead{ex:a:4}{ans:a:4}
It is $SHAPE$; for this chapter's network,
SIZES.
\end{exerciseanswer}"""


def answer(question: str, shape: str, sizes: str) -> str:
    return ANSWER.replace("QUESTION", question).replace("SHAPE", shape).replace("SIZES", sizes)


def test_a_shapes_answer_gives_the_asked_formula_its_shape_and_sizes() -> None:
    """An exercise's answer passes when its shape and its sizes on the network are the asked formula's."""
    batch = shapes.network_of(2, [("hid", "", 3), ("out", "", 2)], batch=4)
    good = answer(r"\pd{\cost}{\weight{hid}}", r"\units{hid} \times \ninputs", r"\numword{three} by \numword{two}")
    assert problems(good, batch) == []
    assert problems(answer(r"\Err{hid}", r"\nbatch \times \units{hid}", "4 by 3"), batch) == []
    product = ANSWER.replace(
        "the gradient $QUESTION$?", "the product\n\\begin{equation*} \\Err{out}\\,\\weight{out}? \\end{equation*}"
    )
    assert problems(product.replace("SHAPE", r"\nbatch \times \units{hid}").replace("SIZES", "4 by 3"), batch) == []


def test_a_shapes_answer_that_swaps_rows_and_columns_fails() -> None:
    """An answer whose shape, or whose sizes in numbers, are the other way round names the formula asked."""
    batch = shapes.network_of(2, [("hid", "", 3), ("out", "", 2)], batch=4)
    swapped = answer(r"\Err{hid}", r"\units{hid} \times \nbatch", r"\numword{four} by \numword{three}")
    assert problems(swapped, batch) == [r"the answer gives $\Err{hid}$ the shape n(hid) × m, but it is m × n(hid)"]
    numbers = answer(r"\Err{hid}", r"\nbatch \times \units{hid}", r"\numword{three} by \numword{four}")
    assert problems(numbers, batch) == [r"the answer gives $\Err{hid}$ 3 by 4 on this network, but it is 4 by 3"]
    product = (
        ANSWER.replace(
            "the gradient $QUESTION$?",
            "the product\n\\begin{equation*}\n  \\Err{out}\\,\\weight{out}?\n\\end{equation*}",
        )
        .replace("SHAPE", r"\ninputs \times \nbatch")
        .replace("SIZES", "2 by 4")
    )
    assert problems(product, batch) == [
        r"the answer gives $\Err{out}\,\weight{out}$ the shape d × m, but it is m × n(hid)",
        r"the answer gives $\Err{out}\,\weight{out}$ 2 by 4 on this network, but it is 4 by 3",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            r"Collect them in a matrix of the same shape as $\Act{out}$, one column per example:",
            r"the text says $\Act{out}$ has one column per example (m columns), but it is m × K",
        ),
        (
            r"The batch is the matrix $\Act{hid}$, one example per column, and so on.",
            r"the text says $\Act{hid}$ has one column per example (m columns), but it is m × n(hid)",
        ),
        (
            r"$\weight{\ell}$ has one row per neuron of layer $\ell$ and one column per neuron of layer $\ell$.",
            r"the text says $\weight{\ell}$ has one column per neuron (n(ℓ) columns), but it is n(ℓ) × n(ℓ-1)",
        ),
        (
            r"Its matrix $\weightio{\ell}$ has one row per unit of the layer \emph{above}.",
            r"the text says $\weightio{\ell}$ has one row per unit (n(ℓ) rows), but it is n(ℓ-1) × n(ℓ)",
        ),
        (
            r"The examples are stacked as the columns of the input matrix $\Inputs$; then",
            r"the text says $\Inputs$ has one column per example (m columns), but it is m × d",
        ),
        (
            "the error term, now one column per example:\n"
            r"\begin{equation} \Err{\ell} = \Act{\ell} \end{equation}",
            r"the text says $\Err{\ell}$ has one column per example (m columns), but it is m × n(ℓ)",
        ),
        (
            r"a column of length $\ninputs$ times a row of length $\noutputs$, which has the shape"
            r" $\noutputs \times \ninputs$ of $\linW$.",
            r"a column of length $\ninputs$ times a row of length $\noutputs$ is d × K,"
            r" not the K × d the text gives it",
        ),
        (
            r"a row of length $\ninputs$ times a row of length $\noutputs$",
            r"a row of length $\ninputs$ times a row of length $\noutputs$:"
            r" a product of 1 × d by 1 × K does not conform",
        ),
        (
            r"The backward pass multiplies by $\linW$, which maps $\reals^{\noutputs}$ back to $\reals^{\ninputs}$.",
            r"$\linW$ is K × d, so it maps the d-vectors to the K-vectors, not K to d",
        ),
    ],
)
def test_the_words_for_which_way_a_matrix_runs_must_fit_its_shape(text: str, message: str) -> None:
    """ "One row per example", "as the columns of", "a column times a row", "maps R^K to R^d" are shapes too."""
    assert problems(text) == [message]


@pytest.mark.parametrize(
    "text",
    [
        r"Collect them in a matrix of the same shape as $\Act{out}$, one row per example:",
        r"The batch is the matrix $\Act{hid}$, one example per row, and so on.",
        r"$\weight{\ell}$ has one row per neuron of layer $\ell$ and one column per neuron of the layer below.",
        r"$\weightT{\ell}$ has one row per neuron of the layer below and one column per neuron of layer $\ell$.",
        r"Its matrix $\weightio{\ell}$ has one row per unit of the layer \emph{below}.",
        r"process a batch as the rows of $\Inputs \in \reals^{\nbatch \times \ninputs}$ with",
        r"a column of length $\noutputs$ times a row of length $\ninputs$, which has the shape"
        r" $\noutputs \times \ninputs$ of $\linW$.",
        r"the \emph{transpose} of $\linW$, which maps $\reals^{\noutputs}$ back to $\reals^{\ninputs}$: and",
        r"\begin{mistakes}$\Act{out}$, one column per example.\end{mistakes}",
        r"Each of $\Act{out}$ and the rest: one row per unit.",
    ],
)
def test_layout_words_that_fit_pass(text: str) -> None:
    """The same words with the matrix's own orientation, a mistakes box, or a count it cannot read, pass."""
    assert problems(text) == []


# Template mutations a reader would catch with a pencil: each now fails the chapter's checks at its line.
MUTATIONS = [
    (
        "worked-example",
        r"$\err{out} \actT{hid}$ has the shape of $\weight{out}$",
        r"$\act{hid} \errT{out}$ has the shape of $\weight{out}$",
        "the text gives $\\act{hid} \\errT{out}$ the shape of $\\weight{out}$",
    ),
    (
        "four-equations",
        r'layout.shape("Err", "\\nbatch", "\\units{\\ell}")',
        r'layout.shape("Err", "\\units{\\ell}", "\\nbatch")',
        "the text gives $\\Err{\\ell}$ the shape n(ℓ) × m, but it is m × n(ℓ)",
    ),
    (
        "three-layer",
        r"$\actex{\ell-1}{e}\, \errex{\ell}{e}^{\top}$",
        r"$\actex{\ell-1}{e}\, \errex{\ell}{e}$",
        "a product of n(ℓ-1) × 1 by n(ℓ) × 1 does not conform",
    ),
    (
        "matrix-form",
        "one << layout.example >> per example:",
        "one << layout.unit >> per example:",
        "has one column per example (m columns), but it is m × K",
    ),
    (
        "linear-layer",
        r"which maps $\reals^{\noutputs}$ back to $\reals^{\ninputs}$",
        r"which maps $\reals^{\ninputs}$ back to $\reals^{\noutputs}$",
        "so it maps the K-vectors to the d-vectors, not d to K",
    ),
    (
        "linear-layer",
        r"must come out $\noutputs \times \ninputs$",
        r"must come out $\ninputs \times \noutputs$",
        "the shape d × K, but it is K × d",
    ),
]


@pytest.mark.parametrize(("chapter", "old", "new", "message"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_wrong_shape_in_a_template_fails_at_its_line(project_copy, chapter, old, new, message) -> None:
    """A template that states a wrong shape, or a product that cannot be formed, fails its chapter's check."""
    template, line, before, after = page_problems_after_edit(
        project_copy, chapter, old, new, lambda rendered, _: shape_failures(rendered)
    )
    assert before == []
    assert after, "the mutation passed"
    assert f"{template}:{line}: " in after[0] and message in after[0]


@pytest.mark.parametrize(
    "text",
    [
        "$\\weight{hid}\\",
        "$\\Inputs \\in \\reals^{\\units{hid \\times \\nbatch}$",
        "$\\pd{\\cost}{\\weight{hid}$ has the shape $\\units{ \\times \\ninputs$",
        "\\begin{equation}\\weight{out}\\,\\act{hid\\\\\n\\end{equation}",
        "$\\act{hid}\\\n$",
    ],
)
def test_a_malformed_formula_is_left_to_tex(text: str) -> None:
    """Unbalanced braces or a stray backslash raise nothing here: TeX reports such a formula itself."""
    assert problems(text) == []


def test_the_conventions_page_is_held_to_the_shapes_it_gives(project_copy) -> None:
    """The book shell's words on which way a weight matrix runs are checked like a chapter's."""
    from generator.build import CheckFailed, check, load_chapters

    path = project_copy.templates / "conventions.tex.j2"
    source = path.read_text(encoding="utf-8")
    old = "has one row per neuron of layer $\\ell$ and one column per neuron of the layer"
    new = "has one column per neuron of layer $\\ell$ and one row per neuron of the layer"
    assert old in source
    path.write_text(source.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CheckFailed) as caught:
        check(project_copy, load_chapters(project_copy)[:1], lambda line: None)
    line = source[: source.index(old)].count("\n") + 1
    expected = f"conventions.tex.j2:{line}: the text says $\\weight{{\\ell}}$ has one column per neuron"
    assert expected in "\n".join(map(str, caught.value.failures))


@pytest.mark.parametrize(
    ("text", "into", "found"),
    [
        ("In this notation row $k$ of a weight matrix holds the weights into neuron $k$:", "row", []),
        ("In this notation column $k$ of a weight matrix holds the weights into neuron $k$:", "row", ["column"]),
        ("Each row of the weight gradient belongs to the weights into one output", "column", ["row"]),
    ],
)
def test_the_weights_into_a_unit_are_the_profiles_row_or_column(text: str, into: str, found: list[str]) -> None:
    """A row of W holds the weights into a unit where the profile stores W output-by-input, a column where
    input-by-output."""
    problems = shapes.weights_into_problems(text, into)
    assert [problem.what.split(" are a ")[1].split(" ")[0] for problem in problems] == found


def test_a_layout_word_swapped_in_a_template_fails(project_copy) -> None:
    """The worked example saying a column of W holds a neuron's weights fails in the book's notation."""
    from generator.verify import cheap_checks

    template, line, before, after = page_problems_after_edit(
        project_copy,
        "worked-example",
        "In this notation << layout.into >> $k$",
        "In this notation << layout.unit >> $k$",
        cheap_checks,
    )
    assert before == []
    assert any(f"{template}:{line}: the text says the weights into one unit are a column" in p for p in after), after
