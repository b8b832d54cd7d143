"""Self-checks that make a notebook fail when its lesson stops learning (lesson 02).

A notebook ends its training sections with a call such as
``check_at_least("CNN test accuracy", acc, floor=by_mode(full=0.99, fast=0.90))``.
When CI executes the notebook (nbval), a model that no longer reaches its floor
raises here, so the test run fails even though no cell crashed.
"""

from __future__ import annotations


class LessonCheckError(AssertionError):
    """A lesson's result fell below the floor it promises."""


def check_at_least(name, value, floor):
    """Print ``value`` against ``floor`` and raise :class:`LessonCheckError` if it is lower."""
    value = float(value)
    if not value >= floor:  # also catches NaN
        raise LessonCheckError(
            f"{name} is {value:.4f}, below the floor of {floor:.4f}: the lesson no longer "
            "learns what it teaches. Re-run it from the top; if it still fails, something "
            "in the model, the data or a library version has changed."
        )
    print(f"check passed: {name} = {value:.4f} (floor {floor:.4f})")
    return value
