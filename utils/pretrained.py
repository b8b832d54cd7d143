"""An ImageNet model from ``keras.applications``, only when its weights can be had (lessons 07 and 08).

The weights are a one-time download (about 14 MB for MobileNetV2) that Keras
caches in ``~/.keras/models``. Classrooms and CI are often offline, so the
optional sections that use such a model call :func:`imagenet_model_or_reason`
and print the reason instead of failing::

    pretrained, reason = imagenet_model_or_reason()
    if pretrained is None:
        print(reason)

Three rules keep this safe offline:

* a cached weights file is loaded directly, so Keras's downloader (which
  deletes a cached file whose check fails and then cannot fetch a new one)
  never touches it;
* with ``COURSE_OFFLINE=1`` nothing is downloaded: no cached file, no model;
* a failed download raises :class:`PretrainedUnavailableError` with one
  sentence saying why, never a traceback in a notebook.

The class names come from Keras's ``imagenet_class_index.json`` (cached next
to the weights), read here as plain JSON.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import keras
import numpy as np

from utils.config import OFFLINE_ENV, offline, shown_path

CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_URL = "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"

# name -> (keras.applications module, weights file with the classifier on top, without it, input side)
MODELS = {
    "MobileNetV2": (
        "mobilenet_v2",
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224.h5",
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5",
        224,
    ),
}
WEIGHTS_URL = {"MobileNetV2": "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"}


class PretrainedUnavailableError(RuntimeError):
    """The ImageNet weights are neither cached nor downloadable (no network, or ``COURSE_OFFLINE=1``)."""


class Pretrained(NamedTuple):
    """An ImageNet classifier and the functions that go with it (lessons 07 and 08).

    ``preprocess_input`` maps RGB images with values 0..255 to what the model
    expects; ``decode_predictions(probabilities, top=5)`` gives, per image, a
    list of ``(wordnet_id, class_name, probability)``; ``input_size`` is
    ``(height, width)``.
    """

    model: object
    preprocess_input: Callable
    decode_predictions: Callable
    input_size: tuple


def cache_dir():
    """Where Keras keeps downloaded weights: ``$KERAS_HOME/models`` or ``~/.keras/models``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home).expanduser() / "models"


def _download(file_name, url):
    """Fetch ``url`` into the cache with Keras (its progress bar kept out of notebook outputs)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return Path(keras.utils.get_file(file_name, url, cache_subdir="models"))


def _fetch(file_name, url, what):
    """The cached file, downloading it once if allowed; else :class:`PretrainedUnavailableError`."""
    path = cache_dir() / file_name
    if path.is_file():
        return path
    if offline():
        raise PretrainedUnavailableError(
            f"the {what} are not cached in {shown_path(path.parent)} and {OFFLINE_ENV}=1 forbids downloading them."
        )
    try:
        path = _download(file_name, url)
    except Exception as err:  # Keras wraps network errors in a bare Exception
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise PretrainedUnavailableError(
            f"the {what} are not cached and could not be downloaded (no network?): {reason}"
        ) from err
    print(f"downloaded the {what} once; Keras keeps them in {shown_path(path.parent)}")
    return path


def _class_index_decoder(path):
    """``decode_predictions`` reading Keras's class index as plain JSON (no download, no hash check)."""
    with open(path, encoding="utf-8") as handle:
        index = json.load(handle)
    classes = [tuple(index[str(i)]) for i in range(len(index))]

    def decode_predictions(probabilities, top=5):
        probabilities = keras.ops.convert_to_numpy(probabilities)  # NumPy, or any backend's tensor
        if probabilities.ndim != 2 or probabilities.shape[1] != len(classes):
            raise ValueError(
                f"decode_predictions expects shape (n, {len(classes)}), got {probabilities.shape}"
            )
        best = np.argsort(-probabilities, axis=1)[:, :top]
        return [[(*classes[j], float(p[j])) for j in row] for p, row in zip(probabilities, best)]

    return decode_predictions


def load_imagenet_model(name="MobileNetV2", include_top=True):
    """A ``keras.applications`` model with ImageNet weights, as :class:`Pretrained` (lessons 07, 08).

    Uses the weights cached by an earlier run, or downloads them once unless
    ``COURSE_OFFLINE=1``. Raises :class:`PretrainedUnavailableError` (one
    sentence) when they cannot be had. ``include_top=False`` gives the
    convolutional base only, for transfer learning.
    """
    if name not in MODELS:
        raise ValueError(f"unknown ImageNet model {name!r}; available: {', '.join(MODELS)}")
    module_name, top_file, base_file, side = MODELS[name]
    file_name = top_file if include_top else base_file
    weights = _fetch(file_name, WEIGHTS_URL[name] + file_name, f"ImageNet weights of {name}")
    class_index = _fetch(CLASS_INDEX_FILE, CLASS_INDEX_URL, "ImageNet class names")
    module = getattr(keras.applications, module_name)
    model = getattr(keras.applications, name)(
        weights=None, include_top=include_top, input_shape=(side, side, 3)
    )
    try:
        model.load_weights(weights)
    except Exception as err:
        raise PretrainedUnavailableError(
            f"the cached ImageNet weights of {name} in {shown_path(weights)} could not be loaded "
            f"({type(err).__name__}); delete the file to download it again."
        ) from err
    return Pretrained(model, module.preprocess_input, _class_index_decoder(class_index), (side, side))


def imagenet_model_or_reason(name="MobileNetV2", include_top=True):
    """``(Pretrained, "")`` when the ImageNet model can be loaded, else ``(None, reason)`` (lessons 07, 08).

    For optional notebook sections: the reason is one sentence to print, e.g.
    ``"Skipped: the ImageNet weights of MobileNetV2 are not cached ..."``.
    """
    try:
        return load_imagenet_model(name, include_top=include_top), ""
    except PretrainedUnavailableError as err:
        return None, f"Skipped: {err}"


__all__ = [
    "Pretrained",
    "PretrainedUnavailableError",
    "cache_dir",
    "imagenet_model_or_reason",
    "load_imagenet_model",
]
