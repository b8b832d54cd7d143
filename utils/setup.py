"""The one call at the top of every notebook (introduced in lesson 01).

``setup_course()`` makes a notebook reproducible and quiet, on whichever Keras
backend is active (TensorFlow, JAX or PyTorch, chosen by ``KERAS_BACKEND``
before Keras is first imported):

* it seeds Python, NumPy and Keras (and through Keras the backend) *before*
  any model exists (seeding later does not make training repeatable);
* with TensorFlow, it keeps TensorFlow's C++ start-up messages (oneDNN,
  cpu_feature_guard, absl) out of the cell outputs, without switching oneDNN
  off; JAX and PyTorch print nothing at start-up;
* it prints the versions, the backend and the device that backend will use,
  and whether FAST mode is on.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import os
import platform
import sys
import warnings
from dataclasses import dataclass

from utils.config import FAST_ENV, fast_mode

DEFAULT_SEED = 42
BACKEND_ENV = "KERAS_BACKEND"
# Keras backend name -> (importable module, name printed for students)
BACKEND_FRAMEWORKS = {
    "tensorflow": ("tensorflow", "TensorFlow"),
    "jax": ("jax", "JAX"),
    "torch": ("torch", "PyTorch"),
}


@dataclass(frozen=True)
class CourseInfo:
    """What ``setup_course`` set up, for notebooks that want to print or test it."""

    seed: int
    fast: bool
    backend: str
    device: str
    versions: dict

    def __str__(self) -> str:
        parts = [f"{name} {version}" for name, version in self.versions.items()]
        mode = "FAST (small subsets, few epochs)" if self.fast else "default (full lesson)"
        return (
            " | ".join(parts)
            + f"\nbackend: {self.backend} | device: {self.device} | mode: {mode} | seed: {self.seed}"
        )


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


def requested_backend() -> str:
    """The backend Keras will use: ``KERAS_BACKEND``, else Keras's config file, else TensorFlow.

    Read without importing Keras, so that TensorFlow can be imported quietly
    first when it is the one.
    """
    name = os.environ.get(BACKEND_ENV, "").strip()
    if name:
        return name
    config = os.path.join(os.environ.get("KERAS_HOME", os.path.expanduser("~/.keras")), "keras.json")
    with contextlib.suppress(OSError, ValueError):
        import json

        with open(config, encoding="utf-8") as file:
            return json.load(file).get("backend", "tensorflow")
    return "tensorflow"


def _import_tensorflow_quietly():
    """Import TensorFlow with its C++ start-up log silenced (once per process).

    ``TF_CPP_MIN_LOG_LEVEL=2`` hides most messages but not "oneDNN custom
    operations are on", printed once at import, nor the CUDA error logged by
    the first device query on a machine without a GPU driver: we silence
    those two moments instead of turning oneDNN off (which costs ~20 % speed).
    """
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _stderr_silenced():
        import tensorflow

        tensorflow.config.list_physical_devices()
    tensorflow.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="tensorflow")


def import_keras_quietly():
    """Import Keras on the requested backend; on TensorFlow, without TensorFlow's log noise.

    Only the active backend's framework is imported: ``KERAS_BACKEND=jax
    python -c "import utils"`` never loads TensorFlow.
    """
    if requested_backend() == "tensorflow":
        _import_tensorflow_quietly()
    import keras

    return keras


def seed_everything(seed):
    """Seed Python, NumPy, Keras and the backend with ``keras.utils.set_random_seed`` (lesson 01).

    Keras also seeds TensorFlow whenever it is installed, whatever the backend
    (``tf.data`` pipelines shuffle with it), and importing TensorFlow prints
    C++ log lines: import it quietly first, if it is there.
    """
    if importlib.util.find_spec("tensorflow") is not None:
        _import_tensorflow_quietly()
    import keras

    keras.utils.set_random_seed(seed)


def _device_tensorflow(tf):
    gpus = tf.config.list_physical_devices("GPU")
    return f"GPU ({len(gpus)} found: {', '.join(g.name for g in gpus)})" if gpus else None


def _device_jax(jax):
    gpus = [d for d in jax.devices() if d.platform != "cpu"]
    return f"GPU ({len(gpus)} found: {gpus[0].device_kind})" if gpus else None


def _device_torch(torch):
    if torch.cuda.is_available():
        return f"GPU ({torch.cuda.device_count()} found: {torch.cuda.get_device_name(0)})"
    if torch.backends.mps.is_available():
        return "GPU (Apple MPS)"
    return None


_DEVICE = {"tensorflow": _device_tensorflow, "jax": _device_jax, "torch": _device_torch}


def describe_device(backend: str) -> str:
    """A one-line description of where ``backend`` will run: a GPU it found, or the CPU."""
    module = importlib.import_module(BACKEND_FRAMEWORKS[backend][0])
    return _DEVICE[backend](module) or f"CPU ({os.cpu_count()} cores, no GPU found)"


def setup_course(seed: int = DEFAULT_SEED, verbose: bool = True) -> CourseInfo:
    """Seed everything, quieten the backend and print versions, backend and device.

    Call it once, in the first code cell, before any model is built.
    """
    keras = import_keras_quietly()
    import matplotlib
    import numpy as np

    from utils.gradients import active_backend

    backend = active_backend()  # one clear error for a backend the course does not support
    framework, framework_name = BACKEND_FRAMEWORKS[backend]
    seed_everything(seed)
    info = CourseInfo(
        seed=seed,
        fast=fast_mode(),
        backend=framework_name,
        device=describe_device(backend),
        versions={
            "Python": platform.python_version(),
            "Keras": keras.__version__,
            framework_name: importlib.import_module(framework).__version__,
            "NumPy": np.__version__,
            "Matplotlib": matplotlib.__version__,
        },
    )
    if verbose:
        print(info)
        if info.fast:
            print(f"{FAST_ENV}=1: sizes below are the FAST-mode ones; unset it for the real lesson.")
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
