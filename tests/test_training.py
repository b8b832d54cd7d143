"""Unit tests of utils.training: caching lesson models, timing epochs, learning-rate schedules."""

import time

import keras
import numpy as np
import pytest

from utils.training import (
    EpochTimer,
    compile_with_warmup_cosine,
    model_path,
    steps_for,
    train_or_load,
    warmup_cosine,
)


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


def test_epoch_timer_times_each_epoch():
    timer = EpochTimer()
    assert isinstance(timer, keras.callbacks.Callback)
    for epoch in range(2):
        timer.on_epoch_begin(epoch)
        time.sleep(0.02)
        timer.on_epoch_end(epoch)
    assert len(timer.times) == 2
    assert all(0.02 <= t < 1.0 for t in timer.times)


def test_warmup_cosine_rises_to_the_peak_then_decays_to_zero():
    schedule = warmup_cosine(100, peak=3e-3)
    rates = np.array([float(schedule(step)) for step in range(101)])
    assert rates[0] == pytest.approx(3e-4)
    assert rates.argmax() == 20  # the warm-up is 20 % of the steps
    assert rates.max() == pytest.approx(3e-3)
    assert np.all(np.diff(rates[:21]) > 0) and np.all(np.diff(rates[20:]) <= 0)
    assert rates[-1] == pytest.approx(0.0, abs=1e-9)


def test_warmup_cosine_needs_a_run_of_at_least_two_steps():
    with pytest.raises(ValueError, match="at least 2 training steps"):
        warmup_cosine(1)


def test_steps_for_counts_the_last_partial_batch():
    assert steps_for(50_000, 5, 128) == 5 * 391
    assert steps_for(1000, 1, 16) == 63


def test_compile_with_warmup_cosine_builds_the_named_optimizer():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    compile_with_warmup_cosine(model, 100, peak=0.05, warmup_fraction=0, optimizer="sgd", momentum=0.9)
    assert isinstance(model.optimizer, keras.optimizers.SGD) and model.optimizer.momentum == 0.9
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)  # no warm-up: starts at the peak
    with pytest.raises(ValueError, match="optimizer must be one of"):
        compile_with_warmup_cosine(model, 100, optimizer="rmsprop")


def test_steps_for_and_the_timer_refuse_what_cannot_be_measured():
    with pytest.raises(ValueError, match="at least one image"):
        steps_for(0, 1, 32)
    with pytest.raises(ValueError, match="no epoch has been timed"):
        _ = EpochTimer().seconds_per_epoch
