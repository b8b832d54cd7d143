"""What a trained CNN has learned, and which pixels a decision rests on (introduced in lesson 07).

The old tools (keras-vis, tf-keras-vis) do not work with Keras 3 Sequential
models, so the course has its own, small and tested, written with
``tf.GradientTape``. Every function takes a Keras model (Sequential or
Functional, with or without an augmentation block inside), a batch of images
``(n, H, W, C)`` of floats in the model's input range and a class index or a
layer name, and returns NumPy arrays; the drawing is in :mod:`utils.plots`.

* structure: :func:`conv_layer_names`, :func:`conv_kernels`,
  :func:`receptive_fields` (and :func:`format_receptive_fields`),
  :func:`feature_maps`;
* what excites the network: :func:`activation_maximisation`;
* which pixels matter: :func:`occlusion_map`, :func:`saliency` (vanilla,
  guided and rectified gradients), :func:`grad_cam`, :func:`guided_grad_cam`;
* can we trust the maps: :func:`randomise_layers` and :func:`rank_correlation`
  (the sanity check of Adebayo et al., 2018).

Models are always called with ``training=False``: a direct ``model(x)`` would
run the augmentation layers and explain a shifted, flipped image. Gradients
are taken of the class *score* before the softmax (the seed's "swap softmax
for linear"), on a copy of the model that shares the trained weights.
"""

from __future__ import annotations

import math
import weakref
from typing import NamedTuple

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from utils.setup import progress as progress_bar

SALIENCY_METHODS = ("vanilla", "guided", "rectified")
_CONV_TYPES = (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D)
_POOL_TYPES = (layers.MaxPooling2D, layers.AveragePooling2D)
# Layers after which a receptive field covers the whole input.
_GLOBAL_TYPES = (layers.Flatten, layers.Dense, layers.GlobalAveragePooling2D, layers.GlobalMaxPooling2D)


# ----------------------------------------------------------------------------
# checking arguments


def _layer_kind(layer):
    return "conv" if isinstance(layer, _CONV_TYPES) else "pool" if isinstance(layer, _POOL_TYPES) else None


def conv_layer_names(model):
    """Names of the model's convolutional layers, input side first (lesson 07).

    Only top-level layers are listed (those ``model.get_layer`` finds); an
    augmentation block in front holds none.
    """
    return [layer.name for layer in model.layers if isinstance(layer, _CONV_TYPES)]


def _require_conv_layers(model):
    names = conv_layer_names(model)
    if not names:
        raise ValueError(
            f"model {model.name!r} has no convolutional layers (its layers are: "
            f"{', '.join(layer.name for layer in model.layers)}); this method explains a CNN's "
            "feature maps, so it needs at least one Conv2D layer."
        )
    return names


def _get_layer(model, name):
    """``model.get_layer(name)`` with an error that lists what exists."""
    for layer in model.layers:
        if layer.name == name:
            return layer
    convs = conv_layer_names(model)
    raise ValueError(
        f"model {model.name!r} has no layer named {name!r}. Its convolutional layers are: "
        f"{', '.join(convs) if convs else '(none)'}; all its layers: "
        f"{', '.join(layer.name for layer in model.layers)}."
    )


def _spatial_layer(model, name, what):
    """The layer ``name``, which must produce 4-D feature maps ``(n, h, w, channels)``."""
    layer = _get_layer(model, name)
    shape = tuple(layer.output.shape)
    if len(shape) != 4:
        raise ValueError(
            f"layer {name!r} ({type(layer).__name__}) outputs shape {shape}, not feature maps "
            f"(batch, height, width, channels); {what} needs a convolutional layer or one after it "
            f"(activation, normalisation, pooling). Convolutional layers: "
            f"{', '.join(conv_layer_names(model)) or '(none)'}."
        )
    return layer


def _model_input(model):
    try:
        return model.inputs[0]
    except (AttributeError, IndexError, ValueError) as err:
        raise ValueError(
            f"model {model.name!r} has no defined input yet; build it with keras.Input(shape=...) "
            "as its first entry (or call it once on a batch) before explaining it."
        ) from err


