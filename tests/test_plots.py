"""Unit tests of utils.plots: grids, curves and histories are drawn and labelled."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.plots import plot_curve, plot_history, plot_matrix, plot_pixel_values, show_images


def test_show_images_draws_a_titled_grid():
    images = np.zeros((12, 28, 28), np.uint8)
    fig = show_images(images, titles=list(range(12)), ncols=5, suptitle="digits")
    axes = fig.axes
    assert len(axes) == 15  # 3 rows of 5, three left empty
    assert [ax.get_title() for ax in axes[:12]] == [str(i) for i in range(12)]
    assert sum(bool(ax.images) for ax in axes) == 12
    assert fig.get_suptitle() == "digits"


def test_show_images_accepts_colour_and_single_channel_images():
    fig = show_images([np.zeros((8, 8, 3)), np.zeros((8, 8, 1))])
    assert fig.axes[0].images[0].get_array().shape == (8, 8, 3)
    assert fig.axes[1].images[0].get_array().shape == (8, 8)


def test_show_images_keeps_two_line_titles_off_the_row_above():
    fig = show_images(np.zeros((20, 8, 8, 3)), titles=["frog 46%\n(true: bird)"] * 20, ncols=10, size=1.5)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    axes = fig.axes
    gaps = [
        axes[i - 10].get_window_extent(renderer).y0 - axes[i].title.get_window_extent(renderer).y1
        for i in range(10, 20)
    ]
    assert min(gaps) >= 0, f"a title overlaps the image above it by {-min(gaps):.1f} px"
    plt.close("all")


def test_show_images_rejects_mismatched_titles():
    with pytest.raises(ValueError, match="2 images but 3 titles"):
        show_images(np.zeros((2, 4, 4)), titles=["a", "b", "c"])


def test_plot_curve_labels_the_axes():
    fig = plot_curve([3.0, 2.0, 1.0], title="loss", xlabel="iteration", ylabel="sum of squares")
    ax = fig.axes[0]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("loss", "iteration", "sum of squares")
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), [3.0, 2.0, 1.0])


class FakeHistory:
    def __init__(self, history):
        self.history = history


def test_plot_history_draws_train_and_validation_per_metric():
    h = FakeHistory(
        {"loss": [1, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7]}
    )
    fig = plot_history(h)
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_title() == "loss" and acc_ax.get_xlabel() == "epoch"
    assert [line.get_label() for line in acc_ax.lines] == ["train", "validation"]


def test_plot_history_compares_several_runs():
    runs = {"plain": {"accuracy": [0.5, 0.6]}, "augmented": FakeHistory({"accuracy": [0.4, 0.7]})}
    fig = plot_history(runs, metrics=("loss", "accuracy"))
    assert len(fig.axes) == 1  # no loss was recorded, so only the accuracy panel
    assert [line.get_label() for line in fig.axes[0].lines] == ["plain: train", "augmented: train"]


def test_plot_history_without_requested_metrics_fails_clearly():
    with pytest.raises(ValueError, match="none of the requested metrics"):
        plot_history(FakeHistory({"mae": [1.0]}))


def test_plot_pixel_values_prints_every_value_at_its_pixel():
    image = np.array([[0.0, 0.5], [1.0, 0.25], [0.0, 0.75]])
    fig = plot_pixel_values(image, title="tiny")
    ax = fig.axes[0]
    texts = {(t.get_position()[1], t.get_position()[0]): t.get_text() for t in ax.texts}
    assert len(ax.texts) == image.size
    assert texts == {
        (0, 0): "0",
        (0, 1): "0.50",
        (1, 0): "1.00",
        (1, 1): "0.25",
        (2, 0): "0",
        (2, 1): "0.75",
    }
    assert ax.get_title() == "tiny"
    assert ax.get_xlabel() == "column" and ax.get_ylabel() == "row"
    assert ax.images[0].get_array().shape == (3, 2)


def test_plot_pixel_values_text_contrasts_with_the_pixel():
    fig = plot_pixel_values(np.array([[0.0, 1.0]]))
    colours = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert colours == {"0": "white", "1.00": "black"}


def test_plot_pixel_values_formats_negative_and_integer_values():
    kernel = np.array([[-1, 2, -1]] * 3)
    fig = plot_pixel_values(kernel, fmt="{:.0f}")
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["-1"] * 6 + ["2"] * 3


def test_plot_pixel_values_accepts_a_channel_axis_and_an_existing_axes():
    fig, ax = plt.subplots()
    out = plot_pixel_values(np.zeros((4, 4, 1)), ax=ax)
    assert out is fig
    assert len(ax.texts) == 16


def test_plot_pixel_values_rejects_a_batch():
    with pytest.raises(ValueError, match="one 2-D image"):
        plot_pixel_values(np.zeros((2, 4, 4)))


def test_plot_matrix_writes_given_texts_and_leaves_blank_cells_empty():
    fig = plot_matrix(np.array([[0.0, 5.0], [2.0, 9.0]]), texts=[["", "5"], ["2", "nine"]], cmap="Blues")
    written = sorted(t.get_text() for t in fig.axes[0].texts)
    assert written == ["2", "5", "nine"]


def test_plot_matrix_picks_text_colour_from_the_cell_colour():
    # In "Blues" a high value is dark blue (white text), a low one almost white (black text).
    fig = plot_matrix(np.array([[0.0, 1.0]]), cmap="Blues", fmt="{:.0f}")
    colours = {t.get_text(): t.get_color() for t in fig.axes[0].texts}
    assert colours == {"0": "black", "1": "white"}


def test_plot_matrix_rejects_bad_shapes():
    with pytest.raises(ValueError, match="2-D array"):
        plot_matrix(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="texts has shape"):
        plot_matrix(np.zeros((2, 2)), texts=[["a"]])


def test_plot_history_legend_sits_below_the_panels_and_epochs_are_whole_numbers():
    histories = {
        name: {"loss": [3.0, 2.0, 1.0], "val_loss": [3.0, 2.5, 2.4], "accuracy": [0.1, 0.5, 0.9]}
        for name in ("plain", "augmented")
    }
    fig = plot_history(histories)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert all(ax.get_legend() is None for ax in fig.axes), "a legend inside a panel can hide a curve"
    (legend,) = fig.legends
    top_of_legend = legend.get_window_extent(renderer).y1
    assert all(top_of_legend <= ax.get_window_extent(renderer).y0 for ax in fig.axes)
    assert len(legend.get_texts()) == 4
    ticks = fig.axes[0].get_xticks()
    assert np.allclose(ticks, np.round(ticks))
