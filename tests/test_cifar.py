"""Unit tests of utils/cifar.py: lesson 06's fast CIFAR-10 recipe and its reuse by later lessons."""

import json

import numpy as np
import pytest

from utils import cifar
from utils.config import REPO_ROOT

keras = pytest.importorskip("keras")


def test_fast_cnn_has_the_lesson_06_shape_and_weight_count():
    model = cifar.fast_cnn()
    assert model.count_params() == 151_858
    assert model.output_shape == (None, 10)
    assert model.get_layer("pool3").output.shape[1:] == (4, 4, 96)
    assert not model.get_layer("conv1").use_bias
    assert model.get_layer("conv1_bn").momentum == 0.9


def test_fast_cnn_puts_the_augmentation_block_in_front():
    model = cifar.fast_cnn(cifar.seed_augmentation())
    assert model.layers[0].name == "augmentation"
    assert model.count_params() == 151_858  # augmentation has no weights


def test_fast_cnn_refuses_a_wrong_number_of_widths():
    with pytest.raises(ValueError, match="four convolutions"):
        cifar.fast_cnn(widths=(8, 16))


def test_warmup_cosine_rises_to_the_peak_then_decays_to_zero():
    schedule = cifar.warmup_cosine(100, peak=3e-3)
    rates = np.array([float(schedule(step)) for step in range(101)])
    assert rates[0] == pytest.approx(3e-4)
    assert rates.argmax() == 20  # the warm-up is 20 % of the steps
    assert rates.max() == pytest.approx(3e-3)
    assert np.all(np.diff(rates[:21]) > 0) and np.all(np.diff(rates[20:]) <= 0)
    assert rates[-1] == pytest.approx(0.0, abs=1e-9)


def test_warmup_cosine_needs_a_run_of_at_least_two_steps():
    with pytest.raises(ValueError, match="at least 2 training steps"):
        cifar.warmup_cosine(1)


def test_steps_for_counts_the_last_partial_batch():
    assert cifar.steps_for(50_000, 5, 128) == 5 * 391
    assert cifar.steps_for(1000, 1, 16) == 63


@pytest.fixture
def tiny_cifar():
    """Forty 32x32 colour images in two easy classes (bright vs dark), labels 0..9 range."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    x = np.clip(rng.normal(0.25 + 0.5 * y[:, None, None, None], 0.05, (40, 32, 32, 3)), 0, 1).astype(
        "float32"
    )
    return x, y


def test_train_fast_cnn_trains_on_integer_labels(tiny_cifar):
    x, y = tiny_cifar
    model, history = cifar.train_fast_cnn(x, y, epochs=2, batch_size=8, validation_data=(x, y), verbose=0)
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert model.predict(x[:3], verbose=0).shape == (3, 10)


def test_train_fast_cnn_refuses_one_hot_labels(tiny_cifar):
    x, y = tiny_cifar
    with pytest.raises(ValueError, match="integer class labels"):
        cifar.train_fast_cnn(x, keras.utils.to_categorical(y, 10), epochs=1, batch_size=8)


def test_load_lesson06_model_trains_once_with_the_lesson_sizes_then_loads(tmp_path, monkeypatch, capsys):
    """The wiring of lessons 07/08's fallback: sizes, saving, loading (training itself is tested above)."""
    data_calls, train_calls = [], []

    def fake_load_cifar10(n_train=None, n_test=None, seed=0):
        data_calls.append(n_train)
        images = np.zeros((4, 32, 32, 3), dtype="uint8")
        return (images, np.arange(4)), (images, np.arange(4))

    def fake_train_fast_cnn(x, y, epochs, batch_size, **kwargs):
        train_calls.append((x.dtype.name, float(x.max()), epochs, batch_size))
        model = cifar.fast_cnn(widths=(2, 2, 2, 2))
        return model, None

    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_FAST", "1")
    monkeypatch.setattr("utils.data.load_cifar10", fake_load_cifar10)
    monkeypatch.setattr(cifar, "train_fast_cnn", fake_train_fast_cnn)
    first = cifar.load_lesson06_model()
    assert data_calls == [1000] and train_calls == [("float32", 0.0, 1, 16)]  # lesson 06's FAST sizes
    assert (tmp_path / "06_cifar10.fast.keras").is_file()
    assert "training it now" in capsys.readouterr().out
    second = cifar.load_lesson06_model()
    assert len(train_calls) == 1, "the second call must load, not train"
    assert "loaded the trained model" in capsys.readouterr().out
    probe = np.random.default_rng(0).random((2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(first.predict(probe, verbose=0), second.predict(probe, verbose=0), atol=1e-6)


def test_retraining_uses_the_sizes_of_lesson_06s_notebook():
    notebook = REPO_ROOT / "notebooks" / "06_cifar10_augmentation.ipynb"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sizes_cell = next("".join(c["source"]) for c in cells if "FAST_EPOCHS = by_mode(" in "".join(c["source"]))
    sizes = {}
    exec(sizes_cell, {"by_mode": lambda full, fast: (full, fast)}, sizes)
    for name, pair in cifar.FINAL_RUN.items():
        assert sizes[name] == pair, (
            f"notebook 06 sets {name} = {sizes[name]}, utils.cifar retrains with {pair}"
        )
