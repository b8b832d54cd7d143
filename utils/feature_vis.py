"""What a layer computes and what excites it: feature maps and activation maximisation (lesson 07).

* :func:`feature_maps`: the outputs of chosen layers for a batch of images;
* :func:`activation_maximisation`: the input a class or a filter responds
  to most, found by gradient ascent from noise. Its gradients come from
  :func:`utils.gradients.gradient`, so it runs on every Keras backend; the
  image is kept as a NumPy array between steps, so the shifts, the decay
  and the clipping are plain NumPy, and the blur is one ``keras.ops``
  depthwise convolution.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import keras
import numpy as np
from keras import ops

from utils.attribution import as_batch
from utils.gradients import gradient
from utils.receptive_fields import feature_map_layer
from utils.surgery import class_indices, class_scores, model_input, score_model, to_numpy


def feature_maps(model, images, layer_names):
    """The outputs of the named layers for ``images``, as ``{name: array (n, h, w, channels)}`` (lesson 07)."""
    if isinstance(layer_names, str):
        layer_names = [layer_names]
    x = as_batch(model, images)
    chosen = [feature_map_layer(model, name, "feature_maps") for name in layer_names]
    probe = keras.Model(model_input(model), [layer.output for layer in chosen])
    outputs = probe(x, training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    return {name: to_numpy(out) for name, out in zip(layer_names, outputs)}


class Maximised(NamedTuple):
    """What :func:`activation_maximisation` returns (lesson 07)."""

    images: np.ndarray  # (n, H, W, C): the inputs found, one per target
    history: np.ndarray  # (steps, n): each target's activation (without penalty) at each step


def gaussian_blur(x, sigma):
    """Blur a batch ``(n, H, W, C)`` by ``sigma`` pixels, each channel on its own, borders mirrored."""
    radius = max(1, math.ceil(2 * sigma))
    t = np.arange(-radius, radius + 1, dtype=np.float32)
    g = np.exp(-(t**2) / (2 * sigma**2))
    kernel = np.outer(g, g) / np.outer(g, g).sum()
    kernel = np.tile(kernel[:, :, None, None], (1, 1, x.shape[-1], 1)).astype(np.float32)
    padded = np.pad(x, [(0, 0), (radius, radius), (radius, radius), (0, 0)], mode="reflect")
    return to_numpy(ops.depthwise_conv(padded, kernel, strides=1, padding="valid"))


def _objective(model, target):
    """``(probe, pick, n)``: ``pick(probe(x))`` is each image's activation to raise, for ``n`` targets."""
    scorer = score_model(model, "vanilla")
    if isinstance(target, tuple) and len(target) == 2 and isinstance(target[0], str):
        name, filters = target
        layer = feature_map_layer(model, name, "activation maximisation of a filter")
        channels = int(layer.output.shape[-1])
        filters = np.atleast_1d(np.asarray(filters))
        if not np.issubdtype(filters.dtype, np.integer) or ((filters < 0) | (filters >= channels)).any():
            raise ValueError(
                f"filter index {filters.tolist()} is out of range: layer {name!r} has {channels} "
                f"filters (0 to {channels - 1})."
            )
        probe = keras.Model(model_input(scorer), scorer.get_layer(name).output)
        return probe, lambda out: class_scores(ops.mean(out, axis=(1, 2)), filters), len(filters)
    indices = np.atleast_1d(np.asarray(target))
    indices = class_indices(model, indices, len(indices))
    return scorer, lambda out: class_scores(out, indices), len(indices)


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
    shape = tuple(model_input(model).shape[1:])
    low, high = input_range
    mid = (low + high) / 2

    def objective(x):
        return ops.sum(pick(probe(x, training=False)))  # images are independent: one gradient for all

    rng = np.random.default_rng(seed)
    x = (mid + 0.05 * (high - low) * rng.standard_normal((n, *shape))).astype(np.float32)
    history = []
    for step in range(steps):
        shift = tuple(rng.integers(-jitter, jitter + 1, size=2)) if jitter else (0, 0)
        shifted = np.roll(x, shift, axis=(1, 2))
        history.append(to_numpy(pick(probe(shifted, training=False))))
        _, grad = gradient(objective, shifted)
        grad = np.roll(grad, (-shift[0], -shift[1]), axis=(1, 2))
        grad /= grad.std(axis=(1, 2, 3), keepdims=True) + 1e-8
        x = mid + (1 - decay) * (x + step_size * (high - low) * grad - mid)
        x = np.clip(x, low, high).astype(np.float32)
        if blur_every and (step + 1) % blur_every == 0:
            x = gaussian_blur(x, blur_sigma)
    return Maximised(x, np.array(history))


__all__ = ["Maximised", "activation_maximisation", "feature_maps", "gaussian_blur"]
