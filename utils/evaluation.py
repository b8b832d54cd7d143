"""Looking at a trained classifier's errors (lessons 02 and 05).

Accuracy is one number; these helpers show *which* classes a model confuses
and *which* test images it gets wrong with the most conviction. Lesson 05
uses them on LeNet-5 and MNIST, lesson 06 on CIFAR-10.

* :func:`plot_confusion_matrix`: a labelled heat map of true against predicted
  classes, with the count written in every non-empty cell.
* :func:`confident_mistakes`: the indices of the wrongly classified examples,
  most confident wrong prediction first.
* :func:`mistake_titles`: short "true / predicted / confidence" captions for
  those examples, ready for :func:`utils.show_images`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from utils.plots import plot_matrix
from utils.validation import integer_labels


def confusion_matrix(y_true, y_pred, n_classes):
    """Counts ``m[i, j]`` of examples of true class ``i`` predicted as ``j`` (lesson 05).

    Both are integer labels of shape ``(n,)``; for a model's probabilities
    pass ``probabilities.argmax(axis=1)``.
    """
    y_true = integer_labels(y_true, "y_true", n_classes=n_classes)
    y_pred = integer_labels(y_pred, "y_pred", n=len(y_true), n_classes=n_classes, what="true labels")
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def plot_confusion_matrix(y_true, y_pred, class_names, title="Confusion matrix", normalize=False, ax=None):
    """Draw the confusion matrix of a classifier as a labelled heat map (lesson 05).

    Rows are the true classes, columns the predicted ones, so the diagonal holds
    the correct answers and everything off it is a mistake. ``y_true`` and
    ``y_pred`` are integer labels of shape ``(n,)`` (for one-hot or
    probability rows, pass ``rows.argmax(axis=1)``). With ``normalize=True`` each row is divided by its total,
    so a cell reads "share of class i predicted as j" (shown in per cent).
    Every non-zero cell is annotated (with :func:`utils.plots.plot_matrix`); the colour scale stops at the largest
    off-diagonal value so that the mistakes, not the diagonal, set the contrast.
    Returns the Matplotlib figure.
    """
    class_names = [str(c) for c in class_names]
    n = len(class_names)
    counts = confusion_matrix(y_true, y_pred, n)
    values = counts.astype(float)
    if normalize:
        totals = counts.sum(axis=1, keepdims=True)
        values = np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)
    if ax is None:
        size = max(4.5, 0.55 * n + 1.5)
        _, ax = plt.subplots(figsize=(size + 1, size), layout="constrained")
    # With a good model the diagonal dwarfs every mistake, and a linear colour
    # scale up to it would paint all mistakes white: cap the colours at the
    # largest off-diagonal value instead (the diagonal saturates, mistakes show).
    off = values.copy()
    np.fill_diagonal(off, 0)
    vmax = off.max() if off.max() > 0 else max(values.max(), 1)
    if normalize:
        texts = np.where(
            values >= 0.01, np.char.add((values * 100).round().astype(int).astype(str), "%"), "<1%"
        )
    else:
        texts = counts.astype(str)
    texts = np.where(counts == 0, "", texts)
    plot_matrix(values, ax=ax, texts=texts, cmap="Blues", vmin=0, vmax=vmax, fontsize=8)
    label = "share of row" if normalize else "count"
    ax.figure.colorbar(
        ax.images[-1],
        ax=ax,
        fraction=0.046,
        pad=0.04,
        label=f"{label} (colours capped at the largest mistake)",
    )
    long_names = max(map(len, class_names)) > 2
    ax.set_xticks(
        range(n), class_names, rotation=45 if long_names else 0, ha="right" if long_names else "center"
    )
    ax.set_yticks(range(n), class_names)
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    return ax.figure


def confident_mistakes(probabilities, y_true, n=16):
    """Indices of the ``n`` wrong predictions the model was most sure of (lesson 02; again in lesson 05).

    ``probabilities`` is the ``(examples, classes)`` output of a softmax model
    (``model.predict(x)``); ``y_true`` the integer labels ``(n,)``. An
    example is a mistake when the arg-max class differs from the label; the
    mistakes are sorted by the probability given to the wrong class, highest
    first. Fewer than ``n`` indices come back when there are fewer mistakes.
    """
    probabilities = np.asarray(probabilities)
    y_true = integer_labels(y_true, "y_true")
    if probabilities.ndim != 2 or len(probabilities) != len(y_true):
        raise ValueError(
            f"probabilities must have shape (examples, classes) with one row per label; "
            f"got {probabilities.shape} for {len(y_true)} labels"
        )
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    confidence = probabilities[wrong, predicted[wrong]]
    order = np.argsort(-confidence, kind="stable")
    return wrong[order][: max(int(n), 0)]


def mistake_titles(probabilities, y_true, indices, class_names):
    """Captions "true X / pred Y / 97%" for the examples ``indices`` (lesson 02; again in lesson 05).

    Meant for ``show_images(x[indices], titles=mistake_titles(...))``.
    """
    probabilities = np.asarray(probabilities)
    y_true = integer_labels(y_true, "y_true", n=len(probabilities), what="rows of probabilities")
    titles = []
    for i in np.asarray(indices, dtype=int):
        pred = int(probabilities[i].argmax())
        titles.append(
            f"true {class_names[y_true[i]]}\npred {class_names[pred]} ({probabilities[i, pred]:.0%})"
        )
    return titles


__all__ = ["confident_mistakes", "confusion_matrix", "mistake_titles", "plot_confusion_matrix"]
