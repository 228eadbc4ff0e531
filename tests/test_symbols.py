"""One meaning per symbol: the list of symbols is generated from the profile, no two symbols share a
meaning or a spelling, a profile only respells, and a size letter typed by hand is refused."""

from __future__ import annotations

from collections import Counter

import pytest
from helpers import ROOT

from generator import provenance
from generator.notation import load_notation, profile_names
from generator.render import symbol_list
from generator.scan import scan
from generator.spec import SpecError

PROFILES = profile_names(ROOT / "notation")


def listed(profile: str):
    notation = load_notation(ROOT / "notation" / f"{profile}.toml")
    return notation, [m for m in notation.macros if m.listed and not m.companion]


@pytest.mark.parametrize("profile", PROFILES)
def test_no_two_symbols_share_a_meaning(profile: str) -> None:
    """Each meaning is spelled by one symbol only."""
    _, macros = listed(profile)
    counts = Counter(m.described() for m in macros)
    assert [meaning for meaning, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("profile", PROFILES)
def test_no_two_symbols_share_a_spelling(profile: str) -> None:
    """Each printed symbol (with the arguments the list shows it with) has one meaning only."""
    notation, macros = listed(profile)
    # One weight, named from either storage: where a profile stores the weights input-by-output, the
    # entry of its own matrix and the book's entry with its indices swapped are the same symbol.
    same_weight = {"weightioentry"} if notation.orientation == "input-by-output" else set()
    spelled = Counter(notation.display(m.name, m.shown) for m in macros if m.name not in same_weight)
    assert [symbol for symbol, n in spelled.items() if n > 1] == []


def test_every_symbol_has_a_meaning_and_the_list_follows_the_profile() -> None:
    """The list of symbols is made from the profile: note 001's weights print as its Theta."""
    default, _ = listed("default")
    note001, _ = listed("note001")
    assert all(m.meaning for m in default.macros if not m.companion)
    rows = {str(meaning): str(symbol) for symbol, meaning in symbol_list(note001)}
    assert rows["the weights of layer $\\ell$, one row per unit of the layer"] == r"\weight{\ell}"
    assert note001.display("weight", ("\\ell",)).startswith(r"\Theta")


def test_a_profile_cannot_change_a_meaning(tmp_path) -> None:
    """A profile that extends another respells symbols; their meanings are the base's."""
    import shutil

    shutil.copy(ROOT / "notation" / "default.toml", tmp_path / "default.toml")
    profile = tmp_path / "mine.toml"
    profile.write_text(
        'name = "mine"\ndescription = "x"\nextends = "default"\nsource = "x"\n'
        "[macros]\nnbatch = { body = 'n', meaning = \"the number of neurons\" }\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError, match="macros.nbatch.meaning: the meaning of a symbol is 'default'"):
        load_notation(profile)


def test_the_base_profile_must_say_what_each_symbol_means(tmp_path) -> None:
    """A macro of the base profile without a meaning is refused, naming the field."""
    text = (ROOT / "notation" / "default.toml").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("nbatch = "))
    (tmp_path / "default.toml").write_text(text.replace(line, "nbatch = { args = 0, body = 'm' }"), encoding="utf-8")
    with pytest.raises(SpecError, match="macros.nbatch.meaning"):
        load_notation(tmp_path / "default.toml")


@pytest.mark.parametrize(
    ("typed", "macro"), [("$m$ examples", "nbatch"), (r"$\reals^{d}$", "ninputs"), ("$L$ layers", "nlayers")]
)
def test_a_size_letter_typed_by_hand_is_refused(typed: str, macro: str) -> None:
    """A letter the notation spells a symbol with may not be typed alone: it would mean something else."""
    default, _ = listed("default")
    violations = scan(
        provenance.line_tag("t.tex.j2", 3) + typed,
        default.structural_arguments(),
        default.quantity_macros(),
        default.reserved_letters(),
    )
    assert any(f"it is the symbol \\{macro}" in v.what for v in violations)
    assert (
        scan(
            provenance.line_tag("t.tex.j2", 3) + r"$i \neq j$, $\max$, $\mathrm{d}x$",
            {},
            frozenset(),
            default.reserved_letters(),
        )
        == []
    )
