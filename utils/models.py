"""The course's own networks, and the one way each lesson model is trained or loaded.

* LeNet-5 (lesson 05): :func:`lenet5`, :func:`compile_lenet5`; lesson 05's
  sizes and data split in :func:`lesson05_sizes` / :func:`lesson05_data`, and
  :func:`load_lesson05_model` for the lessons that reuse the trained model.
* Lesson 06's CIFAR-10 network: the augmentation block :func:`shift_and_flip`,
  the building block :func:`conv_bn_relu`, the network :func:`bn_cnn`,
  :func:`train_bn_cnn` to train it on any labelled photos, and the lesson's
  final run :func:`train_lesson06_model`, which lesson 06 calls and lessons
  07 and 08 call again through :func:`load_lesson06_model` when no saved model
  exists, so the model a later lesson retrains is the model lesson 06 trains.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
import numpy as np
from keras import layers

from utils.augmentation import ShiftAndFlip, check_augmentation_settings
from utils.config import by_mode
from utils.data import load_cifar10, load_mnist, to_float, train_val_split
from utils.setup import seed_everything
from utils.training import (
    compile_with_warmup_cosine,
    model_path,
    save_lesson_model,
    steps_for,
    train_network,
    train_or_load,
)
from utils.validation import integer_labels

LESSON05_MODEL = "05_lenet5"
LESSON06_MODEL = "06_cifar10"
# Lesson 05 seeds LeNet-5's start and its run with it: the same model wherever it is trained.
LESSON05_SEED = 5
LESSON06_SEED = 6  # lesson 06's final run seeds itself: the same model whichever lesson trains it
BN_CNN_WIDTHS = (24, 48, 96, 96)


# ----------------------------------------------------------------------------
# lesson 05: LeNet-5 on MNIST


def lenet5(activation="tanh", pooling="average", first_pool_strides=2, name="lenet5"):
    """A LeNet-5-shaped stack for 28x28x1 digits, layers named conv1 ... output (lesson 05).

    ``pooling`` is ``"average"`` (the 1998 network) or ``"max"`` (today's
    default); ``first_pool_strides=1`` gives the source article's variant.
    """
    pools = {"average": layers.AveragePooling2D, "max": layers.MaxPooling2D}
    if pooling not in pools:
        raise ValueError(f"pooling must be 'average' or 'max', got {pooling!r}")
    pool = pools[pooling]
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(6, 5, padding="same", activation=activation, name="conv1"),
            pool(pool_size=2, strides=first_pool_strides, name="pool1"),
            layers.Conv2D(16, 5, activation=activation, name="conv2"),
            pool(pool_size=2, strides=2, name="pool2"),
            layers.Conv2D(120, 5, activation=activation, name="conv3"),
            layers.Flatten(name="flatten"),
            layers.Dense(84, activation=activation, name="dense"),
            layers.Dense(10, activation="softmax", name="output"),
        ],
        name=name,
    )


def compile_lenet5(model, steps):
    """SGD with momentum 0.9, weight decay 0.005 and a cosine decay from 0.05 over ``steps`` (lesson 05)."""
    return compile_with_warmup_cosine(
        model, steps, peak=0.05, warmup_fraction=0, optimizer="sgd", momentum=0.9, weight_decay=0.005
    )


@dataclass(frozen=True)
class Sizes:
    """How much data and how many epochs a lesson's run uses in the current mode."""

    n_train: int | None  # training images loaded (None: all), before the validation split
    n_val: int  # of those, held out for validation
    n_test: int | None  # test images loaded (None: all)
    epochs: int
    batch_size: int

    def __str__(self):
        n_train = "all" if self.n_train is None else f"{self.n_train:,}"
        n_test = "all" if self.n_test is None else f"{self.n_test:,}"
        return (
            f"{n_train} training images, {self.n_val:,} of them held out for validation; "
            f"{n_test} test images; {self.epochs} epochs of batches of {self.batch_size}"
        )


def lesson05_sizes():
    """Lesson 05's sizes: all of MNIST for 8 epochs (FAST mode: 2,500 images, 2 epochs)."""
    return Sizes(
        n_train=by_mode(full=None, fast=2500),
        n_val=by_mode(full=5000, fast=500),
        n_test=by_mode(full=None, fast=500),
        epochs=by_mode(full=8, fast=2),
        batch_size=64,
    )


def lesson05_data(sizes):
    """MNIST as lesson 05 uses it: ``(x_fit, y_fit), (x_val, y_val), (x_test, y_test)``.

    Images are floats in [0, 1] with a channel axis, ``(n, 28, 28, 1)``; labels
    integers. The last ``sizes.n_val`` training images are the validation set.
    """
    (x_train, y_train), (x_test, y_test) = load_mnist(n_train=sizes.n_train, n_test=sizes.n_test)
    x_train, x_test = to_float(x_train)[..., np.newaxis], to_float(x_test)[..., np.newaxis]
    fit = slice(None, -sizes.n_val)
    val = slice(-sizes.n_val, None)
    return (x_train[fit], y_train[fit]), (x_train[val], y_train[val]), (x_test, y_test)


