"""Plotting helpers shared by the notebooks (introduced in lesson 01).

Every figure gets a title and labelled axes; a grid of images is one call.
Functions return the Matplotlib figure so tests can inspect it; notebooks end
the cell with ``;`` or ``plt.show()`` so no ``<Figure ...>`` repr is stored.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle


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


def plot_matrix(
    values,
    ax=None,
    fmt="{:g}",
    texts=None,
    cmap="gray",
    vmin=None,
    vmax=None,
    fontsize=None,
    title=None,
    xlabel="column",
    ylabel="row",
):
    """Draw a 2-D array as a heat map with a number written on every cell (lessons 02 to 05).

    The course's one annotated-matrix plot: pixels of a digit, kernels,
    feature maps, confusion matrices. Each value is written with ``fmt``, or
    ``texts`` (an array of strings of the same shape; ``""`` leaves a cell
    blank) replaces them. The text is black on light cells and white on dark
    ones, judged from the cell's actual colour, so it stays readable on any
    colour map. Returns the Matplotlib figure.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"plot_matrix draws a 2-D array; got shape {values.shape}")
    rows, cols = values.shape
    if texts is None:
        texts = np.vectorize(fmt.format, otypes=[str])(values) if values.size else np.empty((rows, cols), str)
    texts = np.asarray(texts, dtype=str)
    if texts.shape != values.shape:
        raise ValueError(f"texts has shape {texts.shape} but values have shape {values.shape}")
    if ax is None:
        side = min(12.0, max(2.5, 0.45 * max(rows, cols)))
        _, ax = plt.subplots(figsize=(side, side))
    if fontsize is None:
        fontsize = max(5, min(12, int(160 / max(rows, cols, 1))))
    image = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
    for (r, c), text in np.ndenumerate(texts):
        if not text:
            continue
        red, green, blue, _ = image.cmap(image.norm(values[r, c]))
        light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
        ax.text(c, r, text, ha="center", va="center", fontsize=fontsize, color="black" if light else "white")
    ax.set_xticks(range(cols))
    ax.set_yticks(range(rows))
    ax.tick_params(labelsize=max(6, fontsize - 1))
    ax.set(xlabel=xlabel, ylabel=ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    return ax.figure


def plot_pixel_values(
    image, title=None, ax=None, fmt="{:.2f}", cmap="gray", vmin=None, vmax=None, fontsize=None
):
    """Draw one small grayscale image large, with every pixel's value printed on it (lesson 02).

    Zeros are printed as ``0`` so the eye finds the non-zero pixels quickly;
    ``fmt`` formats the other values (``"{:.2f}"`` for pixels in [0, 1],
    ``"{:.0f}"`` for integers). Lesson 04 uses it for its 8x8 image, kernels
    and feature map. A trailing channel axis of size 1 is dropped. Returns the
    Matplotlib figure.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim != 2:
        raise ValueError(f"plot_pixel_values draws one 2-D image; got an array of shape {image.shape}")
    texts = np.where(image == 0, "0", np.vectorize(fmt.format, otypes=[str])(image))
    return plot_matrix(
        image, ax=ax, texts=texts, cmap=cmap, vmin=vmin, vmax=vmax, fontsize=fontsize, title=title
    )


def _as_history_dict(history):
    return history.history if hasattr(history, "history") else dict(history)


def plot_history(histories, metrics=("loss", "accuracy"), title="Training history"):
    """Training curves from one Keras ``History`` or a ``{name: History}`` dict (lesson 05).

    Draws one panel per metric; training is a solid line and validation (when
    recorded) a dashed one in the same colour, so gaps between them stand out.
    The legend sits below the panels, where it cannot hide a curve, and epochs
    are whole numbers on the x axis.
    """
    from matplotlib.ticker import MaxNLocator

    if hasattr(histories, "history"):
        histories = {"model": histories}
    histories = {name: _as_history_dict(h) for name, h in histories.items()}
    metrics = [m for m in metrics if any(m in h for h in histories.values())]
    if not metrics:
        raise ValueError("none of the requested metrics were recorded in the history")
    fig, axes = plt.subplots(
        1,
        len(metrics),
        figsize=(5.5 * len(metrics), 3.8 + 0.25 * len(histories)),
        squeeze=False,
        layout="constrained",
    )
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
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    entries = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    fig.legend(
        entries.values(), entries.keys(), loc="outside lower center", ncol=min(len(entries), 4), fontsize=8
    )
    fig.suptitle(title)
    return fig


# ----------------------------------------------------------------------------
# explanation maps (lesson 07): the drawing side of utils.explain


def _as_picture(image):
    """An image ready for ``imshow``: 2-D for one channel, values clipped to [0, 1]."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3):
        raise ValueError(f"expected an (H, W) or (H, W, C) image, got shape {image.shape}")
    return np.clip(image, 0.0, 1.0)


def overlay_heatmap(image, heatmap, ax=None, alpha=0.5, cmap="jet", title=None):
    """Draw ``heatmap`` (H×W, e.g. a Grad-CAM map in [0, 1]) semi-transparently over ``image`` (lesson 07).

    The map must have the image's height and width (explanation functions
    return maps at input resolution). Returns the figure.
    """
    picture = _as_picture(image)
    heatmap = np.asarray(heatmap, dtype=np.float32)
    if heatmap.shape != picture.shape[:2]:
        raise ValueError(f"heatmap has shape {heatmap.shape} but the image is {picture.shape[:2]}")
    if ax is None:
        _, ax = plt.subplots(figsize=(3, 3))
    ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
    ax.imshow(heatmap, cmap=cmap, alpha=alpha, vmin=0, vmax=max(1.0, float(heatmap.max())))
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=9)
    return ax.figure


