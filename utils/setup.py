"""The one call at the top of every notebook (introduced in lesson 01).

``setup_course()`` makes a notebook reproducible and quiet:

* it seeds Python, NumPy and Keras/TensorFlow *before* any model exists
  (seeding later does not make training repeatable);
* it keeps TensorFlow's C++ start-up messages (oneDNN, cpu_feature_guard,
  absl) out of the cell outputs, without switching oneDNN off;
* it prints the versions and the device in use, and whether FAST mode is on.
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import sys
import warnings
from dataclasses import dataclass

from utils.config import FAST_ENV, data_dir, fast_mode, shown_path

DEFAULT_SEED = 42


@dataclass(frozen=True)
class CourseInfo:
    """What ``setup_course`` set up, for notebooks that want to print or test it."""

    seed: int
    fast: bool
    device: str
    versions: dict

    def __str__(self) -> str:
        parts = [f"{name} {version}" for name, version in self.versions.items()]
        mode = "FAST (small subsets, few epochs)" if self.fast else "default (full lesson)"
        return " | ".join(parts) + f"\ndevice: {self.device} | mode: {mode} | seed: {self.seed}"


@contextlib.contextmanager
def _stderr_silenced():
    """Send file descriptor 2 to /dev/null: C++ code writes there directly,
    below Python's ``sys.stderr``, so redirecting ``sys.stderr`` is not enough."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow_quietly():
    """Import TensorFlow and Keras with their C++ log noise suppressed.

    ``TF_CPP_MIN_LOG_LEVEL=2`` hides most messages but not "oneDNN custom
    operations are on", printed once at import, nor the CUDA error logged by
    the first device query on a machine without a GPU driver: we silence
    those two moments instead of turning oneDNN off (which costs ~20 % speed).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" not in sys.modules:
        with _stderr_silenced():
            import tensorflow

            # The first device query initialises CUDA, which logs an error on
            # machines without a GPU driver; do it here, silenced, once.
            tensorflow.config.list_physical_devices()
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="tensorflow")
    return tf, keras


def describe_device(tf) -> str:
    """A one-line description of where TensorFlow will run."""
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return f"GPU ({len(gpus)} found: {', '.join(g.name for g in gpus)})"
    return f"CPU ({os.cpu_count()} cores, no GPU found)"


def setup_course(seed: int = DEFAULT_SEED, verbose: bool = True) -> CourseInfo:
    """Seed everything, quieten TensorFlow and print versions and device.

    Call it once, in the first code cell, before any model is built.
    """
    tf, keras = import_tensorflow_quietly()
    import matplotlib
    import numpy as np

    keras.utils.set_random_seed(seed)
    info = CourseInfo(
        seed=seed,
        fast=fast_mode(),
        device=describe_device(tf),
        versions={
            "Python": platform.python_version(),
            "TensorFlow": tf.__version__,
            "Keras": keras.__version__,
            "NumPy": np.__version__,
            "Matplotlib": matplotlib.__version__,
        },
    )
    if verbose:
        print(info)
        if info.fast:
            print(f"{FAST_ENV}=1: sizes below are the FAST-mode ones; unset it for the real lesson.")
        print(f"data directory: {shown_path(data_dir())}")
    return info


def widgets_available():
    """True inside a live Jupyter front end that can show ipywidgets (lesson 03's sliders, progress bars).

    A kernel started by JupyterLab / Notebook 7 (``JPY_SESSION_NAME``), VS Code
    or Colab counts; nbconvert, nbval (CI) and plain Python do not, because
    there nobody can move a slider and a widget would store no picture.
    """
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return False
    if "google.colab" in sys.modules:
        return True
    return bool(os.environ.get("JPY_SESSION_NAME") or os.environ.get("VSCODE_PID"))


def progress(iterable, desc, total=None):
    """``iterable`` with a progress bar in a live Jupyter front end; unchanged elsewhere (lesson 07).

    A bar helps a student waiting for a long loop, but in nbconvert, nbval or a
    script it would store a frozen "0%" widget in the notebook, so there the
    loop runs silently.
    """
    if not widgets_available():
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, total=total)
