"""Plotting helpers shared by the notebooks (introduced in lesson 01).

Every figure gets a title and labelled axes; a grid of images is one call.
Functions return the Matplotlib figure so tests can inspect it; notebooks end
the cell with ``;`` or ``plt.show()`` so no ``<Figure ...>`` repr is stored.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np


def show_images(images, titles=None, ncols=10, cmap="gray", suptitle=None, size=1.3):
    """Draw images in a grid, each with an optional title (e.g. its label).

    ``images`` is a sequence or array of 2-D (grayscale) or H×W×3 (colour)
    images, uint8 or floats in [0, 1]. Rows grow taller when titles have
    several lines (``"cat 45%\\n(true: dog)"``), so they do not overlap the row above.
    """
    images = list(images)
    if not images:
        raise ValueError("show_images needs at least one image")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"got {len(images)} images but {len(titles)} titles")
    ncols = min(ncols, len(images))
    nrows = math.ceil(len(images) / ncols)
    title_lines = max((str(t).count("\n") + 1 for t in titles), default=1) if titles is not None else 1
    row_height = size + 0.16 * (title_lines - 1)  # room for titles of several lines
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(size * ncols, row_height * nrows + 0.4), squeeze=False, layout="constrained"
    )
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        image = np.asarray(images[i])
        if image.ndim == 3 and image.shape[-1] == 1:
            image = image[..., 0]
        ax.imshow(image, cmap=cmap if image.ndim == 2 else None)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_curve(values, title, xlabel="iteration", ylabel="loss", logy=False, ax=None):
    """Plot one sequence of numbers (e.g. a loss per iteration) as a labelled line."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.arange(len(values)), values)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logy:
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    return ax.figure


def _as_history_dict(history):
    return history.history if hasattr(history, "history") else dict(history)


def plot_history(histories, metrics=("loss", "accuracy"), title="Training history"):
    """Training curves from one Keras ``History`` or a ``{name: History}`` dict.

    Draws one panel per metric; training is a solid line and validation (when
    recorded) a dashed one in the same colour, so gaps between them stand out.
    """
    if hasattr(histories, "history"):
        histories = {"model": histories}
    histories = {name: _as_history_dict(h) for name, h in histories.items()}
    metrics = [m for m in metrics if any(m in h for h in histories.values())]
    if not metrics:
        raise ValueError("none of the requested metrics were recorded in the history")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        for i, (name, h) in enumerate(histories.items()):
            colour = f"C{i}"
            prefix = f"{name}: " if len(histories) > 1 else ""
            if metric in h:
                epochs = np.arange(1, len(h[metric]) + 1)
                ax.plot(epochs, h[metric], color=colour, marker="o", label=f"{prefix}train")
            if f"val_{metric}" in h:
                epochs = np.arange(1, len(h[f"val_{metric}"]) + 1)
                ax.plot(
                    epochs, h[f"val_{metric}"], color=colour, marker="o", ls="--", label=f"{prefix}validation"
                )
        ax.set(title=metric, xlabel="epoch", ylabel=metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