def train_lesson05_model(sizes, x_fit, y_fit, x_val, y_val, verbose=2):
    """Lesson 05's run: LeNet-5 with its SGD recipe, seeded so that it is the same wherever it is trained.

    :data:`LESSON05_SEED` is set twice, as lesson 05's notebook does: before
    the network is built (its initial weights) and again right before
    ``fit`` (the order of the batches), so that cells run in between cannot
    change the result. Returns ``(model, history)``.
    """
    seed_everything(LESSON05_SEED)
    model = compile_lenet5(lenet5(), steps_for(len(x_fit), sizes.epochs, sizes.batch_size))
    seed_everything(LESSON05_SEED)
    history = model.fit(
        x_fit,
        y_fit,
        validation_data=(x_val, y_val),
        epochs=sizes.epochs,
        batch_size=sizes.batch_size,
        verbose=verbose,
    )
    return model, history


def load_lesson05_model():
    """Lesson 05's trained LeNet-5: loaded from ``models/``, or trained again with lesson 05's recipe.

    Used by lesson 07. Training (:func:`train_lesson05_model`, the same model
    as lesson 05's) takes about a minute or two on a 2-core CPU (seconds in
    FAST mode); the line printed says which happened.
    """

    def train():
        sizes = lesson05_sizes()
        (x_fit, y_fit), (x_val, y_val), _ = lesson05_data(sizes)
        return train_lesson05_model(sizes, x_fit, y_fit, x_val, y_val)[0]

    return train_or_load(LESSON05_MODEL, train)


# ----------------------------------------------------------------------------
# lesson 06: augmentation and a batch-normalised CNN for CIFAR-10


def shift_and_flip(shift=0.1, flip="horizontal", seed=None, layers_only=False, name="augmentation"):
    """Random shifts and left-right flips as a block that goes inside the model (lesson 06).

    The settings of the original Keras CIFAR-10 example: ``shift`` is the
    largest shift as a fraction of the image height and width (``0.1`` moves a
    32-pixel photo by up to 3 pixels each way, in whole pixels), the uncovered
    border repeats the nearest pixel, and ``flip`` is ``"horizontal"``,
    ``"vertical"``, ``"horizontal_and_vertical"`` or ``None``. The block keeps
    the shape of its input and only transforms when called with
    ``training=True``, which ``fit`` does for you; a direct call ``model(x)``
    without ``training=False`` does augment.

    With ``layers_only=True`` the block is Keras's own preprocessing layers,
    ``RandomTranslation`` (named ``shift``) then ``RandomFlip`` (``flip``): what
    lesson 06 teaches and what ``ImageDataGenerator`` code translates into. By
    default it is one :class:`utils.augmentation.ShiftAndFlip` layer that draws
    from the same distribution by indexing instead of resampling, so
    augmentation costs little on every backend and device; every model the
    course trains uses it.
    """
    check_augmentation_settings(shift, flip)
    if not layers_only:
        return keras.Sequential([ShiftAndFlip(shift, flip, seed=seed, name="shift_and_flip")], name=name)
    blocks = []
    if shift:
        blocks.append(
            layers.RandomTranslation(
                shift, shift, fill_mode="nearest", interpolation="nearest", seed=seed, name="shift"
            )
        )
    if flip:
        blocks.append(layers.RandomFlip(flip, seed=None if seed is None else seed + 1, name="flip"))
    return keras.Sequential(blocks, name=name)


def conv_bn_relu(filters, name):
    """A 3x3 "same" convolution without bias, batch normalisation, ReLU (lesson 06).

    The convolution has no bias because batch normalisation subtracts the mean
    right after it and adds its own learned shift. ``momentum=0.9`` lets the
    running averages settle within a short run.
    """
    return [
        layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name),
        layers.BatchNormalization(momentum=0.9, name=f"{name}_bn"),
        layers.ReLU(name=f"{name}_relu"),
    ]


def bn_cnn(augmentation=None, widths=BN_CNN_WIDTHS, input_shape=(32, 32, 3), n_classes=10, name="bn_cnn"):
    """Lesson 06's batch-normalised network: four conv-BN-ReLU blocks, three poolings, a softmax layer.

    One convolution at full resolution, one at half, two at a quarter, each
    stage followed by 2x2 max pooling; the final 4x4 maps go straight into the
    softmax, with no hidden dense layer. With the default widths and 10
    classes it has 151,858 weights. ``augmentation`` (e.g.
    :func:`shift_and_flip`) goes in front, inside the model.
    """
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
    return keras.Sequential(front + body + head, name=name)


