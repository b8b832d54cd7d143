"""Self-checks and recorded results of a notebook run (introduced in lesson 01).

A notebook ends its training sections with a call such as
``check_at_least("CNN test accuracy", acc, floor=by_mode(full=0.99, fast=0.90))``
(lesson 01 is the first). When CI executes the notebook (nbval), a model that no
longer reaches its floor raises here, so the test run fails even though no cell
crashed. The floor is written once, in that call.

Every checked value with its floor, and every number passed to :func:`record`
(training times, for example), is also appended to the JSON-lines file named
by ``COURSE_RESULTS_FILE`` when that is set: the benchmark script
(``benchmarks/run.py``) reads them from there to build the README's table, so
the table's targets are the notebooks' own floors.

A lesson that writes its network or recipe out in a cell, while later lessons
reuse the copy in ``utils/``, checks that the two agree with :func:`check_same`,
comparing :func:`layer_structure` lists, learning rates or the
:func:`training_recipe` of a trained model (introduced in lesson 05).
"""

from __future__ import annotations

import json
import os

import numpy as np

from utils.config import fast_mode

RESULTS_ENV = "COURSE_RESULTS_FILE"


class LessonCheckError(AssertionError):
    """A lesson's result fell below the floor it promises."""


def record(name, value, floor=None):
    """Note a measured number (a time, an accuracy) for the benchmark table (lesson 01).

    ``floor`` is the least the lesson promises, if any (``check_at_least`` passes
    it). Does nothing unless ``COURSE_RESULTS_FILE`` is set, so notebooks can call it freely.
    """
    path = os.environ.get(RESULTS_ENV)
    if path:
        row = {"name": name, "value": float(value), "fast": fast_mode()}
        if floor is not None:
            row["floor"] = float(floor)
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(row) + "\n")
    return value


def check_at_least(name, value, floor):
    """Print ``value`` against ``floor`` and raise :class:`LessonCheckError` if it is lower (lesson 01).

    The printed line is part of the lesson ("CNN test accuracy: 0.9908, at least
    the 0.9900 this lesson promises"), and the error is what fails CI.
    """
    value = float(value)
    record(name, value, floor)
    if not value >= floor:  # also catches NaN
        raise LessonCheckError(
            f"{name} is {value:.4f}, below the floor of {floor:.4f}: the lesson no longer "
            "learns what it teaches. Re-run it from the top; if it still fails, something "
            "in the model, the data or a library version has changed."
        )
    promise = (
        f"the FAST-mode floor of {floor:.4f}" if fast_mode() else f"the {floor:.4f} this lesson promises"
    )
    print(f"{name}: {value:.4f}, at least {promise}")
    return value


def layer_structure(model):
    """One row per layer of ``model``: ``(layer type, output shape without the batch axis, weight count)`` (lesson 05).

    Two models with the same rows have the same layers in the same order, so
    a network written out in a notebook cell can be compared with the copy in
    ``utils/`` that later lessons use: ``check_same(..., layer_structure(mine),
    layer_structure(lenet5()))``. Layer names are left out on purpose: the rows
    say what the network computes, not what its layers are called.
    """
    layers = getattr(model, "layers", None)
    if layers is None:
        raise TypeError(f"layer_structure needs a Keras model, got {type(model).__name__}")
    rows = []
    for layer in layers:
        try:
            shape = tuple(layer.output.shape)[1:]
        except (AttributeError, ValueError) as err:
            raise ValueError(
                f"layer {layer.name!r} of {model.name!r} has no output shape yet: build the model from "
                "keras.Input(shape=...) first"
            ) from err
        rows.append((type(layer).__name__, shape, layer.count_params()))
    return rows


def training_recipe(model):
    """What a compiled ``model`` trains with: its layers, its loss, its optimizer and the optimizer's settings (lesson 06).

    The rows of :func:`layer_structure`, then ``("loss", model.loss)`` and
    ``(optimizer class, settings)``, where the settings are the optimizer's
    ``get_config()`` (learning rate or schedule, momentum, weight decay, ...)
    without the name Keras makes unique for every optimizer. Lesson 06 compares
    the recipes of the training functions it writes out with those in
    ``utils.models``: equal recipes mean the same network trained the same way,
    on any device. (Their trained weights can differ in the last digits on a
    GPU, where some sums are not added up in a fixed order.)
    """
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(
            f"model {getattr(model, 'name', model)!r} has no optimizer: compile it (or train it) first"
        )
    settings = {key: value for key, value in optimizer.get_config().items() if key != "name"}
    return [*layer_structure(model), ("loss", model.loss), (type(optimizer).__name__, settings)]


def _same(mine, reference, rtol, atol):
    """True when two values are equal: lists, tuples and dicts item by item, numbers and arrays up to rounding."""
    if isinstance(mine, (list, tuple)) and isinstance(reference, (list, tuple)):
        return len(mine) == len(reference) and all(_same(a, b, rtol, atol) for a, b in zip(mine, reference))
    if isinstance(mine, dict) and isinstance(reference, dict):
        return mine.keys() == reference.keys() and all(_same(mine[k], reference[k], rtol, atol) for k in mine)
    if isinstance(mine, str) or isinstance(reference, str) or mine is None or reference is None:
        return mine == reference
    try:
        a, b = np.asarray(mine, dtype=float), np.asarray(reference, dtype=float)
    except (TypeError, ValueError):
        return mine == reference
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _shown(value):
    """A short description of one item of a compared list, for an error message."""
    if hasattr(value, "shape") and hasattr(value, "dtype") and getattr(value, "size", 1) > 6:
        return f"an array of shape {tuple(value.shape)}"
    return repr(value)


def check_same(name, mine, reference, rtol=1e-4, atol=1e-6):
    """Print ``name: True`` if ``mine`` equals ``reference``; otherwise raise :class:`LessonCheckError` (lesson 05).

    Lessons use it to show that what a cell wrote out is what ``utils/``
    exports for later lessons: lists of :func:`layer_structure` rows, learning
    rates at a few steps, or :func:`training_recipe` lists. Lists, tuples and
    dicts are compared item by item (same length, same keys), strings exactly, numbers
    and arrays up to float32 rounding (``np.allclose`` with ``rtol`` and
    ``atol``). The error names the first item that differs. Returns nothing,
    so that a notebook cell ending with the check shows only the printed line.
    """
    if _same(mine, reference, rtol, atol):
        print(f"{name}: True")
        return
    detail = ""
    if isinstance(mine, (list, tuple)) and isinstance(reference, (list, tuple)):
        if len(mine) != len(reference):
            detail = f" {len(mine)} items against {len(reference)}."
        first = next(
            (i for i, (a, b) in enumerate(zip(mine, reference)) if not _same(a, b, rtol, atol)), None
        )
        if first is not None:
            detail += f" The first difference is item {first}: {_shown(mine[first])} against {_shown(reference[first])}."
    raise LessonCheckError(
        f"{name}: not the same.{detail} The code written in the notebook no longer matches its copy in "
        "utils/ (which later lessons use): change one of them so that they agree again."
    )
