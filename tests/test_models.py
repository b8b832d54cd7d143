"""Unit tests of utils.models: LeNet-5 (lesson 05), lesson 06's augmentation, network and final run."""

import keras
import numpy as np
import pytest

from utils import models
from utils.models import (
    bn_cnn,
    compile_lenet5,
    lenet5,
    lesson05_sizes,
    lesson06_sizes,
    shift_and_flip,
    train_bn_cnn,
)

# ----------------------------------------------------------------------------
# lesson 05: LeNet-5


def test_lenet5_has_the_lesson_05_shape_and_weight_count():
    model = lenet5()
    assert model.count_params() == 61_706
    assert model.get_layer("conv3").output.shape[1:] == (1, 1, 120)
    assert isinstance(model.get_layer("pool1"), keras.layers.AveragePooling2D)


def test_lenet5_variants_and_bad_pooling():
    assert lenet5(first_pool_strides=1).count_params() == 545_546  # the source article's variant
    assert isinstance(lenet5(pooling="max").get_layer("pool2"), keras.layers.MaxPooling2D)
    with pytest.raises(ValueError, match="'average' or 'max'"):
        lenet5(pooling="median")


def test_compile_lenet5_uses_sgd_with_momentum_and_a_cosine_from_0_05():
    model = compile_lenet5(lenet5(), steps=100)
    optimizer = model.optimizer
    assert isinstance(optimizer, keras.optimizers.SGD) and optimizer.momentum == 0.9
    assert float(optimizer.learning_rate) == pytest.approx(0.05)


