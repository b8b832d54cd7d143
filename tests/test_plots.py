"""Unit tests of utils.plots: grids, curves and histories are drawn and labelled."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from utils.plots import plot_curve, plot_history, show_images  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_images_draws_a_titled_grid():
    images = np.zeros((12, 28, 28), np.uint8)
    fig = show_images(images, titles=list(range(12)), ncols=5, suptitle="digits")
    axes = fig.axes
    assert len(axes) == 15  # 3 rows of 5, three left empty
    assert [ax.get_title() for ax in axes[:12]] == [str(i) for i in range(12)]
    assert sum(bool(ax.images) for ax in axes) == 12
    assert fig._suptitle.get_text() == "digits"


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
