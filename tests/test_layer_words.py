"""The activation the page names for a layer is the layer's own."""

from __future__ import annotations

import pytest
from helpers import page_problems_after_edit

from generator import layer_words
from generator.verify import layer_word_failures

# A ReLU hidden layer under a sigmoid output, as in the worked example.
NET = [layer_words.Layer("hid", "", "relu"), layer_words.Layer("out", "", "sigmoid")]
# Two tanh layers and a ReLU one under a sigmoid output, named one to four and labelled 1 to 4.
DEEP = [
    layer_words.Layer("one", "1", "tanh"),
    layer_words.Layer("two", "2", "tanh"),
    layer_words.Layer("three", "3", "relu"),
    layer_words.Layer("four", "4", "sigmoid"),
]


def problems(text: str, layers: list[layer_words.Layer] = NET) -> list[str]:
    return [problem.what for problem in layer_words.problems(text, layers)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Now put a tanh hidden layer in front.",
            "the text names tanh for the hidden layer, but the network's is ReLU",
        ),
        ("one ReLU output unit, trained", "the text names ReLU for the output layer, but the network's is the sigmoid"),
        (
            "Inputs on the left, the hidden layer (sigmoid) in the middle.",
            "the text names the sigmoid for the hidden layer, but the network's is ReLU",
        ),
        (
            "It has two hidden units with the hyperbolic tangent.",
            "the text names tanh for the hidden layer, but the network's is ReLU",
        ),
        (
            "The hidden layer is a ReLU, the output layer the hyperbolic tangent.",
            "the text names tanh for the output layer, but the network's is the sigmoid",
        ),
        (
            "Both layers use the logistic sigmoid and neither has a bias.",
            "the text names the sigmoid for every layer, but the network's is ReLU",
        ),
        (
            "and then passes through the slope of the hidden sigmoid.",
            "the text names the sigmoid for the hidden layer, but the network's is ReLU",
        ),
        (r"Take $\actfn{hid} = \tanh$ here.", "the text names tanh for layer hid, but the network's is ReLU"),
        (
            r"\begin{tabular}{ll} $\neuron{out}{1}$ & $\num{0.5}$ & ReLU \\ \end{tabular}",
            r"the text names ReLU for the layer of $\neuron{out}{1}$, but the network's is the sigmoid",
        ),
    ],
)
def test_an_activation_the_layer_does_not_use_is_named(text: str, message: str) -> None:
    """Each way the prose or a formula gives a layer its activation is held to the network's."""
    assert problems(text) == [message]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            r"Take $\actfn{1} = \actfn{3} = \tanh$ in the hidden layers.",
            "the text names tanh for layer 3, but the network's is ReLU",
        ),
        (
            r"Where a tanh unit of layer three is off, its slope is zero.",
            "the text names tanh for layer three, but the network's is ReLU",
        ),
        (
            "with sigmoid hidden layers",
            "the text names the sigmoid for the hidden layers, but the network's is ReLU and tanh",
        ),
    ],
)
def test_layers_named_by_number_or_together_are_each_held(text: str, message: str) -> None:
    """A layer named by its label or its name, and the hidden layers together, are each checked."""
    assert problems(text, DEEP) == [message]


@pytest.mark.parametrize(
    "text",
    [
        "Now put a ReLU hidden layer in front, and a sigmoid output layer.",
        r"Take $\actfn{hid} = \relu$ and $\actfn{out} = \sigmoid$.",
        r"\begin{mistakes} Both layers use the hyperbolic tangent. \end{mistakes}",
        "If the hidden layer used the hyperbolic tangent instead, its slope would never vanish.",
        r"The network of \cref{chap:matrix-form} had a sigmoid hidden layer.",
        "Unlike a sigmoid output layer, this one is the identity.",
    ],
)
def test_the_networks_own_activations_and_suppositions_pass(text: str) -> None:
    """The right names, a mistakes box, a sentence that supposes and another chapter's network pass."""
    assert problems(text) == []


def test_a_singular_hidden_layer_of_several_names_none() -> None:
    """'The hidden layer' of a network with several hidden layers does not say which: nothing is judged."""
    assert problems("a sigmoid hidden layer", DEEP) == []


