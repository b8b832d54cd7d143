"""Unit tests of utils/transfer.py: lesson 08's transfer-learning helpers."""

import numpy as np
import pytest

from utils import transfer

keras = pytest.importorskip("keras")


# --- AlexNet ---------------------------------------------------------------


def test_alexnet_has_the_2012_shapes_and_weight_count():
    model = transfer.alexnet()
    assert model.count_params() == 62_378_344
    assert model.get_layer("conv1").output.shape[1:] == (55, 55, 96)
    assert model.get_layer("pool1").output.shape[1:] == (27, 27, 96)
    assert model.get_layer("pool2").output.shape[1:] == (13, 13, 256)
    assert model.get_layer("pool3").output.shape[1:] == (6, 6, 256)
    assert model.output_shape == (None, 1000)
    dense = sum(model.get_layer(n).count_params() for n in ("fc6", "fc7", "predictions"))
    assert dense / model.count_params() > 0.9  # most weights sit in the classifier, as in lesson 06


def test_alexnet_takes_other_class_counts_and_refuses_tiny_images():
    assert transfer.alexnet(n_classes=5).output_shape == (None, 5)
    with pytest.raises(ValueError, match="at least 67x67"):
        transfer.alexnet(input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="n_classes must be at least 2"):
        transfer.alexnet(n_classes=1)


def test_multiply_adds_counts_convolutions_and_dense_layers_by_hand():
    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, padding="same", name="conv"),
            keras.layers.MaxPooling2D(2, name="pool"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(2, name="dense"),
        ],
        name="small",
    )
    assert transfer.multiply_adds(model) == {"conv": 8 * 8 * (3 * 3 * 3 * 4), "dense": 4 * 4 * 4 * 2}


def test_multiply_adds_of_alexnet_sit_in_the_convolutions():
    counts = transfer.multiply_adds(transfer.alexnet())
    assert counts["conv1"] == 55 * 55 * 11 * 11 * 3 * 96
    conv = sum(v for k, v in counts.items() if k.startswith("conv"))
    assert conv / sum(counts.values()) > 0.9


def test_multiply_adds_refuses_models_without_counted_layers():
    model = keras.Sequential([keras.Input((4, 4, 1)), keras.layers.Flatten()], name="flat")
    with pytest.raises(ValueError, match="flat has no Conv2D or Dense layer"):
        transfer.multiply_adds(model)


# --- source and target tasks ------------------------------------------------


@pytest.fixture
def labelled():
    """Thirty 'images' whose pixel value is their index; labels 0..4, six each."""
    y = np.tile(np.arange(5), 6)
    x = np.arange(30, dtype="float32").reshape(30, 1, 1, 1) * np.ones((1, 2, 2, 3), "float32")
    return x, y


def test_split_classes_keeps_the_classes_and_relabels_them_in_the_given_order(labelled):
    x, y = labelled
    xs, ys = transfer.split_classes(x, y, [3, 1])
    assert len(xs) == 12
    assert set(ys.tolist()) == {0, 1}
    original = xs[:, 0, 0, 0].astype(int) % 5  # the pixel value tells the original label
    assert np.all(np.where(ys == 0, 3, 1) == original)


def test_split_classes_accepts_names():
    x, y = np.zeros((4, 2, 2, 3)), np.array([0, 1, 2, 1])
    _, ys = transfer.split_classes(x, y, ["c", "b"], names=["a", "b", "c"])
    assert ys.tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        ([], "classes is empty"),
        ([1, 1], r"classes \[1\] are listed more than once"),
        ([2, 7], r"classes \[7\] have no examples in y"),
    ],
)
def test_split_classes_refuses_bad_class_lists(labelled, classes, message):
    x, y = labelled
    with pytest.raises(ValueError, match=message):
        transfer.split_classes(x, y, classes)


