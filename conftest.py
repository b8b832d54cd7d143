"""Repository-wide pytest hooks.

nbval compares stored and fresh outputs of cells marked ``# NBVAL_CHECK_OUTPUT``.
stderr is left out of that comparison: TensorFlow may print warnings there that
depend on the machine, and they are not part of what a lesson teaches.
"""

import os

# FAST mode is what CI runs; `make test` sets it too, this covers a bare `pytest`.
os.environ.setdefault("COURSE_FAST", "1")


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
