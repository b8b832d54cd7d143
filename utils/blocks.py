"""Building blocks of modern CNNs, the networks of lesson 09's race, and what they cost (lesson 09).

Lesson 09 writes each block in a notebook cell where it is taught and checks
it against the version here, which the race uses:

* :func:`vgg_block`: a stack of 3x3 conv-BN-ReLU layers and a 2x2 max pooling
  (VGG, 2014);
* :func:`residual_block`: two 3x3 convolutions whose result is *added* to the
  block's input (ResNet, 2015), with a 1x1 projection when the shapes differ;
* :func:`inception_block`: parallel 1x1, 3x3, 5x5 and pooling branches,
  concatenated along the channels (GoogLeNet / Inception, 2014);
* :func:`separable_block`: a depthwise 3x3 convolution and a pointwise 1x1
  convolution, each with BN and ReLU (MobileNet, 2017).

The blocks are functions in Keras's functional style: they take a 4-D tensor
``(batch, height, width, channels)`` and return one. The race networks
(:func:`vgg_net`, :func:`resnet`, :func:`separable_net`) end in global average
pooling and one softmax layer, and take an ``augmentation`` block in front as
lesson 06's :func:`utils.models.bn_cnn` does. :func:`train_network` (from
:mod:`utils.training`) trains any of them with lesson 06's recipe. :func:`multiply_adds` counts the work a model
does per image, including depthwise and separable convolutions and layers
inside nested models (a generalisation of lesson 08's counter, with the same
result for the networks it handles).

Everything here is written with Keras layers only, so it runs unchanged on
TensorFlow, JAX and PyTorch.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from utils.models import conv_bn_relu
from utils.training import train_network  # lesson 06's recipe, re-exported for lesson 09's race

# ----------------------------------------------------------------------------
# checks with clear messages


def _check_images(x, where):
    """``x`` must be a 4-D tensor (batch, height, width, channels); say so clearly if not."""
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(
            f"{where} takes a Keras tensor such as keras.Input(shape=(32, 32, 3)), got {type(x).__name__}"
        )
    if len(shape) != 4:
        hint = (
            " (did you leave out the batch axis? keras.Input(shape=(32, 32, 3)) adds it)"
            if len(shape) == 3
            else ""
        )
        raise ValueError(
            f"{where} needs a 4-D tensor (batch, height, width, channels); got shape {tuple(shape)}, "
            f"rank {len(shape)}{hint}"
        )
    return tuple(shape)


def _check_filters(filters, where, name="filters"):
    if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters < 1:
        raise ValueError(f"{where}: {name} must be a positive whole number of channels, got {filters!r}")
    return int(filters)


# ----------------------------------------------------------------------------
# the blocks


def vgg_block(x, filters, convs=2, name="vgg"):
    """VGG's block (lesson 09): ``convs`` 3x3 conv-BN-ReLU layers, then 2x2 max pooling.

    Two stacked 3x3 convolutions see a 5x5 patch, three see 7x7, with fewer
    weights than one 5x5 or 7x7 kernel and a ReLU between them. The layers are
    named ``{name}_conv1``, ``{name}_conv1_bn``, ... and ``{name}_pool``; the
    pooling halves the height and width.
    """
    _check_images(x, "vgg_block")
    filters = _check_filters(filters, "vgg_block")
    if isinstance(convs, bool) or not isinstance(convs, (int, np.integer)) or convs < 1:
        raise ValueError(f"vgg_block: convs must be at least 1, got {convs!r}")
    for i in range(convs):
        x = _conv_bn_relu(x, filters, f"{name}_conv{i + 1}")
    return layers.MaxPooling2D(2, name=f"{name}_pool")(x)


def residual_block(x, filters, strides=1, shortcut="auto", name="res"):
    """ResNet's basic block (lesson 09): ``relu(F(x) + shortcut(x))``.

    ``F`` is conv 3x3 (stride ``strides``) - BN - ReLU - conv 3x3 - BN. The
    shortcut is the identity when ``F`` keeps the shape of ``x``; when the
    block changes the number of channels or the size (``strides=2``), the
    shortcut must change the same way, with a strided 1x1 convolution and BN
    (a "projection"). ``shortcut`` is ``"auto"`` (identity if the shapes
    allow it, else projection), ``"identity"`` (raises a clear error if the
    shapes differ) or ``"projection"``. Layers are named ``{name}_conv1``,
    ``{name}_conv2``, ``{name}_proj``, ``{name}_add``, ``{name}_out``.
    """
    shape = _check_images(x, "residual_block")
    filters = _check_filters(filters, "residual_block")
    if strides not in (1, 2):
        raise ValueError(f"residual_block: strides must be 1 or 2, got {strides!r}")
    if shortcut not in ("auto", "identity", "projection"):
        raise ValueError(
            f"residual_block: shortcut must be 'auto', 'identity' or 'projection', got {shortcut!r}"
        )
    same_shape = strides == 1 and shape[-1] == filters
    if shortcut == "identity" and not same_shape:
        size = "" if strides == 1 else f", and strides={strides} halves the height and width"
        raise ValueError(
            f"residual_block {name!r}: an identity shortcut adds the input to the output, so both need "
            f"the same shape; the input has {shape[-1]} channels but the block outputs {filters}{size}. "
            "Use shortcut='projection' (a 1x1 convolution that matches the shapes) or 'auto'."
        )
    project = shortcut == "projection" or not same_shape
    y = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False, name=f"{name}_conv1")(x)
    y = layers.BatchNormalization(momentum=0.9, name=f"{name}_conv1_bn")(y)
    y = layers.ReLU(name=f"{name}_conv1_relu")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(momentum=0.9, name=f"{name}_conv2_bn")(y)
    if project:
        x = layers.Conv2D(filters, 1, strides=strides, use_bias=False, name=f"{name}_proj")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"{name}_proj_bn")(x)
    return layers.ReLU(name=f"{name}_out")(layers.Add(name=f"{name}_add")([x, y]))


def add_residual(shortcut, y, name=None):
    """``shortcut + y`` with a clear message when their shapes differ (lesson 09).

    Keras's ``Add`` layer also refuses tensors of different shapes, but says so
    in terms of its internals; this says which shapes met and how to fix it.
    """
    a = _check_images(shortcut, "add_residual")
    b = _check_images(y, "add_residual")
    if a[1:] != b[1:]:
        raise ValueError(
            f"a residual connection adds two tensors of the same shape, got {a[1:]} (shortcut) and "
            f"{b[1:]} (block output); give the shortcut a 1x1 convolution with the block's channels "
            "and stride (a projection) so that the shapes match"
        )
    return layers.Add(name=name)([shortcut, y])


def inception_block(x, f1, f3, f5, f_pool, r3=None, r5=None, name="inception"):
    """Inception's block (lesson 09): four parallel branches, concatenated along the channels.

    1x1 convolution (``f1`` filters); 3x3 (``f3``), after a 1x1 reduction to
    ``r3`` channels if given; 5x5 (``f5``), after a reduction to ``r5``; and
    3x3 max pooling (stride 1) followed by a 1x1 convolution (``f_pool``).
    Every branch keeps the height and width ("same" padding), so the output
    has ``f1 + f3 + f5 + f_pool`` channels. Each convolution has a ReLU.
    """
    _check_images(x, "inception_block")
    for value, label in ((f1, "f1"), (f3, "f3"), (f5, "f5"), (f_pool, "f_pool")):
        _check_filters(value, "inception_block", label)

    def conv(filters, size, label):
        return layers.Conv2D(filters, size, padding="same", activation="relu", name=f"{name}_{label}")

    b1 = conv(f1, 1, "1x1")(x)
    b3 = conv(f3, 3, "3x3")(x if r3 is None else conv(r3, 1, "3x3_reduce")(x))
    b5 = conv(f5, 5, "5x5")(x if r5 is None else conv(r5, 1, "5x5_reduce")(x))
    pooled = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    bp = conv(f_pool, 1, "pool_proj")(pooled)
    return layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


def separable_block(x, filters, strides=1, name="sep"):
    """A depthwise-separable convolution as MobileNet uses it (lesson 09).

    A depthwise 3x3 convolution (one 3x3 filter per input channel, stride
    ``strides``), BN, ReLU, then a pointwise 1x1 convolution to ``filters``
    channels, BN, ReLU. It costs ``9 c_in + c_in c_out`` weights against
    ``9 c_in c_out`` for a standard 3x3 convolution. Layers are named
    ``{name}_dw``, ``{name}_dw_bn``, ``{name}_pw``, ``{name}_pw_bn``, ...
    """
    _check_images(x, "separable_block")
    filters = _check_filters(filters, "separable_block")
    if strides not in (1, 2):
        raise ValueError(f"separable_block: strides must be 1 or 2, got {strides!r}")
    x = layers.DepthwiseConv2D(3, strides=strides, padding="same", use_bias=False, name=f"{name}_dw")(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"{name}_dw_bn")(x)
    x = layers.ReLU(name=f"{name}_dw_relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_pw")(x)
    x = layers.BatchNormalization(momentum=0.9, name=f"{name}_pw_bn")(x)
    return layers.ReLU(name=f"{name}_pw_relu")(x)


# ----------------------------------------------------------------------------
# the race networks


def _conv_bn_relu(x, filters, name):
    """``x`` through lesson 06's conv-BN-ReLU layers (:func:`utils.models.conv_bn_relu`)."""
    for layer in conv_bn_relu(filters, name):
        x = layer(x)
    return x