def test_split_classes_names_unknown_names_and_checks_labels(labelled):
    x, y = labelled
    with pytest.raises(ValueError, match=r"unknown class names \['zebra'\]"):
        transfer.split_classes(x, y, ["zebra"], names=list("abcde"))
    with pytest.raises(ValueError, match=r"integer class labels.*y\.argmax\(axis=1\)"):
        transfer.split_classes(x, keras.utils.to_categorical(y, 5), [0])
    with pytest.raises(ValueError, match="y has 30 labels but there are 29 images in x"):
        transfer.split_classes(x[:-1], y, [0])


def test_few_labels_takes_exactly_per_class_of_each_class_seeded(labelled):
    x, y = labelled
    xf, yf = transfer.few_labels(x, y, per_class=4, seed=1)
    assert np.bincount(yf).tolist() == [4] * 5
    assert np.all(xf[:, 0, 0, 0].astype(int) % 5 == yf)  # images stay with their labels
    assert len(set(xf[:, 0, 0, 0].tolist())) == 20  # no image twice
    again, _ = transfer.few_labels(x, y, per_class=4, seed=1)
    other, _ = transfer.few_labels(x, y, per_class=4, seed=2)
    assert np.array_equal(xf, again) and not np.array_equal(xf, other)


def test_few_labels_refuses_too_many_or_too_few(labelled):
    x, y = labelled
    with pytest.raises(ValueError, match=r"per_class=7 but some classes have fewer examples: \{0: 6"):
        transfer.few_labels(x, y, per_class=7)
    with pytest.raises(ValueError, match="at least 1"):
        transfer.few_labels(x, y, per_class=0)
    with pytest.raises(ValueError, match="y is empty"):
        transfer.few_labels(x[:0], y[:0], per_class=1)


# --- the base --------------------------------------------------------------


def tiny_cnn(n_classes=3):
    """A small Sequential model shaped like lesson 06's: augmentation, conv-BN-ReLU blocks, pool3, softmax."""
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 3)),
            keras.Sequential([layers.RandomFlip("horizontal")], name="augmentation"),
            layers.Conv2D(4, 3, padding="same", use_bias=False, name="conv1"),
            layers.BatchNormalization(name="conv1_bn"),
            layers.ReLU(name="conv1_relu"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(6, 3, padding="same", use_bias=False, name="conv4"),
            layers.BatchNormalization(name="conv4_bn"),
            layers.ReLU(name="conv4_relu"),
            layers.MaxPooling2D(2, name="pool3"),
            layers.Flatten(name="flatten"),
            layers.Dense(n_classes, activation="softmax", name="predictions"),
        ],
        name="tiny",
    )


def test_convolutional_base_stops_at_the_named_layer_and_shares_weights():
    model = tiny_cnn()
    base = transfer.convolutional_base(model, up_to="pool3")
    assert [layer.name for layer in base.layers][1:] == [layer.name for layer in model.layers[1:9]]
    assert "augmentation" not in [layer.name for layer in base.layers]
    assert base.output_shape == (None, 2, 2, 6)
    assert base.get_layer("conv1") is model.get_layer("conv1")
    x = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
    cut = keras.Model(model.inputs[0], model.get_layer("pool3").output)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(base(x, training=False)),
        keras.ops.convert_to_numpy(cut(x, training=False)),
        atol=1e-6,
    )


def test_convolutional_base_copy_has_its_own_weights():
    model = tiny_cnn()
    twin = transfer.convolutional_base(model, up_to="pool3", copy=True)
    assert twin.get_layer("conv1") is not model.get_layer("conv1")
    for a, b in zip(twin.get_weights(), transfer.convolutional_base(model).get_weights()):
        np.testing.assert_array_equal(a, b)
    kernel = twin.get_layer("conv4").kernel
    kernel.assign(kernel + 1.0)
    assert not np.allclose(
        twin.get_layer("conv4").get_weights()[0], model.get_layer("conv4").get_weights()[0]
    )


def test_convolutional_base_cuts_functional_models_too():
    inputs = keras.Input((8, 8, 3))
    hidden = keras.layers.Conv2D(2, 3, name="features")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2, name="top")(keras.layers.Flatten()(hidden)))
    assert transfer.convolutional_base(model, up_to="features").output_shape == (None, 6, 6, 2)


