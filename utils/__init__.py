"""Helpers shared by every notebook of the course.

Notebooks show the idea being taught in plain NumPy/Keras and call these for
the plumbing: setup and seeding, data loading, plotting, training and timing.
Each helper's docstring names the lesson that introduces it; CONTRIBUTING.md
has a map of the modules.

Importing this package imports Keras on the backend named by ``KERAS_BACKEND``
(TensorFlow, JAX or PyTorch) and no other framework; with TensorFlow its C++
start-up log is silenced, so a notebook may ``import keras`` in any order after
``import utils`` without log noise in its outputs.
"""

from utils.setup import import_keras_quietly

import_keras_quietly()

# ruff: noqa: E402

import utils.augmentation  # noqa: F401  (registers ShiftAndFlip: saved lesson models load anywhere)
from utils.checks import LessonCheckError, check_at_least, record
from utils.config import by_mode, data_dir, fast_mode, models_dir
from utils.data import (
    DataFormatError,
    DataNotFoundError,
    class_names,
    load_cifar10,
    load_dataset,
    load_mnist,
    stratified_subset,
    to_float,
    train_val_split,
)
from utils.plots import plot_curve, plot_history, show_images
from utils.setup import setup_course
from utils.training import EpochTimer, model_path, train_or_load

__all__ = [
    "DataFormatError",
    "DataNotFoundError",
    "EpochTimer",
    "LessonCheckError",
    "by_mode",
    "check_at_least",
    "class_names",
    "data_dir",
    "fast_mode",
    "load_cifar10",
    "load_dataset",
    "load_mnist",
    "model_path",
    "models_dir",
    "plot_curve",
    "plot_history",
    "record",
    "setup_course",
    "show_images",
    "stratified_subset",
    "to_float",
    "train_or_load",
    "train_val_split",
]
