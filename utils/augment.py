"""Data augmentation as Keras preprocessing layers (introduced in lesson 06).

Older Keras code augmented images with ``ImageDataGenerator`` and trained on
its batches with a separate generator-based fit method; both are gone. Keras 3
does the same with preprocessing layers that sit inside the model: they
transform each batch while the model trains and pass images through unchanged
in ``predict``, ``evaluate`` and any call with ``training=False``.

:func:`seed_augmentation` builds the block lesson 06 uses: random shifts of up
to 10 % of the width and height (edges filled with the nearest pixel) and
random left-right flips, the settings of the original CIFAR-10 example.
Later lessons (transfer learning) reuse it.

Careful: calling a model that contains this block directly, ``model(x)``,
without ``training=False`` *does* augment. Gradient-based explanations
(lesson 07) must call ``model(x, training=False)``.
"""

from __future__ import annotations


def seed_augmentation(shift=0.1, flip="horizontal", fill_mode="nearest", seed=None, name="augmentation"):
    """Random shifts and flips as a ``keras.Sequential`` of preprocessing layers (lesson 06).

    ``shift`` is the largest shift as a fraction of the image height and width
    (``0.1`` moves a 32-pixel image by up to 3.2 pixels each way), like
    ``width_shift_range``/``height_shift_range`` of the old ``ImageDataGenerator``;
    ``flip`` is ``"horizontal"``, ``"vertical"``, ``"horizontal_and_vertical"``
    or ``None`` for no flips; ``fill_mode`` says how the uncovered border is
    filled. The layers are named ``shift`` and ``flip``. The block keeps the
    shape of its input and is only active when called with ``training=True``
    (which ``fit`` does for you).
    """
    from keras import Sequential, layers

    if not 0 <= shift < 1:
        raise ValueError(f"shift is a fraction of the image size and must be in [0, 1), got {shift}")
    blocks = []
    if shift:
        blocks.append(layers.RandomTranslation(shift, shift, fill_mode=fill_mode, seed=seed, name="shift"))
    if flip:
        blocks.append(layers.RandomFlip(flip, seed=None if seed is None else seed + 1, name="flip"))
    if not blocks:
        raise ValueError("an augmentation block with neither shifts nor flips would do nothing")
    return Sequential(blocks, name=name)


__all__ = ["seed_augmentation"]
