"""Benchmarks: the core against PyTorch, where the build spends its time, and how verification grows.

Prints three tables. Run with `make bench` (under ten minutes on two cores). Timings are medians
of repeated runs; the core and PyTorch alternate within one process so that both see the same
machine state.
"""

from __future__ import annotations

import os

# One BLAS thread, as PyTorch gets one (torch.set_num_threads below): set before NumPy loads.
for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generator import core  # noqa: E402
from generator.build import Project, check, load_chapters, store_verdicts, write_sources  # noqa: E402
from generator.parallel import available_jobs  # noqa: E402
from generator.trainer import Trainer  # noqa: E402
from generator.typeset import typeset  # noqa: E402

SOURCES = ("chapters", "templates", "notation", "generator", "sheets")


def median_seconds(run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --------------------------------------------------------------------------- 1. core against PyTorch


def core_step(layers, X, Y):
    def run():
        records = core.forward(layers, X)
        grads = core.backward(layers, records, X, Y, "softmax_ce", "mean")
        core.sgd_step(layers, grads, 0.1)

    return run


def trainer_step(layers, X, Y):
    trainer = Trainer(layers, "softmax_ce", "mean", 0.1)

    def run():
        trainer.step(X, Y)

    return run


def torch_step(torch, layers, X, Y, dtype):
    params = [
        (torch.tensor(layer.W, dtype=dtype, requires_grad=True), torch.tensor(layer.b, dtype=dtype, requires_grad=True))
        for layer in layers
    ]
    x, y = torch.tensor(X, dtype=dtype), torch.tensor(Y, dtype=dtype)
    acts = [layer.activation for layer in layers]
    optimizer = torch.optim.SGD([p for pair in params for p in pair], lr=0.1)

    def run():
        optimizer.zero_grad()
        a = x
        for (W, b), name in zip(params, acts, strict=True):
            z = a @ W.T + b
            a = torch.tanh(z) if name == "tanh" else z
        loss = torch.nn.functional.cross_entropy(a, y)
        loss.backward()
        optimizer.step()

    return run


def gemm_step(layers, X):
    """The matrix products of one training step alone, in the core's shapes: the physical floor."""
    weights = [layer.W for layer in layers]
    outputs = [np.empty((X.shape[0], W.shape[0])) for W in weights]

    def run():
        a = X
        for W, out in zip(weights, outputs, strict=True):  # forward: Z = A_prev W^T
            a = np.matmul(a, W.T, out=out)
        upstream = outputs[-1]
        for n in range(len(weights) - 1, -1, -1):  # backward: dW = dZ^T A_prev, dA_prev = dZ W
            previous = X if n == 0 else outputs[n - 1]
            upstream.T @ previous
            if n > 0:
                upstream = upstream @ weights[n]

    return run


def network(batch: int, width: int, inputs: int, classes: int, rng):
    layers = [
        core.Dense(rng.normal(0, 1 / np.sqrt(inputs), (width, inputs)), np.zeros(width), "tanh"),
        core.Dense(rng.normal(0, 1 / np.sqrt(width), (width, width)), np.zeros(width), "tanh"),
        core.Dense(rng.normal(0, 1 / np.sqrt(width), (classes, width)), np.zeros(classes), "softmax"),
    ]
    X, Y = rng.normal(0, 1, (batch, inputs)), rng.dirichlet(np.ones(classes), size=batch)
    return layers, X, Y


def table_core_against_torch() -> None:
    try:
        import torch
    except ImportError:
        print("1. core against PyTorch: skipped, torch is not installed (pip install -e '.[oracle]')\n")
        return
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    cases = [("2-2-2, one example", 1, 2, 2, 2)] + [(f"{n}x{n}", n, n, n, 10) for n in (64, 256, 1024)]
    print("1. One training step (forward, backward, SGD) of a three-layer tanh/softmax network,")
    print("   median seconds of five rounds (the contenders alternate). listed: the book's forward,")
    print("   backward and sgd_step; Trainer: the same step in place (generator/trainer.py, equal bit for")
    print("   bit). ratio = PyTorch float64 / Trainer (above 1: the core is faster). One thread each.")
    print("   GEMM: the step's matrix products alone with NumPy's BLAS, the floor for any float64 version.")
    print(
        f"{'batch x width':20} {'listed':>9} {'Trainer':>9} {'torch f64':>9} {'ratio':>6} {'torch f32':>9} "
        f"{'GEMM f64':>9} {'Trainer/GEMM':>12}"
    )
    for label, batch, width, inputs, classes in cases:
        layers, X, Y = network(batch, width, inputs, classes, rng)
        repeats = 200 if width <= 64 else (20 if width <= 256 else 5)
        runs = {
            "core": core_step(layers, X, Y),
            "trainer": trainer_step(layers, X, Y),
            "t64": torch_step(torch, layers, X, Y, torch.float64),
            "t32": torch_step(torch, layers, X, Y, torch.float32),
            "gemm": gemm_step(layers, X),
        }
        for run in runs.values():
            run()  # warm up
        samples = {name: [] for name in runs}
        for _ in range(5):  # alternate the contenders
            for name, run in runs.items():
                samples[name].append(median_seconds(run, repeats))
        t = {name: statistics.median(values) for name, values in samples.items()}
        print(
            f"{label:20} {t['core']:9.2e} {t['trainer']:9.2e} {t['t64']:9.2e} {t['t64'] / t['trainer']:6.2f} "
            f"{t['t32']:9.2e} {t['gemm']:9.2e} {t['trainer'] / t['gemm']:12.2f}"
        )
    print()


# --------------------------------------------------------------------------- 2. build stages


def copy_project(folder: Path, jobs: int, chapters: list[str] | None = None, copies: int = 1) -> Project:
    for name in SOURCES:
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")  # the edition's version
    project = Project(folder, jobs=jobs)
    if chapters is not None:
        for spec in project.chapters.glob("*.toml"):
            if spec.stem not in chapters:
                spec.unlink()
        for spec in list(project.chapters.glob("*.toml")):
            for n in range(2, copies + 1):  # the same chapter again under another name
                shutil.copy(spec, spec.with_name(f"{spec.stem}-copy{n}.toml"))
    return project


def forget_process_caches() -> None:
    """Start each measurement as a fresh process would: no SymPy cache, no symbolic models built."""
    import sympy

    from generator import dependencies
    from generator.formulas import check as formula_check

    sympy.core.cache.clear_cache()
    formula_check.exact_env.cache_clear()
    dependencies._closures.clear()
    dependencies.versions.cache_clear()


def timed_build(project: Project, typeset_too: bool = True, seeded: bool = False) -> dict[str, float]:
    forget_process_caches()
    marks: dict[str, float] = {}
    start = time.perf_counter()
    checked = check(
        project, load_chapters(project), lambda line: marks.setdefault(line.split()[0], time.perf_counter())
    )
    end = time.perf_counter()
    store_verdicts(project, checked, lambda line: None)  # what a build that passed keeps for the next one
    stages = {
        "render": marks["render"] - marks["compute"],
        "verify": end - marks["render"],
        "spec+compute": marks["compute"] - start,
    }
    if typeset_too:
        seeds = project.build / "last-typeset"
        shutil.rmtree(seeds, ignore_errors=True)
        if seeded:  # what `handbook build` does: the last typeset lends TeX its cross-references
            project.tex.rename(seeds)
        shutil.rmtree(project.tex, ignore_errors=True)  # otherwise TeX from scratch: no aux files to reuse
        start = time.perf_counter()
        typeset(write_sources(checked, project.tex), seeds=seeds if seeded else None)
        stages["typeset"] = time.perf_counter() - start
    return stages


def table_build_stages() -> None:
    jobs = available_jobs()
    print("2. The whole book: seconds per stage, cold (empty build/) and warm (stamps of passing")
    print("   verdicts kept; chapters rendered again, as `handbook check` does). TeX runs from an empty")
    print("   folder both times (latexmk, as many passes as the references need). edited: one chapter's")
    print("   learning rate changed, TeX seeded by the last typeset, as `handbook build` does.")
    print(f"   Verification on {jobs} process(es), as `make pdf` does here.")
    print(f"{'run':6} {'spec+compute':>13} {'render':>8} {'verify':>8} {'typeset':>8} {'(render+verify)/typeset':>24}")
    with tempfile.TemporaryDirectory() as folder:
        project = copy_project(Path(folder), jobs)
        for run in ("cold", "warm", "edited"):
            if run == "edited":
                spec = project.chapters / "worked-example.toml"
                spec.write_text(spec.read_text().replace("learning_rate = 0.1", "learning_rate = 0.2"))
            t = timed_build(project, seeded=run == "edited")
            print(
                f"{run:6} {t['spec+compute']:13.2f} {t['render']:8.2f} {t['verify']:8.2f} {t['typeset']:8.2f} "
                f"{(t['render'] + t['verify']) / t['typeset']:24.2f}"
            )
    print()


def table_growth() -> None:
    chapters = ["worked-example", "linear-layer", "softmax-cross-entropy"]
    print(f"3. Verification time as the book grows: the chapters {', '.join(chapters)},")
    print("   each duplicated under other names; cold build/ each time (render and verify, no TeX),")
    print("   one process. A copy shows the same formulas, whose verdicts are cached by name after")
    print("   the first copy; its numbers are verified again.")
    print(f"{'copies':>6} {'chapters':>9} {'numbers':>8} {'render':>8} {'verify':>8} {'verify per copy':>16}")
    for copies in (1, 2, 4):
        with tempfile.TemporaryDirectory() as folder:
            project = copy_project(Path(folder), 1, chapters, copies)
            specs = load_chapters(project)
            t = timed_build(project, typeset_too=False)
            checked = check(project, specs, lambda line: None)
            numbers = sum(len(r.ledger.entries) for r in checked.chapters)
            print(
                f"{copies:6} {len(specs):9} {numbers:8} {t['render']:8.2f} {t['verify']:8.2f} "
                f"{t['verify'] / copies:16.2f}"
            )
    print()


def table_sheets() -> None:
    """Problem sheets for a class: seconds per stage for 20, 60 and 120 students, cold (empty build/)."""
    from generator.sheets import make_sheets, numbered_students

    jobs = available_jobs()
    print("4. Problem sheets (sheets/example.toml) for a class: seconds per stage, cold (empty build/),")
    print(f"   verification on {jobs} process(es) and TeX {jobs} document(s) at a time, as `make sheets` does.")
    print(
        f"{'students':>8} {'draw':>6} {'render':>7} {'verify':>7} {'typeset':>8} {'split':>6} "
        f"{'total':>7} {'per student':>12}"
    )
    for students in (20, 60, 120):
        with tempfile.TemporaryDirectory() as folder:
            project = copy_project(Path(folder), jobs)
            start = time.perf_counter()
            made = make_sheets(project, "example", numbered_students(students), lambda line: None)
            total = time.perf_counter() - start
        t = made.timings
        print(
            f"{students:>8} {t['draw']:6.1f} {t['render']:7.1f} {t['verify']:7.1f} {t['typeset']:8.1f} "
            f"{t['publish']:6.1f} {total:7.1f} {total / students:12.2f}"
        )
    print()


def table_no_op() -> None:
    """A build with nothing to do: the handbook command in a fresh process, median of five."""
    import subprocess

    from generator.build import build_book

    print("5. `handbook build` with nothing changed since the last build, a fresh process each time")
    print("   (Python's start, the command line, the book's key, the stamps), median of five, seconds.")
    with tempfile.TemporaryDirectory() as folder:
        project = copy_project(Path(folder), available_jobs())
        build_book(project, lambda line: None)
        command = [sys.executable, "-c", "from generator.cli import main; main()", "build", "--root", str(folder)]

        def run() -> None:
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            assert "up to date" in result.stdout, result.stdout

        run()  # the page cache warm, as for a user who just built
        print(f"{'no-op build':22} {median_seconds(run, 5):8.3f}")
    print()


def table_test_suite() -> None:
    """`make test`'s pytest run (the quick profile), once: wall-clock seconds, and the processor time of
    the run and of everything it started (TeX, LaTeXML, Chromium, the builds in their own processes),
    which divided by the number of CPUs is the fastest this suite can be on this machine."""
    import resource
    import subprocess

    print("6. The test suite as `make test` runs it (quick profile, processes as pytest-xdist chooses),")
    print("   once, seconds (lint and type checks not included): wall clock; CPU, the processor time of the")
    print("   run and every process it started; floor, CPU / CPUs: the wall clock with every CPU busy throughout.")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "auto", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpus = os.cpu_count() or 1
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr.strip()[-200:]
    print(f"{'':22} {'wall':>8} {'CPU':>8} {'floor':>8}")
    print(f"{'pytest':22} {elapsed:8.1f} {cpu:8.1f} {cpu / cpus:8.1f}   {summary}")
    print()


if __name__ == "__main__":
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"NumPy {np.__version__}; glibc MALLOC_MMAP_THRESHOLD_={os.environ.get('MALLOC_MMAP_THRESHOLD_', 'default')}\n"
    )
    tables = [
        table_core_against_torch,
        table_build_stages,
        table_growth,
        table_sheets,
        table_no_op,
        table_test_suite,
    ]
    chosen = sys.argv[1:] or [str(number) for number in range(1, len(tables) + 1)]
    if not all(number.isdigit() and 1 <= int(number) <= len(tables) for number in chosen):
        print(f"usage: bench/run.py [TABLE ...], tables 1 to {len(tables)}; got {' '.join(chosen)}", file=sys.stderr)
        sys.exit(2)
    for number in chosen:
        tables[int(number) - 1]()
