"""The same model and photo give the same explanation maps on TensorFlow, JAX and PyTorch (lesson 07).

Each installed backend runs a small script in its own process (the backend is
fixed when Keras is imported): it builds one small CNN from fixed NumPy
weights, explains the same images with vanilla and guided saliency and
Grad-CAM, and saves the maps. The maps must agree within ``ATOL``: the three
frameworks do the same float32 arithmetic in different orders, so they may
differ in the last digits, never more.
"""

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
BACKENDS = [b for b in ("tensorflow", "jax", "torch") if importlib.util.find_spec(b) is not None]
ATOL = 1e-4  # on maps scaled to [0, 1] and on probabilities

SCRIPT = textwrap.dedent(
    """
    import sys

    import keras
    import numpy as np
    from keras import layers

    from utils import explain

    rng = np.random.default_rng(0)
    model = keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            layers.Conv2D(4, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(6, 3, padding="same", name="conv2"),
            layers.ReLU(name="conv2_relu"),
            layers.GlobalAveragePooling2D(name="gap"),
            layers.Dense(3, activation="softmax", name="predictions"),
        ]
    )
    model.set_weights([rng.normal(0, 0.5, w.shape).astype("float32") for w in model.get_weights()])
    images = rng.random((2, 12, 12, 3), dtype=np.float32)
    classes = [0, 2]
    np.savez(
        sys.argv[1],
        probabilities=model.predict(images, verbose=0),
        vanilla=explain.saliency(model, images, classes),
        guided=explain.saliency(model, images, classes, method="guided"),
        grad_cam=explain.grad_cam(model, images, classes),
    )
    """
)


def maps_on(backend, folder):
    """Run SCRIPT under ``backend`` and load the maps it saved."""
    out = folder / f"{backend}.npz"
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(out)], env=env, cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, f"the script failed on {backend}:\n{done.stderr[-3000:]}"
    return dict(np.load(out))


@pytest.mark.skipif(len(BACKENDS) < 2, reason=f"needs two Keras backends, found {BACKENDS}")
def test_every_backend_gives_the_same_maps(tmp_path):
    results = {backend: maps_on(backend, tmp_path) for backend in BACKENDS}
    reference, first = results[BACKENDS[0]], BACKENDS[0]
    assert reference["grad_cam"].max() == pytest.approx(1.0)  # the maps are not trivially zero
    assert not np.allclose(reference["guided"], reference["vanilla"], atol=1e-2)  # the guided rule acts
    for backend in BACKENDS[1:]:
        for name, expected in reference.items():
            got = results[backend][name]
            assert got.shape == expected.shape, f"{name}: {backend} {got.shape}, {first} {expected.shape}"
            largest = float(np.abs(got - expected).max())
            print(f"{name}: largest difference {backend} - {first}: {largest:.2e}")
            assert largest <= ATOL, f"{name} on {backend} differs from {first} by up to {largest:.2e}"
