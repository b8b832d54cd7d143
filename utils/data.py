"""Loading MNIST and CIFAR-10 offline first (introduced in lesson 01).

Every notebook loads its data through this module, so that the same rules hold
everywhere:

1. Look in the local data directory (``COURSE_DATA_DIR``, default ``data/``)
   for the files in their official layouts (see ``data/README.md``).
2. Otherwise fall back to ``keras.datasets`` (downloads once, cached by Keras),
   unless ``COURSE_OFFLINE=1``.
3. If neither works, raise :class:`DataNotFoundError` with one message that
   names the file, the folder searched and how to fix it.

Files are validated (shapes, dtypes, label ranges) and CIFAR-10's pickles are
read with a restricted unpickler that can only build NumPy arrays, lists,
numbers and bytes, never import arbitrary code.

All loaders return ``(x_train, y_train), (x_test, y_test)`` like Keras: images
as ``uint8`` arrays (``(n, 28, 28)`` or ``(n, 32, 32, 3)``) and labels as flat
``uint8`` vectors. Use :func:`to_float` for values in [0, 1] and
:func:`class_names` for the label names.
"""

from __future__ import annotations

import io
import pickle
import tarfile
import zipfile
from dataclasses import dataclass

import numpy as np

from utils.config import DATA_DIR_ENV, OFFLINE_ENV, data_dir, offline


class DataNotFoundError(FileNotFoundError):
    """No local copy of a data set was found and it could not be downloaded."""


class DataFormatError(ValueError):
    """A data file exists but is truncated, malformed or not what it claims to be."""


CLASS_NAMES = {
    "mnist": [str(d) for d in range(10)],
    "cifar10": [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ],
}

_CIFAR_FOLDER = "cifar-10-batches-py"
_CIFAR_ARCHIVE = "cifar-10-python.tar.gz"
_CIFAR_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
_CIFAR_TEST = "test_batch"


@dataclass(frozen=True)
class _Spec:
    name: str
    image_shape: tuple
    local_names: tuple  # what we look for in the data directory, in order
    download_hint: str


_SPECS = {
    "mnist": _Spec(
        "mnist",
        (28, 28),
        ("mnist.npz",),
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    ),
    "cifar10": _Spec(
        "cifar10",
        (32, 32, 3),
        (_CIFAR_FOLDER, _CIFAR_ARCHIVE),
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    ),
}


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------
def load_mnist(n_train=None, n_test=None, seed=0):
    """MNIST digits: ``(x_train, y_train), (x_test, y_test)``, uint8, images (n, 28, 28).

    ``n_train``/``n_test`` take a stratified, seeded subset (FAST mode uses it).
    """
    return load_dataset("mnist", n_train=n_train, n_test=n_test, seed=seed)


def load_cifar10(n_train=None, n_test=None, seed=0):
    """CIFAR-10 photos: uint8 images (n, 32, 32, 3), labels (n,) in 0..9."""
    return load_dataset("cifar10", n_train=n_train, n_test=n_test, seed=seed)


def load_dataset(name, n_train=None, n_test=None, seed=0):
    """Load ``name`` (``"mnist"`` or ``"cifar10"``), validated,
    optionally reduced to stratified subsets of ``n_train`` and ``n_test`` images."""
    spec = _spec(name)
    (x_train, y_train), (x_test, y_test) = _read_local(spec) or _download(spec)
    source = "local copy" if _find_local(spec) else "keras.datasets"
    x_train, y_train = validate_split(spec, "train", x_train, y_train, source)
    x_test, y_test = validate_split(spec, "test", x_test, y_test, source)
    if n_train is not None:
        x_train, y_train = stratified_subset(x_train, y_train, n_train, seed=seed)
    if n_test is not None:
        x_test, y_test = stratified_subset(x_test, y_test, n_test, seed=seed + 1)
    return (x_train, y_train), (x_test, y_test)


def class_names(name):
    """The list of label names of a data set, index = label."""
    _spec(name)
    return list(CLASS_NAMES[name])