def _pooled_stem(x, width):
    """The stem of :func:`resnet` and :func:`separable_net`: conv-BN-ReLU at full size, then 2x2 pooling."""
    return layers.MaxPooling2D(2, name="stem_pool")(_conv_bn_relu(x, width, "stem"))


def _front(augmentation, input_shape):
    inputs = keras.Input(shape=input_shape)
    return inputs, (inputs if augmentation is None else augmentation(inputs))


def _head(x, n_classes):
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    return layers.Dense(n_classes, activation="softmax", name="predictions")(x)


def _check_widths(widths, where):
    widths = tuple(widths)
    if not widths:
        raise ValueError(f"{where}: widths must list the channels of at least one stage")
    for w in widths:
        _check_filters(w, where, "every width")
    return widths


def vgg_net(
    augmentation=None, widths=(32, 64, 128), convs=2, input_shape=(32, 32, 3), n_classes=10, name="vgg"
):
    """A small VGG-style network (lesson 09): one :func:`vgg_block` per width, then a GAP head.

    Each block halves the height and width: three blocks take 32x32 photos to
    4x4 maps, which global average pooling turns into one number per channel
    for the softmax layer.
    """
    widths = _check_widths(widths, "vgg_net")
    inputs, x = _front(augmentation, input_shape)
    for i, width in enumerate(widths):
        x = vgg_block(x, width, convs=convs, name=f"block{i + 1}")
    return keras.Model(inputs, _head(x, n_classes), name=name)