def _as_batch(model, images):
    """``images`` as a float32 array ``(n, H, W, C)`` that fits the model's input, or a clear error."""
    array = images.numpy() if isinstance(images, tf.Tensor) else np.asarray(images)
    expected = tuple(_model_input(model).shape[1:])
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"images have dtype {array.dtype}; the model expects floats in its input range "
            "(for the course's data, convert with utils.to_float(images))."
        )
    if array.ndim != len(expected) + 1:
        hint = " (a single image? pass images[None] or x[i:i+1])" if array.ndim == len(expected) else ""
        raise ValueError(
            f"images must be a batch of shape (n, {', '.join(str(d) for d in expected)}); "
            f"got shape {array.shape}{hint}."
        )
    if any(e is not None and e != a for e, a in zip(expected, array.shape[1:])):
        raise ValueError(
            f"images have shape {array.shape[1:]} each, but model {model.name!r} takes inputs "
            f"of shape {expected}."
        )
    if len(array) == 0:
        raise ValueError("images is an empty batch; pass at least one image.")
    return array.astype(np.float32, copy=False)


def _n_classes(model):
    return int(model.outputs[0].shape[-1])


def _class_indices(model, class_index, n):
    """One class index per image (an int is repeated), each in ``range(n_classes)``."""
    n_classes = _n_classes(model)
    indices = np.atleast_1d(np.asarray(class_index))
    if not np.issubdtype(indices.dtype, np.integer) or indices.ndim != 1:
        raise ValueError(
            f"class_index must be an int or a sequence of ints, one per image; got {class_index!r}."
        )
    if len(indices) == 1:
        indices = np.repeat(indices, n)
    if len(indices) != n:
        raise ValueError(f"got {len(indices)} class indices for {n} images; give one per image or one int.")
    bad = indices[(indices < 0) | (indices >= n_classes)]
    if bad.size:
        raise ValueError(
            f"class index {int(bad[0])} is out of range: model {model.name!r} has {n_classes} "
            f"classes, so indices run from 0 to {n_classes - 1}."
        )
    return indices.astype(np.int32)


# ----------------------------------------------------------------------------
# structure: kernels, receptive fields, feature maps


def conv_kernels(model, layer_name=None):
    """The kernels ``(kh, kw, in_channels, filters)`` of a convolutional layer, the first by default (lesson 07)."""
    name = layer_name or _require_conv_layers(model)[0]
    layer = _get_layer(model, name)
    if not isinstance(layer, _CONV_TYPES):
        raise ValueError(
            f"layer {name!r} is a {type(layer).__name__}, not a convolution; convolutional layers: "
            f"{', '.join(conv_layer_names(model)) or '(none)'}."
        )
    return np.asarray(layer.kernel)


class ReceptiveField(NamedTuple):
    """One row of :func:`receptive_fields`: what one unit of ``layer`` sees of the input."""

    layer: str
    kind: str  # "conv" or "pool"
    kernel: int | tuple
    stride: int | tuple
    jump: int | tuple  # distance, in input pixels, between neighbouring units of this layer
    size: int | tuple  # side of the input square one unit depends on


