"""Tests of utils.explain (lesson 07) on tiny models built here; none trains.

Besides shapes and value ranges, each method is checked against something it
must get right: Grad-CAM and occlusion find the region a hand-built model's
evidence sits in, guided and rectified backpropagation follow their rules
exactly on a model small enough to differentiate by hand, activation
maximisation raises its target, receptive fields match hand counts.
"""

import keras
import numpy as np
import pytest
from keras import layers

from utils import explain
from utils.models import bn_cnn, lenet5, shift_and_flip


@pytest.fixture(scope="module")
def cnn():
    """Lesson 06's network, narrow and untrained, with the augmentation block in front (Sequential)."""
    keras.utils.set_random_seed(0)
    return bn_cnn(shift_and_flip(), widths=(4, 4, 8, 8))


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((3, 32, 32, 3), dtype=np.float32)


def region_model(functional=True):
    """16x16 grey images; class 0 = "bright", class 1 = "dark", decided by two hand-set detectors.

    Channel 0 is ReLU(x - 0.5) (bright pixels), channel 1 ReLU(0.5 - x) (dark
    pixels); 4x4 max pooling; class scores are 8 x the channels' global means
    (+2 for class 0, so that a 4x4-cell bright square leaves the classes even).
    """
    # Re-drawn kernels come from this initializer (see randomise_layers): both weights negative,
    # so a randomised "detect" has lost its bright-pixel detector on every backend.
    negative = keras.initializers.RandomUniform(-2.0, -1.0)
    conv = layers.Conv2D(2, 1, activation="relu", kernel_initializer=negative, name="detect")
    pool = layers.MaxPooling2D(4, name="pool")
    gap = layers.GlobalAveragePooling2D(name="gap")
    dense = layers.Dense(2, activation="softmax", name="predictions")
    stack = [keras.Input((16, 16, 1)), shift_and_flip(), conv, pool, gap, dense]
    if functional:
        x = inputs = keras.Input((16, 16, 1))
        for layer in stack[1:]:
            x = layer(x)
        model = keras.Model(inputs, x, name="region_functional")
    else:
        model = keras.Sequential(stack, name="region_sequential")
    conv.set_weights([np.array([1.0, -1.0]).reshape(1, 1, 1, 2), np.array([-0.5, 0.5])])
    dense.set_weights([np.eye(2) * 8, np.array([2.0, 0.0])])  # the test image: p(bright) = 0.5
    return model


def bright_square(corner=(4, 4), side=8):
    """A dark image with one bright square (on the 4x4 pooling grid): class 0's evidence sits there."""
    image = np.zeros((1, 16, 16, 1), np.float32)
    r, c = corner
    image[0, r : r + side, c : c + side] = 1.0
    inside = np.zeros((16, 16), bool)
    inside[r : r + side, c : c + side] = True
    return image, inside


# ----------------------------------------------------------------------------
# structure


def test_conv_layer_names_and_default_cam_layer(cnn):
    assert explain.conv_layer_names(cnn) == ["conv1", "conv2", "conv3", "conv4"]
    assert explain.default_cam_layer(cnn) == "conv4_relu"  # after its BN and ReLU
    assert explain.default_cam_layer(lenet5()) == "conv3"
    assert explain.conv_kernels(cnn).shape == (3, 3, 3, 4)
    assert explain.conv_kernels(cnn, "conv2").shape == (3, 3, 4, 4)


def test_receptive_fields_match_hand_counts(cnn):
    rows = explain.receptive_fields(cnn)
    # size_l = size_{l-1} + (k - 1) * jump_{l-1}; jump_l = jump_{l-1} * stride
    expected = [
        ("conv1", 1, 3),  # 1 + 2*1
        ("pool1", 2, 4),  # 3 + 1*1
        ("conv2", 2, 8),  # 4 + 2*2
        ("pool2", 4, 10),  # 8 + 1*2
        ("conv3", 4, 18),  # 10 + 2*4
        ("conv4", 4, 26),  # 18 + 2*4
        ("pool3", 8, 30),  # 26 + 1*4
    ]
    assert [(r.layer, r.jump, r.size) for r in rows] == expected
    lenet = [(r.layer, r.size) for r in explain.receptive_fields(lenet5())]
    assert lenet == [("conv1", 5), ("pool1", 6), ("conv2", 14), ("pool2", 16), ("conv3", 32)]
    table = explain.format_receptive_fields(rows)
    assert table.splitlines()[0].split() == ["layer", "kind", "kernel", "stride", "jump", "field"]
    assert len(table.splitlines()) == 8


