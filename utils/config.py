"""Course-wide settings read from environment variables (introduced in lesson 01).

Four variables, all documented in the README:

* ``COURSE_FAST=1`` turns on FAST mode: every notebook runs the same cells on
  small subsets with few epochs, so that CI can execute the whole course in a
  couple of minutes. The default (unset or ``0``) is the real lesson.
* ``COURSE_DATA_DIR`` names the folder where local copies of the data sets
  live. It defaults to ``data/`` at the root of this repository.
* ``COURSE_MODELS_DIR`` names the folder where trained lesson models are
  cached (default ``models/``).
* ``COURSE_OFFLINE=1`` forbids downloads: a missing data file or ImageNet
  weight file is reported at once instead of fetched.

Keras's own ``KERAS_BACKEND`` (``tensorflow``, ``jax`` or ``torch``) chooses
the backend; :mod:`utils.setup` reads it.
"""

from __future__ import annotations

import os
from pathlib import Path

FAST_ENV = "COURSE_FAST"
DATA_DIR_ENV = "COURSE_DATA_DIR"
MODELS_DIR_ENV = "COURSE_MODELS_DIR"
OFFLINE_ENV = "COURSE_OFFLINE"

REPO_ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _env_flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"{name}={os.environ[name]!r} is not understood; use {name}=1 to turn it on "
        f"or {name}=0 (or leave it unset) to turn it off."
    )


def fast_mode() -> bool:
    """Return True when FAST mode (``COURSE_FAST=1``) is on."""
    return _env_flag(FAST_ENV)


def offline() -> bool:
    """Return True when ``COURSE_OFFLINE=1`` forbids falling back to downloads."""
    return _env_flag(OFFLINE_ENV)


def by_mode(full, fast):
    """Pick a size for the current mode: ``full`` normally, ``fast`` in FAST mode.

    Notebooks call this for every number that FAST mode shrinks (samples,
    epochs, iterations), so a student can see exactly what CI changes::

        EPOCHS = by_mode(full=10, fast=1)
    """
    return fast if fast_mode() else full


def data_dir() -> Path:
    """The folder searched first for local data files (``COURSE_DATA_DIR`` or ``data/``)."""
    return Path(os.environ.get(DATA_DIR_ENV) or REPO_ROOT / "data").expanduser()


def models_dir() -> Path:
    """The git-ignored folder where trained lesson models are cached (``models/``)."""
    return Path(os.environ.get(MODELS_DIR_ENV) or REPO_ROOT / "models").expanduser()


def shown_path(path):
    """``path`` as printed in notebooks: relative to the repository, or to ``~`` (lesson 01).

    Stored outputs are read on the web by students on other machines, so they
    must not hold this machine's absolute paths: a folder inside the
    repository prints as ``models/06_cifar10.keras``, one beside it as
    ``../shared/datasets``, one in the home folder as ``~/data``.
    """
    # abspath, not resolve: a data folder reached through a symbolic link keeps
    # the name the user gave it (../shared/datasets, not where the link points)
    path = Path(os.path.abspath(Path(path).expanduser()))
    root, home = REPO_ROOT, Path(os.path.abspath(Path.home()))
    if path.is_relative_to(root) or not path.is_relative_to(home):
        try:
            return Path(os.path.relpath(path, root)).as_posix()
        except ValueError:  # another drive on Windows
            return str(path)
    return "~/" + path.relative_to(home).as_posix()
