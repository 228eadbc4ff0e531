"""An index letter names one unit of one layer within a sentence, as the notation's meanings place it."""

from __future__ import annotations

import pytest
from helpers import ROOT, page_problems_after_edit

from generator import indices
from generator.notation import load_notation
from generator.verify import index_failures

NOTATION = load_notation(ROOT / "notation" / "default.toml")
PLACES = {"hid": 1, "out": 2}


def problems(text: str) -> list[str]:
    return [problem.what for problem in indices.problems(text, NOTATION, PLACES)]


def test_the_meanings_place_each_index_of_an_entry() -> None:
    """A weight's first index is a unit of its layer and its second one of the layer below; a batch
    entry's unit is its third argument, after the example; an input's index ranges over the inputs."""
    rules = indices.bindings(NOTATION)
    assert rules["weightentry"] == [(2, "layer", 1, 0), (3, "layer", 1, -1)]
    assert rules["weightioentry"] == [(3, "layer", 1, 0), (2, "layer", 1, -1)]
    assert rules["Actentry"] == [(3, "layer", 1, 0), (2, "examples", 0, 0)]
    assert rules["inputentry"] == [(1, "inputs", 0, 0)]
    assert rules["linWentry"] == [(2, "inputs", 0, 0), (1, "outputs", 0, 0)]


@pytest.mark.parametrize(
    "text",
    [
        r"Unit $k$ of layer $\st{\ell}$ feeds unit $j$ of layer $\st{\ell+1}$ through $\weightentry{\ell+1}{j}{k}$.",
        r"$\errentry{\ell}{k} = \sum_j \weightentry{\ell+1}{j}{k}\, \errentry{\ell+1}{j}$.",
        r"The weight $\weightentry{out}{k}{j}$ multiplies $\actentry{hid}{j}$.",
        r"The output weight $\weightentry{out}{k}{j}$ connects hidden unit $j$ to output $k$.",
        r"$\Actentry{\ell-1}{e}{t}$ of example $e$ meets $\weightentry{\ell}{k}{t}$.",
        r"$\actentry{hid}{1}$ and $\actentry{out}{1}$ are numbers of two layers.",  # numbers, not letters
        r"Unit $j$ of layer $\st{\ell}$. Unit $j$ of layer $\st{\ell+1}$.",  # two sentences
        r"\begin{mistakes}The note writes $\weightentry{out}{i}{i}$ for $\actentry{hid}{i}$.\end{mistakes}",
    ],
)
def test_consistent_indices_pass(text: str) -> None:
    """Letters that stay in their layer, numbers, separate sentences and mistakes raise nothing."""
    assert problems(text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            r"Unit $k$ feeds unit $j$ of layer $\st{\ell+1}$ with $\weightentry{\ell+1}{k}{j}$.",
            "the sentence puts $j$ in layer ℓ+1 and in layer ℓ",
        ),
        (
            r"Unit $j$ of layer $\st{\ell-1}$ receives $\weightentry{\ell+1}{j}{k}$.",
            "the sentence puts $j$ in layer ℓ-1 and in layer ℓ+1",
        ),
        (
            r"The output weight $\weightentry{out}{j}{k}$ connects hidden unit $j$ to output $k$.",
            "the sentence puts $j$ in the output layer and in layer 1",
        ),
        (
            r"The weight $\weightentry{\ell}{k}{t}$ multiplies $\Actentry{\ell-1}{t}{e}$.",
            "the sentence puts $t$ in layer ℓ-1 and in the examples",
        ),
        (
            r"It enters $\linyentry{j}$, where it multiplies $\inputentry{j}$.",
            "the sentence puts $j$ in the output layer and in the inputs",
        ),
        (
            r"$\weightentry{\ell}{k}{t}$ multiplies $\actentry{\st{\ell+1}}{t}$.",
            "the sentence puts $t$ in layer ℓ-1 and in layer ℓ+1",
        ),
        (
            r"The weight $\weightentry{out}{k}{j}$ multiplies $\actentry{out}{j}$.",
            "the sentence puts $j$ in layer 1 and in the output layer",
        ),
    ],
)
def test_a_letter_in_two_layers_fails(text: str, message: str) -> None:
    """A sentence that puts one letter in two layers is named, with both layers."""
    assert problems(text) == [message]


MUTATIONS = [
    (r"$\weightentry{\ell+1}{j}{k}$, for the same", r"$\weightentry{\ell+1}{k}{j}$, for the same"),
    (r"every unit $j$ of layer $\st{\ell+1}$", r"every unit $j$ of layer $\st{\ell-1}$"),
]


@pytest.mark.parametrize(("old", "new"), MUTATIONS, ids=["indices-swapped", "layer-in-words"])
def test_an_index_moved_to_another_layer_fails_at_its_line(project_copy, old: str, new: str) -> None:
    """The four-equations derivation with a weight's indices swapped, or the wrong layer in words, fails."""
    template, line, before, after = page_problems_after_edit(project_copy, "four-equations", old, new, index_failures)
    assert before == []
    assert len(after) == 1 and "the sentence puts $j$ in layer" in after[0], after
    assert f"{template}:{line}: " in after[0] or f"{template}:{line + 1}: " in after[0], after