def to_float(images):
    """uint8 pixels 0..255 → float32 in [0, 1], the scale our networks train on."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(
            f"to_float expects uint8 pixels (0..255) but got dtype {images.dtype}; "
            "the images may already be scaled."
        )
    return images.astype("float32") / 255.0


def sample_per_class(y, take, rng):
    """Indices of ``take[c]`` examples of each class ``c`` of ``y``, drawn without replacement (lessons 01, 08).

    ``take`` maps class labels to counts (a dict, or an array aligned with
    ``np.unique(y)``); the one per-class draw behind :func:`stratified_subset`,
    :func:`train_val_split` and ``utils.transfer.few_labels``. Indices come
    class by class; shuffle them if the order matters.
    """
    y = np.asarray(y)
    classes = np.unique(y)
    counts = [take[c] for c in classes.tolist()] if isinstance(take, dict) else list(take)
    return np.concatenate(
        [rng.choice(np.flatnonzero(y == c), size=int(k), replace=False) for c, k in zip(classes, counts)]
    )


def _stratified_indices(y, n, rng):
    """Indices of ``n`` examples drawn so that every class keeps its share of ``y``.

    Classes get ``n * share`` examples each, the largest remainders rounded up.
    """
    _, counts = np.unique(y, return_counts=True)
    exact = counts * n / len(y)
    take = np.floor(exact).astype(int)
    take[np.argsort(exact - take)[::-1][: n - take.sum()]] += 1
    return sample_per_class(y, take, rng)


def stratified_subset(x, y, n, seed=0):
    """A seeded subset of ``n`` examples that keeps the class proportions of ``y`` (lesson 01).

    A 1,000-image FAST-mode subset of MNIST still has ~100 of every digit.
    """
    y = np.asarray(y)
    if not 0 < n <= len(y):
        raise ValueError(f"subset size must be between 1 and {len(y)}, got {n}")
    if n == len(y):
        return x, y
    rng = np.random.default_rng(seed)
    index = rng.permutation(_stratified_indices(y, n, rng))
    return x[index], y[index]


def train_val_split(x, y, n_val, seed=0):
    """Hold out ``n_val`` training examples as a validation set, stratified and seeded (lesson 06).

    Returns ``(x_fit, y_fit), (x_val, y_val)``: the validation set keeps the
    class proportions of ``y`` and the rest is what the model trains on. The
    test set is not touched: a model is watched and tuned on the validation
    set, and evaluated on the test set once, at the end.
    """
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"got {len(x)} images but {len(y)} labels")
    if not 0 < n_val < len(y):
        raise ValueError(f"n_val must leave examples on both sides: between 1 and {len(y) - 1}, got {n_val}")
    rng = np.random.default_rng(seed)
    held = np.zeros(len(y), dtype=bool)
    held[_stratified_indices(y, n_val, rng)] = True
    fit, val = rng.permutation(np.flatnonzero(~held)), rng.permutation(np.flatnonzero(held))
    return (x[fit], y[fit]), (x[val], y[val])


def validate_split(spec, split, x, y, source):
    """Check one split's images and labels; return them as uint8 arrays, labels flat."""
    where = f"{spec.name} {split} split ({source})"
    x = np.asarray(x)
    y = np.asarray(y).reshape(-1) if np.ndim(y) == 2 and np.shape(y)[1] == 1 else np.asarray(y)
    if x.ndim != 1 + len(spec.image_shape) or x.shape[1:] != spec.image_shape:
        raise DataFormatError(
            f"{where}: images have shape {x.shape}, expected (n, "
            f"{', '.join(map(str, spec.image_shape))}). The file is not a {spec.name} file "
            "in the official layout; replace it with an original copy."
        )
    if x.dtype != np.uint8:
        raise DataFormatError(f"{where}: images have dtype {x.dtype}, expected uint8 pixels 0..255.")
    if y.ndim != 1 or len(y) != len(x):
        raise DataFormatError(
            f"{where}: {len(x)} images but labels of shape {y.shape}; expected one label per image."
        )
    if len(y) == 0:
        raise DataFormatError(f"{where}: the split is empty.")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= len(CLASS_NAMES[spec.name]):
        raise DataFormatError(
            f"{where}: labels must be integers 0..{len(CLASS_NAMES[spec.name]) - 1}, "
            f"found dtype {y.dtype} with range {y.min()}..{y.max()}."
        )
    return x, y.astype(np.uint8)


# --------------------------------------------------------------------------
# Local files
# --------------------------------------------------------------------------
def _spec(name):
    try:
        return _SPECS[name]
    except KeyError:
        raise ValueError(f"unknown data set {name!r}; choose one of {sorted(_SPECS)}") from None


def _find_local(spec):
    for local_name in spec.local_names:
        path = data_dir() / local_name
        if path.exists():
            return path
    return None


def _read_local(spec):
    path = _find_local(spec)
    if path is None:
        return None
    readers = {"mnist": _read_mnist_npz, "cifar10": _read_cifar}
    return readers[spec.name](path)


