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
"""

from __future__ import annotations

import json
import os

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
