"""Unit tests of utils.blocks: lesson 09's blocks, race networks, training and multiply-add counts.

They build small models only, so they run in seconds on every backend
(``KERAS_BACKEND=tensorflow|jax|torch``).
"""

import re

import keras
import numpy as np
import pytest
from keras import layers

from utils import blocks
from utils.blocks import (
    add_residual,
    inception_block,
    multiply_adds,
    residual_block,
    resnet,
    resnet9,
    separable_block,
    separable_net,
    total_multiply_adds,
    train_network,
    vgg_block,
    vgg_net,
)
from utils.models import bn_cnn


def block_model(block, input_shape=(8, 8, 4), **kwargs):
    inputs = keras.Input(shape=input_shape)
    return keras.Model(inputs, block(inputs, **kwargs))


# ----------------------------------------------------------------------------
# the blocks: shapes and weight counts worked out by hand


def test_vgg_block_halves_the_maps_and_counts_its_weights():
    model = block_model(vgg_block, filters=16, convs=2)
    assert tuple(model.outputs[0].shape) == (None, 4, 4, 16)
    # two 3x3 convolutions without bias (4->16, 16->16) and 4 BN numbers per channel each
    assert model.count_params() == 9 * 4 * 16 + 9 * 16 * 16 + 2 * 4 * 16
    assert [type(layer).__name__ for layer in model.layers[1:4]] == ["Conv2D", "BatchNormalization", "ReLU"]


def test_residual_block_identity_and_projection():
    same = block_model(residual_block, input_shape=(8, 8, 16), filters=16)
    assert tuple(same.outputs[0].shape) == (None, 8, 8, 16)
    assert not any(layer.name.endswith("_proj") for layer in same.layers)
    assert same.count_params() == 2 * (9 * 16 * 16 + 4 * 16)
    down = block_model(residual_block, input_shape=(8, 8, 16), filters=32, strides=2)
    assert tuple(down.outputs[0].shape) == (None, 4, 4, 32)
    assert down.get_layer("res_proj").kernel.shape == (1, 1, 16, 32)
    forced = block_model(residual_block, input_shape=(8, 8, 16), filters=16, shortcut="projection")
    assert forced.count_params() == same.count_params() + 16 * 16 + 4 * 16


def test_residual_block_with_zero_branch_is_the_identity_after_relu():
    model = block_model(residual_block, input_shape=(4, 4, 3), filters=3)
    for layer in model.layers:
        if layer.name == "res_conv2_bn":
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([np.zeros_like(gamma), np.zeros_like(beta), mean, var])
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype("float32")
    out = keras.ops.convert_to_numpy(model(x, training=False))
    np.testing.assert_allclose(out, np.maximum(x, 0), atol=1e-6)


def test_inception_block_concatenates_its_branches():
    model = block_model(inception_block, input_shape=(8, 8, 4), f1=8, f3=12, f5=4, f_pool=4, r3=6, r5=2)
    assert tuple(model.outputs[0].shape) == (None, 8, 8, 8 + 12 + 4 + 4)
    expected = (
        (4 * 8 + 8)  # 1x1
        + (4 * 6 + 6)
        + (9 * 6 * 12 + 12)  # reduce, 3x3
        + (4 * 2 + 2)
        + (25 * 2 * 4 + 4)  # reduce, 5x5
        + (4 * 4 + 4)  # pooling projection
    )
    assert model.count_params() == expected
    naive = block_model(inception_block, input_shape=(8, 8, 4), f1=8, f3=12, f5=4, f_pool=4)
    assert "inception_3x3_reduce" not in [layer.name for layer in naive.layers]


def test_separable_block_weights_and_multiply_adds():
    model = block_model(separable_block, input_shape=(8, 8, 16), filters=32)
    assert model.count_params() == 9 * 16 + 4 * 16 + 16 * 32 + 4 * 32
    counts = multiply_adds(model)
    assert counts == {"sep_dw": 64 * 9 * 16, "sep_pw": 64 * 16 * 32}
    half = block_model(separable_block, input_shape=(8, 8, 16), filters=32, strides=2)
    assert tuple(half.outputs[0].shape) == (None, 4, 4, 32)


