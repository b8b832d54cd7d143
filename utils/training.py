"""Training machinery shared by every lesson that trains a model.

* :func:`model_path` and :func:`train_or_load` cache a lesson's trained model in
  ``models/`` so that later lessons load it instead of training it again
  (introduced in lesson 05).
* :class:`EpochTimer` is the one way the course times training: a callback
  that measures every epoch; lessons report its median (introduced in lesson 02).
* :func:`steps_for`, :func:`warmup_cosine` and :func:`compile_with_warmup_cosine`
  give Adam or SGD a learning rate that warms up and then follows half a cosine
  down to zero over a run of known length (introduced in lesson 02, explained
  in lesson 06).
* :func:`train_network` is lesson 06's recipe for any network: integer labels
  checked, Adam on that schedule over exactly this run, every epoch timed
  (lesson 06's ``train_bn_cnn`` and lesson 09's race both use it).
"""

from __future__ import annotations

import math
import statistics
import time

import keras

from utils.config import fast_mode, models_dir, shown_path
from utils.validation import integer_labels


def model_path(name):
    """Where the model of lesson ``name`` is cached for the current mode (lesson 05).

    FAST-mode models are small and barely trained, so they get their own file
    (``05_lenet5.fast.keras``) and are never served to a default-mode run. The
    folder is ``models/`` (git-ignored) or ``COURSE_MODELS_DIR``; it is created
    here, so callers can save to the path at once.
    """
    suffix = ".fast.keras" if fast_mode() else ".keras"
    folder = models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{name}{suffix}"


def train_or_load(name, build_and_train):
    """The model of lesson ``name``: loaded from ``models/`` if there, else trained and saved (lesson 05).

    ``build_and_train()`` must return the trained ``keras.Model``. Either way a
    line says what happened, so a student running a later lesson on its own
    knows why its first cell takes a while.
    """
    path = model_path(name)
    if path.exists():
        try:
            model = keras.saving.load_model(path)
        except Exception as err:  # an old or damaged file: train afresh
            print(
                f"{shown_path(path)} could not be loaded ({type(err).__name__}: {err}); training a new model."
            )
        else:
            print(f"loaded the trained model from {shown_path(path)}")
            return model
    else:
        print(f"no saved model at {shown_path(path)}; training it now (this happens once).")
    start = time.perf_counter()
    model = build_and_train()
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"build_and_train for {name!r} returned {type(model).__name__}; it must return the trained keras.Model."
        )
    print(f"trained in {time.perf_counter() - start:.0f} s")
    save_lesson_model(model, name)
    return model


def save_lesson_model(model, name):
    """Save lesson ``name``'s trained model where :func:`train_or_load` finds it (lesson 05).

    The one place the course saves a lesson model; prints where. Returns the path.
    """
    path = model_path(name)
    model.save(path)
    print(f"saved to {shown_path(path)}")
    return path


class EpochTimer(keras.callbacks.Callback):
    """A Keras callback that times every training epoch (lesson 02; used by every lesson that trains).

    Pass it to ``model.fit(..., callbacks=[timer])``; afterwards ``timer.times``
    holds the seconds of each epoch and ``timer.seconds_per_epoch`` their
    median. The median, not the mean, because the first epoch also pays the
    one-off cost of tracing the model into a TensorFlow graph.
    """

    def __init__(self):
        super().__init__()
        self.times = []
        self._start = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)

    @property
    def seconds_per_epoch(self):
        """Median seconds per epoch of the runs timed so far."""
        if not self.times:
            raise ValueError(
                "no epoch has been timed yet: pass the timer to model.fit(callbacks=[timer]) first"
            )
        return statistics.median(self.times)


def steps_for(n_images, epochs, batch_size):
    """Number of training steps (batches) in a run: what a schedule over the whole run needs (lesson 02)."""
    if n_images < 1 or epochs < 1 or batch_size < 1:
        raise ValueError(
            f"steps_for needs at least one image, epoch and batch size; got {n_images}, {epochs}, {batch_size}"
        )
    return epochs * math.ceil(n_images / batch_size)


def warmup_cosine(steps, peak=3e-3, warmup_fraction=0.2):
    """Learning rate rising linearly from ``peak / 10`` to ``peak``, then half a cosine to 0 (lesson 06).

    The warm-up takes ``warmup_fraction`` of the ``steps`` (batches) of the run,
    so the schedule must be built for the run's exact length. With
    ``warmup_fraction=0`` it is a plain cosine decay from ``peak``.
    """
    if steps < 2:
        raise ValueError(f"a warm-up + cosine schedule needs at least 2 training steps, got {steps}")
    if not 0 <= warmup_fraction < 1:
        raise ValueError(
            f"warmup_fraction is a share of the run and must be in [0, 1), got {warmup_fraction}"
        )
    warmup = round(steps * warmup_fraction)
    if warmup == 0:
        return keras.optimizers.schedules.CosineDecay(initial_learning_rate=peak, decay_steps=steps)
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=peak / 10,
        decay_steps=steps - warmup,
        warmup_target=peak,
        warmup_steps=warmup,
    )


def compile_with_warmup_cosine(
    model,
    steps,
    peak=3e-3,
    warmup_fraction=0.2,
    optimizer="adam",
    loss="sparse_categorical_crossentropy",
    **optimizer_options,
):
    """Compile ``model`` with ``optimizer`` on :func:`warmup_cosine` for a run of ``steps`` batches.

    ``optimizer`` is ``"adam"`` or ``"sgd"``; ``optimizer_options`` go to its
    constructor (``momentum=0.9, weight_decay=0.005`` for lesson 05's SGD).
    Labels are integers by default (``sparse_categorical_crossentropy``); pass
    ``loss="categorical_crossentropy"`` for one-hot rows. Returns the model.
    Introduced in lesson 02; lesson 06 explains the schedule.
    """
    optimizers = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}
    if optimizer not in optimizers:
        raise ValueError(f"optimizer must be one of {sorted(optimizers)}, got {optimizer!r}")
    schedule = warmup_cosine(steps, peak, warmup_fraction)
    model.compile(
        optimizer=optimizers[optimizer](learning_rate=schedule, **optimizer_options),
        loss=loss,
        metrics=["accuracy"],
    )
    return model


def train_network(
    model, x, y, *, epochs, batch_size, validation_data=None, peak=3e-3, callbacks=(), verbose=2
):
    """Train ``model`` with lesson 06's recipe: Adam on a warm-up + cosine schedule (lessons 06, 09).

    ``y`` (and the labels in ``validation_data``) must be integer class
    labels, one per image. The schedule spans exactly this run and every
    epoch is timed, so that a comparison of networks changes only the
    architecture. Returns ``(model, history, timer)``;
    ``timer.seconds_per_epoch`` is the median.
    """
    y = integer_labels(y, "y", n=len(x), what="images")
    if validation_data is not None:
        x_val, y_val = validation_data
        validation_data = (x_val, integer_labels(y_val, "validation labels", n=len(x_val), what="images"))
    compile_with_warmup_cosine(model, steps_for(len(x), epochs, batch_size), peak=peak)
    timer = EpochTimer()
    history = model.fit(
        x,
        y,
        batch_size=batch_size,
        epochs=epochs,
        validation_data=validation_data,
        callbacks=[*callbacks, timer],
        verbose=verbose,
    )
    return model, history, timer


__all__ = [
    "EpochTimer",
    "compile_with_warmup_cosine",
    "model_path",
    "save_lesson_model",
    "steps_for",
    "train_network",
    "train_or_load",
    "warmup_cosine",
]