def test_receptive_fields_with_strides_dilation_rectangles_and_nesting():
    inner = keras.Sequential([layers.Conv2D(2, 3, strides=2, name="strided")], name="block")
    model = keras.Sequential(
        [
            keras.Input((32, 32, 1)),
            shift_and_flip(),
            inner,  # nested: 3, jump 2
            layers.Conv2D(2, 3, dilation_rate=2, name="dilated"),  # k_eff 5: 3 + 4*2 = 11
            layers.MaxPooling2D((2, 1), name="tall"),  # (11 + 1*2, 11 + 0) = (13, 11)
            layers.Flatten(),
            layers.Dense(2),
        ]
    )
    rows = explain.receptive_fields(model)
    assert [(r.layer, r.jump, r.size) for r in rows] == [
        ("strided", 2, 3),
        ("dilated", 2, 11),
        ("tall", (4, 2), (13, 11)),
    ]


@pytest.mark.parametrize("functional", [False, True])
def test_feature_maps_shapes_through_the_augmentation_block(functional, cnn, images):
    model = cnn if not functional else region_model(functional=True)
    x = images if not functional else bright_square()[0]
    names = ["conv1_relu", "pool3"] if not functional else ["detect", "pool"]
    maps = explain.feature_maps(model, x, names)
    assert list(maps) == names
    shapes = [(3, 32, 32, 4), (3, 4, 4, 8)] if not functional else [(1, 16, 16, 2), (1, 4, 4, 2)]
    assert [m.shape for m in maps.values()] == shapes
    assert all(isinstance(m, np.ndarray) for m in maps.values())


# ----------------------------------------------------------------------------
# gradients


def test_score_model_keeps_the_forward_pass_and_drops_the_softmax(cnn, images):
    probabilities = keras.ops.convert_to_numpy(cnn(images, training=False))
    for rule in explain.SALIENCY_METHODS:
        scores = keras.ops.convert_to_numpy(explain.score_model(cnn, rule)(images, training=False))
        np.testing.assert_allclose(keras.ops.softmax(scores), probabilities, atol=1e-5)
        assert not np.allclose(scores.sum(axis=1), 1.0)  # logits, not probabilities
    assert [layer.name for layer in explain.score_model(cnn, "guided").layers] == [
        layer.name for layer in cnn.layers
    ]


def tiny_relu_model(weights):
    """x (2x2x1) -> ReLU -> Flatten -> Dense: d score_0 / dx is w * (x > 0), by hand."""
    model = keras.Sequential(
        [
            keras.Input((2, 2, 1)),
            layers.ReLU(name="relu"),
            layers.Flatten(),
            layers.Dense(2, activation="softmax"),
        ]
    )
    kernel = np.stack([weights, -weights], axis=1)
    model.layers[-1].set_weights([kernel, np.zeros(2)])
    return model


def test_vanilla_guided_and_rectified_gradients_follow_their_rules():
    w = np.array([2.0, -3.0, 4.0, -5.0], np.float32)
    x = np.array([1.0, 1.0, -1.0, -1.0], np.float32)  # signs: (+,+), (+,-), (-,+), (-,-) for (x, w)
    model = tiny_relu_model(w)
    grads = {
        m: explain.saliency(model, x.reshape(1, 2, 2, 1), 0, method=m, reduce=None).ravel()
        for m in explain.SALIENCY_METHODS
    }
    np.testing.assert_allclose(grads["vanilla"], w * (x > 0))  # [2, -3, 0, 0]
    np.testing.assert_allclose(grads["guided"], w * (x > 0) * (w > 0))  # [2, 0, 0, 0]
    np.testing.assert_allclose(grads["rectified"], w * (w > 0))  # [2, 0, 4, 0]


