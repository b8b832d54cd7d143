"""Random shifts and flips that cost little on every backend (lesson 06; used by 08 and 09).

Lesson 06 teaches augmentation with Keras's preprocessing layers,
``RandomTranslation`` followed by ``RandomFlip``. Those layers move each image
with a general affine transform: a resampling at every pixel, which on some
backends and devices costs more than the network itself (one epoch of lesson
06's network on a GPU took 160 times longer with them on JAX, 8 times on
PyTorch). A shift by a whole number of pixels and a mirror image need no
resampling, only *copying*: output row ``i`` is input row ``i - dy``, output
column ``j`` is input column ``j - dx`` (or its mirror), clipped at the border
so that the uncovered edge repeats the nearest pixel. :class:`ShiftAndFlip`
does exactly that for the whole batch at once, as two products with 0/1
selection matrices (``keras.ops.one_hot`` of the source positions, then
``keras.ops.einsum``): each output row picks one input row, exactly, at a cost
of about 2 % of lesson 06's network. It draws its shifts and flips from the
same distribution as
``RandomTranslation(f, f, fill_mode="nearest", interpolation="nearest")`` +
``RandomFlip``: a shift drawn uniformly from ``[-f * size, f * size]`` and
rounded to the nearest pixel, a flip with probability one half
(``tests/test_augmentation.py`` compares the two).
"""

from __future__ import annotations

import keras
from keras import ops

FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")


def check_augmentation_settings(shift, flip):
    """One clear error for a shift fraction outside [0, 1) or an unknown flip mode (lesson 06)."""
    if not 0 <= shift < 1:
        raise ValueError(f"shift is a fraction of the image size and must be in [0, 1), got {shift}")
    if flip is not None and flip not in FLIP_MODES:
        raise ValueError(f"flip must be one of {', '.join(FLIP_MODES)} or None, got {flip!r}")
    if not shift and flip is None:
        raise ValueError("an augmentation block with neither shifts nor flips would do nothing")


@keras.saving.register_keras_serializable(package="course")
class ShiftAndFlip(keras.layers.Layer):
    """Shift each image by whole pixels and mirror it at random, by indexing (lesson 06).

    ``shift`` is the largest shift as a fraction of the height and width
    (``0.1`` moves a 32-pixel photo by up to 3 pixels each way); ``flip`` is
    ``"horizontal"`` (left-right), ``"vertical"``, ``"horizontal_and_vertical"``
    (each decided on its own) or ``None``. Like every Keras preprocessing layer
    it only transforms when called with ``training=True``, which ``fit`` does.
    """

    def __init__(self, shift=0.1, flip="horizontal", seed=None, **kwargs):
        super().__init__(**kwargs)
        check_augmentation_settings(shift, flip)
        self.shift, self.flip, self.seed = shift, flip, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _source_index(self, batch, size, flip):
        """For every image and output position, which input position it copies: ``(batch, size)`` ints."""
        positions = ops.arange(size, dtype="float32")[None, :]
        if flip:
            mirrored = keras.random.uniform((batch, 1), seed=self.seed_generator) < 0.5
            positions = ops.where(mirrored, size - 1 - positions, positions)
        if self.shift:
            limit = self.shift * size
            offset = ops.round(keras.random.uniform((batch, 1), -limit, limit, seed=self.seed_generator))
            positions = positions - offset
        positions = ops.broadcast_to(positions, (batch, size))  # also when this axis neither moves nor flips
        return ops.cast(ops.clip(positions, 0, size - 1), "int32")

    def call(self, images, training=False):
        if not training:
            return images
        if len(images.shape) != 4:
            raise ValueError(
                f"ShiftAndFlip takes a batch of images (batch, height, width, channels); got shape {images.shape}"
            )
        batch, height, width, _ = ops.shape(images)
        flip = self.flip or ""
        # pick[b, i, j] = 1 where output row (column) i of image b copies input row (column) j
        pick_rows = ops.one_hot(
            self._source_index(batch, height, "vertical" in flip), height, dtype=images.dtype
        )
        pick_cols = ops.one_hot(
            self._source_index(batch, width, "horizontal" in flip), width, dtype=images.dtype
        )
        images = ops.einsum("bij,bjwc->biwc", pick_rows, images)
        return ops.einsum("bkw,biwc->bikc", pick_cols, images)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "shift": self.shift, "flip": self.flip, "seed": self.seed}


__all__ = ["FLIP_MODES", "ShiftAndFlip", "check_augmentation_settings"]
