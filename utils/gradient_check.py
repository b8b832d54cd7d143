"""Checking hand-written gradients numerically (introduced in lesson 01).

Lesson 01 derives backpropagation by hand for a two-layer NumPy network. A
derivation can be wrong in ways that still train a little (a missing factor,
a transposed matrix), so the notebook compares its analytic gradients with
central-difference estimates:

    dL/dθ  ≈  (L(θ + ε) − L(θ − ε)) / (2ε)

one parameter entry at a time. The error of this estimate shrinks like ε²,
so with float64 and ε = 1e-5 a correct analytic gradient agrees to about
1e-9 in relative terms (:func:`relative_error`); a wrong one is off by 1e-2
or more.

Parameters are a dict of NumPy arrays, e.g. ``{"W1": ..., "b1": ..., ...}``,
the same layout the notebook's ``backward`` returns its gradients in.
"""

from __future__ import annotations

import numpy as np


def numerical_gradient(loss_fn, params, eps=1e-5):
    """Central-difference gradient of ``loss_fn(params)`` with respect to every entry of ``params``.

    ``loss_fn`` takes a dict of arrays (same keys and shapes as ``params``) and
    returns a number. ``params`` is not modified. Returns a dict of float64
    arrays with the same keys and shapes. Each entry costs two calls of
    ``loss_fn``, so this is for checking small networks, never for training.
    """
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}")
    grads = {}
    for name, value in params.items():
        value = np.asarray(value, dtype=np.float64)
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus, minus = value.copy(), value.copy()
            plus[index] += eps
            minus[index] -= eps
            loss_plus = float(loss_fn({**params, name: plus}))
            loss_minus = float(loss_fn({**params, name: minus}))
            grad[index] = (loss_plus - loss_minus) / (2 * eps)
        grads[name] = grad
    return grads


def relative_error(a, b):
    """Relative difference of two gradients: ``‖a − b‖ / (‖a‖ + ‖b‖)`` (Euclidean norms).

    0 means identical, 1 means one of them is zero or they point in opposite
    directions; it does not depend on the gradients' scale. Taking norms of the
    whole arrays, rather than dividing entry by entry, keeps entries that are
    nearly zero (where the finite difference is mostly rounding error) from
    dominating the result. Two all-zero arrays give 0.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    if scale == 0:
        return 0.0
    return float(np.linalg.norm(a - b) / scale)