def _flat_layers(model):
    """Layers in order, descending into nested models (e.g. an augmentation block or a base)."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _flat_layers(layer)
        else:
            yield layer


def _squeeze(pair):
    return pair[0] if pair[0] == pair[1] else tuple(pair)


def receptive_fields(model):
    """Receptive field size and jump of every convolution and pooling layer (lesson 07).

    Walks the layers in order with the recursion, per axis,
    ``size_l = size_{l-1} + (k_l - 1) * jump_{l-1}`` and ``jump_l = jump_{l-1} * s_l``
    (``k`` the kernel or pool size, widened by any dilation, ``s`` the stride),
    starting from ``size = jump = 1`` at the input. Padding moves where a field
    sits, not its size; activations, normalisation and augmentation (inactive
    at inference) change nothing. It stops at the first Flatten, Dense or global
    pooling, after which every unit sees the whole image. For a model with
    branches it follows the layer order, i.e. the deepest path. Values wider
    than the image mean that the field hangs over the (padded) border.
    """
    if not any(_layer_kind(layer) == "conv" for layer in _flat_layers(model)):
        _require_conv_layers(model)  # raises: no convolutional layers
    rows = []
    size, jump = (1, 1), (1, 1)
    for layer in _flat_layers(model):
        if isinstance(layer, _GLOBAL_TYPES):
            break
        kind = _layer_kind(layer)
        if kind is None:
            continue
        kernel = layer.kernel_size if kind == "conv" else layer.pool_size
        stride = layer.strides
        dilation = getattr(layer, "dilation_rate", (1, 1))
        effective = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        size = tuple(r + (k - 1) * j for r, k, j in zip(size, effective, jump))
        jump = tuple(j * s for j, s in zip(jump, stride))
        rows.append(
            ReceptiveField(
                layer.name, kind, _squeeze(kernel), _squeeze(stride), _squeeze(jump), _squeeze(size)
            )
        )
    return rows


def format_receptive_fields(rows):
    """:func:`receptive_fields` as a small fixed-width text table (lesson 07)."""
    lines = [f"{'layer':<12} {'kind':<5} {'kernel':>6} {'stride':>6} {'jump':>5} {'field':>6}"]
    for r in rows:
        lines.append(f"{r.layer:<12} {r.kind:<5} {r.kernel!s:>6} {r.stride!s:>6} {r.jump!s:>5} {r.size!s:>6}")
    return "\n".join(lines)


def feature_maps(model, images, layer_names):
    """The outputs of the named layers for ``images``, as ``{name: array (n, h, w, channels)}`` (lesson 07)."""
    if isinstance(layer_names, str):
        layer_names = [layer_names]
    x = _as_batch(model, images)
    chosen = [_spatial_layer(model, name, "feature_maps") for name in layer_names]
    probe = keras.Model(_model_input(model), [layer.output for layer in chosen])
    outputs = probe(x, training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return {name: np.asarray(out) for name, out in zip(layer_names, outputs)}


# ----------------------------------------------------------------------------
# a copy of the model for gradients: same weights, scores before the softmax,
# ReLUs with a chosen backward rule


def _relu_with_rule(rule):
    """ReLU whose forward pass is unchanged and whose gradient follows ``rule``.

    vanilla: pass the gradient where the input was positive (the true derivative);
    guided: only where the input was positive *and* the gradient is positive
    (Springenberg et al., 2015); rectified: only where the gradient is positive,
    whatever the input (the "deconvnet" rule of Zeiler and Fergus, keras-vis's "relu").
    """

    @tf.custom_gradient
    def relu(x):
        def grad(dy):
            keep = tf.cast(dy > 0, dy.dtype)
            if rule == "guided":
                keep *= tf.cast(x > 0, dy.dtype)
            return dy * keep

        return tf.nn.relu(x), grad

    return relu


class _RuleReLU(layers.Layer):
    """Stand-in for a ``keras.layers.ReLU`` in the explanation copy (never saved)."""

    def __init__(self, rule, **kwargs):
        super().__init__(**kwargs)
        self.fn = _relu_with_rule(rule)

    def call(self, inputs):
        return self.fn(inputs)


def _is_plain_relu_layer(layer):
    return (
        isinstance(layer, layers.ReLU)
        and not layer.negative_slope
        and layer.max_value is None
        and not layer.threshold
    )


def _clone(model, rule):
    """Clone ``model`` with its output's softmax removed and its ReLUs following ``rule``."""
    output_layer = model.layers[-1]
    replaced = []

    def clone_layer(layer):
        if rule != "vanilla" and _is_plain_relu_layer(layer):
            replaced.append(layer.name)
            return _RuleReLU(rule, name=layer.name)
        new = layer.__class__.from_config(layer.get_config())
        if layer is output_layer and getattr(layer, "activation", None) is keras.activations.softmax:
            new.activation = keras.activations.linear
        elif isinstance(layer, layers.Softmax) and layer is output_layer:
            return layers.Activation("linear", name=layer.name)
        elif rule != "vanilla" and getattr(layer, "activation", None) is keras.activations.relu:
            replaced.append(layer.name)
            new.activation = _relu_with_rule(rule)
        return new

    clone = keras.models.clone_model(model, clone_function=clone_layer)
    if rule != "vanilla" and not replaced:
        raise ValueError(
            f"model {model.name!r} has no ReLU activations; {rule} backpropagation changes how "
            "gradients pass through ReLUs, so use method='vanilla' for this model."
        )
    return clone


_CLONES = weakref.WeakKeyDictionary()


def score_model(model, rule="vanilla"):
    """A copy of ``model`` that outputs class scores before the softmax (lesson 07).

    It has the same layers, names and (freshly copied) weights; with
    ``rule="guided"`` or ``"rectified"`` its ReLUs back-propagate by that rule.
    The forward pass through the ReLUs is unchanged. Copies are cached per model.
    """
    if rule not in SALIENCY_METHODS:
        raise ValueError(
            f"unknown backpropagation rule {rule!r}; choose one of {', '.join(SALIENCY_METHODS)}."
        )
    _model_input(model)
    cache = _CLONES.setdefault(model, {})
    if rule not in cache:
        cache[rule] = _clone(model, rule)
    clone = cache[rule]
    clone.set_weights(model.get_weights())  # the model may have been trained since
    return clone


def _scores(outputs, indices):
    return tf.gather(outputs, indices, axis=1, batch_dims=1)


def _normalise(maps):
    """Scale each non-negative map so that its maximum is 1 (all-zero maps stay zero)."""
    peak = maps.reshape(len(maps), -1).max(axis=1).reshape((-1,) + (1,) * (maps.ndim - 1))
    return np.where(peak > 0, maps / np.where(peak > 0, peak, 1), 0.0).astype(np.float32)


# ----------------------------------------------------------------------------
# saliency and Grad-CAM


def saliency(model, images, class_index, method="vanilla", reduce="max_abs"):
    """Gradient of the class score with respect to the input pixels (lesson 07).

    ``method`` is ``"vanilla"`` (Simonyan et al., 2013), ``"guided"`` (guided
    backpropagation) or ``"rectified"`` (deconvnet-style); the two last change
    only how gradients pass back through ReLUs. With ``reduce="max_abs"``
    (default) returns ``(n, H, W)`` maps: the largest absolute gradient over
    the colour channels, scaled to [0, 1] per image. ``reduce=None`` returns the
    raw gradients ``(n, H, W, C)``.
    """
    if method not in SALIENCY_METHODS:
        raise ValueError(f"unknown saliency method {method!r}; choose one of {', '.join(SALIENCY_METHODS)}.")
    if reduce not in ("max_abs", None):
        raise ValueError(f"reduce must be 'max_abs' or None, got {reduce!r}.")
    x = tf.convert_to_tensor(_as_batch(model, images))
    indices = _class_indices(model, class_index, len(x))
    scorer = score_model(model, method)
    with tf.GradientTape() as tape:
        tape.watch(x)
        score = tf.reduce_sum(_scores(scorer(x, training=False), indices))
    grads = tape.gradient(score, x).numpy()
    return grads if reduce is None else _normalise(np.abs(grads).max(axis=-1))


def default_cam_layer(model):
    """The layer Grad-CAM uses by default: the last convolution's block output (lesson 07).

    That is the last Conv2D, or the batch normalisation / activation layers that
    directly follow it (``conv4`` -> ``conv4_relu``), so the maps are the
    rectified features the rest of the network reads.
    """
    last = _require_conv_layers(model)[-1]
    names = [layer.name for layer in model.layers]
    chosen = last
    for layer in model.layers[names.index(last) + 1 :]:
        if isinstance(layer, (layers.BatchNormalization, layers.ReLU, layers.Activation)):
            chosen = layer.name
        else:
            break
    return chosen


def grad_cam(model, images, class_index, layer_name=None, upsample=True):
    """Grad-CAM heat maps (Selvaraju et al., 2017), scaled to [0, 1] per image (lesson 07).

    With feature maps ``A^k`` of ``layer_name`` (default :func:`default_cam_layer`)
    and class score ``y^c`` before the softmax: weights ``a_k = mean_ij dy^c/dA^k_ij``,
    map ``ReLU(sum_k a_k A^k)``. Returns ``(n, H, W)`` resized to the input
    (bilinear), or ``(n, h, w)`` at the layer's resolution with ``upsample=False``.
    """
    x = tf.convert_to_tensor(_as_batch(model, images))
    indices = _class_indices(model, class_index, len(x))
    name = layer_name or default_cam_layer(model)
    _spatial_layer(model, name, "Grad-CAM")
    scorer = score_model(model, "vanilla")
    probe = keras.Model(_model_input(scorer), [scorer.get_layer(name).output, scorer.outputs[0]])
    with tf.GradientTape() as tape:
        maps, outputs = probe(x, training=False)
        score = tf.reduce_sum(_scores(outputs, indices))
    grads = tape.gradient(score, maps)
    weights = tf.reduce_mean(grads, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))
    if upsample:
        cam = tf.image.resize(cam[..., None], x.shape[1:3], method="bilinear")[..., 0]
    return _normalise(cam.numpy())


