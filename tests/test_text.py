"""Text from a spec: the characters the book's fonts print are exactly the ones the spec accepts."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import copy_built

from generator.build import build_chapter
from generator.spec import printable
from generator.typeset import latexmk_available

ACCEPTED = [chr(code) for code in range(0x20, 0x3000) if printable(chr(code))]


def test_printable_takes_latin_and_refuses_the_rest() -> None:
    """Latin letters, accents and typographic punctuation are printable; control, CJK and emoji are not."""
    assert all(printable(c) for c in "Az09 ~éÅßŁœ€–—“”…")
    assert not any(printable(c) for c in "\n\t\x07\x7f中한🚀Ħſ")


@pytest.mark.skipif(not (latexmk_available() and shutil.which("pdftotext")), reason="needs latexmk and pdftotext")
def test_every_character_the_spec_accepts_is_typeset(tmp_path, small_book) -> None:
    """A title holding every accepted character (the TeX specials among them) typesets and reads back."""
    copy = copy_built(small_book, tmp_path / "copy")
    title = " ".join("".join(ACCEPTED[i : i + 12]) for i in range(0, len(ACCEPTED), 12))
    spec = copy.chapters / "worked-example.toml"
    literal = title.replace("\\", "\\\\").replace('"', '\\"')
    spec.write_text(spec.read_text().replace('"A worked example: one gradient step by hand"', f'"{literal}"'))
    pdf = build_chapter(copy, "worked-example", True, lambda line: None)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for letter in "éÅßŁœ€":
        assert letter in text
