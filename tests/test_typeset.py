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


def test_an_error_inside_a_macro_body_names_the_macro_and_the_token() -> None:
    """TeX's innermost context is a macro's replacement text: the macro and the last token read are kept."""
    log = (
        "./handbook.tex:514: Undefined control sequence.\n"
        "\\bias #1->\\nosuch \n"
        "                  {b}^{[\\layer {#1}]}\n"
        "l.514 $\\bias{\\ell}\n"
    )
    error = parse_log(log)
    assert (error.macro, error.at, error.context) == ("bias", "\\nosuch", "l.514 $\\bias{\\ell}")
    none = parse_log("./handbook.tex:3: Missing $ inserted.\n<inserted text> \n$\nl.3 x^2\n")
    assert (none.macro, none.at) == ("", "")


def test_an_error_in_a_macro_argument_is_not_the_macro_body() -> None:
    """Where TeX's innermost level is an argument, no macro's body is blamed; a macro without arguments is read."""
    log = "./a.tex:9: Undefined control sequence.\n<argument> \\nosuch \n\n\\layer #1->\\mathrm {#1}\nl.9 ...\n"
    assert parse_log(log).macro == ""
    plain = parse_log("./a.tex:2: Double superscript.\n\\nbatch ->m^{x}^\n                \nl.2 $\\nbatch\n")
    assert (plain.macro, plain.at) == ("nbatch", "^")
