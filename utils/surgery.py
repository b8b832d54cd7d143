"""Model surgery for explanations: class scores, ReLU backward rules, a model cut in two (lesson 07).

Gradient-based explanations (:mod:`utils.attribution`, :mod:`utils.feature_vis`)
do not differentiate the trained model itself but a copy of it:

* :func:`score_model` copies the model with the softmax of its output layer
  removed, so gradients are taken of the class *score* (the seed's "swap
  softmax for linear"), and optionally with every ReLU following another
  backward rule (guided or rectified backpropagation, :func:`relu_with_rule`);
* :func:`split_model` cuts a model at a layer into "input -> that layer's
  maps" and "maps -> output", so Grad-CAM can differentiate the second part
  with respect to the maps on any backend.

The rules are written once with ``keras.ops.custom_gradient``, which runs on
TensorFlow, JAX and PyTorch alike. Models are always called with
``training=False``: a direct ``model(x)`` would run the augmentation layers
and explain a shifted, flipped image.
"""

from __future__ import annotations

import weakref

import keras
import numpy as np
from keras import layers, ops

from utils.validation import integer_labels, layer_named

SALIENCY_METHODS = ("vanilla", "guided", "rectified")


def model_input(model):
    """``model.inputs[0]``, or an error saying how to give the model an input (lesson 07)."""
    try:
        return model.inputs[0]
    except (AttributeError, IndexError, ValueError) as err:
        raise ValueError(
            f"model {model.name!r} has no defined input yet; build it with keras.Input(shape=...) "
            "as its first entry (or call it once on a batch) before explaining it."
        ) from err


def to_numpy(tensor):
    """A model's output as a NumPy array, cut from any gradient record (PyTorch refuses otherwise)."""
    return keras.ops.convert_to_numpy(ops.stop_gradient(tensor))


def n_classes(model):
    """The number of classes a classifier outputs (its last axis)."""
    return int(model.outputs[0].shape[-1])


def class_indices(model, class_index, n):
    """One class index per image, as int32 ``(n,)``: an int is repeated, a list must have ``n`` (lesson 07)."""
    indices = np.asarray(class_index)
    if indices.ndim == 0 and np.issubdtype(indices.dtype, np.integer):
        indices = np.repeat(indices, n)
    labels = integer_labels(indices, "class_index", n=n, n_classes=n_classes(model), what="images")
    return labels.astype(np.int32)


def class_scores(outputs, indices):
    """``outputs[i, indices[i]]`` for every row ``i``: each image's score for its own class."""
    indices = ops.convert_to_tensor(np.asarray(indices, np.int32)[:, None])
    return ops.take_along_axis(outputs, indices, axis=1)[:, 0]


def relu_with_rule(rule):
    """ReLU whose forward pass is unchanged and whose gradient follows ``rule`` (lesson 07).

    vanilla: pass the gradient where the input was positive (the true derivative);
    guided: only where the input was positive *and* the gradient is positive
    (Springenberg et al., 2015); rectified: only where the gradient is positive,
    whatever the input (the "deconvnet" rule of Zeiler and Fergus, keras-vis's "relu").
    """

    @ops.custom_gradient
    def relu(x):
        def grad(*args, upstream=None):
            # TensorFlow and JAX call grad(upstream); PyTorch calls grad(x, upstream=upstream).
            if upstream is None:
                (upstream,) = args
            keep = ops.cast(upstream > 0, upstream.dtype)
            if rule == "guided":
                keep = keep * ops.cast(x > 0, upstream.dtype)
            return upstream * keep

        return ops.relu(x), grad

    return relu


class RuleReLU(layers.Layer):
    """Stand-in for a ``keras.layers.ReLU`` in the explanation copy (never saved)."""

    def __init__(self, rule, **kwargs):
        super().__init__(**kwargs)
        self.fn = relu_with_rule(rule)

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
            return RuleReLU(rule, name=layer.name)
        new = layer.__class__.from_config(layer.get_config())
        if layer is output_layer and getattr(layer, "activation", None) is keras.activations.softmax:
            new.activation = keras.activations.linear
        elif isinstance(layer, layers.Softmax) and layer is output_layer:
            return layers.Activation("linear", name=layer.name)
        elif rule != "vanilla" and getattr(layer, "activation", None) is keras.activations.relu:
            replaced.append(layer.name)
            new.activation = relu_with_rule(rule)
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
    model_input(model)
    cache = _CLONES.setdefault(model, {})
    if rule not in cache:
        cache[rule] = _clone(model, rule)
    clone = cache[rule]
    clone.set_weights(model.get_weights())  # the model may have been trained since
    return clone


def split_model(model, layer_name):
    """``(body, head)``: ``model`` cut after ``layer_name`` into input -> maps and maps -> output (lesson 07).

    ``head(body(x))`` computes ``model(x)``, and both parts share the model's
    layers and weights. Grad-CAM needs the gradient of a class score with
    respect to a layer's maps: with the model in two parts that is the
    gradient of ``head`` with respect to its input, which every backend can
    take (:func:`utils.gradients.gradient`).
    """
    maps = layer_named(model, layer_name).output
    body = keras.Model(model_input(model), maps, name=f"{model.name}_to_{layer_name}")
    try:
        head = keras.Model(maps, model.outputs[0], name=f"{model.name}_from_{layer_name}")
    except ValueError as err:
        raise ValueError(
            f"cannot cut model {model.name!r} at layer {layer_name!r}: later layers also read other "
            "tensors than its output (a skip connection around it); choose a layer that every "
            "path to the output passes through."
        ) from err
    return body, head


__all__ = [
    "SALIENCY_METHODS",
    "RuleReLU",
    "class_indices",
    "class_scores",
    "model_input",
    "n_classes",
    "relu_with_rule",
    "score_model",
    "split_model",
    "to_numpy",
]