def guided_grad_cam(model, images, class_index, layer_name=None):
    """Guided Grad-CAM: guided backpropagation masked by Grad-CAM, ``(n, H, W)`` in [0, 1] (lesson 07).

    Guided backpropagation is sharp but hardly class-specific; Grad-CAM is
    class-specific but coarse. Their product keeps the fine detail only where
    the class's evidence is.
    """
    cam = grad_cam(model, images, class_index, layer_name)
    guided = saliency(model, images, class_index, method="guided", reduce=None)
    return _normalise(np.abs(guided).max(axis=-1) * cam)


# ----------------------------------------------------------------------------
# occlusion


def _starts(length, patch, stride):
    starts = list(range(0, length - patch + 1, stride))
    if starts[-1] != length - patch:  # cover the last rows/columns too
        starts.append(length - patch)
    return starts


def occlusion_map(model, images, class_index, patch=8, stride=4, fill=0.5, batch_size=256, progress=False):
    """How much the class's output drops when a ``patch``x``patch`` square is covered (lesson 07).

    A square of value ``fill`` (mid-grey by default) slides over each image in
    steps of ``stride``; every occluded copy is classified (``training=False``)
    and each pixel gets the mean drop ``p(original) - p(occluded)`` of the
    class's output over the squares that covered it. Positive: covering the
    pixel hurt the class (evidence for it); negative: it helped. Returns
    ``(n, H, W)``; ``progress=True`` shows a progress bar over the images.
    """
    x = _as_batch(model, images)
    indices = _class_indices(model, class_index, len(x))
    height, width = x.shape[1:3]
    if not (isinstance(patch, int) and 1 <= patch <= min(height, width)):
        raise ValueError(
            f"patch must be an int from 1 to {min(height, width)} (the image side), got {patch!r}."
        )
    if not (isinstance(stride, int) and stride >= 1):
        raise ValueError(f"stride must be a positive int, got {stride!r}.")
    positions = [(r, c) for r in _starts(height, patch, stride) for c in _starts(width, patch, stride)]
    result = np.zeros(x.shape[:3], np.float32)
    image_indices = range(len(x))
    for i in progress_bar(image_indices, desc="occlusion") if progress else image_indices:
        base = float(np.asarray(model(x[i : i + 1], training=False))[0, indices[i]])
        total, count = np.zeros((height, width), np.float32), np.zeros((height, width), np.float32)
        for first in range(0, len(positions), batch_size):
            chunk = positions[first : first + batch_size]
            batch = np.repeat(x[i : i + 1], len(chunk), axis=0)
            for b, (r, c) in enumerate(chunk):
                batch[b, r : r + patch, c : c + patch] = fill
            probs = np.asarray(model(batch, training=False))[:, indices[i]]
            for (r, c), p in zip(chunk, probs):
                total[r : r + patch, c : c + patch] += base - p
                count[r : r + patch, c : c + patch] += 1
        result[i] = total / count
    return result


