"""Looking at small images as numbers, and moving them about (lessons 02 and 04).

* :func:`plot_pixel_values` draws a small grayscale array large, with every
  value printed in its cell: one MNIST digit in lesson 02, the 8x8 image,
  the 3x3 kernels and the feature map of the line detector in lesson 04.
* :func:`shift_images` and :func:`shift_randomly` move digits by a few pixels
  (filling with black), to test how a model copes with a digit that is not
  centred (lesson 02).
* :func:`epoch_timer` is a Keras callback that times every training epoch, for
  the "time per epoch" column of lesson 02's comparison.
* :func:`make_line_images` generates the small labelled images (vertical line
  or not) that lesson 04 trains its one-filter detector on.
"""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np

_DIRECTIONS = ((-1, 0), (1, 0), (0, -1), (0, 1))  # up, down, left, right as (dy, dx)


def plot_pixel_values(
    image, title=None, ax=None, fmt="{:.2f}", cmap="gray", vmin=None, vmax=None, fontsize=None
):
    """Draw a 2-D array as an image with every value printed on its pixel (lesson 02).

    Zeros are printed as ``0`` so the eye finds the non-zero pixels quickly;
    the text is white on dark pixels and black on light ones. ``fmt`` formats
    the other values (``"{:.2f}"`` for pixels in [0, 1], ``"{:.0f}"`` for
    integers). Lesson 04 uses it for its 8x8 image, kernels and feature map.
    Returns the Matplotlib figure.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim != 2:
        raise ValueError(f"plot_pixel_values draws one 2-D image; got an array of shape {image.shape}")
    rows, cols = image.shape
    if ax is None:
        side = min(12.0, max(2.5, 0.45 * max(rows, cols)))
        _, ax = plt.subplots(figsize=(side, side))
    low = image.min() if vmin is None else vmin
    high = image.max() if vmax is None else vmax
    if high <= low:
        high = low + 1.0
    ax.imshow(image, cmap=cmap, vmin=low, vmax=high)
    if fontsize is None:
        fontsize = max(5, min(14, int(160 / max(rows, cols))))
    middle = (low + high) / 2
    for r in range(rows):
        for c in range(cols):
            value = image[r, c]
            text = "0" if value == 0 else fmt.format(value)
            colour = "black" if value > middle else "white"
            ax.text(c, r, text, ha="center", va="center", color=colour, fontsize=fontsize)
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.tick_params(labelsize=max(6, fontsize - 1))
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    if title:
        ax.set_title(title)
    return ax.figure


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


def epoch_timer():
    """A Keras callback that stores the wall time of each training epoch in ``.times`` (lesson 02).

    Pass it to ``model.fit(..., callbacks=[timer])``; afterwards ``timer.times``
    is a list of seconds, one per epoch. The first epoch also includes the
    one-off cost of tracing the model, so lesson 02 reports the median.
    """
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.times = []
            self._start = None

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.times.append(time.perf_counter() - self._start)

    return EpochTimer()


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


__all__ = ["epoch_timer", "make_line_images", "plot_pixel_values", "shift_images", "shift_randomly"]
