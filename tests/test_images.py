"""Unit tests of utils.images: moved digits (lesson 02), line images (lesson 04), the sample photo (lesson 03)."""

import numpy as np
import pytest

from utils.images import SAMPLE_PHOTO, load_sample_photo, make_line_images, shift_images, shift_randomly


def _dot(row, col, size=5):
    image = np.zeros((1, size, size), dtype=np.uint8)
    image[0, row, col] = 255
    return image


def test_shift_images_moves_right_and_down():
    out = shift_images(_dot(1, 1), dy=2, dx=1)
    assert out.shape == (1, 5, 5) and out.dtype == np.uint8
    assert np.argwhere(out[0]).tolist() == [[3, 2]]


def test_shift_images_moves_up_and_left():
    out = shift_images(_dot(3, 4), dy=-3, dx=-2)
    assert np.argwhere(out[0]).tolist() == [[0, 2]]


def test_shift_images_does_not_wrap_around():
    out = shift_images(_dot(2, 4), dy=0, dx=1)
    assert not out.any()
    assert not shift_images(_dot(2, 2), dy=7, dx=0).any()


def test_shift_images_keeps_channels_and_zero_shift_is_identity():
    images = np.random.default_rng(0).random((3, 6, 6, 1)).astype("float32")
    np.testing.assert_array_equal(shift_images(images, 0, 0), images)
    out = shift_images(images, 1, 0)
    assert out.shape == images.shape
    np.testing.assert_array_equal(out[:, 1:], images[:, :-1])
    assert not out[:, 0].any()


def test_shift_randomly_moves_each_image_exactly_distance_in_one_direction():
    images = np.stack([_dot(2, 2, size=7)[0]] * 40)
    shifted = shift_randomly(images, distance=2, seed=3)
    positions = {tuple(np.argwhere(img)[0]) for img in shifted}
    assert positions == {(0, 2), (4, 2), (2, 0), (2, 4)}  # all four directions, nothing else
    np.testing.assert_array_equal(shifted, shift_randomly(images, distance=2, seed=3))
    np.testing.assert_array_equal(shift_randomly(images, distance=0), images)


def _longest_bright_run(image, axis):
    """Most pixels equal to 1.0 in one column (axis=0) or row (axis=1)."""
    return int((image == 1.0).sum(axis=axis).max())


def test_make_line_images_shapes_range_and_balance():
    x, y = make_line_images(400, seed=1)
    assert x.shape == (400, 8, 8, 1) and x.dtype == np.float32
    assert y.shape == (400,) and y.dtype == np.float32
    assert set(np.unique(y)) == {0.0, 1.0}
    assert 0.0 <= x.min() and x.max() == 1.0
    assert 150 < y.sum() < 250


def test_make_line_images_label_means_a_vertical_line():
    x, y = make_line_images(300, seed=2)
    for image, label in zip(x[..., 0], y):
        if label == 1:
            assert _longest_bright_run(image, axis=0) >= 6  # a long bright column
            bright_cols = np.flatnonzero((image == 1.0).any(axis=0))
            assert 1 <= bright_cols.min() and bright_cols.max() <= 6  # off the border
            assert len(bright_cols) <= 2
        else:
            assert _longest_bright_run(image, axis=0) <= 2  # never more than a horizontal line's width
    negatives = x[y == 0][..., 0]
    with_line = [img for img in negatives if (img == 1.0).any()]
    assert 0 < len(with_line) < len(negatives)  # some horizontal lines, some plain noise
    assert all(_longest_bright_run(img, axis=1) >= 6 for img in with_line)
    assert (negatives[(negatives < 1.0).all(axis=(1, 2))] <= 0.4).all()  # background stays dim


def test_make_line_images_is_seeded():
    a, la = make_line_images(20, seed=5)
    b, lb = make_line_images(20, seed=5)
    c, _ = make_line_images(20, seed=6)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, lb)
    assert not np.array_equal(a, c)


# ----------------------------------------------------------------------------
# the sample photo


def test_sample_photo_ships_with_the_repository():
    assert SAMPLE_PHOTO.is_file()
    assert SAMPLE_PHOTO.stat().st_size < 100_000
    gray = load_sample_photo()
    rgb = load_sample_photo(grayscale=False)
    assert gray.shape == (300, 256) and gray.dtype == np.float32
    assert rgb.shape == (300, 256, 3) and rgb.dtype == np.float32
    assert 0.0 <= gray.min() and gray.max() <= 1.0
    np.testing.assert_allclose(gray, rgb @ np.array([0.299, 0.587, 0.114]), atol=1e-5)


def test_missing_photo_gives_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="sample photo is missing"):
        load_sample_photo(path=tmp_path / "nope.jpg")
