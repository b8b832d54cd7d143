"""Transfer learning: reuse a trained convolutional base on a new task (introduced in lesson 08).

Lesson 08 trains a network on five CIFAR-10 classes (the *source* task) and
reuses its convolutional layers on the other five (the *target* task), for
which it pretends to have only a few hundred labelled photos. The helpers
here are the plumbing; the notebook shows the ideas in plain Keras:

* :func:`alexnet` builds the 2012 ImageNet winner's architecture (no weights)
  to read its summary, and :func:`multiply_adds` counts the work it does;
* :func:`split_classes` and :func:`few_labels` cut the source and target tasks
  out of one data set;
* :func:`load_source_model` trains lesson 06's network on the source classes
  once and caches it in ``models/`` (``08_source_base``);
* :func:`convolutional_base` cuts a trained model after a named layer,
  :func:`extract_features` runs that base in inference mode, and
  :func:`unfreeze_top` makes its top layers trainable again for fine-tuning;
* :func:`write_photo_folder` writes labelled photos into the folder tree
  (one folder per class) that ``keras.utils.image_dataset_from_directory``
  reads, the way a student brings photos of their own.
"""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
from keras import layers

from utils.config import shown_path
from utils.data import sample_per_class
from utils.models import train_bn_cnn
from utils.training import model_path, train_or_load
from utils.validation import image_batch, integer_labels, layer_named

SOURCE_MODEL = "08_source_base"
SOURCE_CLASSES = ("airplane", "automobile", "bird", "cat", "deer")
TARGET_CLASSES = ("dog", "frog", "horse", "ship", "truck")


def alexnet(input_shape=(227, 227, 3), n_classes=1000, dropout=0.5, name="alexnet"):
    """AlexNet (Krizhevsky, Sutskever and Hinton, 2012) as a Keras model, untrained (lesson 08).

    Five convolutions and three dense layers, with the original sizes::

        conv1 96 11x11 stride 4 -> pool1 3x3/2 -> conv2 256 5x5 -> pool2 3x3/2
        -> conv3 384 3x3 -> conv4 384 3x3 -> conv5 256 3x3 -> pool3 3x3/2
        -> fc6 4096 -> dropout -> fc7 4096 -> dropout -> predictions (softmax)

    All with ReLU; 62,378,344 weights for 227x227x3 inputs and 1000 classes.
    Two details of the paper are left out: local response normalisation after
    conv1 and conv2 (later networks dropped it; batch normalisation replaced
    it), and the split of conv2, conv4 and conv5 into two halves that only see
    each other's channels, which existed because the network was trained on
    two GPUs of 3 GB each (the split version has about 61 million weights).
    """

    if len(input_shape) != 3 or min(input_shape[:2]) < 67:
        raise ValueError(
            f"AlexNet needs colour images of at least 67x67 pixels, (height, width, channels); "
            f"got input_shape={input_shape}"
        )
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")

    def conv(filters, size, name, strides=1, padding="same"):
        return layers.Conv2D(filters, size, strides=strides, padding=padding, activation="relu", name=name)

    def pool(name):
        return layers.MaxPooling2D(pool_size=3, strides=2, name=name)

    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            conv(96, 11, "conv1", strides=4, padding="valid"),
            pool("pool1"),
            conv(256, 5, "conv2"),
            pool("pool2"),
            conv(384, 3, "conv3"),
            conv(384, 3, "conv4"),
            conv(256, 3, "conv5"),
            pool("pool3"),
            layers.Flatten(name="flatten"),
            layers.Dense(4096, activation="relu", name="fc6"),
            layers.Dropout(dropout, name="drop6"),
            layers.Dense(4096, activation="relu", name="fc7"),
            layers.Dropout(dropout, name="drop7"),
            layers.Dense(n_classes, activation="softmax", name="predictions"),
        ],
        name=name,
    )


def multiply_adds(model):
    """Multiply-add operations one image costs in the convolutions and dense layers of ``model`` (lesson 08).

    A convolution costs (output height x output width) x (its kernel's size)
    multiply-adds, a dense layer one per weight; biases, pooling and batch
    normalisation are cheap and not counted. Lesson 08 uses it to show why
    AlexNet needed GPUs: its convolutions hold few weights but most of the work.
    Returns a dict ``{layer name: multiply-adds}`` in layer order.
    """

    counts = {}
    for layer in model.layers:
        if isinstance(layer, (layers.Conv2D, layers.Dense)):
            try:
                out_shape = tuple(layer.output.shape[1:-1])
            except (AttributeError, ValueError) as err:
                raise ValueError(
                    f"layer {layer.name!r} of {model.name} has no output shape yet: give the model an "
                    "Input (keras.Input(shape=...)) before counting"
                ) from err
            counts[layer.name] = int(np.prod(out_shape, dtype=np.int64) * np.prod(layer.kernel.shape))
    if not counts:
        raise ValueError(f"{model.name} has no Conv2D or Dense layer at its top level: nothing to count")
    return counts


def _as_labels(x, y):
    return integer_labels(y, "y", n=len(x), what="images in x")


