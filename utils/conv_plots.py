"""Figures for lesson 03 (convolution by hand), and its interactive explorer.

The lesson's notebook computes every number in plain NumPy or Keras; these
helpers only draw them:

* :func:`plot_kernels`: kernels with their weights written on the cells
  (small arrays in general: :func:`utils.plots.plot_matrix`);
* :func:`plot_sliding_window`: a kernel visiting a few positions of an image;
* :func:`show_maps`: feature maps side by side, signed maps on a diverging scale;
* :func:`plot_stage_grid`: one row per filter, one column per stage
  (convolution, ReLU, pooling);
* :func:`conv_layer_figure`: one convolution layer (stride, bias, ReLU, max
  pooling) drawn for given settings, and :func:`explore_conv_layer`, which puts
  sliders on it in a live Jupyter front end and draws the static figure
  everywhere else (nbconvert, CI, a plain Python script).

Every function returns its Matplotlib figure (or the widget) so tests can
inspect it; notebooks end the cell with ``;`` so no repr is stored.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from utils.conv import conv2d, pool2d
from utils.plots import plot_matrix
from utils.setup import widgets_available

SIGNED_CMAP = "RdBu_r"  # red positive, blue negative, white zero


def _colour_limits(m, signed, robust):
    """(vmin, vmax) for a map: symmetric around 0 when signed; with ``robust``
    the scale stops at the 99.5th percentile, so a few very strong responses
    do not leave every other one invisible."""
    m = np.asarray(m, dtype=float)
    if signed:
        limit = float(np.percentile(np.abs(m), 99.5) if robust else np.abs(m).max()) or 1.0
        return -limit, limit
    top = float(np.percentile(m, 99.5) if robust else m.max())
    return float(m.min()), top if top > m.min() else float(m.min()) + 1.0


def plot_kernels(kernels, titles=None, suptitle=None, fmt="{:g}", size=2.6):
    """Kernels side by side with their weights on the cells (lesson 03).

    ``kernels`` is a list of 2-D arrays or a Keras kernel bank ``(kh, kw, 1, F)``.
    Negative weights are blue, positive red, zero white.
    """
    arr = np.asarray(kernels) if not isinstance(kernels, list) else None
    if arr is not None and arr.ndim == 4:
        kernels = [arr[:, :, 0, f] for f in range(arr.shape[3])]
    kernels = [np.asarray(k) for k in kernels]
    if titles is not None and len(titles) != len(kernels):
        raise ValueError(f"got {len(kernels)} kernels but {len(titles)} titles")
    limit = max(float(np.abs(k).max()) for k in kernels) or 1.0
    fig, axes = plt.subplots(1, len(kernels), figsize=(size * len(kernels), size + 0.5), squeeze=False)
    for i, (ax, k) in enumerate(zip(axes.flat, kernels)):
        plot_matrix(
            k,
            ax=ax,
            title=None if titles is None else titles[i],
            fmt=fmt,
            cmap=SIGNED_CMAP,
            vmin=-limit,
            vmax=limit,
            fontsize=9,
        )
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_sliding_window(image, kernel, positions, fmt="{:g}"):
    """A kernel visiting a few positions of a small image, stride 1, no padding (lesson 03).

    One panel per ``(row, col)`` position: the image with the window outlined
    and the sum of products in the title; a last panel shows the whole output.
    """
    image = np.asarray(image)
    kernel = np.asarray(kernel)
    out = conv2d(image, kernel)
    kh, kw = kernel.shape
    n = len(positions) + 1
    fig, axes = plt.subplots(1, n, figsize=(3.0 * n, 3.4), squeeze=False)
    for ax, (i, j) in zip(axes.flat, positions):
        if not (0 <= i < out.shape[0] and 0 <= j < out.shape[1]):
            raise ValueError(f"position {(i, j)} is outside the {out.shape} output")
        plot_matrix(image, ax=ax, fmt=fmt, cmap="gray", vmin=image.min(), vmax=image.max(), fontsize=9)
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), kw, kh, fill=False, edgecolor="tab:orange", linewidth=3))
        ax.set_title(f"window at ({i}, {j}):\nsum of products = {out[i, j]:g}", fontsize=10)
    limit = float(np.abs(out).max()) or 1.0
    plot_matrix(out, ax=axes.flat[-1], fmt=fmt, cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, fontsize=9)
    axes.flat[-1].set_title(f"output {out.shape[0]}x{out.shape[1]}\n(one value per window)", fontsize=10)
    fig.tight_layout()
    return fig


def show_maps(
    maps,
    titles,
    suptitle=None,
    signed=None,
    marks=None,
    robust=False,
    same_scale=False,
    size=3.2,
    ncols=None,
    colorbar=True,
):
    """Feature maps side by side, each with a colour bar (lesson 03).

    A signed map is drawn on a diverging scale centred on zero (red positive,
    blue negative), so the two signs are easy to tell apart; others in gray
    (bright = large). ``signed`` is one bool for all maps or one per map; by
    default a map is signed when it has negative values. ``marks`` (optional)
    gives one ``(row, col)`` or ``None`` per map, drawn as a cross, e.g. the
    location of a maximum. ``robust=True`` ends the colour scale at the 99.5th
    percentile (values beyond it saturate), which makes faint edges visible.
    ``same_scale=True`` gives all 2-D maps one colour scale, so their values
    can be compared by eye. (H, W, 3) arrays are shown as colour images.
    """
    maps = [np.asarray(m) for m in maps]
    if len(titles) != len(maps):
        raise ValueError(f"got {len(maps)} maps but {len(titles)} titles")
    if signed is None:
        signed = [float(m.min()) < 0 for m in maps]
    elif isinstance(signed, bool):
        signed = [signed] * len(maps)
    marks = [None] * len(maps) if marks is None else list(marks)
    if len(signed) != len(maps) or len(marks) != len(maps):
        raise ValueError("signed and marks need one entry per map")
    shared = None
    if same_scale:
        flat = np.concatenate([m.ravel() for m in maps if m.ndim == 2])
        shared = _colour_limits(flat, any(signed), robust)
    ncols = ncols or len(maps)
    nrows = -(-len(maps) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.5), squeeze=False)
    for ax in axes.flat[len(maps) :]:
        ax.axis("off")
    for ax, m, title, is_signed, mark in zip(axes.flat, maps, titles, signed, marks):
        if m.ndim == 3:
            image = ax.imshow(np.clip(m, 0, 1))
        else:
            vmin, vmax = shared or _colour_limits(m, is_signed, robust)
            image = ax.imshow(m, cmap=SIGNED_CMAP if is_signed else "gray", vmin=vmin, vmax=vmax)
        if mark is not None:
            ax.plot(mark[1], mark[0], marker="x", color="gold", markersize=12, markeredgewidth=3)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        ax.tick_params(labelsize=7)
        if colorbar and m.ndim == 2:
            fig.colorbar(image, ax=ax, fraction=0.046, pad=0.03)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_stage_grid(stages, kernels=None, row_titles=None, suptitle=None, size=2.4, robust=True):
    """One row per filter, one column per stage of a convolution layer (lesson 03).

    ``stages`` maps a stage name to an ``(H, W, F)`` array (e.g. the outputs of
    the convolution, of ReLU and of pooling); ``kernels`` (optional,
    ``(kh, kw, 1, F)``) adds a first column with each filter's weights. Signed
    maps are red/blue, non-negative ones gray; ``robust`` clips the colour
    scale at the 99.5th percentile so that faint edges stay visible.
    """
    names = list(stages)
    arrays = [np.asarray(stages[name]) for name in names]
    if not arrays or any(a.ndim != 3 for a in arrays):
        raise ValueError("each stage must be an (H, W, F) array, one map per filter")
    n_filters = arrays[0].shape[-1]
    if any(a.shape[-1] != n_filters for a in arrays):
        raise ValueError("every stage must have the same number of filters (last axis)")
    extra = 0 if kernels is None else 1
    ncols = len(names) + extra
    fig, axes = plt.subplots(n_filters, ncols, figsize=(size * ncols, size * n_filters + 0.4), squeeze=False)
    for f in range(n_filters):
        label = row_titles[f] if row_titles is not None else f"filter {f + 1}"
        if kernels is not None:
            k = np.asarray(kernels)[:, :, 0, f]
            limit = float(np.abs(k).max()) or 1.0
            plot_matrix(k, ax=axes[f, 0], fmt="{:g}", cmap=SIGNED_CMAP, vmin=-limit, vmax=limit, fontsize=7)
            axes[f, 0].set_title(f"{label}: weights", fontsize=9)
        for c, (name, a) in enumerate(zip(names, arrays)):
            ax = axes[f, c + extra]
            m = a[:, :, f]
            signed = float(m.min()) < 0
            vmin, vmax = _colour_limits(m, signed, robust)
            ax.imshow(m, cmap=SIGNED_CMAP if signed else "gray", vmin=vmin, vmax=vmax)
            ax.set_title(f"{label}: {name} {m.shape[0]}x{m.shape[1]}", fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            if f == n_filters - 1:
                ax.set_xlabel("column")
            if c == 0 and kernels is None:
                ax.set_ylabel("row")
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def conv_layer_figure(image, kernel, stride=1, bias=0.0, pool_size=2):
    """One convolution layer on a grayscale image, drawn stage by stage (lesson 03).

    Panels: the input, ``conv2d(image, kernel, stride) + bias`` (signed),
    ReLU of that, and max pooling with a ``pool_size`` window (stride =
    pool size; 1 means no pooling). Titles give shapes and the share of units
    that ReLU lets through, so the effect of each setting can be read off.
    """
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"conv_layer_figure takes a grayscale (H, W) image; got shape {image.shape}")
    pre = conv2d(image, kernel, stride=stride, bias=bias)
    act = np.maximum(pre, 0)
    pooled = pool2d(act, pool_size, mode="max") if pool_size > 1 else act
    # 2x2 at 9 inches: shown at full size in a JupyterLab output (a 1x4 row 14 inches wide
    # was shrunk until its titles were hard to read)
    fig, axes = plt.subplots(2, 2, figsize=(9, 7.6))
    panels = [
        (image, "gray", None, f"input {image.shape[0]}x{image.shape[1]}"),
        (
            pre,
            SIGNED_CMAP,
            _colour_limits(pre, True, robust=True),
            f"conv, stride {stride}, bias {bias:+.2f}\n{pre.shape[0]}x{pre.shape[1]}",
        ),
        (
            act,
            "gray",
            _colour_limits(act, False, robust=True),
            f"ReLU: {100 * float((act > 0).mean()):.0f}% of units active",
        ),
        (
            pooled,
            "gray",
            _colour_limits(pooled, False, robust=True),
            f"max pool {pool_size}x{pool_size}\n{pooled.shape[0]}x{pooled.shape[1]}",
        ),
    ]
    for ax, (values, cmap, lims, title) in zip(axes.flat, panels):
        vmin, vmax = lims if lims else (None, None)
        shown = ax.imshow(values, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        ax.tick_params(labelsize=7)
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.03)
    fig.suptitle("One convolution layer: convolution (+ bias), ReLU, max pooling")
    fig.tight_layout()
    return fig


def explore_conv_layer(image, kernel, stride=1, bias=0.0, pool_size=2, interactive=None):
    """Sliders for stride, bias and pool size over :func:`conv_layer_figure` (lesson 03).

    In a live front end (see :func:`widgets_available`, or ``interactive=True``)
    it displays an ``ipywidgets.interactive`` panel and returns it; otherwise
    it draws the static figure for the given settings and returns that figure.
    """
    if interactive is None:
        interactive = widgets_available()
    if not interactive:
        return conv_layer_figure(image, kernel, stride=stride, bias=bias, pool_size=pool_size)

    import ipywidgets as widgets
    from IPython.display import display

    def draw(stride, bias, pool_size):
        conv_layer_figure(image, kernel, stride=stride, bias=bias, pool_size=pool_size)
        plt.show()

    panel = widgets.interactive(
        draw,
        stride=widgets.IntSlider(value=stride, min=1, max=8, description="stride"),
        bias=widgets.FloatSlider(value=bias, min=-3.0, max=3.0, step=0.1, description="bias"),
        pool_size=widgets.IntSlider(value=pool_size, min=1, max=8, description="pool size"),
    )
    display(panel)
    return panel
