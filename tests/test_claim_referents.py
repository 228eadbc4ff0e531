"""A claim's words are about the unit the sentence names: the value its clause shows, the ordinal before it."""

from __future__ import annotations

import pytest

from generator.claims import Said
from generator.compute import compute
from generator.notation import load_notation
from generator.quantities import Quantity
from generator.render import make_environment, render_chapter
from generator.spec import load_spec
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
    (  # an ordinal after the claim: "the silenced second neuron"
        "worked-example",
        r'the << claim.relu_unit("z[hid,2]", says="silenced") >> second neuron',
        r'the << claim.relu_unit("z[hid,1]") >> second neuron',
        "follows 'second' but speaks of preactivation[hid]_1",
    ),
]


@pytest.mark.parametrize(("chapter", "old", "new", "message"), MUTATIONS, ids=["value", "ordinal", "ordinal-after"])
def test_a_claim_about_another_unit_fails_at_its_line(project_copy, chapter, old, new, message) -> None:
    """A claim moved to another unit than the one its sentence shows or names fails, naming the line."""
    spec = load_spec(project_copy.chapters / f"{chapter}.toml")
    notation = load_notation(project_copy.notation_file)
    template = project_copy.templates / spec.template
    source = template.read_text()

    def failures() -> list[str]:
        rendered = render_chapter(make_environment(project_copy.templates), spec, compute(spec), notation)
        return [str(failure) for failure in claim_referent_failures(rendered)]

    assert failures() == []
    assert old in source
    line = source[: source.index(old)].count("\n") + 1
    template.write_text(source.replace(old, new, 1))
    found = failures()
    assert found and all(f"{spec.template}:{line}: " in failure for failure in found), found
    assert any(message in failure for failure in found), found
