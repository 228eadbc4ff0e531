"""Reading TeX's log: a LaTeX error in a few lines."""

from __future__ import annotations

from generator.typeset import parse_log


def test_latex_error_is_reported_in_a_few_lines() -> None:
    """A -file-line-error log gives file, line, TeX's message and the context line."""
    log = "(./handbook.tex\n./chapters/a.tex:12: Undefined control sequence.\nl.12 \\foo\n"
    error = parse_log(log)
    assert (error.file, error.line, error.message, error.context) == (
        "./chapters/a.tex",
        12,
        "Undefined control sequence.",
        "l.12 \\foo",
    )


def test_missing_file_reports_the_bang_message_not_emergency_stop() -> None:
    """For a missing package TeX's own message is reported, not 'Emergency stop'."""
    log = "! LaTeX Error: File `x.sty' not found.\n\n./handbook.tex:8: Emergency stop.\nl.8 \\usepackage\n"
    assert parse_log(log).message == "LaTeX Error: File `x.sty' not found."
