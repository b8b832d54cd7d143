"""The per-backend benchmarks' plumbing: one fresh process per backend, and the tables they print."""

import sys
from pathlib import Path

import keras
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import epoch_cost  # noqa: E402
from backend_process import run_in_backend  # noqa: E402


def test_run_in_backend_returns_what_the_process_measured():
    backend = keras.backend.backend()
    result = run_in_backend(backend, 'print("RESULT" + json.dumps({"shape": list(x.shape), "n": len(y)}))', 3)
    assert result == {"shape": [3, 32, 32, 3], "n": 3}


def test_run_in_backend_says_which_backend_failed_and_why():
    backend = keras.backend.backend()
    with pytest.raises(RuntimeError, match=rf"{backend}: the measurement failed:[\s\S]*ZeroDivisionError"):
        run_in_backend(backend, "1 / 0", 1)


def test_epoch_cost_table_gives_each_network_against_lesson_06s():
    row = {
        "device": "CPU",
        "bn_cnn (lesson 06)": {"wall": 2.0, "cpu": 4.0, "adds": 11.3e6, "weights": 151858},
    }
    row["ResNet-9 (lesson 09)"] = {"wall": 3.0, "cpu": 6.2, "adds": 13.6e6, "weights": 233662}
    lines = epoch_cost.table({"jax": row}, photos=1000, rounds=3, batch=128).splitlines()
    assert lines[0].startswith("Seconds per epoch of 1,000 photos (batch 128")
    assert lines[-2].endswith("| 2.00 | 4.00 | 1.00x | 1.00x |")
    assert lines[-1] == "| jax | CPU | ResNet-9 (lesson 09) | 233,662 | 13.6 | 3.00 | 6.20 | 1.50x | 1.55x |"
