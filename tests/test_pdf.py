"""The typeset handbook: built by TeX, its text holds the chapter's checked numbers."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from click.testing import CliRunner
from conftest import copy_built
from helpers import typeset_from_nothing

from generator.build import build_book, build_chapter
from generator.cli import main
from generator.typeset import TypesetError, latexmk_available

pytestmark = pytest.mark.skipif(
    not (latexmk_available() and shutil.which("pdftotext")),
    reason="needs latexmk and pdftotext: `make setup` installs them (debian-packages.txt)",
)


def pdf_text(path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.replace("\u2212", "-")  # siunitx prints a true minus sign


@pytest.fixture(scope="module")
def book(tmp_path_factory, built_book):
    """The session's built book, copied: these tests typeset a chapter and a broken book in it."""
    copy = copy_built(built_book, tmp_path_factory.mktemp("book") / "copy")
    return copy, copy.pdf


@pytest.fixture(scope="module")
def layout_of_built_book(book):
    """The layout defects of the built book, read before any test typesets a broken copy over it."""
    from generator.layout import check_layout

    project, pdf = book
    return check_layout(project.build / "tex" / "default", pdf=pdf)


def test_pdf_holds_the_chapter_and_its_numbers(book) -> None:
    """pdftotext of build/handbook.pdf shows the chapter title and the checked figures."""
    _, pdf = book
    text = pdf_text(pdf)
    assert "A worked example: one gradient step by hand" in text
    for number in [
        "0.61",
        "-0.64",
        "-0.85",
        "-0.49",
        "0.30",
        "0.38",
        "0.60",
        "-1.24",
        "0.06",
        "0.0763",
        "-1.4076",
        "0.077",
        "-1.4077",
    ]:
        assert number in text, number


def test_chapter_alone_typesets_into_its_own_pdf(book, tmp_path) -> None:
    """`handbook chapter NAME --pdf` typesets that chapter into build/NAME.pdf; started from the whole book's
    last typeset (its first typeset alone), it is byte for byte the PDF its sources typeset from nothing give."""
    project, _ = book
    pdf = build_chapter(project, "worked-example", True, lambda line: None)
    assert pdf == project.build / "worked-example.pdf"
    assert "A worked example" in pdf_text(pdf)
    assert typeset_from_nothing(project, project.tex / "chapter-worked-example", tmp_path) == pdf.read_bytes()


def test_tex_error_names_the_generated_line_and_keeps_the_last_good_pdf(book, layout_of_built_book) -> None:
    """A LaTeX error fails the build with file, line and TeX's message; the PDF is not replaced."""
    project, pdf = book
    good = pdf.read_bytes()
    template = project.templates / "chapters" / "worked_example.tex.j2"
    source = template.read_text()
    template.write_text(source.replace(r"\section{The forward pass}", r"\section{The forward pass}\undefinedmacro"))
    try:
        with pytest.raises(TypesetError) as raised:
            build_book(project, lambda line: None)
    finally:
        template.write_text(source)
    message = str(raised.value)
    assert "chapters/worked-example.tex:" in message and "Undefined control sequence." in message
    assert r"\undefinedmacro" in message
    assert pdf.read_bytes() == good


def test_a_profile_macro_tex_cannot_typeset_is_bad_input_naming_its_field(book) -> None:
    """A notation macro whose body TeX cannot typeset (an undefined command) stops the build with exit 2,
    naming the profile's file and field and the command, not only the generated line."""
    project, pdf = book
    good = pdf.read_bytes()
    profile = project.notation_file
    source = profile.read_text()
    spelled = "act = { args = 1, body = '\\mathbf{a}^{(\\layer{#1})}'"
    assert spelled in source
    profile.write_text(source.replace(spelled, "act = { args = 1, body = '\\nosuch{a}^{(\\layer{#1})}'"))
    try:
        result = CliRunner().invoke(main, ["chapter", "worked-example", "--pdf", "--root", str(project.root)])
    finally:
        profile.write_text(source)
    assert result.exit_code == 2, result.output
    said = f"{profile}: macros.act.body: TeX cannot typeset \\act: Undefined control sequence at \\nosuch"
    assert said in result.output
    assert "Traceback" not in result.output
    assert pdf.read_bytes() == good


# Words of the machinery behind the book, which a reader of the book should not meet.
BUILD_VOCABULARY = ("ledger", "oracle", "profile", "generator/", ".py", "template", "this book exists", "the build")


def test_no_build_vocabulary_reaches_the_reader(book) -> None:
    """The chapters, conventions and appendices speak to readers: no word of the build machinery."""
    _, pdf = book
    # A listing's caption names the file its code comes from: that is for readers too.
    lines = [line for line in pdf_text(pdf).splitlines() if not line.strip().startswith("Listing ")]
    text = " ".join(" ".join(lines).lower().split())
    assert [word for word in BUILD_VOCABULARY if word in text] == []


def test_front_and_back_matter_are_in_the_book(book) -> None:
    """Title page with version and date, preface, symbols, bibliography crediting the notes, index."""
    from generator.edition import load_edition

    project, pdf = book
    text = " ".join(pdf_text(pdf).split())
    edition = load_edition(project.root)
    for part in (
        f"Version {edition.version}",
        edition.date,
        "Preface",
        "Who it is for.",
        "Symbols",
        "Bibliography",
        "Index",
    ):
        assert part in text, part
    for credit in ("Kassi Bertrand", "Lam Huynh", "Michael A. Nielsen", "Dive into Deep Learning"):
        assert credit in text, credit
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert (
        "Title:           The Backprop Handbook" in info
        and "Author:          The Backprop Handbook contributors" in info
    )
    assert "Keywords:" in info and "backpropagation" in info


def test_every_page_passes_the_layout_checks(layout_of_built_book) -> None:
    """No overfull box, no heading at a page's foot, a running head naming its chapter on every page."""
    assert layout_of_built_book == []
