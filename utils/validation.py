"""Checks of what a student passes to a helper, each rule written once (lessons 05, 07 and 08).

A helper that gets the wrong thing should stop at once with one sentence that
says what was wrong and how to fix it, instead of failing deep inside Keras or
returning nonsense. The same mistakes recur across lessons, so each check
lives here once, with one policy and one message:

* :func:`integer_labels`: class labels are integers of shape ``(n,)``;
  one-hot rows are refused (``y.argmax(axis=1)`` turns them into labels),
  with optional checks of their number and range (lessons 05, 07, 08);
* :func:`image_batch`: a float batch ``(n, H, W, C)`` that fits a model's
  input (lessons 07, 08);
* :func:`layer_named`: a model's layer by name, or an error listing the
  layers it does have (lessons 07, 08).
"""

from __future__ import annotations

import numpy as np


def _count(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def integer_labels(y, name="y", *, n=None, n_classes=None, what="examples"):
    """``y`` as integer class labels of shape ``(n,)``, or a clear error (lessons 05, 07, 08).

    Refuses one-hot rows (say ``y.argmax(axis=1)``), floats and other shapes.
    With ``n`` the labels must number exactly ``n`` (one per one of ``what``);
    with ``n_classes`` each must lie in ``0 .. n_classes - 1``. ``name`` is how
    the error calls the argument.
    """
    y = np.asarray(y)
    if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or y.size == 0):
        hint = f"; for one-hot rows use {name}.argmax(axis=1)" if y.ndim == 2 else ""
        raise ValueError(
            f"{name} must be integer class labels of shape (n,), got dtype {y.dtype} and shape {y.shape}{hint}."
        )
    if n is not None and len(y) != n:
        raise ValueError(
            f"{name} has {_count(len(y), 'label')} but there are {n} {what}; give one label for each."
        )
    if n_classes is not None and y.size:
        bad = y[(y < 0) | (y >= n_classes)]
        if bad.size:
            raise ValueError(
                f"label {int(bad[0])} in {name} is out of range: there are {n_classes} classes, "
                f"so labels run from 0 to {n_classes - 1}."
            )
    return y.astype(np.int64, copy=False)


def image_batch(images, input_shape, owner, name="images"):
    """``images`` as a float32 batch ``(n, *input_shape)``, or a clear error (lessons 07, 08).

    ``input_shape`` is a model's input shape without the batch axis (``None``
    matches any size); ``owner`` names that model in the message. Integer
    pixels are refused: the course's models take floats (``utils.to_float``).
    """
    array = np.asarray(images)
    expected = tuple(input_shape)
    dims = ", ".join(str(d) for d in expected)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{name} have dtype {array.dtype}; {owner} expects floats in its input range "
            "(for the course's data, convert with utils.to_float(images))."
        )
    fits = array.ndim == len(expected) + 1 and all(
        e is None or e == a for e, a in zip(expected, array.shape[1:])
    )
    if not fits:
        hint = " (a single image? pass images[None] or x[i:i+1])" if array.ndim == len(expected) else ""
        raise ValueError(
            f"{name} must be a batch of shape (n, {dims}) for {owner}; got shape {array.shape}{hint}."
        )
    if len(array) == 0:
        raise ValueError(f"{name} is an empty batch; pass at least one image.")
    return array.astype(np.float32, copy=False)


def layer_named(model, name):
    """``model``'s top-level layer called ``name``, or an error listing its layers (lessons 07, 08)."""
    for layer in model.layers:
        if layer.name == name:
            return layer
    raise ValueError(
        f"{model.name} has no layer named {name!r}; its layers are: "
        f"{', '.join(layer.name for layer in model.layers)}."
    )


__all__ = ["image_batch", "integer_labels", "layer_named"]
