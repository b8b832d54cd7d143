"""Which pixels a decision rests on: occlusion, saliency and Grad-CAM (introduced in lesson 07).

Every function takes a Keras model (Sequential or Functional, with or without
an augmentation block inside), a batch of images ``(n, H, W, C)`` of floats in
the model's input range and one class index per image (or one int for all),
and returns NumPy maps ``(n, H, W)``; the drawing is in :mod:`utils.plots`.

* :func:`occlusion_map` needs no gradient: cover a patch, watch the class's
  probability;
* :func:`saliency` (vanilla, guided and rectified gradients) and
  :func:`grad_cam` / :func:`guided_grad_cam` differentiate the class score
  before the softmax (:func:`utils.surgery.score_model`) with
  :func:`utils.gradients.gradient`, the one place where the Keras backends
  differ, so the maps are the same on TensorFlow, JAX and PyTorch.
"""

from __future__ import annotations

import numpy as np
from keras import layers, ops

from utils.gradients import gradient
from utils.receptive_fields import feature_map_layer, require_conv_layers
from utils.setup import progress as progress_bar
from utils.surgery import (
    SALIENCY_METHODS,
    class_indices,
    class_scores,
    model_input,
    score_model,
    split_model,
    to_numpy,
)
from utils.validation import image_batch


def as_batch(model, images):
    """``images`` as a float32 batch that fits ``model``'s input, or a clear error (lesson 07)."""
    return image_batch(images, model_input(model).shape[1:], f"model {model.name!r}")


def normalise(maps):
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
    x = as_batch(model, images)
    indices = class_indices(model, class_index, len(x))
    scorer = score_model(model, method)
    _, grads = gradient(lambda t: ops.sum(class_scores(scorer(t, training=False), indices)), x)
    return grads if reduce is None else normalise(np.abs(grads).max(axis=-1))


def default_cam_layer(model):
    """The layer Grad-CAM uses by default: the last convolution's block output (lesson 07).

    That is the last Conv2D, or the batch normalisation / activation layers that
    directly follow it (``conv4`` -> ``conv4_relu``), so the maps are the
    rectified features the rest of the network reads.
    """
    last = require_conv_layers(model)[-1]
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
    map ``ReLU(sum_k a_k A^k)``. The model is cut in two at the layer
    (:func:`utils.surgery.split_model`): the first part gives the maps, and the
    gradient of the second part with respect to them gives the weights.
    Returns ``(n, H, W)`` resized to the input (bilinear), or ``(n, h, w)`` at
    the layer's resolution with ``upsample=False``.
    """
    x = as_batch(model, images)
    indices = class_indices(model, class_index, len(x))
    name = layer_name or default_cam_layer(model)
    feature_map_layer(model, name, "Grad-CAM")
    body, head = split_model(score_model(model, "vanilla"), name)
    maps = to_numpy(body(x, training=False))
    _, grads = gradient(lambda a: ops.sum(class_scores(head(a, training=False), indices)), maps)
    weights = grads.mean(axis=(1, 2), keepdims=True)
    cam = np.maximum((weights * maps).sum(axis=-1), 0.0)
    if upsample:
        resized = ops.image.resize(cam[..., None], x.shape[1:3], interpolation="bilinear")
        cam = to_numpy(resized)[..., 0]
    return normalise(cam)


def guided_grad_cam(model, images, class_index, layer_name=None):
    """Guided Grad-CAM: guided backpropagation masked by Grad-CAM, ``(n, H, W)`` in [0, 1] (lesson 07).

    Guided backpropagation is sharp but hardly class-specific; Grad-CAM is
    class-specific but coarse. Their product keeps the fine detail only where
    the class's evidence is.
    """
    cam = grad_cam(model, images, class_index, layer_name)
    guided = saliency(model, images, class_index, method="guided", reduce=None)
    return normalise(np.abs(guided).max(axis=-1) * cam)


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
    x = as_batch(model, images)
    indices = class_indices(model, class_index, len(x))
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
        base = float(to_numpy(model(x[i : i + 1], training=False))[0, indices[i]])
        total, count = np.zeros((height, width), np.float32), np.zeros((height, width), np.float32)
        for first in range(0, len(positions), batch_size):
            chunk = positions[first : first + batch_size]
            batch = np.repeat(x[i : i + 1], len(chunk), axis=0)
            for b, (r, c) in enumerate(chunk):
                batch[b, r : r + patch, c : c + patch] = fill
            probs = to_numpy(model(batch, training=False))[:, indices[i]]
            for (r, c), p in zip(chunk, probs):
                total[r : r + patch, c : c + patch] += base - p
                count[r : r + patch, c : c + patch] += 1
        result[i] = total / count
    return result


__all__ = ["default_cam_layer", "grad_cam", "guided_grad_cam", "occlusion_map", "saliency"]
