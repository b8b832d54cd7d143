"""Tests of utils.gradients (lessons 07 and 09): the one module with per-backend code.

Run on each backend (``KERAS_BACKEND=tensorflow|jax|torch``): every test
expects the same numbers whichever framework differentiates.
"""

import keras
import numpy as np
import pytest

from utils import gradients
from utils.gradients import active_backend, gradient, weight_gradients


def test_gradient_of_a_polynomial_is_the_hand_derivative():
    x = np.array([[1.0, -2.0], [0.5, 3.0]], np.float32)
    c = keras.ops.convert_to_tensor(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    value, grad = gradient(lambda t: keras.ops.sum(c * t**2), x)  # d/dx c x^2 = 2 c x
    assert value == pytest.approx(1 * 1 + 2 * 4 + 3 * 0.25 + 4 * 9)
    np.testing.assert_allclose(grad, 2 * keras.ops.convert_to_numpy(c) * x, rtol=1e-6)
    assert isinstance(grad, np.ndarray) and grad.shape == x.shape


def test_gradient_through_a_keras_layer_is_its_kernel():
    dense = keras.layers.Dense(2)
    dense.build((None, 3))
    kernel = np.array([[1.0, -1.0], [2.0, 0.5], [-3.0, 4.0]], np.float32)
    dense.set_weights([kernel, np.array([0.25, -0.5], np.float32)])
    x = np.ones((4, 3), np.float32)
    value, grad = gradient(lambda t: keras.ops.sum(dense(t)), x)
    assert value == pytest.approx(4 * (kernel.sum() + 0.25 - 0.5))
    np.testing.assert_allclose(grad, np.tile(kernel.sum(axis=1), (4, 1)), rtol=1e-6)  # (0, 2.5, 1) per row


def tiny_classifier():
    """3 inputs -> softmax over 2 classes, with fixed weights."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax", name="out")])
    model.set_weights(
        [np.array([[0.5, -1.0], [1.5, 0.25], [-0.75, 1.0]], np.float32), np.array([0.1, -0.2], np.float32)]
    )
    return model


def numpy_loss(kernel, bias, x, y):
    """Mean sparse categorical cross-entropy of softmax(x W + b), in float64."""
    logits = x @ kernel + bias
    logits = logits - logits.max(axis=1, keepdims=True)
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(y)), y].mean()


def test_weight_gradients_equal_a_finite_difference():
    model = tiny_classifier()
    x = np.array([[1.0, 0.0, 2.0], [-1.0, 1.0, 0.5], [0.3, -0.7, 1.2]], np.float32)
    y = np.array([0, 1, 1])
    loss, grads = weight_gradients(model, x, y)
    kernel, bias = (w.astype(np.float64) for w in model.get_weights())
    assert loss == pytest.approx(numpy_loss(kernel, bias, x, y), rel=1e-5)
    assert [g.shape for g in grads] == [(3, 2), (2,)]
    eps = 1e-6
    for weights, grad in zip((kernel, bias), grads):
        numeric = np.zeros_like(weights)
        for index in np.ndindex(weights.shape):
            saved = weights[index]
            weights[index] = saved + eps
            up = numpy_loss(kernel, bias, x, y)
            weights[index] = saved - eps
            down = numpy_loss(kernel, bias, x, y)
            weights[index] = saved
            numeric[index] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, atol=1e-5)


def test_weight_gradients_take_a_loss_and_use_inference_mode():
    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dropout(0.9), keras.layers.Dense(1, name="out")]
    )
    x, y = np.ones((2, 3), np.float32), np.zeros((2, 1), np.float32)
    first = weight_gradients(model, x, y, loss_fn=keras.losses.MeanSquaredError())
    second = weight_gradients(model, x, y, loss_fn=keras.losses.MeanSquaredError())
    assert first[0] == second[0]  # dropout off: the same loss every time
    kernel = model.get_layer("out").get_weights()[0]
    np.testing.assert_allclose(first[1][0], 2 * kernel.sum() * np.ones((3, 1)), rtol=1e-5)  # d(mean (x.w)^2)


def test_non_scalar_function_is_refused_with_a_hint():
    with pytest.raises(ValueError, match=r"fn must return a scalar.*got shape \(2,\).*keras\.ops\.sum"):
        gradient(lambda t: t * 2, np.ones(2, np.float32))


def test_integer_input_is_refused():
    with pytest.raises(TypeError, match="float tensor.*int64"):
        gradient(lambda t: keras.ops.sum(t), np.arange(3))


def test_model_without_trainable_weights_is_refused():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.trainable = False
    with pytest.raises(ValueError, match="no trainable weights"):
        weight_gradients(model, np.ones((1, 3)), np.zeros(1, int))


def test_unsupported_backend_names_the_three_supported_ones(monkeypatch):
    assert active_backend() in gradients.SUPPORTED_BACKENDS
    monkeypatch.setattr(keras.backend, "backend", lambda: "numpy")
    message = r"'numpy' backend.*tensorflow, jax, torch only.*KERAS_BACKEND"
    with pytest.raises(RuntimeError, match=message):
        active_backend()
    with pytest.raises(RuntimeError, match=message):
        gradient(lambda t: keras.ops.sum(t), np.ones(2, np.float32))
    with pytest.raises(RuntimeError, match=message):
        weight_gradients(tiny_classifier(), np.ones((1, 3)), np.zeros(1, int))