def test_convolutional_base_names_the_available_layers():
    with pytest.raises(
        ValueError, match=r"tiny has no layer named 'conv9'; its layers are: augmentation, conv1"
    ):
        transfer.convolutional_base(tiny_cnn(), up_to="conv9")


def test_extract_features_runs_in_inference_mode_batch_by_batch():
    model = tiny_cnn()
    base = transfer.convolutional_base(model)
    x = np.random.default_rng(1).random((5, 8, 8, 3)).astype("float32")
    features = transfer.extract_features(base, x, batch_size=2)
    assert features.shape == (5, 24)
    expected = keras.ops.convert_to_numpy(base(x, training=False)).reshape(5, -1)
    np.testing.assert_allclose(features, expected, atol=1e-5)
    assert transfer.extract_features(base, x, flatten=False).shape == (5, 2, 2, 6)
    # a freshly built BN layer in training mode would normalise by the batch: different numbers
    assert not np.allclose(
        keras.ops.convert_to_numpy(base(x, training=True)).reshape(5, -1), features, atol=1e-3
    )


def test_extract_features_refuses_wrong_shapes_and_batch_sizes():
    base = transfer.convolutional_base(tiny_cnn())
    with pytest.raises(
        ValueError,
        match=r"x must be a batch of shape \(n, 8, 8, 3\) for model 'base'; got shape \(2, 32, 32, 3\)",
    ):
        transfer.extract_features(base, np.zeros((2, 32, 32, 3), "float32"))
    with pytest.raises(ValueError, match="batch_size must be a whole number"):
        transfer.extract_features(base, np.zeros((2, 8, 8, 3), "float32"), batch_size=0)
    with pytest.raises(ValueError, match="x is an empty batch"):
        transfer.extract_features(base, np.zeros((0, 8, 8, 3), "float32"))


def test_unfreeze_top_trains_only_the_top_and_keeps_batchnorm_frozen():
    base = transfer.convolutional_base(tiny_cnn())
    base.trainable = False
    assert transfer.unfreeze_top(base, first="conv4") == ["conv4"]
    trainable = {layer.name for layer in base.layers if layer.trainable and layer.weights}
    assert trainable == {"conv4"}
    assert len(base.trainable_weights) == 1
    assert transfer.unfreeze_top(base, first="conv4", keep_batchnorm_frozen=False) == ["conv4", "conv4_bn"]


def test_unfreeze_top_names_the_available_layers():
    with pytest.raises(ValueError, match="no layer named 'conv5'; its layers are: images, conv1"):
        transfer.unfreeze_top(transfer.convolutional_base(tiny_cnn()), first="conv5")


# --- the cached source model -------------------------------------------------


def test_load_source_model_trains_once_then_loads(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("COURSE_FAST", "1")
    calls = []

    def fake_train(
        x, y, *, epochs, batch_size, validation_data=None, callbacks=(), n_classes=None, **options
    ):
        calls.append({"n": len(x), "epochs": epochs, "batch_size": batch_size, "n_classes": n_classes})
        return tiny_cnn(n_classes), None, None

    monkeypatch.setattr(transfer, "train_bn_cnn", fake_train)
    x = np.zeros((6, 8, 8, 3), "float32")
    y = np.array([0, 1, 2, 0, 1, 2])
    first = transfer.load_source_model(x, y, epochs=2, batch_size=4)
    assert calls == [{"n": 6, "epochs": 2, "batch_size": 4, "n_classes": 3}]
    assert (tmp_path / "08_source_base.fast.keras").exists()
    assert "training it now" in capsys.readouterr().out
    second = transfer.load_source_model(x, y, epochs=2, batch_size=4)
    assert len(calls) == 1 and "loaded the trained model" in capsys.readouterr().out
    assert second.output_shape == first.output_shape == (None, 3)
    # a cached model for a different number of classes is not served
    third = transfer.load_source_model(x[:4], np.array([0, 1, 0, 1]), epochs=1, batch_size=4)
    assert third.output_shape == (None, 2) and len(calls) == 2
    assert "has 3 classes, not 2; training a new one" in capsys.readouterr().out
