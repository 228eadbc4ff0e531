"""The worked-example chapter (note 001) prints the note's figures, checked."""

from __future__ import annotations

import pytest
from helpers import printed, render_checked

from generator.oracle import Oracle
from generator.quantities import Quantity
from generator.verify import check_entry


@pytest.fixture(scope="module")
def rendered(project):
    return render_checked(project, "worked-example")


@pytest.mark.parametrize(
    ("kind", "layer", "k", "text"),
    [
        ("preactivation", "hid", 1, "0.61"),
        ("preactivation", "hid", 2, "-0.64"),
        ("hand_preactivation", "out", 1, "-0.85"),
        ("preactivation", "out", 1, "-0.8540"),
        ("preactivation", "out", 2, "-0.4941"),
        ("activation", "hid", 1, "0.61"),
        ("hand_activation", "hid", 1, "0.61"),
        ("activation", "hid", 2, "0.00"),
        ("activation", "out", 1, "0.298594"),
        ("activation", "out", 2, "0.378928"),
        ("hand_activation_gradient", "out", 1, "0.60"),
        ("activation_gradient", "out", 1, "0.59719"),
        ("activation_gradient", "out", 2, "-1.24214"),
        ("activation_gradient", "hid", 1, "0.062"),
    ],
)
def test_forward_table_and_error_gradients_match_the_note(rendered, kind, layer, k, text) -> None:
    """The note's two-decimal figures print as its hand figures; the chapter's own carry the digits a
    pencil needs to reproduce every step."""
    assert printed(rendered, Quantity(kind, layer, 1, (k,))) == {text}


def test_first_output_weight_gradient_and_update(rendered) -> None:
    """The exact gradient (0.0763) and update (-1.4076) print, and so do the note's hand figures."""
    assert printed(rendered, Quantity("weight_gradient", "out", None, (1, 1))) == {"0.0763"}
    assert printed(rendered, Quantity("updated_weight", "out", None, (1, 1))) == {"-1.4076"}
    assert printed(rendered, Quantity("hand_weight_gradient", "out", None, (1, 1))) == {"0.077"}
    assert printed(rendered, Quantity("hand_updated_weight", "out", None, (1, 1))) == {"-1.4077"}
    assert printed(rendered, Quantity("weight", "out", None, (1, 1))) == {"-1.40"}
    assert printed(rendered, Quantity("learning_rate")) == {"0.1"}


def test_every_weight_has_gradient_and_update(rendered, worked_spec) -> None:
    """All eight weights print their value, gradient and updated value."""
    for layer in worked_spec.layers:
        for k in range(1, 3):
            for t in range(1, 3):
                for kind in ("weight", "weight_gradient", "updated_weight"):
                    assert printed(rendered, Quantity(kind, layer.name, None, (k, t))), (kind, layer.name, k, t)


def test_printed_numbers_reach_the_tex(rendered) -> None:
    """Every ledger entry's text appears in the chapter's LaTeX as a \\num."""
    for entry in rendered.ledger.entries:
        assert (rf"\numword{{{entry.shown}}}" if entry.words else rf"\num{{{entry.text}}}") in rendered.tex


def test_the_notes_hand_figure_would_fail_as_the_gradient(rendered) -> None:
    """Printed as the gradient itself, the note's 0.077 misses the exact value by more than half a unit."""
    hand = Quantity("hand_weight_gradient", "out", None, (1, 1))
    entry = next(e for e in rendered.ledger.entries if e.quantity == hand)
    as_gradient = Quantity("weight_gradient", "out", None, (1, 1))
    problem = check_entry(entry, Oracle(rendered.spec).value(as_gradient))
    assert problem is not None and "printed 0.077, exact 0.076294" in problem