def _read_mnist_npz(path):
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = {"x_train", "y_train", "x_test", "y_test"} - set(npz.files)
            if missing:
                raise DataFormatError(
                    f"{path} has no arrays named {sorted(missing)}; an MNIST .npz holds "
                    "x_train, y_train, x_test and y_test."
                )
            return (npz["x_train"], npz["y_train"]), (npz["x_test"], npz["y_test"])
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        if isinstance(err, DataFormatError):
            raise
        raise DataFormatError(
            f"{path} cannot be read ({err}); it is probably truncated by an interrupted "
            "download. Delete it and copy or download it again."
        ) from err


class _CifarUnpickler(pickle.Unpickler):
    """Builds only what CIFAR-10 batch files contain: dicts, lists, ints, bytes and
    NumPy arrays. Any other import inside the pickle is refused, because
    unpickling can otherwise run arbitrary code."""

    ALLOWED = {
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"),  # arrays in pickle protocol 5
        ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),  # bytes written by Python 3 at protocol 2 (text -> bytes only)
    }

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise DataFormatError(
            f"refused to unpickle {module}.{name}: a CIFAR-10 batch contains only arrays, "
            "lists, numbers and bytes. This file is not an original CIFAR-10 batch; "
            "do not use it."
        )


def _unpickle_batch(raw, where):
    try:
        batch = _CifarUnpickler(io.BytesIO(raw), encoding="bytes").load()
    except DataFormatError as err:
        raise DataFormatError(f"{where}: {err}") from None
    except Exception as err:  # truncated pickles raise many different errors
        raise DataFormatError(
            f"{where} cannot be unpickled ({type(err).__name__}: {err}); it is probably "
            "truncated. Copy or download it again."
        ) from err
    if not isinstance(batch, dict):
        raise DataFormatError(f"{where} holds a {type(batch).__name__}, expected a dict.")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise DataFormatError(f"{where} has no 'data' and 'labels' entries; it is not a CIFAR-10 batch.")
    data = np.asarray(batch["data"])
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DataFormatError(
            f"{where}: 'data' has shape {data.shape} and dtype {data.dtype}, expected (n, 3072) uint8."
        )
    images = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return images, np.asarray(batch["labels"])


def _read_cifar(path):
    if path.is_dir():

        def read(member):
            file = path / member
            if not file.exists():
                raise DataNotFoundError(
                    f"{path} exists but {member} is missing from it; copy the whole folder."
                )
            return file.read_bytes()
    else:
        try:
            archive = tarfile.open(path, "r:gz")
        except (tarfile.TarError, OSError, EOFError) as err:
            raise DataFormatError(f"{path} is not a readable .tar.gz ({err}); download it again.") from err

        def read(member):
            try:
                return archive.extractfile(f"{_CIFAR_FOLDER}/{member}").read()
            except KeyError:
                raise DataFormatError(
                    f"{path} has no {_CIFAR_FOLDER}/{member}; it is not the CIFAR-10 archive."
                ) from None
            except (tarfile.TarError, OSError, EOFError) as err:
                raise DataFormatError(f"{path} is truncated ({err}); download it again.") from err

    train = [_unpickle_batch(read(m), f"{path}/{m}") for m in _CIFAR_TRAIN]
    test = _unpickle_batch(read(_CIFAR_TEST), f"{path}/{_CIFAR_TEST}")
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return (x_train, y_train), test


# --------------------------------------------------------------------------
# Download fallback
# --------------------------------------------------------------------------
def _not_found_message(spec, reason):
    wanted = " or ".join(spec.local_names)
    return (
        f"Could not load {spec.name}: no {wanted} in the data directory {data_dir()} "
        f"and {reason}.\n"
        f"Fix: put {wanted} ({spec.download_hint}) into {data_dir()}, "
        f"or set {DATA_DIR_ENV} to the folder that holds it. See data/README.md."
    )


def _download(spec):
    """Fall back to keras.datasets, turning any failure into one clear error."""
    if offline():
        raise DataNotFoundError(_not_found_message(spec, f"downloads are off ({OFFLINE_ENV}=1)"))
    import keras

    loader = getattr(keras.datasets, spec.name)
    try:
        return loader.load_data()
    except Exception as err:  # network errors come wrapped in many types
        reason = f"the download through keras.datasets failed ({type(err).__name__}: {err})"
        raise DataNotFoundError(_not_found_message(spec, reason)) from None


__all__ = [
    "CLASS_NAMES",
    "DataFormatError",
    "DataNotFoundError",
    "class_names",
    "load_cifar10",
    "load_dataset",
    "load_mnist",
    "sample_per_class",
    "stratified_subset",
    "to_float",
    "train_val_split",
    "validate_split",
]
