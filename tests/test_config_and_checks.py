"""Unit tests of the mode switch, the settings and the lesson self-checks."""

import json

import pytest

from utils import by_mode, check_at_least, data_dir, fast_mode, models_dir, record
from utils.checks import LessonCheckError
from utils.config import REPO_ROOT, shown_path


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_fast_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_FAST", value)
    assert fast_mode() is expected
    assert by_mode(full=10, fast=1) == (1 if expected else 10)


def test_fast_mode_rejects_unclear_values(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "maybe")
    with pytest.raises(ValueError, match="COURSE_FAST=1 to turn it on"):
        fast_mode()


def test_directories_default_to_the_repository_and_follow_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("COURSE_MODELS_DIR", raising=False)
    assert data_dir() == REPO_ROOT / "data"
    assert models_dir() == REPO_ROOT / "models"
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path


def test_check_at_least_passes_and_prints_a_sentence_of_the_lesson(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "0")
    assert check_at_least("accuracy", 0.95, floor=0.9) == 0.95
    assert capsys.readouterr().out == "accuracy: 0.9500, at least the 0.9000 this lesson promises\n"
    monkeypatch.setenv("COURSE_FAST", "1")
    check_at_least("accuracy", 0.5, floor=0.3)
    assert capsys.readouterr().out == "accuracy: 0.5000, at least the FAST-mode floor of 0.3000\n"


@pytest.mark.parametrize("value", [0.5, float("nan")])
def test_check_at_least_fails_when_a_lesson_stops_learning(value):
    with pytest.raises(LessonCheckError, match="below the floor of 0.9000"):
        check_at_least("accuracy", value, floor=0.9)


def test_results_are_recorded_only_when_asked(monkeypatch, tmp_path):
    results = tmp_path / "results.jsonl"
    monkeypatch.delenv("COURSE_RESULTS_FILE", raising=False)
    record("nothing", 1.0)
    assert not results.exists()
    monkeypatch.setenv("COURSE_RESULTS_FILE", str(results))
    monkeypatch.setenv("COURSE_FAST", "1")
    record("epoch time (s)", 2.5)
    check_at_least("accuracy", 0.99, floor=0.5)
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert rows == [
        {"name": "epoch time (s)", "value": 2.5, "fast": True},
        {"name": "accuracy", "value": 0.99, "fast": True, "floor": 0.5},
    ]


def test_shown_path_never_prints_this_machines_absolute_paths(monkeypatch, tmp_path):
    monkeypatch.setattr("pathlib.Path.home", lambda: tmp_path / "home")
    assert shown_path(REPO_ROOT / "models" / "06_cifar10.keras") == "models/06_cifar10.keras"
    assert shown_path(REPO_ROOT.parent / "shared" / "datasets") == "../shared/datasets"
    assert shown_path(tmp_path / "home" / "data") == "~/data"
    assert not shown_path(tmp_path / "elsewhere").startswith("/")


def test_shown_path_keeps_the_name_of_a_linked_folder(tmp_path, monkeypatch):
    """CI may reach ../shared through a symbolic link; print the name it was given, not the link's target."""
    repo = tmp_path / "work" / "main"
    repo.mkdir(parents=True)
    (tmp_path / "real" / "shared" / "datasets").mkdir(parents=True)
    (tmp_path / "work" / "shared").symlink_to(tmp_path / "real" / "shared", target_is_directory=True)
    monkeypatch.setattr("utils.config.REPO_ROOT", repo)
    assert shown_path(tmp_path / "work" / "shared" / "datasets") == "../shared/datasets"