def split_classes(x, y, classes, names=None):
    """The examples of the given ``classes`` only, relabelled 0..k-1 in the order given (lesson 08).

    ``classes`` are label numbers, or class names when ``names`` (the data
    set's list of names, index = label) is given. Lesson 08 cuts CIFAR-10 into
    a source task and a target task this way::

        x_dog, y_dog = split_classes(x, y, ["dog", "frog"], names=class_names("cifar10"))

    gives the dogs label 0 and the frogs label 1.
    """
    y = _as_labels(x, y)
    classes = list(classes)
    if not classes:
        raise ValueError("classes is empty: name at least one class to keep")
    if names is not None:
        names = list(names)
        unknown = [c for c in classes if c not in names]
        if unknown:
            raise ValueError(f"unknown class names {unknown}; the classes are {names}")
        classes = [names.index(c) for c in classes]
    duplicates = sorted({c for c in classes if classes.count(c) > 1})
    if duplicates:
        raise ValueError(f"classes {duplicates} are listed more than once; each class may appear once")
    present = set(np.unique(y).tolist())
    missing = [c for c in classes if c not in present]
    if missing:
        raise ValueError(
            f"classes {missing} have no examples in y (labels present: {sorted(present)}); "
            "the result would miss them"
        )
    keep = np.isin(y, classes)
    new_label = np.full(int(max(present | set(classes))) + 1, -1)
    new_label[classes] = np.arange(len(classes))
    return x[keep], new_label[y[keep]]


def few_labels(x, y, per_class, seed=0):
    """A seeded subset with exactly ``per_class`` examples of every class in ``y``, shuffled (lesson 08).

    This is the "few labelled images" of the target task: with
    ``per_class=20`` and five classes, 100 photos.
    """
    y = _as_labels(x, y)
    if int(per_class) != per_class or per_class < 1:
        raise ValueError(f"per_class must be a whole number of at least 1, got {per_class}")
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) == 0:
        raise ValueError("y is empty: there is nothing to choose from")
    short = {int(c): int(n) for c, n in zip(classes, counts) if n < per_class}
    if short:
        raise ValueError(
            f"per_class={per_class} but some classes have fewer examples: {short} (class: count)"
        )
    rng = np.random.default_rng(seed)
    index = rng.permutation(sample_per_class(y, [per_class] * len(classes), rng))
    return x[index], y[index]


def load_source_model(x, y, *, epochs, batch_size, validation_data=None, callbacks=(), name=SOURCE_MODEL):
    """Lesson 06's network trained on the source task: loaded from ``models/``, or trained and saved (lesson 08).

    Training uses :func:`utils.models.train_bn_cnn` (lesson 06's recipe with
    shifts and flips) on float images ``x`` in [0, 1] and integer labels ``y``;
    the model is cached as ``models/08_source_base.keras`` (``.fast.keras`` in
    FAST mode) through :func:`utils.training.train_or_load`, so only the first
    run pays for it. A cached model with a different number of classes than
    ``y`` has is not used: it is trained again.
    """
    y = _as_labels(x, y)
    n_classes = int(y.max()) + 1

    def build_and_train():
        model, _, _ = train_bn_cnn(
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation_data,
            callbacks=callbacks,
            n_classes=n_classes,
        )
        return model

    model = train_or_load(name, build_and_train)
    if model.output_shape[-1] != n_classes:
        print(
            f"the model in {shown_path(model_path(name))} has {model.output_shape[-1]} classes, "
            f"not {n_classes}; training a new one."
        )
        model_path(name).unlink()
        model = train_or_load(name, build_and_train)  # trains and saves, as on a first run
    return model


def convolutional_base(model, up_to="pool3", leave_out=("augmentation",), copy=False, name="base"):
    """The layers of ``model`` up to and including ``up_to``, as a new model sharing their weights (lesson 08).

    This is the part of a trained network that transfer learning keeps: the
    convolutions, without the classifier on top. For a ``Sequential`` model the
    layers named in ``leave_out`` (by default lesson 06's augmentation block,
    which has no weights) are left out, so the base only computes features.
    Other (functional) models are cut at ``up_to``'s output, as they are.

    The new model shares its layers with ``model``: training one trains both.
    With ``copy=True`` it gets its own layers with a copy of the weights, so
    fine-tuning it leaves ``model`` (and any other base cut from it) as it was.
    """

    layer_named(model, up_to)
    names = [layer.name for layer in model.layers]
    if isinstance(model, keras.Sequential):
        inputs = keras.Input(shape=model.inputs[0].shape[1:], name="images")
        features = inputs
        for layer in model.layers[: names.index(up_to) + 1]:
            if layer.name not in leave_out:
                features = layer(features)
        base = keras.Model(inputs, features, name=name)
    else:
        base = keras.Model(model.inputs[0], model.get_layer(up_to).output, name=name)
    if copy:
        twin = keras.models.clone_model(base)
        twin.set_weights(base.get_weights())
        return twin
    return base