def resnet(
    augmentation=None, widths=(32, 64, 128), blocks=1, input_shape=(32, 32, 3), n_classes=10, name="resnet"
):
    """A small ResNet (lesson 09): a conv-BN-ReLU stem and 2x2 pooling, then stages of residual blocks.

    Stage ``i`` has ``blocks`` :func:`residual_block` of ``widths[i]``
    channels; every stage after the first starts with a stride-2 block (with
    a projection shortcut) that halves the maps. A GAP head ends it.
    """
    widths = _check_widths(widths, "resnet")
    inputs, x = _front(augmentation, input_shape)
    x = _pooled_stem(x, widths[0])
    for i, width in enumerate(widths):
        for j in range(blocks):
            strides = 2 if (i > 0 and j == 0) else 1
            x = residual_block(x, width, strides=strides, name=f"stage{i + 1}_block{j + 1}")
    return keras.Model(inputs, _head(x, n_classes), name=name)


def resnet9(augmentation=None, width=12, input_shape=(32, 32, 3), n_classes=10, name="resnet9"):
    """The plan of the small ResNets that set CIFAR-10 training-speed records (lesson 09).

    After David Page's "How to train your ResNet" (2018): a conv-BN-ReLU "prep" layer of ``width`` channels, then three
    stages of a conv-BN-ReLU layer that doubles the channels followed by a 2x2
    max pooling; the first and the last stage end in a :func:`residual_block`
    of their width. The poolings, not strided blocks, shrink the maps, so both
    shortcuts are identities. A GAP head ends it. Eight convolutions in all
    (nine layers with the dense one); ``width=12`` gives about 13.6 million
    multiply-adds per 32x32 photo, close to lesson 06's ``bn_cnn``.
    """
    width = _check_filters(width, "resnet9", "width")
    inputs, x = _front(augmentation, input_shape)
    x = _conv_bn_relu(x, width, "prep")
    for i, factor in enumerate((2, 4, 8)):
        x = _conv_bn_relu(x, width * factor, f"stage{i + 1}_conv")
        x = layers.MaxPooling2D(2, name=f"stage{i + 1}_pool")(x)
        if i != 1:
            x = residual_block(x, width * factor, shortcut="identity", name=f"stage{i + 1}_res")
    return keras.Model(inputs, _head(x, n_classes), name=name)


