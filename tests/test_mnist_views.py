"""Unit tests of utils.mnist_views (lessons 02 and 04)."""

import time

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.mnist_views import (
    epoch_timer,
    make_line_images,
    plot_pixel_values,
    shift_images,
    shift_randomly,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------
# plot_pixel_values
# --------------------------------------------------------------------------
def test_plot_pixel_values_prints_every_value_at_its_pixel():
    image = np.array([[0.0, 0.5], [1.0, 0.25], [0.0, 0.75]])
    fig = plot_pixel_values(image, title="tiny")
    ax = fig.axes[0]
    texts = {(t.get_position()[1], t.get_position()[0]): t.get_text() for t in ax.texts}
    assert len(ax.texts) == image.size
    assert texts == {
        (0, 0): "0",
        (0, 1): "0.50",
        (1, 0): "1.00",
        (1, 1): "0.25",
        (2, 0): "0",
        (2, 1): "0.75",
    }
    assert ax.get_title() == "tiny"
    assert ax.get_xlabel() == "column" and ax.get_ylabel() == "row"
    assert ax.images[0].get_array().shape == (3, 2)


def test_plot_pixel_values_text_contrasts_with_the_pixel():
    fig = plot_pixel_values(np.array([[0.0, 1.0]]))
    colours = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert colours == {"0": "white", "1.00": "black"}


def test_plot_pixel_values_formats_negative_and_integer_values():
    kernel = np.array([[-1, 2, -1]] * 3)
    fig = plot_pixel_values(kernel, fmt="{:.0f}")
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["-1"] * 6 + ["2"] * 3


def test_plot_pixel_values_accepts_a_channel_axis_and_an_existing_axes():
    fig, ax = plt.subplots()
    out = plot_pixel_values(np.zeros((4, 4, 1)), ax=ax)
    assert out is fig
    assert len(ax.texts) == 16


def test_plot_pixel_values_rejects_a_batch():
    with pytest.raises(ValueError, match="one 2-D image"):
        plot_pixel_values(np.zeros((2, 4, 4)))


# --------------------------------------------------------------------------
# shift_images / shift_randomly
# --------------------------------------------------------------------------
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


# --------------------------------------------------------------------------
# epoch_timer
# --------------------------------------------------------------------------
def test_epoch_timer_times_each_epoch():
    import keras

    timer = epoch_timer()
    assert isinstance(timer, keras.callbacks.Callback)
    for epoch in range(2):
        timer.on_epoch_begin(epoch)
        time.sleep(0.02)
        timer.on_epoch_end(epoch)
    assert len(timer.times) == 2
    assert all(0.02 <= t < 1.0 for t in timer.times)


# --------------------------------------------------------------------------
# make_line_images
# --------------------------------------------------------------------------
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
