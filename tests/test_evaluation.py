"""Unit tests of utils/evaluation.py (confusion matrix and confident mistakes, lesson 05)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from utils.evaluation import confident_mistakes, confusion_matrix, mistake_titles, plot_confusion_matrix


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    m = confusion_matrix(y_true, y_pred, 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert m.sum() == 6


def test_confusion_matrix_refuses_one_hot_and_probability_rows_and_says_how_to_convert():
    y_true = np.eye(3)[[0, 1, 2]]
    probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.6, 0.1, 0.3]])
    with pytest.raises(ValueError, match=r"y_true must be integer class labels.*y_true\.argmax\(axis=1\)"):
        confusion_matrix(y_true, [0, 1, 2], 3)
    with pytest.raises(ValueError, match=r"y_pred must be integer class labels.*y_pred\.argmax\(axis=1\)"):
        confusion_matrix([0, 1, 2], probs, 3)
    converted = confusion_matrix(y_true.argmax(axis=1), probs.argmax(axis=1), 3)
    assert converted.tolist() == [[1, 0, 0], [0, 1, 0], [1, 0, 0]]


def test_confusion_matrix_rejects_bad_input():
    with pytest.raises(ValueError, match="y_pred has 1 label but there are 2 true labels"):
        confusion_matrix([0, 1], [0], 2)
    with pytest.raises(ValueError, match="label 2 in y_true is out of range: there are 2 classes"):
        confusion_matrix([0, 2], [0, 1], 2)


def test_plot_confusion_matrix_is_labelled_and_annotated():
    y_true = [0, 0, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 2]
    fig = plot_confusion_matrix(y_true, y_pred, ["a", "b", "c"], title="Toy")
    ax = fig.axes[0]
    assert ax.get_title() == "Toy"
    assert ax.get_xlabel() == "predicted class"
    assert ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["1", "1", "1", "2"]  # one entry per non-zero cell
    shown = ax.images[0].get_array()
    assert np.asarray(shown).tolist() == [[1, 1, 0], [0, 2, 0], [0, 0, 1]]


def test_plot_confusion_matrix_normalised_rows_sum_to_one():
    fig = plot_confusion_matrix([0, 0, 0, 1], [0, 0, 1, 1], [0, 1], title="norm", normalize=True)
    shown = np.asarray(fig.axes[0].images[0].get_array())
    np.testing.assert_allclose(shown.sum(axis=1), [1, 1])
    assert "67%" in [t.get_text() for t in fig.axes[0].texts]


def test_plot_confusion_matrix_draws_into_a_given_axis():
    fig, ax = plt.subplots()
    assert plot_confusion_matrix([0, 1], [0, 1], ["x", "y"], title="t", ax=ax) is fig


def test_confident_mistakes_sorted_by_confidence_of_wrong_class():
    probs = np.array(
        [
            [0.9, 0.1],  # right
            [0.3, 0.7],  # wrong, 0.7
            [0.05, 0.95],  # wrong, 0.95
            [0.6, 0.4],  # wrong (label 1), 0.6
            [0.2, 0.8],  # right
        ]
    )
    y = np.array([0, 0, 0, 1, 1])
    assert confident_mistakes(probs, y, n=10).tolist() == [2, 1, 3]
    assert confident_mistakes(probs, y, n=2).tolist() == [2, 1]
    with pytest.raises(ValueError, match=r"y_true\.argmax\(axis=1\)"):  # one-hot rows: convert first
        confident_mistakes(probs, np.eye(2)[y], n=1)


def test_confident_mistakes_with_no_mistakes_is_empty():
    probs = np.array([[0.9, 0.1], [0.1, 0.9]])
    assert confident_mistakes(probs, [0, 1], n=5).size == 0


def test_confident_mistakes_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one row per label"):
        confident_mistakes(np.ones((3, 2)) / 2, [0, 1], n=1)


def test_mistake_titles_name_true_predicted_and_confidence():
    probs = np.array([[0.1, 0.9], [0.97, 0.03]])
    assert mistake_titles(probs, [0, 1], [1, 0], ["cat", "dog"]) == [
        "true dog\npred cat (97%)",
        "true cat\npred dog (90%)",
    ]
