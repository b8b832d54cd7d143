"""``utils.transfer.write_photo_folder``: photos written as the folder tree Keras reads (lesson 08).

Lesson 08 writes its few labelled photos into ``root/<class>/<index>.png`` and
reads them back with ``keras.utils.image_dataset_from_directory``, as a student
reads photos of their own. The round trip must give back the same pixels and
the same labels; bad input must stop with a sentence that says what to fix.
"""

from pathlib import Path

import keras
import numpy as np
import pytest

from utils.transfer import write_photo_folder

NAMES = ["cat", "dog", "emu"]


def photos(n=12, size=(6, 5), channels=3, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, *size, channels), dtype=np.uint8)
    labels = rng.permutation(np.arange(n) % len(NAMES))
    return images, labels


def read_back(root, size, **options):
    """Every photo under ``root`` as ``(pixels, labels, positions in the written batch, class names)``."""
    dataset = keras.utils.image_dataset_from_directory(
        root, image_size=size, label_mode="int", shuffle=False, batch_size=5, verbose=False, **options
    )
    batches = list(dataset)
    pixels = np.concatenate([np.asarray(images) for images, _ in batches])
    labels = np.concatenate([np.asarray(y) for _, y in batches])
    positions = [int(Path(path).stem) for path in dataset.file_paths]
    return pixels, labels, positions, dataset.class_names


def test_photos_round_trip_with_their_labels_and_pixels(tmp_path):
    images, labels = photos()
    paths = write_photo_folder(images, labels, NAMES, tmp_path / "photos")

    assert [p.relative_to(tmp_path / "photos").as_posix() for p in paths[:2]] == [
        f"{NAMES[labels[0]]}/00.png",
        f"{NAMES[labels[1]]}/01.png",
    ]
    pixels, read_labels, positions, class_names = read_back(tmp_path / "photos", (6, 5))
    assert class_names == NAMES
    assert sorted(positions) == list(range(len(images)))  # every photo once
    np.testing.assert_array_equal(read_labels, labels[positions])
    np.testing.assert_array_equal(pixels, images[positions])  # exact: PNG is lossless
    # read class by class, each folder in file-name order: our photos sorted by label
    np.testing.assert_array_equal(positions, np.argsort(labels, kind="stable"))


def test_unsorted_class_names_keep_their_labels_when_the_reader_is_given_them(tmp_path):
    images, labels = photos(seed=1)
    names = ["zebra", "ant", "moose"]  # not alphabetical
    write_photo_folder(images, labels, names, tmp_path)
    _, read_labels, positions, class_names = read_back(tmp_path, (6, 5), class_names=names)
    assert class_names == names
    np.testing.assert_array_equal(read_labels, labels[positions])


def test_grey_photos_and_empty_classes_round_trip(tmp_path):
    images, labels = photos(n=4, channels=1, seed=2)
    labels = np.array([0, 0, 2, 2])  # no photo of class 1: its folder still exists
    write_photo_folder(images, labels, NAMES, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == NAMES
    pixels, read_labels, positions, _ = read_back(tmp_path, (6, 5), color_mode="grayscale")
    np.testing.assert_array_equal(read_labels, labels[positions])
    np.testing.assert_array_equal(pixels, images[positions])


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (lambda x, y, n: (x.astype("float32") / 255, y, n), TypeError, r"uint8.*\* 255"),
        (lambda x, y, n: (x[0], y, n), ValueError, r"shape \(n, height, width, 3\)"),
        (lambda x, y, n: (x[..., :2], y, n), ValueError, "got shape"),
        (lambda x, y, n: (x, y[:-1], n), ValueError, "one label for each"),
        (lambda x, y, n: (x, np.eye(3)[y], n), ValueError, "argmax"),
        (lambda x, y, n: (x, y, n[:2]), ValueError, "needs at least 3 names"),
        (lambda x, y, n: (x, y, ["cat", "dog", "cat"]), ValueError, "more than once"),
        (lambda x, y, n: (x, y, ["cat", "dog", "a/b"]), ValueError, "cannot be a folder name"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(tmp_path, change, error, message):
    images, labels, names = change(*photos(), list(NAMES))
    with pytest.raises(error, match=message):
        write_photo_folder(images, labels, names, tmp_path / "photos")
    assert not (tmp_path / "photos").exists()  # nothing half-written


def test_a_folder_with_files_in_it_is_refused(tmp_path):
    (tmp_path / "old.png").write_bytes(b"")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        write_photo_folder(*photos(), NAMES, tmp_path)
