"""Unit tests of utils.gradient_check: numerical gradients and relative errors (lesson 01)."""

import numpy as np
import pytest

from utils.gradient_check import numerical_gradient, relative_error


def test_numerical_gradient_of_a_quadratic_matches_the_formula():
    a = np.array([[1.0, -2.0], [3.0, 0.5]])
    params = {"x": np.array([[0.3, -1.2], [2.0, 0.7]]), "c": np.array([1.5])}

    def loss(p):  # sum(a * x**2) + c**3, gradients 2*a*x and 3*c**2
        return np.sum(a * p["x"] ** 2) + p["c"][0] ** 3

    grads = numerical_gradient(loss, params)
    assert set(grads) == {"x", "c"}
    assert grads["x"].shape == (2, 2) and grads["c"].shape == (1,)
    np.testing.assert_allclose(grads["x"], 2 * a * params["x"], rtol=1e-8)
    np.testing.assert_allclose(grads["c"], 3 * params["c"] ** 2, rtol=1e-8)


def test_numerical_gradient_sees_each_entry_separately():
    # A loss that depends on one entry only: every other gradient entry must be 0.
    params = {"w": np.zeros((2, 3))}
    grads = numerical_gradient(lambda p: 5.0 * p["w"][1, 2], params)
    expected = np.zeros((2, 3))
    expected[1, 2] = 5.0
    np.testing.assert_allclose(grads["w"], expected, atol=1e-9)


def test_numerical_gradient_of_a_sigmoid_network_matches_backprop():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 3)), rng.uniform(size=(5, 1))
    params = {"W": rng.normal(size=(3, 1)), "b": rng.normal(size=1)}

    def loss(p):
        return np.sum((1 / (1 + np.exp(-(x @ p["W"] + p["b"]))) - y) ** 2)

    out = 1 / (1 + np.exp(-(x @ params["W"] + params["b"])))
    delta = 2 * (out - y) * out * (1 - out)
    grads = numerical_gradient(loss, params)
    assert relative_error(grads["W"], x.T @ delta) < 1e-7
    assert relative_error(grads["b"], delta.sum(axis=0)) < 1e-7


def test_numerical_gradient_leaves_params_unchanged_and_accepts_integers():
    params = {"w": np.array([1.0, 2.0]), "n": np.array([3])}
    before = {k: v.copy() for k, v in params.items()}
    grads = numerical_gradient(lambda p: np.sum(p["w"] * p["n"][0]), params)
    for name in params:
        np.testing.assert_array_equal(params[name], before[name])
    np.testing.assert_allclose(grads["w"], [3.0, 3.0], rtol=1e-8)
    np.testing.assert_allclose(grads["n"], [3.0], rtol=1e-8)  # d/dn of n*(1+2)
    assert grads["n"].dtype == np.float64


def test_numerical_gradient_rejects_a_non_positive_step():
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda p: 0.0, {"w": np.ones(2)}, eps=0)


def test_relative_error_values():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0, -2.0], [-1.0, 2.0]) == pytest.approx(1.0)  # opposite directions
    assert relative_error([3.0, 4.0], [0.0, 0.0]) == pytest.approx(1.0)  # one side zero
    # ||(0, 1)|| / (||(3, 4)|| + ||(3, 5)||): norms of whole arrays, not entry by entry
    assert relative_error([3.0, 4.0], [3.0, 5.0]) == pytest.approx(1 / (5 + 34**0.5))
    # scale-free: a wrong factor of 2 shows up the same on tiny and huge gradients
    assert relative_error([1e-6, 2e-6], [2e-6, 4e-6]) == pytest.approx(1 / 3)
    assert relative_error([[1e6], [2e6]], [[2e6], [4e6]]) == pytest.approx(1 / 3)


def test_relative_error_is_not_dominated_by_near_zero_entries():
    # A rounding-sized difference on a tiny entry next to a normal one stays tiny.
    assert relative_error([1.0, 1e-9], [1.0, 1.1e-9]) < 1e-10
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0


def test_relative_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.ones((2, 1)), np.ones(2))
