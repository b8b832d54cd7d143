"""Fixtures shared by the unit tests: a private data directory per test."""

import pytest


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty data directory that the loaders will search, with downloads off
    so that no test can reach the network."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("COURSE_DATA_DIR", str(folder))
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    return folder
