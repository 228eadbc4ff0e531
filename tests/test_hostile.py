"""Hostile and careless input: every case is a clean error (exit 2) naming the file and the field or
line, and nothing under build/ changes. No case may end in a traceback."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import tree_digest

from generator.build import Project
from generator.cli import main

WORKED = "chapters/worked-example.toml"
TEMPLATE = "templates/chapters/worked_example.tex.j2"
TITLE = 'title = "A worked example: one gradient step by hand"'


@dataclass(frozen=True)
class Case:
    """What a careless or hostile user does, and what the message must name."""

    change: Callable[[Path], None]  # applied to a copy of the project (its root)
    names: tuple[str, ...]  # substrings of the one error message: the file, the field or line, the problem
    args: tuple[str, ...] = ("build",)


def replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / relative
        text = path.read_text()
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new, 1))

    return change


def spec(old: str, new: str, field: str, problem: str) -> Case:
    """A change to the worked example's spec, named by file, field and problem."""
    return Case(replace(WORKED, old, new), (WORKED, f": {field}: ", problem))


def profile(name: str, old: str, new: str, field: str, problem: str) -> Case:
    """A change to notation profile ``name``, named by file, field and problem, in a build of that profile."""
    path = f"notation/{name}.toml"
    return Case(replace(path, old, new), (path, f": {field}: ", problem), ("build", "--notation", name))


def template_line(text: str, problem: str) -> Case:
    """A line added to the worked example's template (after its first line), named by template, line and problem."""

    def change(root: Path) -> None:
        path = root / TEMPLATE
        lines = path.read_text().splitlines()
        lines.insert(1, text)
        path.write_text("\n".join(lines) + "\n")

    return Case(change, ("chapters/worked_example.tex.j2:2: ", problem))


