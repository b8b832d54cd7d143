"""Tests of utils.pretrained (lessons 07 and 08) without any network.

Keras's downloader and the keras.applications constructor are replaced by
fakes, so the tests simulate every path: offline with nothing cached, a
download that fails (no network), a download that works, weights already
cached, and a cached file that is damaged.
"""

import json

import keras
import numpy as np
import pytest
from keras import layers

from utils import pretrained
from utils.pretrained import PretrainedUnavailableError, imagenet_model_or_reason, load_imagenet_model

WEIGHTS = pretrained.MODELS["MobileNetV2"][1]
CLASSES = {
    "0": ["n01440764", "tench"],
    "1": ["n01443537", "goldfish"],
    "2": ["n01484850", "great_white_shark"],
}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty Keras cache folder, used instead of ~/.keras/models."""
    folder = tmp_path / "models"
    folder.mkdir()
    monkeypatch.setattr(pretrained, "cache_dir", lambda: folder)
    monkeypatch.setenv("COURSE_OFFLINE", "0")
    return folder


class FakeApplication:
    """Stands in for keras.applications.MobileNetV2: a tiny model whose load_weights is recorded."""

    def __init__(self, fail_loading=False):
        self.calls, self.loaded, self.fail_loading = [], [], fail_loading

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        model = keras.Sequential(
            [
                keras.Input((224, 224, 3)),
                layers.GlobalAveragePooling2D(),
                layers.Dense(3, activation="softmax"),
            ]
        )

        def load_weights(path):
            if self.fail_loading:
                raise OSError("Unable to synchronously open file (truncated file)")
            self.loaded.append(path)

        model.load_weights = load_weights
        return model


@pytest.fixture
def application(monkeypatch):
    fake = FakeApplication()
    monkeypatch.setattr(keras.applications, "MobileNetV2", fake)
    return fake


def no_network(*args, **kwargs):
    """What keras.utils.get_file raises when the host cannot be resolved."""
    raise Exception(
        "URL fetch failure on https://storage.googleapis.com/x.h5: None -- [Errno -3] "
        "Temporary failure in name resolution"
    )


def fill_cache(folder):
    (folder / WEIGHTS).write_bytes(b"not really weights")
    (folder / pretrained.CLASS_INDEX_FILE).write_text(json.dumps(CLASSES))


def test_offline_with_nothing_cached_is_unavailable_without_trying(cache, application, monkeypatch):
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setattr(keras.utils, "get_file", pytest.fail)  # must not even try to download
    with pytest.raises(PretrainedUnavailableError, match=r"not cached.*COURSE_OFFLINE=1 forbids"):
        load_imagenet_model()
    model, reason = imagenet_model_or_reason()
    assert model is None and reason.startswith("Skipped: ") and reason.count("\n") == 0
    assert application.calls == []


def test_no_network_is_reported_in_one_sentence_and_deletes_nothing(cache, application, monkeypatch):
    monkeypatch.setattr(keras.utils, "get_file", no_network)
    (cache / "other_weights.h5").write_bytes(b"keep me")
    model, reason = imagenet_model_or_reason("MobileNetV2")
    assert model is None
    assert "could not be downloaded (no network?)" in reason and "name resolution" in reason
    assert "\n" not in reason
    assert [p.name for p in cache.iterdir()] == ["other_weights.h5"]


def test_download_then_load(cache, application, monkeypatch, capsys):
    def fake_get_file(file_name, url, cache_subdir):
        assert url.endswith(file_name) and cache_subdir == "models"
        print("\r 1/14 [==>....]")  # Keras's progress bar: must not reach the notebook
        content = json.dumps(CLASSES) if file_name.endswith(".json") else "weights"
        (cache / file_name).write_text(content)
        return str(cache / file_name)

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    loaded = load_imagenet_model()
    out = capsys.readouterr().out
    assert "\r" not in out and out.count("downloaded") == 2
    assert application.calls == [{"weights": None, "include_top": True, "input_shape": (224, 224, 3)}]
    assert application.loaded == [cache / WEIGHTS]
    assert loaded.input_size == (224, 224)


def test_cached_weights_are_loaded_without_the_downloader(cache, application, monkeypatch):
    fill_cache(cache)
    monkeypatch.setattr(keras.utils, "get_file", pytest.fail)  # Keras may delete a cached file it rejects
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    loaded, reason = imagenet_model_or_reason()
    assert reason == "" and application.loaded == [cache / WEIGHTS]
    assert loaded.preprocess_input is keras.applications.mobilenet_v2.preprocess_input
    probabilities = loaded.model(np.zeros((2, 224, 224, 3), np.float32))  # a tensor of the active backend
    decoded = loaded.decode_predictions(probabilities, top=2)
    assert len(decoded) == 2 and len(decoded[0]) == 2
    wnid, name, p = decoded[0][0]
    assert (wnid, name) in {tuple(v) for v in CLASSES.values()} and 0 <= p <= 1
    top = loaded.decode_predictions(np.array([[0.1, 0.7, 0.2]]), top=1)
    assert top == [[("n01443537", "goldfish", pytest.approx(0.7))]]
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        loaded.decode_predictions(np.ones((1, 1000)))


def test_damaged_cached_weights_are_reported_and_kept(cache, monkeypatch):
    fill_cache(cache)
    monkeypatch.setattr(keras.applications, "MobileNetV2", FakeApplication(fail_loading=True))
    with pytest.raises(PretrainedUnavailableError, match=r"could not be loaded \(OSError\); delete the file"):
        load_imagenet_model()
    assert (cache / WEIGHTS).exists()


def test_base_only_uses_the_no_top_file(cache, application):
    (cache / pretrained.MODELS["MobileNetV2"][2]).write_bytes(b"base")
    (cache / pretrained.CLASS_INDEX_FILE).write_text(json.dumps(CLASSES))
    load_imagenet_model(include_top=False)
    assert application.calls[0]["include_top"] is False
    assert application.loaded[0].name.endswith("_no_top.h5")


def test_unknown_model_name():
    with pytest.raises(ValueError, match=r"unknown ImageNet model 'AlexNet'; available: MobileNetV2"):
        load_imagenet_model("AlexNet")
