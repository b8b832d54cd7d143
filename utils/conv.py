"""Convolution, pooling and output sizes in plain NumPy (introduced in lesson 03).

Lesson 03 computes by hand what ``keras.layers.Conv2D``, ``MaxPooling2D`` and
``AveragePooling2D`` compute, and checks that the numbers agree. The layout is
Keras's ("channels last"):

* an image is ``(H, W)`` (grayscale) or ``(H, W, C)`` (C channels);
* one kernel is ``(kh, kw)`` or ``(kh, kw, C)``; a bank of F kernels is
  ``(kh, kw, C, F)``, exactly the shape of ``Conv2D(F, (kh, kw)).kernel``.

Like every deep-learning framework, :func:`conv2d` computes a
*cross-correlation* (the kernel is not flipped). :func:`convolve2d` is the
textbook convolution: the same sum with the kernel flipped on both axes.

The module also builds normalised cross-correlation for template matching
(:func:`match_template`) out of :func:`conv2d` calls. The lesson's sample
photo is loaded by :func:`utils.images.load_sample_photo`.
"""

from __future__ import annotations

import math

import numpy as np

_PADDINGS = ("valid", "same")


# ----------------------------------------------------------------------------
# argument checking


def _pair(value, name):
    """``3`` -> ``(3, 3)``; ``(2, 3)`` stays; anything else is a clear error."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(
            f"{name} must be a positive integer or a pair of them, like 2 or (2, 2); got {value!r}."
        )
    if min(pair) < 1:
        raise ValueError(
            f"{name} must be at least 1 (1 means: move one pixel at a time); got {value!r}. "
            f"Use {name}=1 for every position, 2 to skip every other one, and so on."
        )
    return pair


def padding_amounts(n, k, stride=1, padding="valid"):
    """Zeros added ``(before, after)`` along one axis of length ``n`` (lesson 03).

    ``k`` is the kernel length, ``stride`` the step and ``padding`` ``'valid'``,
    ``'same'`` or an integer. ``'same'`` pads as Keras/TensorFlow do: just
    enough zeros for ``ceil(n / s)`` outputs, the odd one after.
    """
    (s, _) = _pair(stride, "stride")
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return 0, 0
        if mode == "same":
            total = max((math.ceil(n / s) - 1) * s + k - n, 0)
            return total // 2, total - total // 2  # the extra zero goes after, as in TensorFlow
        raise ValueError(
            f"padding={padding!r} is not understood; use 'valid' (no padding, narrow convolution), "
            "'same' (zero padding so that stride 1 keeps the size, wide convolution) or an integer "
            "number of zeros to add on every side."
        )
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        if padding < 0:
            raise ValueError(f"padding must not be negative; got {padding}. Use 0 for no padding.")
        return int(padding), int(padding)
    raise TypeError(f"padding must be 'valid', 'same' or a non-negative integer; got {padding!r}.")


def _as_image(image, name="image"):
    array = np.asarray(image)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must be an array of numbers; got dtype {array.dtype}.")
    if array.ndim == 2:
        return array[:, :, None]
    if array.ndim == 3:
        return array
    hint = " Drop the batch axis first (x[0])." if array.ndim == 4 else ""
    raise ValueError(
        f"{name} must be 2-D (H, W) for grayscale or 3-D (H, W, C) for C channels; "
        f"got shape {array.shape}.{hint}"
    )


def _as_kernels(kernels, channels):
    """Return kernels as (kh, kw, C, F) and whether a single filter was given."""
    k = np.asarray(kernels)
    if k.dtype == object or not np.issubdtype(k.dtype, np.number):
        raise TypeError(f"kernels must be an array of numbers; got dtype {k.dtype}.")
    if k.ndim == 2:
        k, single = k[:, :, None, None], True
    elif k.ndim == 3:
        k, single = k[:, :, :, None], True
    elif k.ndim == 4:
        single = False
    else:
        raise ValueError(
            f"kernels must be (kh, kw), (kh, kw, C) or (kh, kw, C, F) like a Conv2D kernel; got shape {k.shape}."
        )
    if k.shape[2] != channels:
        if k.shape[2] > channels:
            fix = (
                "Give the image that many channels (an RGB image for an RGB kernel) "
                "or use a kernel with one slice per image channel."
            )
        else:
            fix = (
                f"A kernel needs one {k.shape[0]}x{k.shape[1]} slice per image channel: "
                f"use shape {(k.shape[0], k.shape[1], channels)}, or convert the image to grayscale."
            )
        raise ValueError(
            f"the kernel has {k.shape[2]} channel(s) but the image has {channels}: they must match, "
            f"because each output value sums over all the channels. {fix}"
        )
    if min(k.shape[:2]) < 1 or k.shape[3] < 1:
        raise ValueError(f"kernels must not be empty; got shape {k.shape}.")
    return k, single


# ----------------------------------------------------------------------------
# sizes


def output_size(n, k, stride=1, padding="valid"):
    """Length of a convolution's (or pooling's) output along one axis (lesson 03).

    ``n`` input length, ``k`` kernel (or pool) length, ``stride`` the step, and
    ``padding`` either an integer ``p`` (zeros on each side), ``'valid'`` (p=0)
    or ``'same'``. With p zeros on each side::

        out = floor((n + 2p - k) / stride) + 1

    ``'same'`` pads just enough that ``out = ceil(n / stride)`` (for an even
    ``k`` the padding is uneven: one more zero after than before).
    """
    for value, name in ((n, "n"), (k, "k")):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer (a length in pixels); got {value!r}.")
    (s, _) = _pair(stride, "stride")
    before, after = padding_amounts(n, k, s, padding)
    if n + before + after < k:
        raise ValueError(
            f"the kernel ({k}) is longer than the padded input ({n} + {before + after} zeros): there is no "
            "position where it fits. Use a smaller kernel, more padding or padding='same'."
        )
    return (n + before + after - k) // s + 1


# ----------------------------------------------------------------------------
# convolution


def conv2d(image, kernels, stride=1, padding="valid", bias=None):
    """Slide kernels over an image and sum the products: what ``Conv2D`` computes (lesson 03).

    This is a cross-correlation, like every framework's "convolution": output
    value ``(i, j)`` of filter ``f`` is
    ``sum over (m, n, c) of x[i*s + m, j*s + n, c] * kernels[m, n, c, f] + bias[f]``.

    ``image`` is ``(H, W)`` or ``(H, W, C)``; ``kernels`` is ``(kh, kw)``,
    ``(kh, kw, C)`` or a bank ``(kh, kw, C, F)`` (Keras's kernel layout).
    ``stride`` is an int or a pair; ``padding`` is ``'valid'``, ``'same'``
    (both as in Keras) or an int number of zeros on every side. ``bias`` is a
    number or one number per filter.

    Returns ``(H_out, W_out)`` for a single kernel and ``(H_out, W_out, F)`` for
    a bank, as floats. No activation is applied.
    """
    x = _as_image(image)
    k, single = _as_kernels(kernels, x.shape[2])
    kh, kw, _, n_filters = k.shape
    sh, sw = _pair(stride, "stride")
    top, bottom = padding_amounts(x.shape[0], kh, sh, padding)
    left, right = padding_amounts(x.shape[1], kw, sw, padding)
    dtype = np.result_type(x.dtype, k.dtype, np.float32)
    x = np.pad(x.astype(dtype, copy=False), ((top, bottom), (left, right), (0, 0)))
    if x.shape[0] < kh or x.shape[1] < kw:
        raise ValueError(
            f"the kernel ({kh}x{kw}) is larger than the (padded) image ({x.shape[0]}x{x.shape[1]}): "
            "there is no position where it fits. Use a smaller kernel or padding='same'."
        )
    out_h = (x.shape[0] - kh) // sh + 1
    out_w = (x.shape[1] - kw) // sw + 1
    out = np.zeros((out_h, out_w, n_filters), dtype=dtype)
    # One pass per kernel cell: every output position takes the pixel that sits
    # under that cell, and all channels are combined with a (C, F) product.
    # (A broadcast product is much faster than a matrix product when C == 1.)
    k = k.astype(dtype, copy=False)
    for m in range(kh):
        rows = slice(m, m + (out_h - 1) * sh + 1, sh)
        for n in range(kw):
            cols = slice(n, n + (out_w - 1) * sw + 1, sw)
            if x.shape[2] == 1:
                out += x[rows, cols, :] * k[m, n, 0]
            else:
                out += x[rows, cols, :] @ k[m, n]
    if bias is not None:
        b = np.asarray(bias, dtype=dtype).reshape(-1)
        if b.size not in (1, n_filters):
            raise ValueError(f"bias must be one number or one per filter ({n_filters}); got {b.size} values.")
        out += b
    return out[:, :, 0] if single else out


def flip_kernel(kernel):
    """Rotate a kernel by 180 degrees (flip rows and columns), keeping channel axes (lesson 03)."""
    k = np.asarray(kernel)
    if k.ndim < 2:
        raise ValueError(f"a kernel has at least two axes (kh, kw); got shape {k.shape}.")
    return k[::-1, ::-1, ...]


def convolve2d(image, kernels, stride=1, padding="valid", bias=None):
    """True (textbook) 2-D convolution: :func:`conv2d` with the kernel flipped (lesson 03).

    ``(x * k)[i, j] = sum over (m, n) of x[i - m, j - n] k[m, n]``; reading the
    image forwards and the kernel backwards is the same as cross-correlating
    with ``flip_kernel(k)``. Same arguments and shapes as :func:`conv2d`.
    """
    return conv2d(image, flip_kernel(kernels), stride=stride, padding=padding, bias=bias)


# ----------------------------------------------------------------------------
# pooling


def pool2d(x, pool_size=2, stride=None, mode="max", padding="valid"):
    """Max or average pooling of ``(H, W)`` or ``(H, W, C)`` maps, like Keras (lesson 03).

    ``pool_size`` and ``stride`` are ints or pairs; ``stride`` defaults to
    ``pool_size`` (windows side by side, as in ``MaxPooling2D``). Each channel
    is pooled on its own. With ``padding='same'`` the windows that stick out
    of the map only look at the values inside it (the padding is never the
    maximum and does not count in the average), as in Keras.
    """
    if mode not in ("max", "avg", "average", "mean"):
        raise ValueError(f"mode must be 'max' or 'avg'; got {mode!r}.")
    squeeze = np.ndim(x) == 2
    a = _as_image(x, name="x").astype(np.result_type(np.asarray(x).dtype, np.float32), copy=False)
    ph, pw = _pair(pool_size, "pool_size")
    sh, sw = _pair(pool_size if stride is None else stride, "stride")
    top, bottom = padding_amounts(a.shape[0], ph, sh, padding)
    left, right = padding_amounts(a.shape[1], pw, sw, padding)
    if a.shape[0] + top + bottom < ph or a.shape[1] + left + right < pw:
        raise ValueError(
            f"the pool window ({ph}x{pw}) is larger than the map ({a.shape[0]}x{a.shape[1]}); "
            "use a smaller pool_size or padding='same'."
        )
    a = np.pad(a, ((top, bottom), (left, right), (0, 0)), constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(a, (ph, pw), axis=(0, 1))[::sh, ::sw]
    reduce = np.nanmax if mode == "max" else np.nanmean
    out = reduce(windows, axis=(-2, -1))
    return out[:, :, 0] if squeeze else out


# ----------------------------------------------------------------------------
# template matching


def match_template(image, patch):
    """Normalised cross-correlation of a grayscale image with a patch (lesson 03).

    Value ``(i, j)`` is the correlation coefficient, in [-1, 1], between the
    patch and the image window whose top-left corner is ``(i, j)``: both are
    mean-subtracted and divided by their norms, so a bright window does not
    win just for being bright. Built from three :func:`conv2d` calls (a
    'valid' output, ``(H - ph + 1, W - pw + 1)``).
    """
    img = np.asarray(image, dtype=np.float64)
    p = np.asarray(patch, dtype=np.float64)
    if img.ndim != 2 or p.ndim != 2:
        raise ValueError(
            f"match_template works on 2-D grayscale arrays; got image {img.shape} and patch {p.shape}. "
            "Convert colour images with load_sample_photo(grayscale=True) or a channel mean."
        )
    p = p - p.mean()
    p_norm = np.sqrt((p**2).sum())
    if p_norm == 0:
        raise ValueError("the patch is flat (all pixels equal), so it matches every flat window equally.")
    ones = np.ones_like(p)
    n = p.size
    window_sum = conv2d(img, ones)
    window_sq = conv2d(img**2, ones)
    window_var = np.maximum(window_sq - window_sum**2 / n, 0.0)
    numerator = conv2d(img, p)  # sum(W * (P - mean P)) == sum((W - mean W)(P - mean P))
    denominator = np.sqrt(window_var) * p_norm
    return np.where(denominator > 1e-12, numerator / np.maximum(denominator, 1e-12), 0.0)