def test_guided_differs_from_vanilla_on_a_cnn_while_predictions_stay(cnn, images):
    vanilla = explain.saliency(cnn, images, 3, reduce=None)
    guided = explain.saliency(cnn, images, 3, method="guided", reduce=None)
    assert vanilla.shape == guided.shape == images.shape
    assert not np.allclose(vanilla, guided)
    assert (guided != 0).mean() < (vanilla != 0).mean()  # guided keeps fewer paths


@pytest.mark.parametrize("method", explain.SALIENCY_METHODS)
def test_saliency_maps_shape_and_range(cnn, images, method):
    maps = explain.saliency(cnn, images, [0, 1, 2], method=method)
    assert maps.shape == (3, 32, 32) and maps.dtype == np.float32
    assert maps.min() >= 0 and np.allclose(maps.reshape(3, -1).max(axis=1), 1.0)


def test_explanations_are_deterministic_so_augmentation_is_off(cnn, images):
    first = explain.saliency(cnn, images, 1, reduce=None)
    np.testing.assert_array_equal(first, explain.saliency(cnn, images, 1, reduce=None))
    np.testing.assert_array_equal(explain.grad_cam(cnn, images, 1), explain.grad_cam(cnn, images, 1))


def test_cached_copy_follows_the_model_weights():
    keras.utils.set_random_seed(1)
    model = bn_cnn(widths=(4, 4, 8, 8))
    x = np.random.default_rng(1).random((1, 32, 32, 3), dtype=np.float32)
    before = explain.saliency(model, x, 0, reduce=None)
    kernel = model.get_layer("conv1").kernel
    kernel.assign(kernel * -1.0)
    assert not np.allclose(before, explain.saliency(model, x, 0, reduce=None))


@pytest.mark.parametrize("functional", [False, True])
def test_grad_cam_peaks_where_the_evidence_is(functional):
    model = region_model(functional)
    image, inside = bright_square()
    bright = explain.grad_cam(model, image, 0, layer_name="pool")[0]
    assert bright.shape == (16, 16) and bright.min() >= 0 and bright.max() == pytest.approx(1.0)
    assert inside.ravel()[bright.argmax()]
    assert bright[inside].mean() > 3 * bright[~inside].mean()
    dark = explain.grad_cam(model, image, 1, layer_name="pool")[0]  # the other class looks elsewhere
    assert dark[~inside].mean() > 3 * dark[inside].mean()
    low = explain.grad_cam(model, image, 0, layer_name="pool", upsample=False)
    assert low.shape == (1, 4, 4)


def test_grad_cam_default_layer_and_guided_grad_cam_shapes(cnn, images):
    cam = explain.grad_cam(cnn, images, [0, 5, 9])
    assert cam.shape == (3, 32, 32) and 0 <= cam.min() and cam.max() <= 1
    ggc = explain.guided_grad_cam(cnn, images, 4)
    assert ggc.shape == (3, 32, 32) and ggc.min() >= 0 and ggc.max() <= 1


def test_guided_grad_cam_is_zero_where_grad_cam_is(cnn, images):
    cam = explain.grad_cam(cnn, images, 2)
    ggc = explain.guided_grad_cam(cnn, images, 2)
    assert np.all(ggc[cam == 0] == 0)


# ----------------------------------------------------------------------------
# occlusion and activation maximisation


@pytest.mark.parametrize("functional", [False, True])
def test_occluding_the_evidence_lowers_the_score(functional):
    model = region_model(functional)
    image, inside = bright_square()
    drop = explain.occlusion_map(model, image, 0, patch=4, stride=2, fill=0.0)
    assert drop.shape == (1, 16, 16) and -1 <= drop.min() and drop.max() <= 1
    assert drop[0][inside].mean() > 0.01  # covering the bright square hurts "bright"
    assert drop[0][inside].mean() > drop[0][~inside].mean() + 0.01
    assert np.abs(drop[0][:, 14:]).max() < 1e-6  # patches that miss the square change nothing


def test_occlusion_map_covers_every_pixel(cnn, images):
    drop = explain.occlusion_map(cnn, images[:1], 0, patch=7, stride=5)  # 7 + 5k never reaches 32 exactly
    assert drop.shape == (1, 32, 32) and np.isfinite(drop).all()


