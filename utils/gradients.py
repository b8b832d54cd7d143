"""The one place where the three Keras backends differ: computing a gradient (lessons 07 and 09).

Keras 3 runs the same model on TensorFlow, JAX or PyTorch, and ``keras.ops``
covers every array operation the course needs. Differentiation is the
exception: each framework has its own way to ask "how does this number change
when that tensor changes?".

* TensorFlow records the operations on a *tape* (``tf.GradientTape``) and
  plays it back;
* JAX transforms the function itself (``jax.grad``);
* PyTorch marks the tensor with ``requires_grad`` and walks the graph it
  built back from the result (``loss.backward()``).

This module holds one short function per backend for each kind of gradient
the course takes, chosen by ``keras.backend.backend()``; everything around it
(models, losses, maps) is shared, backend-neutral code:

* :func:`gradient`: the value of a scalar function of one tensor and its
  gradient with respect to that tensor (saliency, Grad-CAM, activation
  maximisation; lesson 07);
* :func:`weight_gradients`: the loss of a model on a batch and its gradient
  with respect to each trainable weight (gradient norms per layer; lesson 09).

Both return NumPy arrays. Importing this module imports no backend; each
function imports the active backend's framework when it is first called.
"""

from __future__ import annotations

import keras
import numpy as np

SUPPORTED_BACKENDS = ("tensorflow", "jax", "torch")


def active_backend():
    """The Keras backend in use, or a clear error if the course does not support it (lesson 07)."""
    name = keras.backend.backend()
    if name not in SUPPORTED_BACKENDS:
        raise RuntimeError(
            f"Keras is running on the {name!r} backend; the course computes gradients on "
            f"{', '.join(SUPPORTED_BACKENDS)} only. Set KERAS_BACKEND to one of them before "
            "importing keras (e.g. KERAS_BACKEND=jax) and restart the kernel."
        )
    return name


# ----------------------------------------------------------------------------
# gradient of a scalar function with respect to one tensor


def _gradient_tensorflow(fn, x):
    import tensorflow as tf

    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = fn(x)
    return value, tape.gradient(value, x)


def _gradient_jax(fn, x):
    import jax

    return jax.value_and_grad(fn)(jax.numpy.asarray(x))


def _gradient_torch(fn, x):
    import torch

    x = keras.ops.convert_to_tensor(x).detach().requires_grad_(True)
    value = fn(x)
    (grad,) = torch.autograd.grad(value, x)
    return value.detach(), grad


_GRADIENT = {"tensorflow": _gradient_tensorflow, "jax": _gradient_jax, "torch": _gradient_torch}


def gradient(fn, x):
    """``(value, grad)``: ``fn(x)`` (a scalar) and its gradient with respect to ``x``, as NumPy (lesson 07).

    ``fn`` takes a backend tensor shaped like ``x`` and returns a scalar
    tensor; write it with ``keras.ops`` and Keras layers, so it is the same on
    every backend. ``x`` is a NumPy array (or a backend tensor) of floats.
    Sum over a batch inside ``fn`` to get every image's gradient at once:
    the images do not interact, so each one's gradient is its own.
    """
    x = np.asarray(keras.ops.convert_to_numpy(x))
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"gradient needs a float tensor to differentiate with respect to; got dtype {x.dtype}"
        )
    value, grad = _GRADIENT[active_backend()](_scalar(fn), x.astype(np.float32, copy=False))
    return float(keras.ops.convert_to_numpy(value)), keras.ops.convert_to_numpy(grad)


def _scalar(fn):
    """``fn``, checked to return one number before any backend tries to differentiate it.

    JAX and PyTorch would otherwise stop with their own, less helpful errors.
    """

    def checked(x):
        value = fn(x)
        shape = tuple(keras.ops.shape(value))
        if shape != ():
            raise ValueError(
                f"fn must return a scalar (one number) to differentiate, got shape {shape}; "
                "sum or average it first, e.g. keras.ops.sum(scores)."
            )
        return value

    return checked


# ----------------------------------------------------------------------------
# gradient of a model's loss with respect to its trainable weights


def _loss_of(model, loss_fn, x, y):
    """The loss as a function of the trainable weights' values: what JAX differentiates."""

    def loss_for(trainable_values, non_trainable_values):
        predictions, _ = model.stateless_call(trainable_values, non_trainable_values, x, training=False)
        return loss_fn(y, predictions)

    return loss_for


def _weight_gradients_tensorflow(model, loss_fn, x, y):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=False))
    return loss, tape.gradient(loss, [v.value for v in model.trainable_variables])


def _weight_gradients_jax(model, loss_fn, x, y):
    import jax

    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    return jax.value_and_grad(_loss_of(model, loss_fn, x, y))(trainable, non_trainable)


def _weight_gradients_torch(model, loss_fn, x, y):
    import torch

    weights = [v.value for v in model.trainable_variables]
    loss = loss_fn(y, model(x, training=False))
    grads = torch.autograd.grad(loss, weights)
    return loss.detach(), grads


_WEIGHT_GRADIENTS = {
    "tensorflow": _weight_gradients_tensorflow,
    "jax": _weight_gradients_jax,
    "torch": _weight_gradients_torch,
}


def weight_gradients(model, x, y, loss_fn=None):
    """``(loss, grads)``: the model's loss on ``(x, y)`` and its gradient for each trainable weight (lesson 09).

    ``grads`` is a list of NumPy arrays in the order of
    ``model.trainable_variables`` (``variable.path`` names each one). The
    model runs in inference mode (``training=False``: no dropout, batch
    normalisation uses its running statistics), so the numbers describe the
    network as it is, not one random training step. ``loss_fn(y_true,
    y_pred)`` defaults to sparse categorical cross-entropy (integer labels).
    """
    if not model.trainable_variables:
        raise ValueError(
            f"model {model.name!r} has no trainable weights to differentiate; "
            "build it (keras.Input first) and check that layer.trainable is not False everywhere."
        )
    loss_fn = loss_fn or keras.losses.SparseCategoricalCrossentropy()
    x = keras.ops.convert_to_tensor(np.asarray(x, dtype=np.float32))
    y = keras.ops.convert_to_tensor(np.asarray(y))
    loss, grads = _WEIGHT_GRADIENTS[active_backend()](model, loss_fn, x, y)
    return float(keras.ops.convert_to_numpy(loss)), [keras.ops.convert_to_numpy(g) for g in grads]


__all__ = ["SUPPORTED_BACKENDS", "active_backend", "gradient", "weight_gradients"]
