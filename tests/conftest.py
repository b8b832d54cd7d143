"""Fixtures shared by the unit tests: a private data directory, no windows, no figure left open.

Matplotlib draws with the Agg backend (no screen needed), chosen here once,
before any test module imports pyplot.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test opened, so figures do not pile up in memory."""
    yield
    plt.close("all")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty data directory that the loaders will search, with downloads off
    so that no test can reach the network."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    return folder