def test_activation_maximisation_raises_class_scores(cnn):
    result = explain.activation_maximisation(cnn, [1, 7], steps=30, seed=0)
    assert result.images.shape == (2, 32, 32, 3) and result.history.shape == (30, 2)
    assert 0 <= result.images.min() and result.images.max() <= 1
    assert np.all(result.history[-1] > result.history[0] + 0.1)
    scorer = explain.score_model(cnn)
    grey = np.full((2, 32, 32, 3), 0.5, np.float32)
    found = keras.ops.convert_to_numpy(scorer(result.images, training=False))[[0, 1], [1, 7]]
    assert np.all(found > keras.ops.convert_to_numpy(scorer(grey, training=False))[[0, 1], [1, 7]])


def test_activation_maximisation_raises_a_filter(cnn):
    result = explain.activation_maximisation(cnn, ("conv2", [0, 2]), steps=30, seed=0)
    assert result.images.shape == (2, 32, 32, 3)
    start, end = result.history[0], result.history[-1]
    assert np.all(end > start + 0.05)
    single = explain.activation_maximisation(cnn, ("conv1_relu", 2), steps=3)
    assert single.images.shape == (1, 32, 32, 3) and single.history.shape == (3, 1)


# ----------------------------------------------------------------------------
# sanity check


def test_randomise_layers_changes_only_the_named_kernels(cnn):
    original = {w.path: np.array(w) for w in cnn.weights}
    copy = explain.randomise_layers(cnn, ["predictions", "conv4"])
    for name in ("predictions", "conv4"):
        assert not np.allclose(copy.get_layer(name).kernel, cnn.get_layer(name).kernel)
    for name in ("conv1", "conv2", "conv3"):
        np.testing.assert_array_equal(copy.get_layer(name).kernel, cnn.get_layer(name).kernel)
    np.testing.assert_array_equal(copy.get_layer("conv4_bn").gamma, cnn.get_layer("conv4_bn").gamma)
    assert all(np.array_equal(original[w.path], np.array(w)) for w in cnn.weights)  # original untouched


def test_grad_cam_changes_when_the_weights_are_randomised():
    model = region_model()
    image, _ = bright_square()
    before = explain.grad_cam(model, image, 0, layer_name="pool")
    after = explain.grad_cam(explain.randomise_layers(model, ["detect"], seed=3), image, 0, layer_name="pool")
    assert explain.rank_correlation(before, after) < 0.9


def test_rank_correlation_known_values():
    a = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert explain.rank_correlation(a, a**3) == pytest.approx(1.0)  # any increasing map
    assert explain.rank_correlation(a, -a) == pytest.approx(-1.0)
    b = np.array([5.0, 6.0, 7.0, 8.0, 7.0])  # a tie: ranks 1, 2, 3.5, 5, 3.5
    expected = np.corrcoef([1, 2, 3, 4, 5], [1, 2, 3.5, 5, 3.5])[0, 1]
    assert explain.rank_correlation(a, b) == pytest.approx(expected)
    assert explain.rank_correlation(a, np.ones(5)) == 0.0
    assert explain.rank_correlation(a.reshape(1, 5), b) == pytest.approx(
        expected
    )  # compares values, any shape


# ----------------------------------------------------------------------------
# bad input: a clear error naming what was wrong and what is allowed


def dense_only():
    return keras.Sequential([keras.Input((8, 8, 1)), layers.Flatten(), layers.Dense(3, activation="softmax")])


