"""Unit tests of utils.data: local files first, clear errors, safe unpickling."""

import io
import pickle
import tarfile

import numpy as np
import pytest

from utils import data as course_data
from utils.data import (
    DataFormatError,
    DataNotFoundError,
    class_names,
    load_cifar10,
    load_mnist,
    stratified_subset,
    to_float,
    train_val_split,
)

RNG = np.random.default_rng(0)


def write_mnist(folder, n_train=50, n_test=20, **overrides):
    arrays = {
        "x_train": RNG.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": np.arange(n_train, dtype=np.uint8) % 10,
        "x_test": RNG.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": np.arange(n_test, dtype=np.uint8) % 10,
    }
    arrays.update(overrides)
    np.savez(folder / "mnist.npz", **arrays)
    return arrays


def cifar_batch(n, first_label=0):
    return {
        b"batch_label": b"synthetic",
        b"labels": [(first_label + i) % 10 for i in range(n)],
        b"data": RNG.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"filenames": [f"img{i}.png".encode() for i in range(n)],
    }


def write_cifar_folder(folder, n=20, protocol=pickle.HIGHEST_PROTOCOL):
    batches = {f"data_batch_{i}": cifar_batch(n, i) for i in range(1, 6)}
    batches["test_batch"] = cifar_batch(n)
    target = folder / "cifar-10-batches-py"
    target.mkdir()
    for name, batch in batches.items():
        (target / name).write_bytes(pickle.dumps(batch, protocol=protocol))
    return batches


# -- MNIST -----------------------------------------------------------------
def test_mnist_is_read_from_the_data_directory(data_dir):
    arrays = write_mnist(data_dir)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (50, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (20, 28, 28)
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_missing_mnist_offline_names_file_folder_and_fix(data_dir):
    with pytest.raises(DataNotFoundError) as caught:
        load_mnist()
    message = str(caught.value)
    assert "mnist.npz" in message
    assert str(data_dir) in message
    assert "COURSE_DATA_DIR" in message and "Fix:" in message


def test_failed_download_becomes_one_clear_error(data_dir, monkeypatch):
    """With downloads allowed but no network, the Keras error is replaced by ours."""
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    keras = pytest.importorskip("keras")

    def no_network():
        raise Exception("URL fetch failure: [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", no_network)
    with pytest.raises(DataNotFoundError, match="download through keras.datasets failed") as caught:
        load_mnist()
    assert "mnist.npz" in str(caught.value) and caught.value.__cause__ is None


def test_truncated_npz_says_it_is_truncated(data_dir):
    write_mnist(data_dir)
    path = data_dir / "mnist.npz"
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(DataFormatError, match="truncated"):
        load_mnist()


def test_npz_with_missing_arrays_is_rejected(data_dir):
    np.savez(data_dir / "mnist.npz", x_train=np.zeros((2, 28, 28), np.uint8))
    with pytest.raises(DataFormatError, match="y_train"):
        load_mnist()


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"x_train": np.zeros((5, 32, 32), np.uint8), "y_train": np.zeros(5, np.uint8)}, "shape"),
        ({"x_train": np.zeros((5, 28, 28), np.float32), "y_train": np.zeros(5, np.uint8)}, "dtype float32"),
        (
            {"x_train": np.zeros((5, 28, 28), np.uint8), "y_train": np.zeros(4, np.uint8)},
            "one label per image",
        ),
        (
            {"x_train": np.zeros((5, 28, 28), np.uint8), "y_train": np.full(5, 12, np.uint8)},
            "labels must be integers 0..9",
        ),
    ],
)
def test_malformed_mnist_is_explained(data_dir, override, expected):
    write_mnist(data_dir, **override)
    with pytest.raises(DataFormatError, match=expected):
        load_mnist()


# -- subsets ---------------------------------------------------------------
def test_stratified_subset_keeps_class_balance_and_is_seeded():
    y = np.repeat(np.arange(10), [100, 50, 50, 50, 50, 50, 50, 50, 50, 500])
    x = np.arange(len(y))
    xs, ys = stratified_subset(x, y, 100, seed=3)
    counts = np.bincount(ys, minlength=10)
    assert counts.sum() == 100
    assert counts[9] == 50 and counts[0] == 10 and counts[1] == 5
    np.testing.assert_array_equal(y[xs], ys)  # images travel with their labels
    assert len(set(xs.tolist())) == 100  # no duplicates
    np.testing.assert_array_equal(stratified_subset(x, y, 100, seed=3)[0], xs)
    assert not np.array_equal(stratified_subset(x, y, 100, seed=4)[0], xs)


def test_stratified_subset_rejects_impossible_sizes():
    with pytest.raises(ValueError, match="between 1 and 10"):
        stratified_subset(np.arange(10), np.arange(10), 11)


def test_loaders_subsample_when_asked(data_dir):
    write_mnist(data_dir, n_train=100, n_test=50)
    (x_train, y_train), (x_test, _) = load_mnist(n_train=30, n_test=10)
    assert len(x_train) == 30 and len(x_test) == 10
    assert np.bincount(y_train, minlength=10).tolist() == [3] * 10


# -- CIFAR-10 ----------------------------------------------------------------
def test_cifar_folder_is_read_channels_last(data_dir):
    batches = write_cifar_folder(data_dir)
    (x_train, y_train), (x_test, y_test) = load_cifar10()
    assert x_train.shape == (100, 32, 32, 3) and x_test.shape == (20, 32, 32, 3)
    assert y_train.shape == (100,) and y_train.dtype == np.uint8
    first = batches["data_batch_1"][b"data"][0]
    np.testing.assert_array_equal(x_train[0, :, :, 0].ravel(), first[:1024])  # red plane
    np.testing.assert_array_equal(x_train[0, :, :, 2].ravel(), first[2048:])  # blue plane


