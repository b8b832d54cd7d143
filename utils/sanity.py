"""Can we trust an explanation map? The weight-randomisation check (Adebayo et al., 2018; lesson 07).

A map that explains the *model* must change when the model's weights change.
Lesson 07 re-draws the weights of more and more layers, from the top down, and
measures how similar the maps stay:

* :func:`randomise_layers`: a copy of a model with some layers' kernels
  re-drawn at random;
* :func:`rank_correlation`: Spearman's rank correlation of two maps, in
  NumPy only.
"""

from __future__ import annotations

import math

import keras
import numpy as np

from utils.receptive_fields import conv_layer_names
from utils.validation import layer_named


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
    for name in layer_names:
        layer_named(model, name)
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    for i, name in enumerate(layer_names):
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


__all__ = ["randomise_layers", "rank_correlation"]
