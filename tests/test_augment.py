"""Unit tests of utils/augment.py: the seed's augmentation as preprocessing layers (lesson 06)."""

import numpy as np
import pytest

from utils.augment import seed_augmentation

keras = pytest.importorskip("keras")


@pytest.fixture
def images():
    """Eight 32x32 RGB images with structure (a gradient plus noise), so shifts and flips show."""
    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 32, dtype="float32")
    base = np.broadcast_to(ramp[None, None, :, None], (8, 32, 32, 3))
    return (0.7 * base + 0.3 * rng.random((8, 32, 32, 3))).astype("float32")


def test_has_a_shift_and_a_flip_layer_with_the_seed_settings():
    block = seed_augmentation()
    assert [layer.name for layer in block.layers] == ["shift", "flip"]
    shift, flip = block.layers
    assert isinstance(shift, keras.layers.RandomTranslation)
    assert isinstance(flip, keras.layers.RandomFlip)
    config = shift.get_config()
    assert config["height_factor"] == 0.1 and config["width_factor"] == 0.1
    assert config["fill_mode"] == "nearest"
    assert flip.get_config()["mode"] == "horizontal"


def test_keeps_the_shape_and_dtype(images):
    out = np.asarray(seed_augmentation(seed=1)(images, training=True))
    assert out.shape == images.shape
    assert out.dtype == np.float32


def test_changes_images_in_training_mode(images):
    out = np.asarray(seed_augmentation(seed=1)(images, training=True))
    changed = [not np.allclose(a, b) for a, b in zip(out, images)]
    assert sum(changed) >= 6, "most of eight images should be shifted or flipped"
    assert out.min() >= 0.0 and out.max() <= 1.0, "shifts fill with edge pixels, flips move pixels"


def test_is_inactive_at_inference(images):
    block = seed_augmentation(seed=1)
    np.testing.assert_array_equal(np.asarray(block(images, training=False)), images)
    model = keras.Sequential([keras.Input((32, 32, 3)), block])
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)


def test_options_drop_layers_and_bad_values_are_refused():
    assert [layer.name for layer in seed_augmentation(flip=None).layers] == ["shift"]
    assert [layer.name for layer in seed_augmentation(shift=0).layers] == ["flip"]
    with pytest.raises(ValueError, match="fraction"):
        seed_augmentation(shift=1.5)
    with pytest.raises(ValueError, match="nothing"):
        seed_augmentation(shift=0, flip=None)


def test_survives_saving_inside_a_model(tmp_path, images):
    model = keras.Sequential([keras.Input((32, 32, 3)), seed_augmentation(), keras.layers.Flatten()])
    path = tmp_path / "augmented.keras"
    model.save(path)
    again = keras.saving.load_model(path)
    np.testing.assert_allclose(again.predict(images, verbose=0), images.reshape(8, -1))