def extract_features(base, x, batch_size=256, flatten=True):
    """Run ``base`` over ``x`` in inference mode, batch by batch, and return NumPy features (lesson 08).

    Calls ``base(batch, training=False)``: augmentation off, dropout off, and
    batch normalisation using its stored averages, which is what a frozen base
    must do. With ``flatten`` each image's feature maps become one row.
    """
    x = image_batch(x, base.inputs[0].shape[1:], f"model {base.name!r}", name="x")
    if int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, got {batch_size}")
    batches = [
        keras.ops.convert_to_numpy(base(x[start : start + batch_size], training=False))
        for start in range(0, len(x), batch_size)
    ]
    features = np.concatenate(batches)
    return features.reshape(len(features), -1) if flatten else features


def unfreeze_top(base, first="conv4", keep_batchnorm_frozen=True):
    """Make ``base`` trainable from layer ``first`` upwards; everything below stays frozen (lesson 08).

    Fine-tuning retrains only the top of a transferred base, whose features
    are the most specific to the source task. Batch-normalisation layers stay
    frozen by default, so their averages keep the source statistics (a few
    hundred target images cannot estimate them better). Returns the names of
    the layers that now train. Recompile the model that contains ``base``
    afterwards: ``trainable`` changes only take effect at ``compile``.
    """

    layer_named(base, first)
    names = [layer.name for layer in base.layers]
    base.trainable = True
    # Every layer's flag is set explicitly below: in Keras 3, setting a model's
    # ``trainable`` to the value it already has does not reach its layers.
    start = names.index(first)
    unfrozen = []
    for i, layer in enumerate(base.layers):
        frozen_bn = keep_batchnorm_frozen and isinstance(layer, layers.BatchNormalization)
        layer.trainable = i >= start and not frozen_bn
        if layer.trainable and layer.weights:
            unfrozen.append(layer.name)
    return unfrozen


def _check_class_names(class_names, n_needed):
    names = [class_names] if isinstance(class_names, str) else list(class_names)
    for name in names:
        if (
            not isinstance(name, str)
            or not name.strip()
            or name in {".", ".."}
            or any(c in name for c in "/\\")
        ):
            raise ValueError(
                f"class name {name!r} cannot be a folder name: give each class a non-empty string "
                "without '/' or '\\'"
            )
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"class names {duplicates} appear more than once; each class needs its own folder")
    if len(names) < n_needed:
        raise ValueError(
            f"the labels go up to {n_needed - 1}, so class_names needs at least {n_needed} names "
            f"(one per label, in label order), got {len(names)}: {names}"
        )
    return names


def write_photo_folder(images, labels, class_names, root):
    """Write labelled photos as PNG files into ``root/<class name>/<index>.png`` (lesson 08).

    That folder tree, one folder per class, is what
    ``keras.utils.image_dataset_from_directory`` reads, and how a student's own
    photos reach a notebook; lesson 08 writes its few labelled target photos
    this way and reads them back to fine-tune. ``images`` are ``uint8`` pixels
    of shape ``(n, height, width, 3)`` (colour) or ``(n, height, width, 1)``
    (grey); ``labels`` hold one integer per image, its index in
    ``class_names``. PNG files are lossless, so the pixels read back are the
    pixels written.

    Files are numbered by the image's position in ``images``, zero-padded
    (``007.png``), so a folder read in file-name order keeps that order. Every
    class gets a folder, even one without photos. Note that
    ``image_dataset_from_directory`` numbers the classes in the alphabetical
    order of the folder names unless you pass ``class_names=`` to it too.
    ``root`` must not exist yet or be an empty folder, so that no older file
    slips into the data set. Returns the paths written, one per image.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        hint = (
            " (floats in [0, 1]: (images * 255).round().astype('uint8'))" if images.dtype.kind == "f" else ""
        )
        raise TypeError(
            f"images must be uint8 pixels 0..255, as PNG files store them; got dtype {images.dtype}{hint}"
        )
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(
            "images must be a non-empty batch of shape (n, height, width, 3) for colour or "
            f"(n, height, width, 1) for grey; got shape {images.shape}"
        )
    labels = integer_labels(labels, "labels", n=len(images), what="images")
    if labels.min() < 0:
        raise ValueError(f"labels must be 0 or more (indices into class_names), got {int(labels.min())}")
    names = _check_class_names(class_names, int(labels.max()) + 1)
    root = Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise FileExistsError(
            f"{shown_path(root)} already exists and is not an empty folder; choose a new folder, so that "
            "no older file joins the photos"
        )
    for name in names:
        (root / name).mkdir(parents=True, exist_ok=True)
    width = len(str(len(images) - 1))
    paths = []
    for index, (image, label) in enumerate(zip(images, labels)):
        path = root / names[label] / f"{index:0{width}d}.png"
        keras.utils.save_img(path, image, scale=False)
        paths.append(path)
    return paths


__all__ = [
    "SOURCE_CLASSES",
    "SOURCE_MODEL",
    "TARGET_CLASSES",
    "alexnet",
    "convolutional_base",
    "extract_features",
    "few_labels",
    "load_source_model",
    "multiply_adds",
    "split_classes",
    "unfreeze_top",
    "write_photo_folder",
]
