"""Images the lessons make, load or move about (lessons 02, 03 and 04).

* :func:`load_sample_photo`: the course's sample photo, a portrait of Grace
  Hopper that ships with the repository (lesson 03, reused in lesson 07).
* :func:`shift_images` and :func:`shift_randomly`: move digits a few pixels
  (filling with black), to test how a model copes with a digit that is not
  centred (lesson 02).
* :func:`make_line_images`: small labelled images, with or without a vertical
  line, for lesson 04's one-filter detector.

Data sets (MNIST, CIFAR-10) are loaded by :mod:`utils.data`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from utils.config import REPO_ROOT

SAMPLE_PHOTO = REPO_ROOT / "data" / "images" / "grace_hopper_256.jpg"
_DIRECTIONS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # up, down, left, right as (dy, dx)


def _installed_photo():
    """The repository's photo, or where it lies outside a repository (Colab), the copy installed with the package."""
    if SAMPLE_PHOTO.is_file():
        return SAMPLE_PHOTO
    try:
        from importlib.resources import files

        return Path(str(files("cnn_course_images").joinpath(SAMPLE_PHOTO.name)))
    except ModuleNotFoundError:
        return SAMPLE_PHOTO


def load_sample_photo(grayscale=True, path=None):
    """Grace Hopper's portrait (lesson 03) as float32 in [0, 1].

    ``grayscale=True`` gives an ``(H, W)`` array (luminance, ITU-R 601 weights,
    the same as Pillow's ``convert("L")`` but without rounding to integers);
    ``grayscale=False`` gives ``(H, W, 3)`` RGB. The file ships with the
    repository in ``data/images/`` (see its README for source and licence) and is
    installed with the package as ``cnn_course_images`` (for Colab); nothing is
    ever downloaded.
    """
    from PIL import Image

    path = Path(path) if path is not None else _installed_photo()
    if not path.is_file():
        raise FileNotFoundError(
            f"The lesson-03 sample photo is missing: {path} does not exist. It is part of the "
            "repository (data/images/); restore it with `git checkout -- data/images/` or pass "
            "path= to another image file."
        )
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    if not grayscale:
        return rgb
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return (rgb @ weights).astype(np.float32)


def shift_images(images, dy, dx):
    """Move every image ``dy`` pixels down and ``dx`` pixels right (lesson 02).

    Negative values move up or left. Pixels pushed over the border are lost
    and the uncovered strip is filled with zeros (black), as if the writer had
    put the digit off-centre; nothing wraps around. ``images`` is an array of
    shape ``(n, height, width)`` or ``(n, height, width, channels)``; the
    result has the same shape and dtype.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"expected a batch of images (n, h, w[, c]); got shape {images.shape}")
    height, width = images.shape[1:3]
    dy, dx = int(dy), int(dx)
    shifted = np.zeros_like(images)
    if abs(dy) >= height or abs(dx) >= width:
        return shifted
    src_rows = slice(max(0, -dy), height - max(0, dy))
    dst_rows = slice(max(0, dy), height - max(0, -dy))
    src_cols = slice(max(0, -dx), width - max(0, dx))
    dst_cols = slice(max(0, dx), width - max(0, -dx))
    shifted[:, dst_rows, dst_cols] = images[:, src_rows, src_cols]
    return shifted


def shift_randomly(images, distance, seed=0):
    """Move each image ``distance`` pixels up, down, left or right, picked at random (lesson 02).

    The direction is drawn per image from a NumPy generator seeded with
    ``seed``, so the same call always gives the same shifted set.
    ``distance=0`` returns an unchanged copy.
    """
    images = np.asarray(images)
    rng = np.random.default_rng(seed)
    choice = rng.integers(len(_DIRECTIONS), size=len(images))
    shifted = np.empty_like(images)
    for k, (dy, dx) in enumerate(_DIRECTIONS):
        chosen = choice == k
        if chosen.any():
            shifted[chosen] = shift_images(images[chosen], dy * distance, dx * distance)
    return shifted


def make_line_images(n, seed=0, size=8):
    """Random ``size`` x ``size`` images, half of them with a vertical line (lesson 04).

    Returns ``(images, labels)``: float32 images of shape ``(n, size, size, 1)``
    in [0, 1] and float32 labels, 1 for "has a vertical line", 0 otherwise.
    Every image has a dim background (a level in [0, 0.3] plus pixel noise up
    to 0.1). A positive gets a bright (1.0) vertical line, 1 or 2 pixels wide
    and at least ``size - 2`` pixels long, kept off the left and right borders
    so that a 3x3 window can be centred on it. Half of the negatives get the
    same kind of line lying horizontally, the other half only noise, so a
    detector cannot just look for bright pixels. Seeded: the same ``seed``
    gives the same images.
    """
    if size < 5:
        raise ValueError(f"images must be at least 5 pixels wide for a line to fit; got size={size}")
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.0, 0.3, size=(n, 1, 1))
    images = level + rng.uniform(0.0, 0.1, size=(n, size, size))
    labels = rng.integers(2, size=n)
    horizontal = rng.integers(2, size=n) == 1
    for i in range(n):
        width = rng.integers(1, 3)
        across = rng.integers(1, size - width)  # first column (or row) of the line, off the border
        length = rng.integers(size - 2, size + 1)
        along = rng.integers(0, size - length + 1)
        if labels[i] == 1:
            images[i, along : along + length, across : across + width] = 1.0
        elif horizontal[i]:
            images[i, across : across + width, along : along + length] = 1.0
    return images[..., None].astype("float32"), labels.astype("float32")


__all__ = ["SAMPLE_PHOTO", "load_sample_photo", "make_line_images", "shift_images", "shift_randomly"]
