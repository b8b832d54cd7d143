"""Unit tests of the mode switch, the settings and the lesson self-checks."""

import json

import keras
import numpy as np
import pytest

from utils import by_mode, check_at_least, data_dir, fast_mode, models_dir, record
from utils.checks import LessonCheckError, check_same, layer_structure, training_recipe
from utils.config import REPO_ROOT, shown_path


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False), ("", False)])
def test_fast_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_FAST", value)
    assert fast_mode() is expected
    assert by_mode(full=10, fast=1) == (1 if expected else 10)


def test_fast_mode_rejects_unclear_values(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "maybe")
    with pytest.raises(ValueError, match="COURSE_FAST=1 to turn it on"):
        fast_mode()


def test_directories_default_to_the_repository_and_follow_settings(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.delenv("COURSE_MODELS_DIR", raising=False)
    assert data_dir() == REPO_ROOT / "data"
    assert models_dir() == REPO_ROOT / "models"
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert data_dir() == tmp_path


def test_check_at_least_passes_and_prints_a_sentence_of_the_lesson(capsys, monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "0")
    assert check_at_least("accuracy", 0.95, floor=0.9) == 0.95
    assert capsys.readouterr().out == "accuracy: 0.9500, at least the 0.9000 this lesson promises\n"
    monkeypatch.setenv("COURSE_FAST", "1")
    check_at_least("accuracy", 0.5, floor=0.3)
    assert capsys.readouterr().out == "accuracy: 0.5000, at least the FAST-mode floor of 0.3000\n"


@pytest.mark.parametrize("value", [0.5, float("nan")])
def test_check_at_least_fails_when_a_lesson_stops_learning(value):
    with pytest.raises(LessonCheckError, match="below the floor of 0.9000"):
        check_at_least("accuracy", value, floor=0.9)


def test_results_are_recorded_only_when_asked(monkeypatch, tmp_path):
    results = tmp_path / "results.jsonl"
    monkeypatch.delenv("COURSE_RESULTS_FILE", raising=False)
    record("nothing", 1.0)
    assert not results.exists()
    monkeypatch.setenv("COURSE_RESULTS_FILE", str(results))
    monkeypatch.setenv("COURSE_FAST", "1")
    record("epoch time (s)", 2.5)
    check_at_least("accuracy", 0.99, floor=0.5)
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert rows == [
        {"name": "epoch time (s)", "value": 2.5, "fast": True},
        {"name": "accuracy", "value": 0.99, "fast": True, "floor": 0.5},
    ]


def test_shown_path_never_prints_this_machines_absolute_paths(monkeypatch, tmp_path):
    monkeypatch.setattr("pathlib.Path.home", lambda: tmp_path / "home")
    assert shown_path(REPO_ROOT / "models" / "06_cifar10.keras") == "models/06_cifar10.keras"
    assert shown_path(REPO_ROOT.parent / "shared" / "datasets") == "../shared/datasets"
    assert shown_path(tmp_path / "home" / "data") == "~/data"
    assert not shown_path(tmp_path / "elsewhere").startswith("/")


def test_shown_path_keeps_the_name_of_a_linked_folder(tmp_path, monkeypatch):
    """CI may reach ../shared through a symbolic link; print the name it was given, not the link's target."""
    repo = tmp_path / "work" / "main"
    repo.mkdir(parents=True)
    (tmp_path / "real" / "shared" / "datasets").mkdir(parents=True)
    (tmp_path / "work" / "shared").symlink_to(tmp_path / "real" / "shared", target_is_directory=True)
    monkeypatch.setattr("utils.config.REPO_ROOT", repo)
    assert shown_path(tmp_path / "work" / "shared" / "datasets") == "../shared/datasets"


def small_net(width=4, name="net"):
    return keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(width, 3, name="conv"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(2, name="out"),
        ],
        name=name,
    )


def test_layer_structure_lists_type_output_shape_and_weights_of_each_layer():
    assert layer_structure(small_net()) == [
        ("Conv2D", (6, 6, 4), 3 * 3 * 4 + 4),
        ("Flatten", (144,), 0),
        ("Dense", (2,), 144 * 2 + 2),
    ]
    # names are left out: a renamed copy has the same structure
    assert layer_structure(small_net(name="other")) == layer_structure(small_net())
    with pytest.raises(TypeError, match="needs a Keras model"):
        layer_structure([1, 2])


def test_check_same_prints_true_for_equal_structures_and_rates(capsys):
    check_same("net", layer_structure(small_net()), layer_structure(small_net(name="copy")))
    check_same("rates", [0.003, 0.0015], [0.003, 0.0015 + 1e-9])
    assert capsys.readouterr().out == "net: True\nrates: True\n"


@pytest.mark.parametrize(
    ("mine", "reference", "fragment"),
    [
        ([("Conv2D", (6, 6, 5), 50)], [("Conv2D", (6, 6, 4), 40)], "item 0: ('Conv2D', (6, 6, 5), 50)"),
        ([1.0, 2.0], [1.0, 2.1], "item 1: 2.0 against 2.1"),
        ([1.0, 2.0], [1.0, 2.0, 3.0], "2 items against 3"),
        ([("Dense", (2,), 6)], [("ReLU", (2,), 6)], "item 0"),
    ],
)
def test_check_same_fails_naming_the_first_difference(mine, reference, fragment):
    with pytest.raises(LessonCheckError, match="not the same") as caught:
        check_same("what", mine, reference)
    assert fragment in str(caught.value)


def test_check_same_compares_lists_of_weight_arrays():
    weights = [np.ones((3, 3)), np.zeros(4)]
    check_same("weights", weights, [w.copy() for w in weights])
    with pytest.raises(LessonCheckError, match="item 0: an array of shape \\(3, 3\\)"):
        check_same("weights", weights, [2 * weights[0], weights[1]])
    with pytest.raises(LessonCheckError, match="item 1"):
        check_same("weights", weights, [weights[0], np.zeros(5)])


def test_training_recipe_names_layers_loss_optimizer_and_its_settings():
    schedule = keras.optimizers.schedules.CosineDecay(0.05, decay_steps=100)
    net = small_net()
    net.compile(
        optimizer=keras.optimizers.SGD(schedule, momentum=0.9), loss="sparse_categorical_crossentropy"
    )
    recipe = training_recipe(net)
    assert recipe[:3] == layer_structure(net)
    assert recipe[3] == ("loss", "sparse_categorical_crossentropy")
    name, settings = recipe[4]
    assert name == "SGD" and settings["momentum"] == 0.9 and "name" not in settings
    assert settings["learning_rate"]["config"]["decay_steps"] == 100

    # a second optimizer with the same settings (another unique name) gives the same recipe ...
    twin = small_net()
    twin.compile(
        optimizer=keras.optimizers.SGD(schedule, momentum=0.9), loss="sparse_categorical_crossentropy"
    )
    check_same("same recipe", training_recipe(twin), recipe)
    # ... and one setting changed is caught, naming the optimizer row
    other = small_net()
    other.compile(
        optimizer=keras.optimizers.SGD(schedule, momentum=0.8), loss="sparse_categorical_crossentropy"
    )
    with pytest.raises(LessonCheckError, match="item 4: \\('SGD'"):
        check_same("recipe", training_recipe(other), recipe)
    with pytest.raises(ValueError, match="compile it"):
        training_recipe(small_net())