# ----------------------------------------------------------------------------
# activation maximisation


class Maximised(NamedTuple):
    """What :func:`activation_maximisation` returns."""

    images: np.ndarray  # (n, H, W, C): the inputs found, one per target
    history: np.ndarray  # (steps, n): each target's activation (without penalty) at each step


def _gaussian_blur(x, sigma):
    radius = max(1, math.ceil(2 * sigma))
    t = np.arange(-radius, radius + 1, dtype=np.float32)
    g = np.exp(-(t**2) / (2 * sigma**2))
    kernel = np.outer(g, g) / np.outer(g, g).sum()
    channels = x.shape[-1]
    kernel = tf.constant(np.tile(kernel[:, :, None, None], (1, 1, channels, 1)))
    padded = tf.pad(x, [[0, 0], [radius, radius], [radius, radius], [0, 0]], mode="REFLECT")
    return tf.nn.depthwise_conv2d(padded, kernel, strides=[1, 1, 1, 1], padding="VALID")


def _objective(model, target):
    """``(probe, pick)``: ``pick(probe(x))`` is each image's activation to raise, and the number of targets."""
    scorer = score_model(model, "vanilla")
    if isinstance(target, tuple) and len(target) == 2 and isinstance(target[0], str):
        name, filters = target
        layer = _spatial_layer(model, name, "activation maximisation of a filter")
        channels = int(layer.output.shape[-1])
        filters = np.atleast_1d(np.asarray(filters))
        if not np.issubdtype(filters.dtype, np.integer) or ((filters < 0) | (filters >= channels)).any():
            raise ValueError(
                f"filter index {filters.tolist()} is out of range: layer {name!r} has {channels} "
                f"filters (0 to {channels - 1})."
            )
        probe = keras.Model(_model_input(scorer), scorer.get_layer(name).output)
        idx = tf.constant(filters, tf.int32)
        return (
            probe,
            lambda out: tf.gather(tf.reduce_mean(out, axis=(1, 2)), idx, axis=1, batch_dims=1),
            len(filters),
        )
    indices = np.atleast_1d(np.asarray(target))
    indices = _class_indices(model, indices, len(indices))
    return scorer, lambda out: _scores(out, tf.constant(indices)), len(indices)