MUTATIONS = [
    ("matrix-form", "Both layers use the logistic sigmoid", "Both layers use the hyperbolic tangent", "every layer"),
    ("softmax-cross-entropy", "Now put a sigmoid hidden layer", "Now put a tanh hidden layer", "the hidden layer"),
    ("training", "tangent and one sigmoid output unit", "tangent and one ReLU output unit", "the output layer"),
    (
        "worked-example",
        '<< "ReLU" if layer.activation == "relu" else "sigmoid" >>',
        '<< "sigmoid" if layer.activation == "relu" else "ReLU" >>',
        r"the layer of $\neuron{hid}{1}$",
    ),
    ("three-layer", "Where a ReLU unit of layer two", "Where a tanh unit of layer two", "layer two"),
]


@pytest.mark.parametrize(("chapter", "old", "new", "what"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_wrong_activation_in_a_template_fails_at_its_line(project_copy, chapter, old, new, what) -> None:
    """A template that names another activation for a layer fails its chapter's check at that line."""
    template, line, before, after = page_problems_after_edit(
        project_copy, chapter, old, new, lambda rendered, _: layer_word_failures(rendered)
    )
    assert before == []
    assert after, "the mutation passed"
    assert f"{template}:{line}: the text names" in after[0] and f" for {what}, " in after[0]


BIASED = [layer_words.Layer("hid", "", "relu", biases=True), layer_words.Layer("out", "", "sigmoid", biases=False)]


@pytest.mark.parametrize(
    ("text", "layers", "message"),
    [
        (
            "Both layers are dense and neither has a bias.",
            BIASED,
            "the text says there are no biases, but layer hid has them",
        ),
        (
            "Each arrow carries its weight; there are no biases.",
            BIASED,
            "the text says there are no biases, but layer hid has them",
        ),
        (
            "It has a ReLU hidden layer with biases and more.",
            NET,
            "the text gives the hidden layer biases, but it has none",
        ),
        ("The network of this section, with its biases.", NET, "the text gives the network biases, but it has none"),
        ("Both layers are dense and each has a bias.", NET, "the text gives the network biases, but it has none"),
        ("and a sigmoid output layer with biases", BIASED, "the text gives the output layer biases, but it has none"),
    ],
)
def test_biases_the_network_does_not_have_or_has_fail(text: str, layers, message: str) -> None:
    """What the prose says of biases is held to the layers' own: none where some exist, some where none do."""
    assert problems(text, layers) == [message]


@pytest.mark.parametrize(
    "text",
    [
        "It has a ReLU hidden layer with biases.",
        "The network of this section, with its biases.",
        r"The network of \cref{chap:matrix-form} had no biases and neither has a bias.",
    ],
)
def test_biases_as_the_network_has_them_pass(text: str) -> None:
    """Biases where the layer has them, and another chapter's network, pass."""
    assert problems(text, BIASED) == []


def test_a_bias_added_in_the_template_fails(project_copy) -> None:
    """The matrix-form chapter, whose layers have no biases, fails when its text gives them one."""
    _, _, before, after = page_problems_after_edit(
        project_copy,
        "matrix-form",
        "and neither has a\nbias.",
        "and each has a\nbias.",
        lambda rendered, _: layer_word_failures(rendered),
    )
    assert before == []
    assert after and "the text gives the network biases, but it has none" in after[0]


@pytest.mark.parametrize(
    ("text", "reduction", "found"),
    [
        ("the loss is the binary cross-entropy averaged over the batch.", "mean", 0),
        ("the loss is the binary cross-entropy averaged over the batch.", "sum", 1),
        ("With examples the loss is a sum over examples, so its gradient is a sum.", "mean", 1),
        ("the sum over the examples of error times input is an entry.", "mean", 0),
        ("If the loss were averaged over the batch instead, nothing would change.", "sum", 0),
    ],
)
def test_the_loss_is_summed_or_averaged_as_the_spec_says(text: str, reduction: str, found: int) -> None:
    """'Averaged over the batch' and 'a sum over examples' said of the loss are the spec's reduction."""
    assert len(layer_words.reduction_problems(text, reduction)) == found


def test_a_reduction_word_swapped_in_a_template_fails(project_copy) -> None:
    """The training chapter, whose loss is averaged, fails when its text sums it."""
    _, _, before, after = page_problems_after_edit(
        project_copy,
        "training",
        "averaged over the batch.",
        "summed over the batch.",
        lambda rendered, _: layer_word_failures(rendered),
    )
    assert before == []
    assert after and "the text takes the sum of the loss over the batch" in after[0]
