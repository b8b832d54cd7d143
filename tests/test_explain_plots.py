"""Tests of the lesson-07 drawing helpers at the end of utils.plots (Agg backend, figures closed)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils.plots import (  # noqa: E402
    overlay_heatmap,
    plot_feature_maps,
    plot_filters,
    plot_randomisation_curves,
    plot_receptive_fields,
    show_explanations,
    show_randomised_maps,
)
from utils.receptive_fields import ReceptiveField  # noqa: E402

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


FIELDS = [  # the first rows of the lesson-06 CIFAR-10 network's receptive fields
    ReceptiveField("conv1", "conv", 3, 1, 1, 3),
    ReceptiveField("pool1", "pool", 2, 2, 2, 4),
    ReceptiveField("conv2", "conv", 3, 1, 2, 8),
]


def test_plot_receptive_fields_one_centred_square_per_convolution():
    fig = plot_receptive_fields(rng.random((32, 32, 3)), FIELDS)
    ax = fig.axes[0]
    assert len(ax.images) == 1 and ax.get_title() == "Receptive field of a central unit"
    squares = ax.patches
    assert [p.get_label() for p in squares] == ["conv1: 3 px", "conv2: 8 px"]  # the pool row is skipped
    assert [(p.get_x(), p.get_y(), p.get_width(), p.get_height()) for p in squares] == [
        (14.0, 14.0, 3, 3),
        (11.5, 11.5, 8, 8),
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["conv1: 3 px", "conv2: 8 px"]
    assert squares[0].get_edgecolor() != squares[1].get_edgecolor()
    assert ax.get_xlabel() == "x (pixels)" and ax.get_ylabel() == "y (pixels)"


def test_plot_receptive_fields_rectangles_for_unequal_sides():
    fig = plot_receptive_fields(rng.random((8, 8)), [ReceptiveField("c1", "conv", (3, 5), 1, 1, (3, 5))])
    (square,) = fig.axes[0].patches
    assert square.get_label() == "c1: 3x5 px" and (square.get_width(), square.get_height()) == (5, 3)
    assert (square.get_x(), square.get_y()) == (1.0, 2.0)


def test_plot_receptive_fields_rejects_rows_without_convolutions_and_other_input():
    with pytest.raises(ValueError, match="no convolution rows"):
        plot_receptive_fields(rng.random((32, 32, 3)), FIELDS[1:2])
    with pytest.raises(TypeError, match=r"rows of explain.receptive_fields\(model\).*got int"):
        plot_receptive_fields(rng.random((32, 32, 3)), [3, 8])
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\) image"):
        plot_receptive_fields(rng.random((2, 32, 32, 3)), FIELDS)


def test_plot_randomisation_curves_one_line_per_method_and_zero_line():
    steps = ["predictions", "conv4", "conv3"]
    similarity = {"Grad-CAM": [0.2, 0.1, 0.0], "guided backprop": [0.9, 0.8, 0.7]}
    fig = plot_randomisation_curves(steps, similarity)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 3  # two methods and the zero line
    np.testing.assert_allclose(lines[1].get_ydata(), [0.9, 0.8, 0.7])
    assert tuple(lines[2].get_ydata()) == (0, 0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Grad-CAM", "guided backprop"]
    assert ax.get_title() == "Similarity to the trained model's maps"
    assert ax.get_ylabel() == "rank correlation"


def test_plot_randomisation_curves_rejects_miscounted_values():
    with pytest.raises(ValueError, match=r"similarity\['Grad-CAM'\] has 2 values for 3 steps"):
        plot_randomisation_curves(["a", "b", "c"], {"Grad-CAM": [0.1, 0.2]})
    with pytest.raises(ValueError, match="similarity is empty"):
        plot_randomisation_curves(["a"], {})


def randomised_maps():
    return {
        (method, layer): rng.random((8, 8))
        for layer in ("predictions", "conv4", "conv3")
        for method in ("Grad-CAM", "guided backprop")
    }


def test_show_randomised_maps_trained_then_chosen_layers_in_order():
    trained = {"Grad-CAM": rng.random((8, 8)), "guided": rng.random((8, 8))}
    after = randomised_maps()
    fig = show_randomised_maps(rng.random((8, 8, 3)), trained, after, at_layers=("predictions", "conv3"))
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "image",
        "Grad-CAM\ntrained",
        "guided\ntrained",
        "Grad-CAM\n-> predictions",
        "guided backprop\n-> predictions",
        "Grad-CAM\n-> conv3",
        "guided backprop\n-> conv3",
    ]
    np.testing.assert_allclose(fig.axes[6].images[0].get_array(), after["guided backprop", "conv3"])


def test_show_randomised_maps_rejects_unknown_layers_and_wrong_shapes():
    trained = {"Grad-CAM": rng.random((8, 8))}
    with pytest.raises(ValueError, match=r"no randomised maps at 'conv1'; .*conv3, conv4, predictions"):
        show_randomised_maps(rng.random((8, 8, 3)), trained, randomised_maps(), at_layers=("conv1",))
    with pytest.raises(ValueError, match=r"map 'Grad-CAM\\ntrained' has shape \(4, 4\)"):
        show_randomised_maps(
            rng.random((8, 8, 3)), {"Grad-CAM": rng.random((4, 4))}, randomised_maps(), ["conv4"]
        )
