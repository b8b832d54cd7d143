"""Tests of utils.validation: each rule's one message, for each kind of bad input."""

import numpy as np
import pytest

from utils.validation import image_batch, integer_labels, layer_named


def test_integer_labels_pass_through_as_integers():
    y = integer_labels([2, 0, 1], n=3, n_classes=3)
    assert y.tolist() == [2, 0, 1] and np.issubdtype(y.dtype, np.integer)
    assert integer_labels(np.array([], int)).shape == (0,)


@pytest.mark.parametrize(
    ("labels", "options", "message"),
    [
        (
            np.eye(3)[[0, 2]],
            {},
            r"y must be integer class labels of shape \(n,\).*shape \(2, 3\); for one-hot rows use y\.argmax\(axis=1\)",
        ),
        (np.array([0.0, 1.0]), {}, r"integer class labels of shape \(n,\), got dtype float64"),
        (np.array([[0], [1]]), {"name": "labels"}, r"labels must be integer.*shape \(2, 1\)"),
        (np.array(3), {}, r"shape \(n,\), got dtype int64 and shape \(\)"),
        (np.array([0, 1]), {"n": 3}, r"y has 2 labels but there are 3 examples; give one label for each"),
        (np.array([1]), {"n": 2, "what": "images"}, r"y has 1 label but there are 2 images"),
        (
            np.array([0, 5]),
            {"n_classes": 5},
            r"label 5 in y is out of range: there are 5 classes, so labels run from 0 to 4",
        ),
        (np.array([-1, 0]), {"n_classes": 2}, r"label -1 in y is out of range"),
    ],
    ids=["one-hot", "floats", "column", "scalar", "too few", "one label", "too big", "negative"],
)
def test_integer_labels_refuse_bad_labels(labels, options, message):
    with pytest.raises(ValueError, match=message):
        integer_labels(labels, **options)


def test_image_batch_accepts_a_fitting_float_batch():
    batch = image_batch(np.zeros((2, 4, 4, 3)), (4, 4, 3), "model 'm'")
    assert batch.dtype == np.float32 and batch.shape == (2, 4, 4, 3)
    assert image_batch(np.zeros((1, 5, 7, 1), np.float32), (None, None, 1), "m").shape == (1, 5, 7, 1)


@pytest.mark.parametrize(
    ("images", "error", "message"),
    [
        (
            np.zeros((2, 4, 4, 3), np.uint8),
            TypeError,
            r"images have dtype uint8; model 'm' expects floats.*utils\.to_float",
        ),
        (
            np.zeros((4, 4, 3)),
            ValueError,
            r"batch of shape \(n, 4, 4, 3\) for model 'm'; got shape \(4, 4, 3\) \(a single image\? pass images\[None\]",
        ),
        (
            np.zeros((2, 8, 8, 3)),
            ValueError,
            r"batch of shape \(n, 4, 4, 3\) for model 'm'; got shape \(2, 8, 8, 3\)\.$",
        ),
        (np.zeros((0, 4, 4, 3)), ValueError, r"images is an empty batch; pass at least one image"),
    ],
    ids=["uint8", "single image", "wrong size", "empty"],
)
def test_image_batch_refuses_bad_batches(images, error, message):
    with pytest.raises(error, match=message):
        image_batch(images, (4, 4, 3), "model 'm'")


def test_layer_named_finds_a_layer_or_lists_the_layers():
    keras = pytest.importorskip("keras")
    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(2, name="hidden"), keras.layers.Dense(1, name="out")],
        name="net",
    )
    assert layer_named(model, "out") is model.layers[-1]
    with pytest.raises(ValueError, match=r"^net has no layer named 'conv1'; its layers are: hidden, out\.$"):
        layer_named(model, "conv1")
