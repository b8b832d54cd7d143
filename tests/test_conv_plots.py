"""Tests of utils.conv_plots (lesson 03's figures and interactive explorer)."""

import matplotlib.figure
import numpy as np
import pytest

from utils.conv_plots import (
    conv_layer_figure,
    explore_conv_layer,
    plot_kernels,
    plot_sliding_window,
    plot_stage_grid,
    show_maps,
)
from utils.setup import widgets_available

IMAGE = np.linspace(0, 1, 24 * 20, dtype=np.float32).reshape(24, 20)
EDGE = np.array([[-1, -1, 1, 1]] * 4)


def titles(fig):
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def test_plot_kernels_writes_every_weight():
    fig = plot_kernels([EDGE, EDGE.T], titles=["vertical", "horizontal"], suptitle="filters")
    assert titles(fig) == ["vertical", "horizontal"]
    assert len(fig.axes[0].texts) == 16
    assert {t.get_text() for t in fig.axes[0].texts} == {"-1", "1"}
    bank = np.stack([EDGE, -EDGE], axis=-1)[:, :, None, :]
    assert len(plot_kernels(bank).axes) == 2


def test_plot_sliding_window_titles_hold_the_sums():
    x = np.arange(25).reshape(5, 5)
    k = np.ones((3, 3))
    fig = plot_sliding_window(x, k, [(0, 0), (2, 2)])
    assert "sum of products = 54" in fig.axes[0].get_title()  # 0+1+2+5+6+7+10+11+12
    assert "output 3x3" in fig.axes[-1].get_title()
    with pytest.raises(ValueError, match="outside"):
        plot_sliding_window(x, k, [(3, 0)])


def test_show_maps_and_stage_grid():
    fig = show_maps([IMAGE, IMAGE - 0.5], ["a", "b"], suptitle="maps")
    assert titles(fig)[:2] == ["a", "b"]
    assert fig.axes[0].images[0].get_cmap().name == "gray"  # non-negative: gray
    assert fig.axes[1].images[0].get_clim() == (-0.5, 0.5)  # signed: symmetric around 0
    fig = show_maps([IMAGE - 0.5], ["robust"], robust=True, marks=[(3, 4)])
    low, high = fig.axes[0].images[0].get_clim()
    assert low == -high and high < 0.5  # clipped at the 99.5th percentile
    assert len(fig.axes[0].lines) == 1  # the mark
    fig = show_maps([IMAGE, 2 * IMAGE], ["a", "b"], same_scale=True)
    assert fig.axes[0].images[0].get_clim() == fig.axes[1].images[0].get_clim() == (0.0, 2.0)
    with pytest.raises(ValueError, match="one entry per map"):
        show_maps([IMAGE], ["a"], marks=[None, None])
    stages = {"conv": np.stack([IMAGE - 0.5] * 3, -1), "pool": np.stack([IMAGE[::2, ::2]] * 3, -1)}
    fig = plot_stage_grid(stages, kernels=np.ones((2, 2, 1, 3)), row_titles=["x", "y", "z"])
    assert len(fig.axes) == 9
    assert "z: pool 12x10" in titles(fig)
    with pytest.raises(ValueError, match="same number of filters"):
        plot_stage_grid({"a": np.ones((4, 4, 2)), "b": np.ones((4, 4, 3))})


def test_conv_layer_figure_shows_every_stage():
    fig = conv_layer_figure(IMAGE, EDGE, stride=2, bias=-0.5, pool_size=3)
    t = titles(fig)
    assert t[0] == "input 24x20"
    assert "stride 2, bias -0.50" in t[1] and "11x9" in t[1]  # floor((24-4)/2)+1, floor((20-4)/2)+1
    assert "% of units active" in t[2]
    assert "3x3\n3x3" in t[3]
    assert fig.get_suptitle().startswith("One convolution layer")
    with pytest.raises(ValueError, match="grayscale"):
        conv_layer_figure(np.ones((8, 8, 3)), EDGE)


def test_explorer_is_static_outside_a_live_front_end():
    assert widgets_available() is False  # pytest is not a Jupyter front end
    fig = explore_conv_layer(IMAGE, EDGE, stride=1, bias=0.0, pool_size=2)
    assert isinstance(fig, matplotlib.figure.Figure)


def test_explorer_builds_sliders_when_asked(monkeypatch):
    widgets = pytest.importorskip("ipywidgets")
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    panel = explore_conv_layer(IMAGE, EDGE, stride=2, pool_size=3, interactive=True)
    assert isinstance(panel, widgets.interactive)
    assert shown == [panel]
    values = {w.description: w.value for w in panel.children if hasattr(w, "description") and w.description}
    assert values["stride"] == 2 and values["pool size"] == 3 and values["bias"] == 0.0


def test_the_explorer_figure_is_shown_at_full_size_in_jupyterlab():
    """A JupyterLab output in a 1400-pixel window is about 950 pixels wide: wider figures get shrunk."""
    fig = conv_layer_figure(IMAGE, EDGE)
    width, _ = fig.get_size_inches()
    assert width * 100 <= 950, (
        f"{width} inches at 100 dpi is shrunk in JupyterLab; titles become hard to read"
    )