def test_cifar_python2_style_pickles_are_read(data_dir):
    """The official batches were written by Python 2 (protocol 2)."""
    write_cifar_folder(data_dir, protocol=2)
    (x_train, _), _ = load_cifar10()
    assert x_train.shape == (100, 32, 32, 3)


def test_cifar_tar_gz_archive_is_read(data_dir, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    write_cifar_folder(source)
    with tarfile.open(data_dir / "cifar-10-python.tar.gz", "w:gz") as archive:
        archive.add(source / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    (x_train, _), (x_test, _) = load_cifar10()
    assert x_train.shape == (100, 32, 32, 3) and x_test.shape == (20, 32, 32, 3)


def test_truncated_tar_gz_is_explained(data_dir, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    write_cifar_folder(source)
    archive_path = data_dir / "cifar-10-python.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        archive.add(source / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    archive_path.write_bytes(archive_path.read_bytes()[:2000])
    with pytest.raises(DataFormatError, match="truncated|readable|download it again"):
        load_cifar10()


class Exploit:
    """Unpickling this would run a shell command."""

    def __reduce__(self):
        import os

        return (os.system, ("echo pwned > /tmp/pwned",))


def test_malicious_cifar_pickle_is_refused(data_dir):
    write_cifar_folder(data_dir)
    (data_dir / "cifar-10-batches-py" / "data_batch_3").write_bytes(pickle.dumps({b"data": Exploit()}))
    with pytest.raises(DataFormatError, match=r"refused to unpickle (posix|os)\.system") as caught:
        load_cifar10()
    assert "data_batch_3" in str(caught.value)


def test_truncated_cifar_batch_is_explained(data_dir):
    write_cifar_folder(data_dir)
    path = data_dir / "cifar-10-batches-py" / "test_batch"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(DataFormatError, match="test_batch cannot be unpickled.*truncated"):
        load_cifar10()


def test_cifar_batch_with_wrong_row_length_is_explained(data_dir):
    write_cifar_folder(data_dir)
    bad = cifar_batch(5)
    bad[b"data"] = np.zeros((5, 1000), np.uint8)
    (data_dir / "cifar-10-batches-py" / "data_batch_2").write_bytes(pickle.dumps(bad))
    with pytest.raises(DataFormatError, match=r"expected \(n, 3072\) uint8"):
        load_cifar10()


def test_incomplete_cifar_folder_names_the_missing_batch(data_dir):
    write_cifar_folder(data_dir)
    (data_dir / "cifar-10-batches-py" / "data_batch_5").unlink()
    with pytest.raises(DataNotFoundError, match="data_batch_5 is missing"):
        load_cifar10()


# -- small helpers -------------------------------------------------------------
def test_to_float_scales_uint8_to_unit_interval():
    x = np.array([[0, 128, 255]], np.uint8)
    out = to_float(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.0, 128 / 255, 1.0]])


def test_to_float_refuses_already_scaled_images():
    with pytest.raises(TypeError, match="already be scaled"):
        to_float(np.zeros(3, np.float32))


def test_class_names_and_unknown_dataset():
    assert class_names("cifar10")[:2] == ["airplane", "automobile"]
    assert class_names("mnist") == [str(d) for d in range(10)]
    with pytest.raises(ValueError, match="unknown data set 'imagenet'"):
        class_names("imagenet")


def test_unpickler_allows_only_numpy_reconstruction():
    raw = pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"labels": [0]})
    batch_images, labels = course_data._unpickle_batch(raw, "test")
    assert batch_images.shape == (1, 32, 32, 3) and labels.tolist() == [0]
    with pytest.raises(DataFormatError, match="refused"):
        course_data._CifarUnpickler(io.BytesIO(pickle.dumps(io.BytesIO)), encoding="bytes").load()


def test_train_val_split_is_stratified_disjoint_and_complete():
    x = np.arange(1000)
    y = np.repeat(np.arange(10), [190, 10, 100, 100, 100, 100, 100, 100, 100, 100])
    (x_fit, y_fit), (x_val, y_val) = train_val_split(x, y, n_val=100, seed=3)
    assert len(x_val) == 100 and len(x_fit) == 900
    assert set(x_fit).isdisjoint(x_val) and set(x_fit) | set(x_val) == set(x)
    assert np.bincount(y_val, minlength=10).tolist() == [19, 1, 10, 10, 10, 10, 10, 10, 10, 10]
    assert np.array_equal(y[x_val], y_val) and np.array_equal(y[x_fit], y_fit)
    again = train_val_split(x, y, n_val=100, seed=3)[1][0]
    assert np.array_equal(again, x_val)


@pytest.mark.parametrize("n_val", [0, 1000, -5])
def test_train_val_split_refuses_sizes_that_leave_a_side_empty(n_val):
    with pytest.raises(ValueError, match="both sides"):
        train_val_split(np.zeros(1000), np.arange(1000) % 10, n_val)


def test_sample_per_class_draws_the_asked_counts_of_each_class_without_repeats():
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 0])
    index = course_data.sample_per_class(y, {0: 3, 1: 1, 2: 2}, np.random.default_rng(0))
    assert np.bincount(y[index]).tolist() == [3, 1, 2]
    assert len(set(index.tolist())) == len(index)  # no example twice
    same = course_data.sample_per_class(y, [3, 1, 2], np.random.default_rng(0))  # counts in class order
    assert same.tolist() == index.tolist()