def show_explanations(images, maps, row_titles=None, overlay=False, cmap="jet", size=1.6, suptitle=None):
    """A grid of explanations: one row per image, the image then one column per method (lesson 07).

    ``maps`` is ``{method name: array (n, H, W)}``. Maps are drawn with
    ``cmap`` on their own, or over the image with ``overlay=True`` (or only
    the methods named in ``overlay``, e.g. ``overlay=["Grad-CAM"]``). Signed
    maps (occlusion) get a diverging scale centred on zero.
    """
    pictures = [_as_picture(im) for im in images]
    if not pictures or not maps:
        raise ValueError("show_explanations needs at least one image and one map")
    for name, values in maps.items():
        if len(values) != len(pictures):
            raise ValueError(f"maps[{name!r}] has {len(values)} maps for {len(pictures)} images")
    if row_titles is not None and len(row_titles) != len(pictures):
        raise ValueError(f"got {len(pictures)} images but {len(row_titles)} row titles")
    ncols = 1 + len(maps)
    figsize = (size * ncols, size * len(pictures) + 0.5)
    fig, axes = plt.subplots(len(pictures), ncols, figsize=figsize, squeeze=False, layout="constrained")
    for i, picture in enumerate(pictures):
        axes[i, 0].imshow(picture, cmap="gray" if picture.ndim == 2 else None)
        axes[i, 0].set_title(row_titles[i] if row_titles is not None else "image", fontsize=8)
        for j, (name, values) in enumerate(maps.items(), start=1):
            m = np.asarray(values[i], dtype=np.float32)
            ax = axes[i, j]
            if overlay is True or (not isinstance(overlay, bool) and name in overlay):
                overlay_heatmap(picture, m, ax=ax, cmap=cmap)
            elif m.min() < 0:
                limit = float(np.abs(m).max()) or 1.0
                ax.imshow(m, cmap="RdBu_r", vmin=-limit, vmax=limit)
            else:
                ax.imshow(m, cmap=cmap, vmin=0)
            ax.set_title(name, fontsize=8)
        for ax in axes[i]:
            ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_filters(kernels, ncols=8, title="First-layer filters", size=0.9):
    """A convolutional layer's kernels ``(kh, kw, in_channels, filters)`` drawn as small images (lesson 07).

    Three input channels: each filter as an RGB picture, scaled on its own to
    [0, 1] (the colour and edge it looks for). One channel: grey levels on one
    shared, zero-centred scale (dark = negative weight, light = positive),
    comparable with lesson 03's hand-made edge filters.
    """
    kernels = np.asarray(kernels, dtype=np.float32)
    if kernels.ndim != 4 or kernels.shape[2] not in (1, 3):
        raise ValueError(
            f"kernels must have shape (kh, kw, 1 or 3, filters) (a first layer's kernel), got {kernels.shape}"
        )
    n = kernels.shape[3]
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.5), squeeze=False)
    limit = float(np.abs(kernels).max()) or 1.0
    for f, ax in enumerate(axes.flat):
        ax.axis("off")
        if f >= n:
            continue
        k = kernels[:, :, :, f]
        if k.shape[2] == 3:
            low, high = k.min(), k.max()
            ax.imshow((k - low) / (high - low) if high > low else np.full_like(k, 0.5))
        else:
            ax.imshow(k[:, :, 0], cmap="gray", vmin=-limit, vmax=limit)
        ax.set_title(str(f), fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_feature_maps(maps, n_channels=8, size=1.1, suptitle=None):
    """Feature maps of one image at several depths: one row per layer, its most active channels (lesson 07).

    ``maps`` is ``{layer name: array (h, w, channels)}`` (one image's entry of
    :func:`utils.explain.feature_maps`). Each row shows the ``n_channels``
    channels with the largest mean activation, each scaled on its own, and is
    labelled with the layer's name and map size.
    """
    if not maps:
        raise ValueError("plot_feature_maps needs at least one layer's maps")
    fig, axes = plt.subplots(
        len(maps), n_channels, figsize=(size * n_channels, size * len(maps) + 0.5), squeeze=False
    )
    for row, (name, values) in zip(axes, maps.items()):
        values = np.asarray(values, dtype=np.float32)
        if values.ndim != 3:
            raise ValueError(f"maps[{name!r}] must be (h, w, channels) for one image, got {values.shape}")
        order = np.argsort(-values.mean(axis=(0, 1)))[:n_channels]
        for ax, channel in zip(row, order):
            ax.imshow(values[:, :, channel], cmap="viridis")
            ax.set_title(f"ch {channel}", fontsize=7)
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
        row[0].set_ylabel(f"{name}\n{values.shape[0]}x{values.shape[1]}", fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def _square_sides(size):
    """``(height, width)`` of a receptive field: its ``size`` is one int or a per-axis pair."""
    return (size, size) if np.ndim(size) == 0 else tuple(size)


def plot_receptive_fields(image, fields, title="Receptive field of a central unit", size=3.4):
    """What a unit at the image's centre sees: one square per convolution, drawn on ``image`` (lesson 07).

    ``fields`` is the list :func:`utils.explain.receptive_fields` returns; its
    convolution rows are drawn as squares of their ``size`` (side in input
    pixels) centred on the image, one colour each, named with the layer and
    the side in the legend. Pooling rows are skipped. Returns the figure.
    """
    picture = _as_picture(image)
    fields = list(fields)
    if not all(hasattr(row, "kind") and hasattr(row, "size") for row in fields):
        raise TypeError(
            "fields must be the rows of explain.receptive_fields(model) (each with .layer, .kind and .size), "
            f"got {type(fields[0]).__name__ if fields else 'nothing'}."
        )
    convolutions = [row for row in fields if row.kind == "conv"]
    if not convolutions:
        raise ValueError(
            "fields has no convolution rows to draw; pass explain.receptive_fields(model) of a CNN."
        )
    height, width = picture.shape[:2]
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(picture, cmap="gray" if picture.ndim == 2 else None)
    for i, row in enumerate(convolutions):
        side_y, side_x = _square_sides(row.size)
        corner = ((width - 1) / 2 - side_x / 2, (height - 1) / 2 - side_y / 2)
        sides = f"{side_x}" if side_x == side_y else f"{side_y}x{side_x}"
        label = f"{row.layer}: {sides} px"
        ax.add_patch(Rectangle(corner, side_x, side_y, fill=False, color=f"C{i}", lw=2, label=label))
    ax.set(title=title, xlabel="x (pixels)", ylabel="y (pixels)")
    ax.legend(fontsize=7, loc="lower left")
    return fig


def plot_randomisation_curves(steps, similarity, title="Similarity to the trained model's maps"):
    """The sanity check's result: each method's similarity to its trained maps, step by step (lesson 07).

    ``steps`` names the cascading randomisation's steps (the layer each one
    reached, top layer first); ``similarity`` is ``{method: one mean rank
    correlation per step}``. One line per method, and a grey line at zero (no
    similarity left). Returns the figure.
    """
    steps = list(steps)
    if not similarity:
        raise ValueError("similarity is empty; give {method name: one value per step}.")
    for name, values in similarity.items():
        if len(values) != len(steps):
            raise ValueError(f"similarity[{name!r}] has {len(values)} values for {len(steps)} steps")
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for name, values in similarity.items():
        ax.plot(steps, values, marker="o", label=name)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set(title=title, xlabel="randomised from the top down to", ylabel="rank correlation")
    ax.legend()
    return fig


def show_randomised_maps(image, trained, randomised, at_layers, size=1.4):
    """One photo's maps from the trained model, then after randomising down to ``at_layers`` (lesson 07).

    ``trained`` is ``{column name: map (H, W)}`` of the trained model (titled
    ``"<name>\\ntrained"``); ``randomised`` is ``{(method, layer): map (H, W)}``,
    one entry per method and randomisation step, named by the layer the step
    reached. The maps at ``at_layers`` follow, titled ``"<method>\\n-> <layer>"``,
    in the order of ``randomised``. Returns the figure of
    :func:`show_explanations` (one row: the image, then the maps).
    """
    picture = _as_picture(image)
    reached = {layer for _, layer in randomised}
    missing = [layer for layer in at_layers if layer not in reached]
    if missing:
        raise ValueError(
            f"no randomised maps at {', '.join(map(repr, missing))}; randomised has the layers "
            f"{', '.join(sorted(reached)) or '(none)'}."
        )
    columns = {f"{name}\ntrained": m for name, m in trained.items()}
    columns |= {f"{name}\n-> {layer}": m for (name, layer), m in randomised.items() if layer in at_layers}
    for name, m in columns.items():
        if np.shape(m) != picture.shape[:2]:
            raise ValueError(
                f"map {name!r} has shape {np.shape(m)}; one map (H, W) of the image's size "
                f"{picture.shape[:2]} was expected"
            )
    return show_explanations(
        picture[np.newaxis], {name: np.asarray(m)[np.newaxis] for name, m in columns.items()}, size=size
    )