def activation_maximisation(
    model,
    target,
    steps=200,
    step_size=0.05,
    jitter=2,
    blur_every=4,
    blur_sigma=0.5,
    decay=0.01,
    input_range=(0.0, 1.0),
    seed=0,
):
    """The input a class, or a filter, responds to most, by gradient ascent from noise (lesson 07).

    ``target`` is a class index, a list of class indices (one image each), or
    ``(layer_name, filter_index)`` / ``(layer_name, [filter indices])``. Starting
    from faint noise around mid-grey, each step shifts the image randomly by up
    to ``jitter`` pixels, follows the gradient of the activation (class score
    before the softmax, or a filter's mean activation) scaled to unit size,
    pulls the image towards grey by the fraction ``decay`` (an L2 penalty's
    gradient step, as in Yosinski et al., 2015), clips to ``input_range``, and
    every ``blur_every`` steps blurs a little (``blur_sigma`` pixels). Jitter,
    decay and blur keep the picture from turning into high-frequency noise.
    Returns :class:`Maximised` (images, activation history).
    """
    probe, pick, n = _objective(model, target)
    shape = tuple(_model_input(model).shape[1:])
    low, high = input_range
    mid = (low + high) / 2

    @tf.function  # one compiled step: about ten times faster than eager calls
    def ascend(x, shift, blur):
        shifted = tf.roll(x, shift=shift, axis=[1, 2])
        with tf.GradientTape() as tape:
            tape.watch(shifted)
            activation = pick(probe(shifted, training=False))
            objective = tf.reduce_sum(activation)  # images are independent: one gradient for all
        grad = tf.roll(tape.gradient(objective, shifted), shift=-shift, axis=[1, 2])
        grad /= tf.math.reduce_std(grad, axis=[1, 2, 3], keepdims=True) + 1e-8
        x = mid + (1 - decay) * (x + step_size * (high - low) * grad - mid)
        x = tf.clip_by_value(x, low, high)
        x = tf.cond(blur, lambda: _gaussian_blur(x, blur_sigma), lambda: x)
        return x, activation

    rng = np.random.default_rng(seed)
    x = tf.constant(mid + 0.05 * (high - low) * rng.standard_normal((n, *shape)), tf.float32)
    history = []
    for step in range(steps):
        shift = rng.integers(-jitter, jitter + 1, size=2) if jitter else np.zeros(2, int)
        blur = bool(blur_every) and (step + 1) % blur_every == 0
        x, activation = ascend(x, tf.constant(shift, tf.int32), tf.constant(blur))
        history.append(activation.numpy())
    return Maximised(x.numpy(), np.array(history))