BAD_INPUT = {
    "unknown layer": (
        lambda m, x: explain.grad_cam(m, x, 0, layer_name="conv9"),
        ValueError,
        r"no layer named 'conv9'; its layers are: augmentation, conv1, conv1_bn",
    ),
    "layer without maps": (
        lambda m, x: explain.grad_cam(m, x, 0, layer_name="flatten"),
        ValueError,
        r"'flatten'.*not feature maps.*convolutional",
    ),
    "feature maps of a dense layer": (
        lambda m, x: explain.feature_maps(m, x, ["predictions"]),
        ValueError,
        r"'predictions'.*Convolutional layers: conv1",
    ),
    "kernel of a non-conv layer": (
        lambda m, x: explain.conv_kernels(m, "predictions"),
        ValueError,
        r"not a convolution.*conv1",
    ),
    "single image": (
        lambda m, x: explain.saliency(m, x[0], 0),
        ValueError,
        r"batch of shape \(n, 32, 32, 3\).*images\[None\]",
    ),
    "wrong image size": (
        lambda m, x: explain.grad_cam(m, x[:, :28, :28], 0),
        ValueError,
        r"batch of shape \(n, 32, 32, 3\).*got shape \(3, 28, 28, 3\)",
    ),
    "uint8 images": (
        lambda m, x: explain.saliency(m, (x * 255).astype(np.uint8), 0),
        TypeError,
        r"uint8.*to_float",
    ),
    "class index too big": (
        lambda m, x: explain.grad_cam(m, x, 10),
        ValueError,
        r"label 10 in class_index is out of range.*10 classes.*0 to 9",
    ),
    "negative class index": (
        lambda m, x: explain.occlusion_map(m, x, -1),
        ValueError,
        r"label -1 in class_index is out of range",
    ),
    "class indices miscounted": (
        lambda m, x: explain.saliency(m, x, [0, 1]),
        ValueError,
        r"class_index has 2 labels but there are 3 images",
    ),
    "float class index": (
        lambda m, x: explain.saliency(m, x, 1.5),
        ValueError,
        r"class_index must be integer class labels of shape \(n,\)",
    ),
    "unknown saliency method": (
        lambda m, x: explain.saliency(m, x, 0, method="smooth"),
        ValueError,
        r"'smooth'.*vanilla, guided, rectified",
    ),
    "patch too big": (
        lambda m, x: explain.occlusion_map(m, x, 0, patch=40),
        ValueError,
        r"patch must be an int from 1 to 32",
    ),
    "zero stride": (
        lambda m, x: explain.occlusion_map(m, x, 0, stride=0),
        ValueError,
        r"stride must be a positive int",
    ),
    "filter out of range": (
        lambda m, x: explain.activation_maximisation(m, ("conv1", 4), steps=1),
        ValueError,
        r"filter index \[4\].*4 filters \(0 to 3\)",
    ),
    "randomise a layer without kernel": (
        lambda m, x: explain.randomise_layers(m, ["pool1"]),
        ValueError,
        r"'pool1'.*no kernel.*conv1",
    ),
    "randomise an unknown layer": (
        lambda m, x: explain.randomise_layers(m, ["dense"]),
        ValueError,
        r"no layer named 'dense'",
    ),
    "maps of different sizes": (
        lambda m, x: explain.rank_correlation(np.ones(4), np.ones(5)),
        ValueError,
        r"same number of values.*4 and 5",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gets_a_clear_error(case, cnn, images):
    call, error, message = BAD_INPUT[case]
    with pytest.raises(error, match=message):
        call(cnn, images)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: explain.grad_cam(m, x, 0),
        lambda m, x: explain.receptive_fields(m),
        lambda m, x: explain.conv_kernels(m),
    ],
    ids=["grad_cam", "receptive_fields", "conv_kernels"],
)
def test_model_without_convolutions_is_refused(call):
    with pytest.raises(ValueError, match=r"has no convolutional layers.*flatten.*needs at least one Conv2D"):
        call(dense_only(), np.zeros((1, 8, 8, 1), np.float32))


def test_grad_cam_refuses_a_layer_that_a_skip_connection_bypasses():
    inputs = keras.Input((8, 8, 1))
    conv = layers.Conv2D(1, 3, padding="same", name="inner")(inputs)
    merged = layers.Add(name="add")([inputs, conv])  # the input also reaches "add" around "inner"
    outputs = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling2D()(merged))
    model = keras.Model(inputs, outputs, name="residual")
    x = np.zeros((1, 8, 8, 1), np.float32)
    with pytest.raises(ValueError, match=r"cannot cut model 'residual' at layer 'inner'.*skip connection"):
        explain.grad_cam(model, x, 0, layer_name="inner")
    assert explain.grad_cam(model, x, 0, layer_name="add").shape == (1, 8, 8)


def test_guided_backprop_needs_relus():
    x = np.zeros((1, 28, 28, 1), np.float32)
    with pytest.raises(ValueError, match=r"no ReLU activations.*method='vanilla'"):
        explain.saliency(lenet5(), x, 0, method="guided")
    assert explain.saliency(lenet5(), x, 0).shape == (1, 28, 28)  # vanilla works with tanh
