"""Unit tests of utils/models.py: caching a lesson's trained model (lesson 05)."""

import numpy as np
import pytest

from utils.models import model_path, train_or_load

keras = pytest.importorskip("keras")


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """Point the model cache at an empty temporary folder, in default mode."""
    folder = tmp_path / "models"
    monkeypatch.setenv("COURSE_MODELS_DIR", str(folder))
    monkeypatch.setenv("COURSE_FAST", "0")
    return folder


class Builder:
    """A build_and_train stand-in that counts its calls and returns a tiny model."""

    def __init__(self, bias=0.5):
        self.calls = 0
        self.bias = bias

    def __call__(self):
        self.calls += 1
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="out")])
        model.compile(optimizer="sgd", loss="mse")
        kernel, _ = model.get_layer("out").get_weights()
        model.get_layer("out").set_weights([kernel, np.full(2, self.bias, dtype="float32")])
        return model


def bias_of(model):
    return model.get_layer("out").get_weights()[1].tolist()


def test_trains_and_saves_when_no_file_exists(models_dir, capsys):
    build = Builder()
    model = train_or_load("99_toy", build)
    assert build.calls == 1
    assert isinstance(model, keras.Model)
    assert (models_dir / "99_toy.keras").is_file()
    assert "no saved model" in capsys.readouterr().out


def test_loads_the_saved_model_without_training(models_dir, capsys):
    train_or_load("99_toy", Builder(bias=0.25))
    again = Builder(bias=-1.0)
    model = train_or_load("99_toy", again)
    assert again.calls == 0
    assert bias_of(model) == [0.25, 0.25]  # the saved weights, not the new builder's
    assert "loaded the trained model" in capsys.readouterr().out


def test_retrains_when_the_file_is_damaged(models_dir, capsys):
    models_dir.mkdir()
    (models_dir / "99_toy.keras").write_bytes(b"not a keras archive")
    build = Builder(bias=0.75)
    model = train_or_load("99_toy", build)
    assert build.calls == 1
    assert "could not be loaded" in capsys.readouterr().out
    assert bias_of(keras.saving.load_model(models_dir / "99_toy.keras")) == [0.75, 0.75]
    assert bias_of(model) == [0.75, 0.75]


def test_fast_and_default_caches_are_kept_apart(models_dir, monkeypatch):
    train_or_load("99_toy", Builder(bias=1.0))  # default mode
    monkeypatch.setenv("COURSE_FAST", "1")
    assert model_path("99_toy") == models_dir / "99_toy.fast.keras"
    fast_build = Builder(bias=2.0)
    fast_model = train_or_load("99_toy", fast_build)
    assert fast_build.calls == 1  # the default-mode file is not served to FAST mode
    assert bias_of(fast_model) == [2.0, 2.0]
    monkeypatch.setenv("COURSE_FAST", "0")
    assert model_path("99_toy") == models_dir / "99_toy.keras"
    assert bias_of(train_or_load("99_toy", Builder(bias=3.0))) == [1.0, 1.0]


def test_models_dir_is_read_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "0")
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path / "a"))
    first = model_path("99_toy")
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path / "b"))
    assert first == tmp_path / "a" / "99_toy.keras"
    assert model_path("99_toy") == tmp_path / "b" / "99_toy.keras"


def test_rejects_a_build_function_that_returns_no_model(models_dir):
    with pytest.raises(TypeError, match="must return the trained keras.Model"):
        train_or_load("99_toy", lambda: "history")
    assert not (models_dir / "99_toy.keras").exists()
