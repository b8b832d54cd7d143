"""Reusing a lesson's trained model in later lessons (introduced in lesson 05).

``train_or_load("05_lenet5", build_and_train)`` returns the model trained in
lesson 05: it loads ``models/05_lenet5.keras`` when that file exists and can be
loaded, and otherwise calls ``build_and_train()`` (which must return a trained,
compiled model), saves the result there and returns it. It always says which
of the two it did, so a student running lesson 07 on its own knows why the
first cell takes a minute.

FAST-mode models are small and barely trained, so they are cached under a
different name (``05_lenet5.fast.keras``) and never served to a default run.
The folder is ``models/`` (git-ignored) or ``COURSE_MODELS_DIR``.
"""

from __future__ import annotations

import time

from utils.config import fast_mode, models_dir


def model_path(name):
    """Where the model of lesson ``name`` is cached for the current mode."""
    suffix = ".fast.keras" if fast_mode() else ".keras"
    return models_dir() / f"{name}{suffix}"


def train_or_load(name, build_and_train):
    """Load the cached model ``name`` if it is there and loads; else train, save and return it."""
    import keras

    path = model_path(name)
    if path.exists():
        try:
            model = keras.saving.load_model(path)
        except Exception as err:  # an old or damaged file: train afresh
            print(f"{path} could not be loaded ({type(err).__name__}: {err}); training a new model.")
        else:
            print(f"loaded the trained model from {path}")
            return model
    else:
        print(f"no saved model at {path}; training it now (this happens once).")
    start = time.perf_counter()
    model = build_and_train()
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"build_and_train for {name!r} returned {type(model).__name__}; it must return the trained keras.Model."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    print(f"trained in {time.perf_counter() - start:.0f} s and saved to {path}")
    return model
