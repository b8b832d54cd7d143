"""Run a measurement in a fresh Python process on one Keras backend (shared by the benchmarks).

Keras fixes its backend when it is first imported, so each backend needs its
own process. The measuring code prints one line ``RESULT{json}``; this module
starts the process, finds that line and returns the decoded object.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

BACKENDS = ("tensorflow", "jax", "torch")


def run_in_backend(backend, code):
    """Run ``code`` with ``KERAS_BACKEND=backend`` in default mode; return what it printed after ``RESULT``."""
    env = {**os.environ, "KERAS_BACKEND": backend, "COURSE_FAST": "0"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    if done.returncode or not lines:
        raise RuntimeError(f"{backend}: the measurement failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1][len("RESULT") :])
