"""Unit tests of utils.setup: quiet start on every backend, seeding, printed versions and device."""

import subprocess
import sys
import textwrap

import keras
import pytest

from utils.config import REPO_ROOT


def run_fresh(code, **env):
    """Run code in a fresh interpreter (TensorFlow prints its noise only once per process)."""
    import os

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        timeout=120,
        check=True,
    )


def test_setup_course_is_quiet_seeded_and_reports_versions():
    result = run_fresh(
        """
        from utils import setup_course
        import keras, numpy as np
        info = setup_course(seed=7)
        draw = lambda: (keras.ops.convert_to_numpy(keras.random.uniform((3,))).tolist(), np.random.rand())
        a = draw()
        setup_course(seed=7, verbose=False)
        b = draw()
        print("same after reseed:", a == b)
        keras.layers.Dense(2)(np.ones((1, 3)))  # runs an op, which may log on first use
        """,
        COURSE_FAST="1",
    )
    framework = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}[keras.backend.backend()]
    assert f"{framework} " in result.stdout and "Keras 3." in result.stdout
    assert f"backend: {framework} | device: CPU" in result.stdout or "device: GPU" in result.stdout
    assert "mode: FAST" in result.stdout and "seed: 7" in result.stdout
    assert "same after reseed: True" in result.stdout
    for noise in ("oneDNN", "cpu_feature_guard", "cuInit", "absl::"):
        assert noise not in result.stderr, result.stderr


def test_progress_stays_out_of_stored_outputs_outside_a_live_front_end():
    from utils.setup import progress, widgets_available

    steps = range(3)
    assert widgets_available() is False  # pytest, like nbconvert and nbval, is no live front end
    assert progress(steps, desc="loop") is steps


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_utils_loads_no_other_framework(backend):
    pytest.importorskip(backend)
    result = run_fresh(
        """
        import sys, utils
        print("loaded:", sorted(m for m in ("tensorflow", "jax", "torch") if m in sys.modules))
        """,
        KERAS_BACKEND=backend,
    )
    loaded = result.stdout.split("loaded:")[1]
    assert "tensorflow" not in loaded and backend in loaded, result.stdout


def test_setup_course_names_the_supported_backends_for_any_other(monkeypatch):
    from utils.setup import setup_course

    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    with pytest.raises(RuntimeError, match="tensorflow, jax, torch only. Set KERAS_BACKEND"):
        setup_course(verbose=False)