def separable_net(
    augmentation=None, widths=(32, 64, 128), blocks=2, input_shape=(32, 32, 3), n_classes=10, name="separable"
):
    """A small MobileNet-style network of depthwise-separable blocks (lesson 09).

    A standard conv-BN-ReLU stem (a depthwise convolution of 3 colour channels
    would learn little) and a 2x2 max pooling, as in :func:`resnet`; then per
    width ``blocks`` :func:`separable_block`, with a 2x2 max pooling between
    the stages; a GAP head. Depthwise convolutions do little arithmetic per value they read, so
    on a CPU they are slower than their multiply-adds suggest: the stem's
    pooling keeps them off the full-resolution maps.
    """
    widths = _check_widths(widths, "separable_net")
    inputs, x = _front(augmentation, input_shape)
    x = _pooled_stem(x, widths[0])
    for i, width in enumerate(widths):
        if i > 0:
            x = layers.MaxPooling2D(2, name=f"block{i}_pool")(x)
        for j in range(blocks):
            x = separable_block(x, width, name=f"block{i + 1}_sep{j + 1}")
    return keras.Model(inputs, _head(x, n_classes), name=name)


# ----------------------------------------------------------------------------
# what a network costs


def _spatial_positions(layer, where):
    try:
        shape = tuple(layer.output.shape)
    except (AttributeError, ValueError) as err:
        raise ValueError(
            f"layer {layer.name!r} of {where} has no output shape yet (or is used twice): give the model an "
            "Input (keras.Input(shape=...)) before counting"
        ) from err
    return int(np.prod(shape[1:-1], dtype=np.int64))


def multiply_adds(model):
    """Multiply-adds one image costs in each convolution and dense layer of ``model`` (lessons 08, 09).

    A convolution costs (output positions) x (its kernel's size): for a
    standard ``k x k`` convolution from ``c_in`` to ``c_out`` channels,
    ``h w k^2 c_in c_out``; a depthwise one ``h w k^2 c_in``; a separable one
    the sum of its depthwise and pointwise (1x1) parts. A dense layer costs
    one per weight (per position, if applied to a map). Biases, pooling, BN
    and additions are cheap and not counted. Layers inside nested models
    (e.g. a block built as its own ``keras.Model``) are counted too, named
    ``outer/inner``. Returns ``{layer name: multiply-adds}`` in layer order;
    lesson 08's :func:`utils.transfer.multiply_adds` gives the same numbers
    for the plain networks it counts.
    """
    counts = {}

    def visit(container, prefix):
        for layer in container.layers:
            label = f"{prefix}{layer.name}"
            if isinstance(layer, keras.Model):
                visit(layer, f"{label}/")
            elif isinstance(layer, layers.SeparableConv2D):
                positions = _spatial_positions(layer, model.name)
                kernels = np.prod(layer.depthwise_kernel.shape) + np.prod(layer.pointwise_kernel.shape)
                counts[label] = int(positions * kernels)
            elif isinstance(layer, (layers.Conv1D, layers.Conv2D, layers.DepthwiseConv2D, layers.Dense)):
                positions = _spatial_positions(layer, model.name)
                counts[label] = int(positions * np.prod(layer.kernel.shape, dtype=np.int64))

    if not isinstance(model, keras.Model):
        raise TypeError(f"multiply_adds counts the layers of a keras.Model, got {type(model).__name__}")
    visit(model, "")
    if not counts:
        raise ValueError(f"{model.name} has no convolution or dense layer: nothing to count")
    return counts


def total_multiply_adds(model):
    """The sum of :func:`multiply_adds` over the whole model: multiply-adds per image (lesson 09)."""
    return sum(multiply_adds(model).values())


__all__ = [
    "add_residual",
    "inception_block",
    "multiply_adds",
    "resnet",
    "resnet9",
    "residual_block",
    "separable_block",
    "separable_net",
    "total_multiply_adds",
    "train_network",
    "vgg_block",
    "vgg_net",
]
