"""Tests of the lesson-07 drawing helpers at the end of utils.plots (Agg backend, figures closed)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils.plots import overlay_heatmap, plot_feature_maps, plot_filters, show_explanations  # noqa: E402

rng = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_overlay_heatmap_draws_image_then_map():
    image, heat = rng.random((8, 8, 3)), rng.random((8, 8))
    fig = overlay_heatmap(image, heat, title="cat")
    ax = fig.axes[0]
    assert len(ax.images) == 2 and ax.get_title() == "cat"
    np.testing.assert_allclose(ax.images[1].get_array(), heat)
    assert 0 < ax.images[1].get_alpha() < 1


def test_overlay_heatmap_grey_image_and_size_mismatch():
    fig = overlay_heatmap(rng.random((8, 8, 1)), rng.random((8, 8)))
    assert fig.axes[0].images[0].get_array().shape == (8, 8)
    with pytest.raises(ValueError, match=r"heatmap has shape \(4, 4\) but the image is \(8, 8\)"):
        overlay_heatmap(rng.random((8, 8, 3)), rng.random((4, 4)))


def test_show_explanations_grid_and_titles():
    images = rng.random((2, 8, 8, 3))
    maps = {"vanilla": rng.random((2, 8, 8)), "occlusion": rng.random((2, 8, 8)) - 0.5}
    fig = show_explanations(images, maps, row_titles=["cat", "dog"], suptitle="saliency")
    assert len(fig.axes) == 2 * 3
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["cat", "vanilla", "occlusion", "dog", "vanilla", "occlusion"]
    signed = fig.axes[2].images[0]
    assert signed.get_cmap().name == "RdBu_r" and signed.norm.vmin == -signed.norm.vmax
    overlaid = show_explanations(images, maps, overlay=True)
    assert len(overlaid.axes[1].images) == 2
    some = show_explanations(images, maps, overlay=["vanilla"])
    assert len(some.axes[1].images) == 2 and len(some.axes[2].images) == 1


def test_show_explanations_rejects_miscounted_maps():
    with pytest.raises(ValueError, match=r"maps\['grad-cam'\] has 1 maps for 2 images"):
        show_explanations(rng.random((2, 8, 8)), {"grad-cam": rng.random((1, 8, 8))})
    with pytest.raises(ValueError, match="2 images but 1 row titles"):
        show_explanations(rng.random((2, 8, 8)), {"m": rng.random((2, 8, 8))}, row_titles=["a"])


def test_plot_filters_rgb_scaled_per_filter():
    kernels = rng.normal(size=(3, 3, 3, 10))
    fig = plot_filters(kernels, ncols=4)
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 12 and len(drawn) == 10
    first = drawn[0].images[0].get_array()
    assert first.shape == (3, 3, 3) and first.min() == 0 and first.max() == pytest.approx(1)
    assert fig.get_suptitle() == "First-layer filters"


def test_plot_filters_grey_shared_signed_scale_and_bad_shape():
    fig = plot_filters(rng.normal(size=(5, 5, 1, 6)), title="LeNet-5 conv1")
    norms = {(ax.images[0].norm.vmin, ax.images[0].norm.vmax) for ax in fig.axes}
    assert len(norms) == 1 and next(iter(norms))[0] == -next(iter(norms))[1]
    with pytest.raises(ValueError, match=r"\(kh, kw, 1 or 3, filters\).*\(3, 3, 16, 32\)"):
        plot_filters(np.zeros((3, 3, 16, 32)))


def test_plot_feature_maps_rows_labels_and_most_active_first():
    maps = {"conv1": rng.random((8, 8, 4)), "pool3": rng.random((2, 2, 6))}
    maps["conv1"][:, :, 2] += 5  # the most active channel
    fig = plot_feature_maps(maps, n_channels=3)
    assert len(fig.axes) == 2 * 3
    assert fig.axes[0].get_ylabel() == "conv1\n8x8" and fig.axes[3].get_ylabel() == "pool3\n2x2"
    assert fig.axes[0].get_title() == "ch 2"
    with pytest.raises(ValueError, match=r"one image"):
        plot_feature_maps({"conv1": rng.random((1, 8, 8, 4))})