# ----------------------------------------------------------------------------
# bad input gets a clear message


@pytest.mark.parametrize(
    "block, kwargs",
    [
        (vgg_block, {"filters": 8}),
        (residual_block, {"filters": 8}),
        (inception_block, {"f1": 2, "f3": 2, "f5": 2, "f_pool": 2}),
        (separable_block, {"filters": 8}),
    ],
)
def test_blocks_refuse_a_tensor_without_batch_axis(block, kwargs):
    flat = keras.KerasTensor((32, 32, 3))
    with pytest.raises(ValueError, match=r"4-D tensor .*rank 3.*batch axis"):
        block(flat, **kwargs)
    with pytest.raises(ValueError, match="rank 2"):
        block(keras.Input(shape=(10,)), **kwargs)
    with pytest.raises(TypeError, match="Keras tensor"):
        block([1, 2, 3], **kwargs)


def test_identity_shortcut_with_mismatched_shapes_says_what_to_do():
    inputs = keras.Input(shape=(8, 8, 16))
    with pytest.raises(ValueError, match=r"16 channels but the block outputs 32.*shortcut='projection'"):
        residual_block(inputs, 32, shortcut="identity")
    with pytest.raises(ValueError, match="strides=2 halves"):
        residual_block(inputs, 16, strides=2, shortcut="identity")
    with pytest.raises(ValueError, match="'auto', 'identity' or 'projection'"):
        residual_block(inputs, 16, shortcut="skip")


def test_add_residual_names_both_shapes():
    a, b = keras.Input(shape=(8, 8, 16)), keras.Input(shape=(4, 4, 32))
    with pytest.raises(ValueError, match=r"\(8, 8, 16\) \(shortcut\) and \(4, 4, 32\).*projection"):
        add_residual(a, b)
    assert tuple(add_residual(a, keras.Input(shape=(8, 8, 16))).shape) == (None, 8, 8, 16)


@pytest.mark.parametrize("filters", [0, -3, 2.5, "16", True])
def test_bad_filter_counts_are_refused(filters):
    with pytest.raises(ValueError, match="positive whole number"):
        vgg_block(keras.Input(shape=(8, 8, 3)), filters)


def test_bad_strides_convs_and_widths_are_refused():
    inputs = keras.Input(shape=(8, 8, 3))
    with pytest.raises(ValueError, match="strides must be 1 or 2"):
        residual_block(inputs, 8, strides=3)
    with pytest.raises(ValueError, match="strides must be 1 or 2"):
        separable_block(inputs, 8, strides=4)
    with pytest.raises(ValueError, match="convs must be at least 1"):
        vgg_block(inputs, 8, convs=0)
    with pytest.raises(ValueError, match="at least one stage"):
        resnet(widths=())


# ----------------------------------------------------------------------------
# race networks


@pytest.mark.parametrize("build", [vgg_net, resnet, separable_net])
def test_race_networks_end_in_gap_and_softmax(build):
    model = build(widths=(8, 16), input_shape=(16, 16, 3), n_classes=5)
    assert tuple(model.outputs[0].shape) == (None, 5)
    assert isinstance(model.get_layer("gap"), layers.GlobalAveragePooling2D)
    assert not any(isinstance(layer, layers.Flatten) for layer in model.layers)
    probs = keras.ops.convert_to_numpy(model(np.zeros((2, 16, 16, 3), "float32"), training=False))
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)


def test_resnet_halves_the_maps_per_stage_with_projections():
    model = resnet(widths=(8, 16, 32), blocks=2)
    assert tuple(model.get_layer("stage1_block2_out").output.shape) == (None, 16, 16, 8)
    assert tuple(model.get_layer("stage3_block2_out").output.shape) == (None, 4, 4, 32)
    projections = [layer.name for layer in model.layers if layer.name.endswith("_proj")]
    assert projections == ["stage2_block1_proj", "stage3_block1_proj"]