def train_bn_cnn(
    x,
    y,
    *,
    epochs,
    batch_size,
    augment=True,
    validation_data=None,
    callbacks=(),
    n_classes=None,
    peak=3e-3,
    verbose=2,
):
    """Build :func:`bn_cnn` (with :func:`shift_and_flip` in front if ``augment``) and train it (lesson 06).

    ``x`` holds float images in [0, 1], ``y`` integer labels (``n_classes``
    defaults to the largest label + 1). Adam follows a warm-up + cosine
    schedule over exactly this run. Every epoch is timed. Returns
    ``(model, history, timer)``; ``timer.seconds_per_epoch`` is the median.
    """
    y = integer_labels(y, "y", n=len(x), what="images")
    n_classes = int(y.max()) + 1 if n_classes is None else n_classes
    model = bn_cnn(shift_and_flip() if augment else None, input_shape=x.shape[1:], n_classes=n_classes)
    return train_network(
        model,
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        peak=peak,
        callbacks=callbacks,
        verbose=verbose,
    )


def lesson06_sizes():
    """Lesson 06's final run: all 50,000 training photos, 5,000 held out, 5 epochs of 128.

    FAST mode: 1,000 photos (200 held out), 1 epoch of 16.
    """
    return Sizes(
        n_train=by_mode(full=None, fast=1000),
        n_val=by_mode(full=5000, fast=200),
        n_test=by_mode(full=None, fast=500),
        epochs=by_mode(full=5, fast=1),
        batch_size=by_mode(full=128, fast=16),
    )


def lesson06_data(sizes):
    """CIFAR-10 as lesson 06 uses it: ``(x_fit, y_fit), (x_val, y_val), (x_test, y_test)``, uint8 photos.

    The validation set is a stratified sample of ``sizes.n_val`` *training*
    photos (seeded), so the test set is only used once, at the end.
    """
    (x_train, y_train), (x_test, y_test) = load_cifar10(n_train=sizes.n_train, n_test=sizes.n_test)
    (x_fit, y_fit), (x_val, y_val) = train_val_split(x_train, y_train, sizes.n_val, seed=0)
    return (x_fit, y_fit), (x_val, y_val), (x_test, y_test)


def train_lesson06_model(sizes, x_fit, y_fit, x_val, y_val, verbose=2, save=True):
    """Lesson 06's final run: the augmented :func:`bn_cnn` on the training photos, saved to ``models/``.

    The run seeds itself (:data:`LESSON06_SEED`), so the model is the same
    whichever notebook trains it and whatever that notebook ran before.
    ``BackupAndRestore`` keeps a backup next to the saved model after every
    epoch, so a run stopped half-way resumes at the last finished epoch when
    called again. Lessons 07 and 08 call this too (through
    :func:`load_lesson06_model`, which saves the result itself: ``save=False``).
    Returns ``(model, history, timer)``.
    """
    path = model_path(LESSON06_MODEL)
    backup = keras.callbacks.BackupAndRestore(str(path.with_suffix(".backup")))
    seed_everything(LESSON06_SEED)
    model, history, timer = train_bn_cnn(
        to_float(x_fit),
        y_fit,
        epochs=sizes.epochs,
        batch_size=sizes.batch_size,
        validation_data=(to_float(x_val), y_val),
        callbacks=[backup],
        n_classes=10,
        verbose=verbose,
    )
    if save:
        save_lesson_model(model, LESSON06_MODEL)
    return model, history, timer


def load_lesson06_model():
    """The CIFAR-10 model trained in lesson 06: loaded from ``models/``, or retrained (lessons 07, 08).

    Retraining runs :func:`train_lesson06_model` with lesson 06's sizes and
    data split: three to seven minutes on a 2-core CPU, seconds in FAST mode.
    The line printed says which happened.
    """

    def train():
        sizes = lesson06_sizes()
        (x_fit, y_fit), (x_val, y_val), _ = lesson06_data(sizes)
        return train_lesson06_model(sizes, x_fit, y_fit, x_val, y_val, save=False)[0]

    return train_or_load(LESSON06_MODEL, train)


__all__ = [
    "BN_CNN_WIDTHS",
    "LESSON05_MODEL",
    "LESSON05_SEED",
    "LESSON06_MODEL",
    "LESSON06_SEED",
    "Sizes",
    "bn_cnn",
    "compile_lenet5",
    "conv_bn_relu",
    "lenet5",
    "lesson05_data",
    "lesson05_sizes",
    "lesson06_data",
    "lesson06_sizes",
    "load_lesson05_model",
    "load_lesson06_model",
    "shift_and_flip",
    "train_bn_cnn",
    "train_lesson05_model",
    "train_lesson06_model",
]
