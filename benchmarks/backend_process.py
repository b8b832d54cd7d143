"""What the per-backend benchmarks share: their common options and one fresh process per backend.

Keras fixes its backend when it is first imported, so each backend needs its
own process. The measuring code prints one line ``RESULT{json}``; this module
starts the process, finds that line and returns the decoded object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys

BACKENDS = ("tensorflow", "jax", "torch")


# Run before every measurement: the course set up quietly, and random photos of CIFAR-10's shape
# (the benchmarks measure time only, so the pixels do not matter).
PREAMBLE = """
import json
import numpy as np
from utils import setup_course

info = setup_course(verbose=False)
rng = np.random.default_rng(0)
x = rng.random(({photos}, 32, 32, 3), dtype=np.float32)
y = rng.integers(0, 10, {photos})
"""


def run_in_backend(backend, code, photos):
    """Run ``code`` with ``KERAS_BACKEND=backend`` in default mode; return what it printed after ``RESULT``.

    ``code`` runs after :data:`PREAMBLE`, so it can use ``info`` (from
    ``setup_course``), ``np``, ``json`` and ``photos`` random photos ``x`` with labels ``y``.
    """
    env = {**os.environ, "KERAS_BACKEND": backend, "COURSE_FAST": "0"}
    program = PREAMBLE.format(photos=photos) + code
    done = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    if done.returncode or not lines:
        raise RuntimeError(f"{backend}: the measurement failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1][len("RESULT") :])


def benchmark_parser(description):
    """An argument parser with the options every per-backend benchmark takes: --backends, --photos, --batch."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=BACKENDS)
    parser.add_argument("--photos", type=int, default=10_000, help="random photos of CIFAR-10's shape")
    parser.add_argument("--batch", type=int, default=128, help="lesson 06's final run uses 128")
    return parser


def measure_installed(backends, measure):
    """Print the machine, then return ``{backend: measure(backend)}`` for each installed one of ``backends``."""
    print(
        f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    return {
        backend: measure(backend) for backend in backends if importlib.util.find_spec(backend) is not None
    }
