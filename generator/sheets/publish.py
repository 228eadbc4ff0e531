"""Typeset a class's sheets once and split the document into a PDF per student.

TeX starts once for the whole class, not once per student: the document holds every sheet, every
key and the instructor's table, each opening with a bookmark; pypdf (a well-kept, pure-Python PDF
library) reads the bookmarks and writes each one's page range as a PDF of its own. Every output
is byte-identical for the same inputs: TeX's dates come from SOURCE_DATE_EPOCH and its trailer ID
is empty; pypdf writes no date and no file ID unless asked to.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from generator.typeset import TypesetError


def page_ranges(pdf: Path) -> dict[str, range]:
    """The pages (from zero) of each top-level bookmark of ``pdf``, up to the next one."""
    reader = PdfReader(pdf)
    starts: list[tuple[str, int]] = []
    for item in reader.outline:
        if isinstance(item, list):
            continue  # a nested level: the sheets have none
        page = reader.get_destination_page_number(item)
        if page is None:
            raise TypesetError(f"{pdf}: the bookmark {item.title!r} points to no page")
        starts.append((str(item.title), page))
    starts.sort(key=lambda pair: pair[1])
    ranges = {}
    for i, (title, first) in enumerate(starts):
        last = starts[i + 1][1] if i + 1 < len(starts) else len(reader.pages)
        ranges[title] = range(first, last)
    return ranges


def split_pdf(pdf: Path, wanted: Sequence[tuple[str, Path]]) -> None:
    """Write each bookmark's pages of ``pdf`` to its file: ``wanted`` is (bookmark, path) pairs."""
    reader = PdfReader(pdf)
    ranges = page_ranges(pdf)
    for bookmark, target in wanted:
        if bookmark not in ranges or not ranges[bookmark]:
            raise TypesetError(f"{pdf}: the typeset document has no pages for {bookmark!r}")
        writer = PdfWriter()
        for number in ranges[bookmark]:
            writer.add_page(reader.pages[number])
        writer.add_metadata({"/Title": str(reader.metadata.title or "") if reader.metadata else ""})
        buffer = io.BytesIO()
        writer.write(buffer)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(buffer.getvalue())


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A CSV with Unix line ends (byte-identical on every platform)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
