"""Measure every lesson on each Keras backend and print one Markdown table for the README (`make bench`).

For each backend and notebook it runs a fresh kernel top to bottom (in memory:
stored outputs are not touched) and reports
* the wall time of the whole notebook, against the lesson's time target,
* what the notebook recorded with ``utils.record`` / ``check_at_least``
  (test accuracies, training time per epoch), each checked value against the
  floor its notebook promises (the floor is written once, in the notebook's
  ``check_at_least`` call, and recorded with the value),
* the kernel's peak resident memory.
Each backend keeps its trained models in its own folder (``models/`` for
TensorFlow, ``models/<backend>/`` for the others), so lessons 07-09 load the
models that lessons 05 and 06 trained on the same backend. It then times the
whole FAST-mode test run (``pytest`` with ``COURSE_FAST=1``, as CI runs it) and
reports its median over ``--fast-repeats`` runs.

Usage:
    python benchmarks/run.py                       # default mode, every notebook, TensorFlow
    python benchmarks/run.py --backends tensorflow jax torch --fast-repeats 0
    python benchmarks/run.py --notebooks 02 05     # only these lessons
    python benchmarks/run.py --fast                # FAST mode (quick smoke check)
    python benchmarks/run.py --skip-notebooks --fast-repeats 3
    python benchmarks/run.py --notebooks 06 --store  # measure AND store the outputs of the same run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from backend_process import BACKENDS
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# Default-mode wall-time targets of the issues, seconds per notebook. Result
# floors are not listed here: each notebook's check_at_least records its own.
TIME_TARGETS_S = {"02": 240, "05": 240, "06": 600, "07": 300, "08": 300, "09": 720}

PEAK_MEMORY_CELL = (
    "import resource, sys\n"
    "from utils import record\n"
    "_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "record('peak memory (MiB)', _kib / (1024 * 1024 if sys.platform == 'darwin' else 1024))"
)


def models_dir_for(backend: str) -> Path:
    """Where lessons on ``backend`` cache their trained models: TensorFlow's are the stored runs' ``models/``."""
    return REPO / "models" if backend == "tensorflow" else REPO / "models" / backend


def run_notebook(
    path: Path, fast: bool, store: bool = False, backend: str = "tensorflow"
) -> tuple[float, dict]:
    """Execute one notebook in a fresh kernel on ``backend``; return its wall time and recorded results.

    With ``store`` the executed notebook (outputs of this very run, without the
    memory probe) is written back to ``path`` and normalised, as ``make execute`` does.
    """
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_MEMORY_CELL))
    with tempfile.TemporaryDirectory() as tmp:
        results_file = Path(tmp) / "results.jsonl"
        os.environ["COURSE_RESULTS_FILE"] = str(results_file)
        os.environ["COURSE_FAST"] = "1" if fast else "0"
        os.environ["KERAS_BACKEND"] = backend  # the kernel inherits this process's environment
        os.environ["COURSE_MODELS_DIR"] = str(models_dir_for(backend))
        client = NotebookClient(
            nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        )
        start = time.perf_counter()
        client.execute()
        wall = time.perf_counter() - start
        if store:
            nb.cells.pop()  # the memory probe is not part of the lesson
            nbformat.write(nb, path)
            subprocess.run(
                [sys.executable, str(REPO / "tools" / "normalize_notebooks.py"), str(path)], check=True
            )
        rows = (
            [json.loads(line) for line in results_file.read_text().splitlines()]
            if results_file.exists()
            else []
        )
    return wall, {row["name"]: row for row in rows}


def verdict(value: float, target: float, higher_is_better: bool) -> str:
    met = value >= target if higher_is_better else value <= target
    if met:
        return "met"
    gap = (target - value) if higher_is_better else (value - target)
    return f"missed by {gap:.3f}" if higher_is_better else f"over by {gap:.0f} s"


def format_value(name: str, value: float) -> str:
    """Times (names ending in "(s)" or "(ms)") with three significant digits, scores with four decimals."""
    if name.endswith(("(s)", "(ms)")):
        return f"{value:#.3g}" if value < 100 else f"{value:.0f}"
    return f"{value:.4f}"


def format_results(results: dict) -> str:
    """One line per recorded number; checked ones with the notebook's floor and whether it was met."""
    parts = []
    for name, row in results.items():
        if name == "peak memory (MiB)":
            continue
        shown = format_value(name, row["value"])
        if "floor" in row:
            shown += f" (floor {row['floor']:g}: {verdict(row['value'], row['floor'], True)})"
        parts.append(f"{name}: {shown}")
    return "<br>".join(parts) or "-"


def time_fast_test_run(repeats: int) -> list[float]:
    """Wall time of the whole FAST-mode test run, each repeat with an empty model cache (as on a fresh clone)."""
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as models:
            env = {**os.environ, "COURSE_FAST": "1", "COURSE_MODELS_DIR": models}
            env.pop("COURSE_RESULTS_FILE", None)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "pytest", "-q"], cwd=REPO, env=env, check=True, capture_output=True
            )
            times.append(time.perf_counter() - start)
    return times


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notebooks", nargs="*", help="lesson numbers to run (default: all)")
    parser.add_argument(
        "--backends", nargs="+", choices=BACKENDS, default=["tensorflow"], help="Keras backends, in order"
    )
    parser.add_argument("--fast", action="store_true", help="run the notebooks in FAST mode")
    parser.add_argument("--skip-notebooks", action="store_true", help="only time the FAST test run")
    parser.add_argument(
        "--store", action="store_true", help="write each executed notebook back (default mode only)"
    )
    parser.add_argument(
        "--fast-repeats", type=int, default=3, help="FAST test runs to take the median of (0: skip)"
    )
    args = parser.parse_args()
    if args.store and args.fast:
        parser.error("--store keeps default-mode outputs only; drop --fast")
    if args.store and args.backends != ["tensorflow"]:
        parser.error("--store writes the TensorFlow run's outputs only; use --backends tensorflow")

    selected = [nb for nb in NOTEBOOKS if not args.notebooks or nb.name[:2] in args.notebooks]
    mode = "FAST" if args.fast else "default"
    print(f"Machine: {machine()}. Mode: {mode}.\n")
    if not args.skip_notebooks:
        print("| lesson | backend | notebook wall time (s) | peak memory (MiB) | results |")
        print("|---|---|---|---|---|")
        for backend in args.backends:
            for nb in selected:
                lesson = nb.name[:2]
                wall, results = run_notebook(nb, fast=args.fast, store=args.store, backend=backend)
                wall_text = f"{wall:.0f}"
                if lesson in TIME_TARGETS_S and not args.fast:
                    target = TIME_TARGETS_S[lesson]
                    wall_text += f" (target ≤ {target}: {verdict(wall, target, False)})"
                memory = results.get("peak memory (MiB)", {"value": float("nan")})["value"]
                print(
                    f"| {nb.stem} | {backend} | {wall_text} | {memory:.0f} | {format_results(results)} |",
                    flush=True,
                )
    if args.fast_repeats > 0:
        times = time_fast_test_run(args.fast_repeats)
        runs = ", ".join(f"{t:.0f}" for t in times)
        print(
            f"\nWhole FAST-mode test run (pytest, unit tests + nbval): median {statistics.median(times):.0f} s over {len(times)} runs ({runs} s); target < 120 s."
        )


if __name__ == "__main__":
    main()
