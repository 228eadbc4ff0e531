"""The layout checks read TeX's log, the table of contents and the PDF's pages: each finds its defect."""

from __future__ import annotations

from pathlib import Path

from generator.layout import (
    Entry,
    contents,
    headings_at_the_foot,
    overfull_boxes,
    pages_too_high,
    wrong_running_heads,
)

LOG = """(./handbook.tex (/usr/share/texlive/article.cls) (./chapters/a.tex
Overfull \\hbox (0.5pt too wide) in paragraph at lines 3--4
Overfull \\hbox (12.25pt too wide) in paragraph at lines 10--12
) (./chapters/b.tex
Overfull \\hbox (3.1pt too wide) detected at line 276
))
"""


def test_an_overfull_box_wider_than_a_point_is_named_with_its_file_and_line() -> None:
    """Boxes over 1pt are reported at the generated file and line; a half-point one is let through."""
    problems = [str(p) for p in overfull_boxes(LOG, Path("/b"))]
    assert problems == [
        "/b/chapters/a.tex:10: runs 12.25pt into the margin (more than 1pt)",
        "/b/chapters/b.tex:276: runs 3.1pt into the margin (more than 1pt)",
    ]


PAGES = """[46] [47] [48]
Overfull \\vbox (29.08646pt too high) has occurred while \\output is active []
[49] [50]
Overfull \\vbox (0.4pt too high) has occurred while \\output is active []
[51{/usr/share/texmf/fonts/enc/dvips/lm/lm-ec.enc}]
Overfull \\vbox (3.5pt too high) has occurred while \\output is active []
"""


def test_a_page_whose_content_runs_below_the_text_block_is_named() -> None:
    """A page more than a point too high is reported by the number it is shipped out with; less passes."""
    assert [str(p) for p in pages_too_high(PAGES)] == [
        "page 49: its content runs 29.08646pt below the text block (more than 1pt)",
        "the last page: its content runs 3.5pt below the text block (more than 1pt)",
    ]


TOC = r"""\contentsline {chapter}{Preface}{ii}{chapter*.1}%
\contentsline {chapter}{\numberline {1}A worked example}{1}{chapter.1}%
\contentsline {section}{\numberline {1.1}The network and the task}{1}{section.1.1}%
\contentsline {section}{\numberline {1.2}The forward pass}{2}{section.1.2}%
\contentsline {chapter}{\numberline {2}From one weight to the matrix form}{6}{chapter.2}%
"""


def test_the_table_of_contents_is_read() -> None:
    """Chapters and numbered sections come with their printed page."""
    assert contents(TOC)[:3] == [
        Entry("chapter", "", "Preface", "ii"),
        Entry("chapter", "1", "A worked example", "1"),
        Entry("section", "1.1", "The network and the task", "1"),
    ]


def test_a_heading_at_the_foot_of_a_page_is_found() -> None:
    """A section heading as a page's last line is reported; a line of the contents is not."""
    entries = contents(TOC)
    pages = [
        "Contents\n1.2 The forward pass . . . . 2\nii",
        "text\n\n1.2 The forward pass\n\n  2",
        "1.2 The forward pass\ntext\n3",
    ]
    assert [str(p) for p in headings_at_the_foot(pages, entries)] == [
        "page 2: the heading '1.2 The forward pass' is the last line of the page"
    ]


def test_a_running_head_naming_another_chapter_is_found() -> None:
    """Each page's head must name the chapter its page number falls in; a chapter's first page has none."""
    entries = contents(TOC)
    pages = [
        "Preface ii\ntext",  # the Preface starts on page ii: a first page, not checked
        "Chapter 1\nA worked example\n1",
        "Chapter 1. A worked example 2\ntext",
        "Preface 3\ntext",
        "Chapter 2\nFrom one weight\n6",
        "Chapter 2. From one weight to the matrix form 7\ntext",
    ]
    assert [str(p) for p in wrong_running_heads(pages, entries)] == [
        "page 4: the running head 'Preface 3' does not name its chapter 'A worked example'"
    ]


def test_a_head_cut_short_must_begin_its_chapters_title() -> None:
    """A head truncated with an ellipsis names its chapter only if what is left begins the title."""
    entries = contents(TOC)
    pages = [
        "Chapter 1\nA worked example\n1",
        "Chapter 1. A worked . . . 2\ntext",
        "Chapter 1. A wrong . . . 3\ntext",
        "Chapter 1. . . . 4\ntext",
    ]
    assert [str(p) for p in wrong_running_heads(pages, entries)] == [
        "page 3: the running head 'Chapter 1. A wrong . . . 3' does not name its chapter 'A worked example'",
        "page 4: the running head 'Chapter 1. . . . 4' does not name its chapter 'A worked example'",
    ]


def test_an_undefined_reference_is_named_with_its_file_and_line(tmp_path) -> None:
    """A \\cref or \\cite that TeX prints as ?? is a defect, placed in the file that made it."""
    from generator.layout import undefined_references

    log = (
        "(./handbook.tex (./chapters/chain-rule.tex\n"
        "LaTeX Warning: Reference `app:verification' on page 1 undefined on input line 45.\n"
        ")\nLaTeX Warning: Citation `nobody' on page 3 undefined on input line 7.\n)"
    )
    assert [str(p) for p in undefined_references(log, tmp_path)] == [
        f"{tmp_path}/chapters/chain-rule.tex:45: reference 'app:verification' is undefined (printed as ??)",
        f"{tmp_path}/handbook.tex:7: citation 'nobody' is undefined (printed as ??)",
    ]
    assert undefined_references("LaTeX Warning: There were undefined references.", tmp_path) == []
    # A label of a chapter left out of this copy may be named; a citation is always in the bibliography.
    assert [str(p) for p in undefined_references(log, tmp_path, frozenset({"app:verification", "nobody"}))] == [
        f"{tmp_path}/handbook.tex:7: citation 'nobody' is undefined (printed as ??)",
    ]