def write(relative: str, data: bytes) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = root / relative
        if path.is_dir():
            shutil.rmtree(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return change


def make_folder(relative: str) -> Callable[[Path], None]:
    return lambda root: (root / relative).mkdir(parents=True)


def nothing(root: Path) -> None:
    pass


CASES: dict[str, Case] = {
    # The spec: its syntax, its tables and keys, its text.
    "toml syntax": spec("[loss]", "[loss", "(syntax)", "Expected ']'"),
    "not utf-8": Case(write(WORKED, b"\xff\xfe title"), (WORKED, ": (encoding): ", "not UTF-8")),
    "spec is a folder": Case(
        make_folder("chapters/broken.toml"), ("chapters/broken.toml", ": (file): ", "cannot be read")
    ),
    "bad file name": Case(
        write("chapters/Bad Name.toml", b""), ("Bad Name.toml", "(file name)", "is not a chapter name")
    ),
    "unknown table": spec("[loss]", "[optimizer]\nmomentum = 0.9\n\n[loss]", "optimizer", "unknown key"),
    "unknown key": spec(
        "learning_rate = 0.1", "learning_rate = 0.1\nmomentum = 0.9", "training.momentum", "unknown key"
    ),
    "unknown layer key": spec(
        'name = "hid"', 'name = "hid"\ndropout = 0.5', "network.layers[0].dropout", "unknown key"
    ),
    "title missing": spec(TITLE + "\n", "", "chapter.title", "missing"),
    "title a number": spec(TITLE, "title = 42", "chapter.title", "expected a non-empty string"),
    "title empty": spec(TITLE, 'title = "  "', "chapter.title", "expected a non-empty string"),
    "title with a blank line": spec(TITLE, r'title = "One line\n\nand another"', "chapter.title", "line break"),
    "title in Chinese": spec(TITLE, 'title = "反向传播"', "chapter.title", "U+53CD"),
    "title with an emoji": spec(TITLE, 'title = "Backprop \U0001f680"', "chapter.title", "U+1F680"),
    "title with a control character": spec(TITLE, r'title = "Bell \u0007"', "chapter.title", "U+0007"),
    "source with a tab": spec('source = "note 001"', r'source = "note\t001"', "chapter.source", "U+0009"),
    "template absolute": spec(
        'template = "worked_example.tex.j2"',
        'template = "/etc/passwd"',
        "chapter.template",
        "is not the name of a file under templates/chapters/",
    ),
    "template climbs": spec(
        'template = "worked_example.tex.j2"',
        'template = "../book.tex.j2"',
        "chapter.template",
        "is not the name of a file",
    ),
    "template in a subfolder": spec(
        'template = "worked_example.tex.j2"',
        'template = "chapters/worked_example.tex.j2"',
        "chapter.template",
        "is not the name of a file",
    ),
    "template missing": spec(
        'template = "worked_example.tex.j2"',
        'template = "no_such.tex.j2"',
        "chapter.template",
        "no template 'no_such.tex.j2'",
    ),
    "order negative": spec("order = 10", "order = -1", "chapter.order", "out of range"),
    "order a float": spec("order = 10", "order = 1.5", "chapter.order", "expected a whole number"),
    # The network and its numbers.
    "inputs zero": spec("inputs = 2\n", "inputs = 0\n", "network.inputs", "out of range"),
    "no layers": spec(
        '[[network.layers]]\nname = "hid"', '[[network.layerz]]\nname = "hid"', "network.layerz", "unknown key"
    ),
    "layer name in capitals": spec('name = "hid"', 'name = "Hid"', "network.layers[0].name", "lower-case letters"),
    "layer name twice": spec('name = "out"', 'name = "hid"', "network.layers[1].name", "used by an earlier layer"),
    "unknown activation": spec(
        'activation = "relu"', 'activation = "swish"', "network.layers[0].activation", "unknown value 'swish'"
    ),
    "weight a string": spec("[[0.42, 0.19]", '[["0.42", 0.19]', "network.layers[0].weights[0][0]", "expected a number"),
    "weight a boolean": spec("[[0.42, 0.19]", "[[true, 0.19]", "network.layers[0].weights[0][0]", "expected a number"),
    "weight nan": spec("[[0.42, 0.19]", "[[nan, 0.19]", "network.layers[0].weights[0][0]", "expected a finite number"),
    "weight 1e308": spec("[[0.42, 0.19]", "[[1e308, 0.19]", "network.layers[0].weights[0][0]", "too large"),
    "weight 1e26": spec("[[0.42, 0.19]", "[[1e26, 0.19]", "network.layers[0].weights[0][0]", "too large"),
    "weight 1e-400": spec("[[0.42, 0.19]", "[[1e-400, 0.19]", "network.layers[0].weights[0][0]", "too small"),
    "weight with more decimals than printed": spec(
        "[[0.42, 0.19]", "[[0.421, 0.19]", "network.layers[0].weights[0][0]", "more decimals than precision.weight = 2"
    ),
    "weights row too long": spec(
        "[[0.42, 0.19]", "[[0.42, 0.19, 0.1]", "network.layers[0].weights[0]", "expected 2 numbers, got 3"
    ),
    "weights not a list": spec(
        "weights = [[0.42, 0.19], [-0.27, -0.37]]",
        "weights = 0.42",
        "network.layers[0].weights",
        "expected a non-empty list of rows",
    ),
    "input row too short": spec("inputs = [[1, 1]]", "inputs = [[1]]", "data.inputs[0]", "expected 2 numbers, got 1"),
    "targets for fewer examples": spec(
        "inputs = [[1, 1]]", "inputs = [[1, 1], [1, 0]]", "data.targets", "1 rows for 2 input rows"
    ),
    "unknown loss": spec('name = "sse"', 'name = "hinge"', "loss.name", "unknown value 'hinge'"),
    "unknown reduction": spec('reduction = "sum"', 'reduction = "median"', "loss.reduction", "unknown value 'median'"),
    "cross-entropy after identity": Case(
        replace("chapters/linear-layer.toml", 'name = "sse"', 'name = "bce"'),
        ("chapters/linear-layer.toml", ": loss.name: ", "its activation must be sigmoid"),
    ),
    "learning rate zero": spec(
        "learning_rate = 0.1", "learning_rate = 0.0", "training.learning_rate", "must be positive"
    ),
    "hand decimals negative": spec("hand_decimals = 2", "hand_decimals = -1", "training.hand_decimals", "out of range"),
    "unknown precision kind": spec("\nweight = 2", "\nwieght = 2", "precision.wieght", "unknown quantity kind"),
    "precision too fine": spec("\nweight = 2", "\nweight = 13", "precision.weight", "out of range"),
    "precision a float": spec("\nweight = 2", "\nweight = 2.5", "precision.weight", "expected a whole number"),
    "bce target above one": Case(
        replace("chapters/gradient-checking.toml", "targets = [[1]]", "targets = [[2]]"),
        ("chapters/gradient-checking.toml", ": data.targets[0][0]: ", "is a probability"),
    ),
    "softmax target not a distribution": Case(
        replace("chapters/softmax-cross-entropy.toml", "[0, 1, 0]", "[0, 0.5, 0]"),
        ("chapters/softmax-cross-entropy.toml", ": data.targets[0]: ", "sums to 0.5"),
    ),
    "gradient check step too large": Case(
        replace("chapters/gradient-checking.toml", "step = 1e-5", "step = 0.5"),
        ("chapters/gradient-checking.toml", ": gradient_check.step: ", "out of range"),
    ),
    "gradient check of no chapter": Case(
        replace("chapters/gradient-checking.toml", 'networks = "all"', 'networks = ["no-such-chapter"]'),
        ("chapters/gradient-checking.toml", ": gradient_check.networks[0]: ", "is not another chapter"),
    ),
    # The template: syntax, runtime, includes, and the ledger's calls.
    "template syntax error": template_line("<% if %>", "template syntax"),
    "division by zero in a template": template_line("<< 1 // 0 >>", "ZeroDivisionError"),
    "missing include": template_line('<% include "nope.tex.j2" %>', "template not found: nope.tex.j2"),
    "import from a missing template": template_line(
        '<% from "macros.tex.j2" import nope %><< nope() >>', "template not found: macros.tex.j2"
    ),
    "undefined variable": template_line("<< no_such_variable >>", "'no_such_variable' is undefined"),
    "unknown ledger call": template_line("<< v.dz('hid', 1) >>", "v.dz is not a value the ledger knows"),
    "unit out of range": template_line("<< v.z('hid', 3) >>", "there is no unit in layer 'hid' 3: it has 2"),
    "weight input out of range": template_line(
        "<< v.W('out', 1, 5) >>", "there is no input to layer 'out' 5: it has 2"
    ),
    "unknown layer": template_line("<< v.z('nope', 1) >>", "no layer called 'nope'"),
    "example out of range": template_line("<< v.z('hid', 1, 2) >>", "example 2 out of range"),
    "index zero": template_line("<< v.z('hid', 0) >>", "indices are whole numbers from 1"),
    "bare number": template_line("<< 0.5 >>", "the number 0.5 reached the page without the ledger"),
    "unknown formula": template_line("<< formula('nope') >>", "no formula called 'nope'"),
    "precision missing": template_line("<< v.dx(1) >>", "has no precision.input_gradient"),
    "wrong number of arguments": template_line(
        "<< v.z() >>", "v.z(layer, k, example=1, network=None): missing a required argument"
    ),
    # Notation profiles.
    "profile that does not exist": Case(
        nothing, ("notation/nope.toml", "no notation profile 'nope'"), ("build", "--notation", "nope")
    ),
    "profile given as a path": Case(
        nothing, ("--notation", "is not a profile name"), ("build", "--notation", "/../../x/note002")
    ),
    "profile with a syntax error": Case(
        replace("notation/default.toml", "[macros]", "[macros"), ("notation/default.toml", ": (syntax): ")
    ),
    "profile extends itself": profile(
        "note002", 'extends = "default"', 'extends = "note002"', "extends", "in a circle"
    ),
    "profile with an unknown key": Case(
        replace("notation/default.toml", 'batch = "rows"', 'batch = "rows"\nfont = "x"'),
        ("notation/default.toml", ": font: ", "unknown key"),
    ),
    "macro with unbalanced braces": Case(
        replace("notation/default.toml", "body = '\\mathbf{x}',", "body = '\\mathbf{x',"),
        ("notation/default.toml", ": macros.inputvec.body: ", "unbalanced braces"),
    ),
    "profile extends a path": profile(
        "note002", 'extends = "default"', 'extends = "../chapters/x"', "extends", "is not the name of a profile"
    ),
    # The command line and the folders.
    "unknown chapter": Case(nothing, ("no chapter called 'nope'",), ("chapter", "nope")),
    "jobs zero": Case(nothing, ("--jobs", "0 is not in the range"), ("build", "--jobs", "0")),
    "build folder is a file": Case(write("build", b"not a folder"), ("build", "is a file, not a folder")),
    # Found by the battery of 2026-12-07: each was a traceback, a hang or a silent success.
    "a spec that is a fifo": Case(
        lambda root: os.mkfifo(root / "chapters" / "zz.toml"), ("zz.toml", "not a regular file")
    ),
    "no chapter at all": Case(
        lambda root: [p.unlink() for p in (root / "chapters").glob("*.toml")], ("chapters", "no chapter spec")
    ),
    "a weight that saturates the sigmoid": spec(
        "weights = [[0.42, 0.19]", "weights = [[600, 0.19]", "exercises.mistake", "no wrong formula"
    ),
    "a network too wide to print": spec(
        "[network]\ninputs = 2", "[network]\ninputs = 4096", "network.inputs", "1 to 16"
    ),
    "a title of a page": spec(TITLE, f'title = "{"Backprop " * 50}"', "chapter.title", "at most 400"),
    "profile not utf-8": Case(
        lambda root: (root / "notation/note001.toml").write_bytes(
            (root / "notation/note001.toml").read_bytes() + b"\xff"
        ),
        ("notation/note001.toml", ": (encoding): ", "not UTF-8"),
        ("build", "--notation", "note001"),
    ),
    "template not utf-8": Case(
        lambda root: (root / TEMPLATE).write_bytes((root / TEMPLATE).read_bytes() + b"\xff"),
        ("chapters/worked_example.tex.j2", "not UTF-8"),
    ),
    "profile extends a profile that is not there": profile(
        "note001", 'extends = "default"', 'extends = "nosuch"', "extends", "no notation profile 'nosuch'"
    ),
    "two symbols spelled alike": profile(
        "note001", "bias = { body = '\\mathbf{b}", "bias = { body = '\\Theta", "macros.bias", "never share a spelling"
    ),
    "two symbols that print alike but for braces": profile(
        "default",
        "weightio = { args = 1, body = '\\widetilde{W}^",
        "weightio = { args = 1, body = '{W}^",
        "macros.weightio",
        "never share a spelling",
    ),
    "two symbols with one meaning": profile(
        "default",
        'meaning = "the weight into unit #2 of layer #1 from unit #3 of the layer below"',
        'meaning = "the weight from unit #2 of the layer below into unit #3 of layer #1"',
        "macros.weightioentry.meaning",
        "never share a meaning",
    ),
    "a source the fonts cannot print": Case(
        replace("notation/note001.toml", 'source = "note 001"', 'source = "note 001 \U0001f600"'),
        ("notation/note001.toml", ": source: ", "U+1F600"),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_is_a_clean_error_that_changes_nothing(project_copy: Project, name: str) -> None:
    """Exit 2, one message naming the file and the field or line and the problem, build/ unchanged."""
    case = CASES[name]
    case.change(project_copy.root)
    before = tree_digest(project_copy.build) if project_copy.build.is_dir() else None
    result = CliRunner().invoke(main, [*case.args, "--root", str(project_copy.root)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    for part in case.names:
        assert part in result.output, (part, result.output)
    after = tree_digest(project_copy.build) if project_copy.build.is_dir() else None
    assert after == before


def test_there_are_at_least_forty_cases() -> None:
    """The battery is broad: at least forty different mistakes."""
    assert len(CASES) >= 40


@pytest.mark.parametrize("command", ["list", "check", "build"])
def test_a_root_that_is_not_a_project_is_bad_input(tmp_path: Path, command: str) -> None:
    """A missing --root, or one without chapters/, exits 2 naming the folder; nothing is created."""
    for root, problem in [(tmp_path / "missing", "no such folder"), (tmp_path, "it has no chapters/ folder")]:
        result = CliRunner().invoke(main, [command, "--root", str(root)])
        assert result.exit_code == 2 and str(root) in result.output and problem in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_an_internal_error_says_so_and_keeps_the_traceback(project_copy: Project, monkeypatch) -> None:
    """A bug (an exception nobody expected) is one line naming the log that keeps the traceback, exit 1."""
    import generator.build as build

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the pipeline")

    monkeypatch.setattr(build, "compute", broken)
    result = CliRunner().invoke(main, ["check", "--root", str(project_copy.root)])
    assert result.exit_code == 1
    line = result.output.splitlines()[-1]
    assert line.startswith("error: internal error (a bug in the handbook") and "RuntimeError: a bug" in line
    log = Path(line.rsplit("the traceback is in ", 1)[1])
    assert "Traceback" in log.read_text() and "a bug in the pipeline" in log.read_text()


def test_an_interrupted_build_says_nothing_was_published(project_copy: Project, monkeypatch) -> None:
    """Ctrl-C during a build is one line (no traceback), exit 130, and nothing under build/ changes."""
    import generator.build as build

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "compute", interrupted)
    before = tree_digest(project_copy.build)
    result = CliRunner().invoke(main, ["build", "--root", str(project_copy.root)])
    assert result.exit_code == 130
    assert result.output.splitlines()[-1].startswith("interrupted: nothing was published")
    assert tree_digest(project_copy.build) == before


def test_a_read_only_build_folder_is_named(project_copy: Project, monkeypatch) -> None:
    """A build folder this user may not write is bad input naming the folder (simulated: root may write anything)."""
    import generator.workspace as workspace

    project_copy.build.mkdir(exist_ok=True)
    monkeypatch.setattr(workspace, "writable", lambda folder: False)
    result = CliRunner().invoke(main, ["build", "--root", str(project_copy.root)])
    assert result.exit_code == 2
    assert f"error: {project_copy.build}: cannot be written: permission denied" in result.output