def test_sizes_describe_themselves(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    assert str(lesson05_sizes()) == (
        "2,500 training images, 500 of them held out for validation; 500 test images; 2 epochs of batches of 64"
    )
    monkeypatch.setenv("COURSE_FAST", "0")
    assert str(lesson06_sizes()).startswith("all training images, 5,000 of them held out")


# ----------------------------------------------------------------------------
# lesson 06: augmentation


@pytest.fixture
def images():
    """Eight 32x32 RGB images with structure (a gradient plus noise), so shifts and flips show."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 32, dtype="float32")
    base = np.broadcast_to(ramp[None, None, :, None], (8, 32, 32, 3))
    return (0.7 * base + 0.3 * rng.random((8, 32, 32, 3))).astype("float32")


def test_shift_and_flip_has_the_settings_of_the_keras_cifar10_example():
    block = shift_and_flip(layers_only=True)
    assert [layer.name for layer in block.layers] == ["shift", "flip"]
    shift, flip = block.layers
    assert isinstance(shift, keras.layers.RandomTranslation)
    assert isinstance(flip, keras.layers.RandomFlip)
    config = shift.get_config()
    assert config["height_factor"] == 0.1 and config["width_factor"] == 0.1
    assert config["fill_mode"] == "nearest"
    assert flip.get_config()["mode"] == "horizontal"


def test_shift_and_flip_keeps_the_shape_and_dtype(images):
    out = np.asarray(shift_and_flip(seed=1)(images, training=True))
    assert out.shape == images.shape
    assert out.dtype == np.float32


def test_shift_and_flip_changes_images_in_training_mode(images):
    out = np.asarray(shift_and_flip(seed=1)(images, training=True))
    changed = [not np.allclose(a, b) for a, b in zip(out, images)]
    assert sum(changed) >= 6, "most of eight images should be shifted or flipped"
    assert out.min() >= 0.0 and out.max() <= 1.0, "shifts fill with edge pixels, flips move pixels"


def test_shift_and_flip_is_inactive_at_inference(images):
    block = shift_and_flip(seed=1)
    np.testing.assert_array_equal(np.asarray(block(images, training=False)), images)
    model = keras.Sequential([keras.Input((32, 32, 3)), block])
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)


def test_shift_and_flip_options_drop_layers_and_bad_values_are_refused():
    assert [layer.name for layer in shift_and_flip(flip=None, layers_only=True).layers] == ["shift"]
    assert [layer.name for layer in shift_and_flip(shift=0, layers_only=True).layers] == ["flip"]
    with pytest.raises(ValueError, match="fraction"):
        shift_and_flip(shift=1.5)
    with pytest.raises(ValueError, match="nothing"):
        shift_and_flip(shift=0, flip=None)


def test_shift_and_flip_survives_saving_inside_a_model(tmp_path, images):
    model = keras.Sequential([keras.Input((32, 32, 3)), shift_and_flip(), keras.layers.Flatten()])
    path = tmp_path / "augmented.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    np.testing.assert_allclose(again.predict(images, verbose=0), images.reshape(8, -1))


# ----------------------------------------------------------------------------
# lesson 06: the batch-normalised network


def test_bn_cnn_has_the_lesson_06_shape_and_weight_count():
    model = bn_cnn()
    assert model.count_params() == 151_858
    assert model.output_shape == (None, 10)
    assert model.get_layer("pool3").output.shape[1:] == (4, 4, 96)
    assert not model.get_layer("conv1").use_bias
    assert model.get_layer("conv1_bn").momentum == 0.9


def test_bn_cnn_puts_the_augmentation_block_in_front():
    model = bn_cnn(shift_and_flip())
    assert model.layers[0].name == "augmentation"
    assert model.count_params() == 151_858  # augmentation has no weights


def test_bn_cnn_refuses_a_wrong_number_of_widths():
    with pytest.raises(ValueError, match="four convolutions"):
        bn_cnn(widths=(8, 16))


@pytest.fixture
def tiny_cifar():
    """Forty 32x32 colour images in two easy classes (bright vs dark), labels 0..9 range."""
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    x = np.clip(rng.normal(0.25 + 0.5 * y[:, None, None, None], 0.05, (40, 32, 32, 3)), 0, 1).astype(
        "float32"
    )
    return x, y


def test_train_bn_cnn_trains_on_integer_labels(tiny_cifar):
    x, y = tiny_cifar
    model, history, timer = train_bn_cnn(
        x, y, epochs=2, batch_size=8, validation_data=(x, y), n_classes=10, verbose=0
    )
    assert set(history.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert model.predict(x[:3], verbose=0).shape == (3, 10)
    assert len(timer.times) == 2 and timer.seconds_per_epoch > 0


def test_train_bn_cnn_counts_classes_from_the_labels_and_can_skip_augmentation(tiny_cifar):
    x, y = tiny_cifar
    model, _, _ = train_bn_cnn(x, y, epochs=1, batch_size=8, augment=False, verbose=0)
    assert model.output_shape == (None, 2)
    assert "augmentation" not in [layer.name for layer in model.layers]


def test_train_bn_cnn_refuses_one_hot_labels(tiny_cifar):
    x, y = tiny_cifar
    with pytest.raises(ValueError, match="integer class labels"):
        train_bn_cnn(x, keras.utils.to_categorical(y, 10), epochs=1, batch_size=8)
    with pytest.raises(ValueError, match="validation labels"):
        train_bn_cnn(x, y, epochs=1, batch_size=8, validation_data=(x, keras.utils.to_categorical(y, 10)))


# ----------------------------------------------------------------------------
# lesson 06's final run, which lessons 07 and 08 repeat when no model is saved


@pytest.fixture
def fake_cifar(monkeypatch):
    """load_cifar10 replaced by 60 random photos per split; records the sizes it was asked for."""
    calls = []

    def fake_load_cifar10(n_train=None, n_test=None, seed=0):
        calls.append((n_train, n_test))
        rng = np.random.default_rng(seed)
        images = rng.integers(0, 256, (60, 32, 32, 3), dtype=np.uint8)
        return (images, np.arange(60) % 10), (images, np.arange(60) % 10)

    monkeypatch.setattr(models, "load_cifar10", fake_load_cifar10)
    return calls


def test_lesson06_data_holds_validation_out_of_the_training_photos(fake_cifar, monkeypatch):
    monkeypatch.setattr(models, "lesson06_sizes", lambda: models.Sizes(60, 10, 60, 1, 16))
    (x_fit, y_fit), (x_val, y_val), (x_test, y_test) = models.lesson06_data(models.lesson06_sizes())
    assert len(x_fit) == 50 and len(x_val) == 10 and len(x_test) == 60
    assert np.bincount(y_val, minlength=10).tolist() == [1] * 10
    assert x_fit.dtype == np.uint8


def test_retrained_lesson06_model_is_lesson_06s_model(fake_cifar, tmp_path, monkeypatch, capsys):
    """load_lesson06_model with nothing saved runs lesson 06's final run: same network, augmentation, file."""
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_FAST", "1")
    runs = []
    real_run = models.train_lesson06_model

    def recording_run(sizes, *data, **kwargs):
        runs.append(sizes)
        return real_run(models.Sizes(60, 10, 60, 1, 16), *data, verbose=0)

    monkeypatch.setattr(models, "train_lesson06_model", recording_run)
    monkeypatch.setattr(models, "lesson06_sizes", lambda: models.Sizes(60, 10, 60, 1, 16))
    first = models.load_lesson06_model()
    assert runs == [models.Sizes(60, 10, 60, 1, 16)] and fake_cifar == [(60, 60)]
    assert "training it now" in capsys.readouterr().out
    reference = bn_cnn(shift_and_flip())
    assert [(layer.name, type(layer)) for layer in first.layers] == [
        (layer.name, type(layer)) for layer in reference.layers
    ]
    assert first.count_params() == 151_858
    assert [layer.name for layer in first.get_layer("augmentation").layers] == ["shift_and_flip"]
    assert (tmp_path / "06_cifar10.fast.keras").is_file()
    assert not (tmp_path / "06_cifar10.fast.backup").exists(), "a finished run removes its backup"
    second = models.load_lesson06_model()
    assert len(runs) == 1, "the second call must load, not train"
    probe = np.random.default_rng(0).random((2, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(first.predict(probe, verbose=0), second.predict(probe, verbose=0), atol=1e-6)


def test_lesson06_sizes_are_the_lesson_sizes(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "0")
    assert lesson06_sizes() == models.Sizes(n_train=None, n_val=5000, n_test=None, epochs=5, batch_size=128)
    monkeypatch.setenv("COURSE_FAST", "1")
    assert lesson06_sizes() == models.Sizes(n_train=1000, n_val=200, n_test=500, epochs=1, batch_size=16)


def test_lesson06_final_run_is_the_same_whatever_ran_before(fake_cifar, tmp_path, monkeypatch):
    """Lesson 06's run seeds itself: lesson 07 retraining it after other cells gets lesson 06's model."""
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    sizes = models.Sizes(60, 10, 60, 1, 16)
    (x_fit, y_fit), (x_val, y_val), _ = models.lesson06_data(sizes)
    probe = np.random.default_rng(1).random((4, 32, 32, 3)).astype("float32")
    predictions = []
    for earlier_seed in (1, 2):  # a notebook that drew other random numbers first
        keras.utils.set_random_seed(earlier_seed)
        keras.random.uniform((7,))
        model, _, _ = models.train_lesson06_model(sizes, x_fit, y_fit, x_val, y_val, verbose=0, save=False)
        predictions.append(model.predict(probe, verbose=0))
    np.testing.assert_allclose(predictions[0], predictions[1], atol=1e-5)
    assert not list(tmp_path.glob("*.keras")), "save=False leaves the saving to train_or_load"


def test_lesson05_run_is_the_same_whatever_ran_before(monkeypatch):
    """Lesson 05's run seeds itself: lesson 07 retraining LeNet-5 after other cells gets lesson 05's model."""
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, 64)
    sizes = models.Sizes(64, 16, 16, 1, 16)
    predictions = []
    for earlier_seed in (1, 2):  # a notebook that drew other random numbers first
        keras.utils.set_random_seed(earlier_seed)
        keras.random.uniform((7,))
        model, history = models.train_lesson05_model(sizes, x[:48], y[:48], x[48:], y[48:], verbose=0)
        predictions.append(model.predict(x[:4], verbose=0))
    np.testing.assert_allclose(predictions[0], predictions[1], atol=1e-5)
    assert len(history.history["loss"]) == 1
