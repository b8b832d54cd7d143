"""Tests of utils.augmentation: the fast shifts and flips draw what Keras's layers draw (lesson 06)."""

import keras
import numpy as np
import pytest

from utils.augmentation import ShiftAndFlip
from utils.models import shift_and_flip

N = 3000  # images per distribution: the standard error of each frequency is below 0.01
SIZE = 32


@pytest.fixture(scope="module")
def coordinates():
    """``N`` identical images whose channel 0 holds each pixel's row and channel 1 its column."""
    rows, cols = np.meshgrid(np.arange(SIZE), np.arange(SIZE), indexing="ij")
    image = np.stack([rows, cols, np.zeros_like(rows)], axis=-1).astype("float32")
    return np.broadcast_to(image, (N, SIZE, SIZE, 3)).copy()


def numpy_shift_and_flip(image, dy, dx, mirrored):
    """The reference: move by (dy, dx) whole pixels repeating the edge, then mirror left-right."""
    padded = np.pad(image, ((4, 4), (4, 4), (0, 0)), mode="edge")
    moved = padded[4 - dy : 4 - dy + SIZE, 4 - dx : 4 - dx + SIZE]
    return moved[:, ::-1] if mirrored else moved


def recovered_moves(out):
    """(dy, dx, mirrored) of every augmented coordinate image, read at the centre pixel."""
    centre_row, centre_col = out[:, 16, 16, 0], out[:, 16, 16, 1]
    mirrored = out[:, 16, 17, 1] < centre_col
    dy = np.rint(16 - centre_row).astype(int)
    dx = np.rint(np.where(mirrored, 15 - centre_col, 16 - centre_col)).astype(int)
    return dy, dx, mirrored


def augment(block, images):
    return keras.ops.convert_to_numpy(block(images, training=True))


@pytest.fixture(scope="module")
def fast_and_keras(coordinates):
    fast = augment(shift_and_flip(seed=3), coordinates)
    reference = augment(shift_and_flip(seed=3, layers_only=True), coordinates)
    return fast, reference


def test_both_blocks_move_by_whole_pixels_with_the_edge_repeated(fast_and_keras, coordinates):
    for out in fast_and_keras:
        for i in range(0, N, 97):  # every 97th image, about 30 per block
            dy, dx, mirrored = (int(v[0]) for v in recovered_moves(out[i : i + 1]))
            np.testing.assert_array_equal(out[i], numpy_shift_and_flip(coordinates[i], dy, dx, mirrored))


def test_shifts_and_flips_have_the_distribution_of_keras_layers(fast_and_keras):
    # RandomTranslation(0.1) draws a shift uniformly in [-3.2, 3.2] pixels; rounded to whole
    # pixels that is 0.7/6.4 for -3 and 3, and 1/6.4 for each of -2 ... 2.
    expected = np.array([0.7, 1, 1, 1, 1, 1, 0.7]) / 6.4
    for out in fast_and_keras:
        dy, dx, mirrored = recovered_moves(out)
        for moves in (dy, dx):
            frequencies = np.bincount(moves + 3, minlength=7) / N
            np.testing.assert_allclose(frequencies, expected, atol=0.03)
        assert abs(mirrored.mean() - 0.5) < 0.04


def test_fast_block_is_one_layer_and_the_taught_block_is_keras_layers():
    assert [type(layer) for layer in shift_and_flip().layers] == [ShiftAndFlip]
    taught = shift_and_flip(layers_only=True)
    assert [layer.name for layer in taught.layers] == ["shift", "flip"]
    assert taught.layers[0].get_config()["interpolation"] == "nearest"


def test_vertical_flips_and_no_shift(coordinates):
    out = augment(ShiftAndFlip(shift=0, flip="vertical", seed=1), coordinates[:200])
    upside_down = out[:, 17, 16, 0] < out[:, 16, 16, 0]
    assert 0.3 < upside_down.mean() < 0.7
    np.testing.assert_array_equal(out[:, :, :, 1], coordinates[:200, :, :, 1])  # columns untouched


def test_inactive_at_inference_and_survives_saving(tmp_path, coordinates):
    model = keras.Sequential([keras.Input((SIZE, SIZE, 3)), shift_and_flip(), keras.layers.Flatten()])
    np.testing.assert_array_equal(model.predict(coordinates[:4], verbose=0), coordinates[:4].reshape(4, -1))
    model.save(tmp_path / "augmented.keras")
    again = keras.saving.load_model(tmp_path / "augmented.keras")
    assert isinstance(again.layers[0].layers[0], ShiftAndFlip)
    assert again.layers[0].layers[0].get_config()["shift"] == 0.1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shift": 1.5}, "fraction of the image size"),
        ({"flip": "diagonal"}, "flip must be one of horizontal, vertical"),
        ({"shift": 0, "flip": None}, "would do nothing"),
    ],
)
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ShiftAndFlip(**kwargs)
    with pytest.raises(ValueError, match=message):
        shift_and_flip(**kwargs)


def test_a_single_image_gets_a_clear_error(coordinates):
    with pytest.raises(ValueError, match=r"batch of images \(batch, height, width, channels\)"):
        ShiftAndFlip()(coordinates[0], training=True)