def test_resnet9_pools_between_stages_so_both_shortcuts_are_identities():
    model = resnet9(width=4, n_classes=7)
    assert tuple(model.get_layer("stage1_res_out").output.shape) == (None, 16, 16, 8)
    assert tuple(model.get_layer("stage3_res_out").output.shape) == (None, 4, 4, 32)
    assert not [layer.name for layer in model.layers if layer.name.endswith("_proj")]
    assert sum(isinstance(layer, layers.Conv2D) for layer in model.layers) == 8
    assert tuple(model.outputs[0].shape) == (None, 7)
    assert isinstance(model.get_layer("gap"), layers.GlobalAveragePooling2D)


def test_resnet9_work_grows_with_the_square_of_its_width():
    small, large = (total_multiply_adds(resnet9(width=w)) for w in (6, 12))
    assert 3.9 < large / small < 4.1  # convolutions dominate; the head grows only linearly
    assert round(large / 1e6, 1) == 13.6
    with pytest.raises(ValueError, match="resnet9: width must be a positive whole number"):
        resnet9(width=0)


def test_race_networks_take_the_augmentation_block_in_front():
    from utils.models import shift_and_flip

    model = vgg_net(shift_and_flip(), widths=(8,))
    assert model.layers[1].name == "augmentation"


def test_train_network_learns_a_trivial_task_and_times_it():
    keras.utils.set_random_seed(0)  # the initial weights must not depend on which tests ran before
    rng = np.random.default_rng(0)
    y = np.arange(64) % 2
    x = rng.uniform(0, 0.1, size=(64, 8, 8, 3)).astype("float32")
    x[y == 1] += 0.8  # class 1 is bright
    model, history, timer = train_network(
        vgg_net(widths=(8,), input_shape=(8, 8, 3), n_classes=2), x, y, epochs=6, batch_size=16, verbose=0
    )
    assert len(timer.times) == 6 and timer.seconds_per_epoch > 0
    assert history.history["accuracy"][-1] >= 0.9
    with pytest.raises(ValueError, match="integer class labels"):
        train_network(model, x, keras.utils.to_categorical(y), epochs=1, batch_size=16)
    with pytest.raises(ValueError, match="y has 3 labels but there are 64 images"):
        train_network(model, x, y[:3], epochs=1, batch_size=16)


# ----------------------------------------------------------------------------
# multiply-adds


def test_multiply_adds_agrees_with_lesson_08_counter():
    from utils.transfer import alexnet
    from utils.transfer import multiply_adds as lesson08_count

    for model in (bn_cnn(), alexnet()):
        assert multiply_adds(model) == lesson08_count(model)
    assert total_multiply_adds(bn_cnn()) == 11_295_744


def test_multiply_adds_of_standard_depthwise_and_separable_convolutions():
    inputs = keras.Input(shape=(16, 16, 8))
    standard = layers.Conv2D(32, 3, padding="same", name="standard")(inputs)
    depthwise = layers.DepthwiseConv2D(3, padding="same", name="depthwise")(inputs)
    separable = layers.SeparableConv2D(32, 3, padding="same", name="separable")(inputs)
    dense = layers.Dense(4, name="per_pixel")(inputs)
    model = keras.Model(inputs, [standard, depthwise, separable, dense])
    counts = multiply_adds(model)
    assert counts["standard"] == 256 * 9 * 8 * 32
    assert counts["depthwise"] == 256 * 9 * 8
    assert counts["separable"] == 256 * (9 * 8 + 8 * 32)
    assert counts["per_pixel"] == 256 * 8 * 4


def test_multiply_adds_counts_nested_models():
    inner = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.Conv2D(4, 3, name="c")], name="inner")
    outer = keras.Sequential(
        [keras.Input(shape=(8, 8, 3)), inner, layers.Flatten(), layers.Dense(2, name="d")]
    )
    assert multiply_adds(outer) == {"inner/c": 36 * 27 * 4, "d": 144 * 2}


def test_multiply_adds_refuses_what_it_cannot_count():
    with pytest.raises(ValueError, match="nothing to count"):
        multiply_adds(keras.Sequential([keras.Input(shape=(4, 4, 3)), layers.MaxPooling2D(2)]))
    with pytest.raises(TypeError, match="keras.Model"):
        multiply_adds(layers.Dense(3))


def test_every_public_helper_names_lesson_09():
    for name in blocks.__all__:
        assert re.search(r"lessons? (\d\d, )*09", getattr(blocks, name).__doc__), name
