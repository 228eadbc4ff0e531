"""A claim's words are about the unit the sentence names (the value its clause shows, the ordinal beside it),
and a value printed after "the second example" is that example's."""

from __future__ import annotations

import pytest
from helpers import page_problems_after_edit

from generator.claims import Said
from generator.quantities import Quantity
from generator.verify import claim_referent_failures


def test_a_claims_words_compare_as_words() -> None:
    """A template may still compare a claim with words: the quantities it is about do not change its text."""
    said = Said("equal to", (Quantity("activation", "hid", 1, (2,)),))
    assert said == "equal to" and said.about[0].index == (2,)


MUTATIONS = [
    (  # the second unit's value is shown, the claim is the first unit's
        "gradient-checking",
        r'$<< v.eq.z("hid", 2) >>$ and << claim.kink("z[hid,2]") >>',
        r'$<< v.eq.z("hid", 2) >>$ and << claim.kink("z[hid,1]") >>',
        "speaks of preactivation[hid]_1 (example 1), but its clause shows preactivation[hid]_2 (example 1)",
    ),
    (  # "the first output" with the second output's words
        "worked-example",
        r'The first output is << claim.off_target("a[out,1]") >>',
        r'The first output is << claim.off_target("a[out,2]") >>',
        "follows 'first' but speaks of activation[out]_2",
    ),
    (  # a step for the first example under the words "the second example"
        "three-layer",
        "For the first example and the first unit of layer two,",
        "For the second example and the first unit of layer two,",
        "is printed after 'second example', but it is example 1's",
    ),
    (  # an ordinal after the claim: "the silenced second neuron"
        "worked-example",
        r'the << claim.relu_unit("z[hid,2]", says="silenced") >> second neuron',
        r'the << claim.relu_unit("z[hid,1]") >> second neuron',
        "follows 'second' but speaks of preactivation[hid]_1",
    ),
    (  # a later claim of the sentence moved to another unit, nothing between naming it
        "worked-example",
        'multiply an activation that\n<< claim.zero("a[hid,2]") >>',
        'multiply an activation that\n<< claim.zero("a[hid,1]") >>',
        "speaks of activation[hid]_1 (example 1), but the sentence's claim",
    ),
    (  # the figure's caption: "The second hidden unit ... sits exactly on its kink", said of the first
        "gradient-checking",
        "The first hidden unit is a ReLU whose",
        "The second hidden unit is a ReLU whose",
        "follows 'second' but speaks of preactivation[hid]_1",
    ),
    (  # the step under "for the second output weight" is the first's
        "worked-example",
        "for the first output weight",
        "for the second output weight",
        "is printed after 'second output weight', but it is not that one's",
    ),
]


IDS = ["value", "ordinal", "example", "ordinal-after", "unit-switch", "caption-ordinal", "step-ordinal"]


@pytest.mark.parametrize(("chapter", "old", "new", "message"), MUTATIONS, ids=IDS)
def test_a_claim_about_another_unit_fails_at_its_line(project_copy, chapter, old, new, message) -> None:
    """A claim moved to another unit than the one its sentence shows or names fails, naming the line."""
    template, line, before, after = page_problems_after_edit(
        project_copy, chapter, old, new, lambda rendered, _: claim_referent_failures(rendered)
    )
    assert before == []
    near = [f"{template}:{n}: " for n in range(line, line + 5)]  # the edited line, or a value just after it
    assert after and all(any(place in failure for place in near) for failure in after), after
    assert any(message in failure for failure in after), after
