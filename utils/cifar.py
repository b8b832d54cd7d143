"""Lesson 06's fast CIFAR-10 recipe, shared with the lessons that reuse its model.

Lesson 06 explains each piece: a lean stack of convolutions with batch
normalisation (:func:`fast_cnn`), Adam with a warm-up + cosine learning-rate
schedule (:func:`warmup_cosine`, :func:`compile_fast`) and the seed's
augmentation in front. The code lives here, not in the notebook, because
lessons 07 and 08 must be able to run on their own: :func:`load_lesson06_model`
loads the model lesson 06 saved in ``models/`` and, when there is none, trains
it again with the same recipe (:func:`train_fast_cnn`) and says so.
"""

from __future__ import annotations

import math

from utils.augment import seed_augmentation
from utils.config import by_mode
from utils.models import train_or_load

LESSON06_MODEL = "06_cifar10"
WIDTHS = (24, 48, 96, 96)


def conv_bn_relu(filters, name):
    """A 3x3 "same" convolution without bias, batch normalisation, ReLU (lesson 06).

    The convolution has no bias because batch normalisation subtracts the mean
    right after it and adds its own learned shift. ``momentum=0.9`` lets the
    running averages settle within a short run.
    """
    from keras import layers

    return [
        layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name),
        layers.BatchNormalization(momentum=0.9, name=f"{name}_bn"),
        layers.ReLU(name=f"{name}_relu"),
    ]


def fast_cnn(augmentation=None, widths=WIDTHS, input_shape=(32, 32, 3), n_classes=10):
    """Lesson 06's faster network: four conv-BN-ReLU blocks, three poolings, one softmax layer.

    One convolution at full resolution, one at half, two at a quarter, each
    stage followed by 2x2 max pooling; the final 4x4 maps go straight into the
    softmax, with no hidden dense layer. With the default widths it has 151,858
    weights. ``augmentation`` (e.g. :func:`utils.augment.seed_augmentation`) is
    put in front, inside the model.
    """
    import keras
    from keras import layers

    if len(widths) != 4:
        raise ValueError(f"widths gives the channels of the four convolutions; got {len(widths)} numbers")
    front = [keras.Input(shape=input_shape)] + ([augmentation] if augmentation is not None else [])
    c1, c2, c3, c4 = widths
    body = (
        conv_bn_relu(c1, "conv1")
        + [layers.MaxPooling2D(2, name="pool1")]
        + conv_bn_relu(c2, "conv2")
        + [layers.MaxPooling2D(2, name="pool2")]
        + conv_bn_relu(c3, "conv3")
        + conv_bn_relu(c4, "conv4")
        + [layers.MaxPooling2D(2, name="pool3")]
    )
    head = [layers.Flatten(name="flatten"), layers.Dense(n_classes, activation="softmax", name="predictions")]
    return keras.Sequential(front + body + head, name="fast_cnn")


def warmup_cosine(steps, peak=3e-3, warmup_fraction=0.2):
    """Learning rate rising linearly from ``peak / 10`` to ``peak``, then half a cosine to 0 (lesson 06).

    The warm-up takes ``warmup_fraction`` of the ``steps`` (batches) of the run,
    so the schedule must be built for the run's exact length.
    """
    import keras

    if steps < 2:
        raise ValueError(f"a warm-up + cosine schedule needs at least 2 training steps, got {steps}")
    warmup = round(steps * warmup_fraction)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak / 10,
        decay_steps=steps - warmup,
        warmup_target=peak,
        warmup_steps=warmup,
    )


def compile_fast(model, steps, peak=3e-3):
    """Compile ``model`` with Adam on :func:`warmup_cosine` for a run of ``steps`` batches (lesson 06).

    Labels are one-hot rows (``categorical_crossentropy``), as in lesson 06.
    """
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=warmup_cosine(steps, peak)),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def steps_for(n_images, epochs, batch_size):
    """Number of training steps (batches) of a run: what :func:`compile_fast` needs."""
    return epochs * math.ceil(n_images / batch_size)


def train_fast_cnn(x, y, epochs, batch_size, validation_data=None, callbacks=(), verbose=2):
    """Build, compile and train the augmented :func:`fast_cnn` on images ``x`` and integer labels ``y``.

    ``x`` holds floats in [0, 1]. Returns the trained model and its history.
    """
    import keras
    import numpy as np

    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be integer class labels of shape (n,), got shape {y.shape}")
    n_classes = 10
    model = fast_cnn(seed_augmentation(), input_shape=x.shape[1:], n_classes=n_classes)
    compile_fast(model, steps_for(len(x), epochs, batch_size))
    if validation_data is not None:
        x_val, y_val = validation_data
        validation_data = (x_val, keras.utils.to_categorical(y_val, n_classes))
    history = model.fit(
        x,
        keras.utils.to_categorical(y, n_classes),
        batch_size=batch_size,
        epochs=epochs,
        validation_data=validation_data,
        callbacks=list(callbacks),
        verbose=verbose,
    )
    return model, history


# Lesson 06's final run, as (default, FAST) pairs; the notebook's sizes cell
# uses the same numbers (tests/test_cifar.py checks that they agree).
FINAL_RUN = {"N_TRAIN": (None, 1000), "FAST_EPOCHS": (5, 1), "BATCH": (128, 16)}


def _final_run_size(name):
    full, fast = FINAL_RUN[name]
    return by_mode(full=full, fast=fast)


def _train_lesson06_model():
    """Lesson 06's final run with the notebook's sizes (FAST mode: 1,000 images, one epoch)."""
    from utils.data import load_cifar10, to_float

    (x_train, y_train), _ = load_cifar10(
        n_train=_final_run_size("N_TRAIN"), n_test=by_mode(full=None, fast=500)
    )
    model, _ = train_fast_cnn(
        to_float(x_train),
        y_train,
        epochs=_final_run_size("FAST_EPOCHS"),
        batch_size=_final_run_size("BATCH"),
    )
    return model


def load_lesson06_model():
    """The CIFAR-10 model trained in lesson 06: loaded from ``models/``, or retrained (lessons 07, 08).

    Retraining takes five to seven minutes on a 2-core CPU in the default mode
    and a few seconds in FAST mode; the message printed says which happened.
    """
    return train_or_load(LESSON06_MODEL, _train_lesson06_model)


__all__ = [
    "LESSON06_MODEL",
    "compile_fast",
    "conv_bn_relu",
    "fast_cnn",
    "load_lesson06_model",
    "steps_for",
    "train_fast_cnn",
    "warmup_cosine",
]