# ----------------------------------------------------------------------------
# sanity check (Adebayo et al., 2018)


def randomise_layers(model, layer_names, seed=0):
    """A copy of ``model`` with the weights of ``layer_names`` re-drawn at random (lesson 07).

    Kernels (weights with two or more axes) are re-drawn with the layer's own
    ``kernel_initializer`` (as at the start of training); biases and
    normalisation parameters are kept. Passing the top layers first, then more
    and more (``["predictions"]``, ``["predictions", "conv4"]``, ...) gives the
    cascading randomisation of Adebayo et al. (2018). The original model is
    not changed.
    """
    if isinstance(layer_names, str):
        layer_names = [layer_names]
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for i, name in enumerate(layer_names):
        _get_layer(model, name)
        layer = copy.get_layer(name)
        kernels = [w for w in layer.weights if len(w.shape) >= 2]
        if not kernels:
            raise ValueError(
                f"layer {name!r} ({type(layer).__name__}) has no kernel to randomise; pick layers "
                f"with weights, e.g. {', '.join(conv_layer_names(model)) or 'Dense layers'}."
            )
        initializer = getattr(layer, "kernel_initializer", None) or keras.initializers.GlorotUniform()
        config = initializer.get_config()
        if "seed" in config:
            config["seed"] = seed + i
        initializer = initializer.__class__.from_config(config)
        for weight in kernels:
            weight.assign(initializer(weight.shape, dtype=weight.dtype))
    return copy


def _ranks(values):
    """Ranks 1..n, ties sharing their mean rank."""
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    return (sums / counts)[inverse]


def rank_correlation(a, b):
    """Spearman's rank correlation of two maps of the same shape, NumPy only (lesson 07).

    The Pearson correlation of the values' ranks: 1 when one map orders the
    pixels exactly as the other, about 0 when the orders are unrelated. A
    constant map orders nothing, so its correlation with anything is 0.
    """
    a, b = np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(
            f"rank_correlation needs two maps with the same number of values; got {a.size} and {b.size}."
        )
    ra, rb = _ranks(a) - (a.size + 1) / 2, _ranks(b) - (b.size + 1) / 2
    denominator = math.sqrt(float((ra**2).sum() * (rb**2).sum()))
    return float((ra * rb).sum() / denominator) if denominator > 0 else 0.0


__all__ = [
    "Maximised",
    "ReceptiveField",
    "SALIENCY_METHODS",
    "activation_maximisation",
    "conv_kernels",
    "conv_layer_names",
    "default_cam_layer",
    "feature_maps",
    "format_receptive_fields",
    "grad_cam",
    "guided_grad_cam",
    "occlusion_map",
    "randomise_layers",
    "rank_correlation",
    "receptive_fields",
    "saliency",
    "score_model",
]
