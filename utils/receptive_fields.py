"""The structure of a CNN: its convolutions, their kernels and receptive fields (introduced in lesson 07).

Before asking what a trained network looks at, lesson 07 reads what it *is*:
which layers convolve, what their kernels look like, and how much of the
image one unit of each layer can see. Everything here reads the model's
configuration and weights; nothing runs the model, so it is the same on every
Keras backend.

* :func:`conv_layer_names` and :func:`conv_kernels`;
* :func:`receptive_fields` (rows of :class:`ReceptiveField`) and
  :func:`format_receptive_fields`;
* :func:`require_conv_layers` and :func:`feature_map_layer`: the checks the
  other explanation modules share (a CNN, a layer with feature maps).
"""

from __future__ import annotations

from typing import NamedTuple

import keras
from keras import layers

from utils.validation import layer_named

CONV_TYPES = (layers.Conv2D, layers.DepthwiseConv2D, layers.SeparableConv2D)
POOL_TYPES = (layers.MaxPooling2D, layers.AveragePooling2D)
# Layers after which a receptive field covers the whole input.
GLOBAL_TYPES = (layers.Flatten, layers.Dense, layers.GlobalAveragePooling2D, layers.GlobalMaxPooling2D)


def conv_layer_names(model):
    """Names of the model's convolutional layers, input side first (lesson 07).

    Only top-level layers are listed (those ``model.get_layer`` finds); an
    augmentation block in front holds none.
    """
    return [layer.name for layer in model.layers if isinstance(layer, CONV_TYPES)]


def require_conv_layers(model):
    """:func:`conv_layer_names`, or an error saying that the model is no CNN (lesson 07)."""
    names = conv_layer_names(model)
    if not names:
        raise ValueError(
            f"model {model.name!r} has no convolutional layers (its layers are: "
            f"{', '.join(layer.name for layer in model.layers)}); this method explains a CNN's "
            "feature maps, so it needs at least one Conv2D layer."
        )
    return names


def feature_map_layer(model, name, what):
    """The layer ``name``, which must output feature maps ``(n, h, w, channels)`` for ``what`` (lesson 07)."""
    layer = layer_named(model, name)
    shape = tuple(layer.output.shape)
    if len(shape) != 4:
        raise ValueError(
            f"layer {name!r} ({type(layer).__name__}) outputs shape {shape}, not feature maps "
            f"(batch, height, width, channels); {what} needs a convolutional layer or one after it "
            f"(activation, normalisation, pooling). Convolutional layers: "
            f"{', '.join(conv_layer_names(model)) or '(none)'}."
        )
    return layer


def conv_kernels(model, layer_name=None):
    """The kernels ``(kh, kw, in_channels, filters)`` of a convolutional layer, the first by default (lesson 07)."""
    name = layer_name or require_conv_layers(model)[0]
    layer = layer_named(model, name)
    if not isinstance(layer, CONV_TYPES):
        raise ValueError(
            f"layer {name!r} is a {type(layer).__name__}, not a convolution; convolutional layers: "
            f"{', '.join(conv_layer_names(model)) or '(none)'}."
        )
    return keras.ops.convert_to_numpy(layer.kernel)


class ReceptiveField(NamedTuple):
    """One row of :func:`receptive_fields`: what one unit of ``layer`` sees of the input (lesson 07)."""

    layer: str
    kind: str  # "conv" or "pool"
    kernel: int | tuple
    stride: int | tuple
    jump: int | tuple  # distance, in input pixels, between neighbouring units of this layer
    size: int | tuple  # side of the input square one unit depends on


def _kind(layer):
    return "conv" if isinstance(layer, CONV_TYPES) else "pool" if isinstance(layer, POOL_TYPES) else None


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
    Returns a list of :class:`ReceptiveField`, one per layer, input side first.
    """
    if not any(_kind(layer) == "conv" for layer in _flat_layers(model)):
        require_conv_layers(model)  # raises: no convolutional layers
    rows = []
    size, jump = (1, 1), (1, 1)
    for layer in _flat_layers(model):
        if isinstance(layer, GLOBAL_TYPES):
            break
        kind = _kind(layer)
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


__all__ = [
    "ReceptiveField",
    "conv_kernels",
    "conv_layer_names",
    "feature_map_layer",
    "format_receptive_fields",
    "receptive_fields",
    "require_conv_layers",
]
