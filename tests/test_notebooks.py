"""Checks of the notebooks as files (nbval executes them; this reads them).

* every notebook has its lesson text and every lesson text its notebook;
* stored outputs come from one top-to-bottom run: execution counts 1..n,
  no stored errors, no TensorFlow log noise;
* the first code cell calls setup_course, and no legacy Keras API appears
  (nor in utils/, where even a docstring naming one is copied by students);
* notebooks that train promise a result with check_at_least;
* solution cells are hidden until opened.
"""

import json
import re

import pytest

from utils.config import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LESSONS = sorted((REPO_ROOT / "lessons").glob("[0-9][0-9]_*.md"))
REMOVED_APIS = (
    r"fit_generator|np_utils|ImageDataGenerator\(|[(,]\s*lr\s*=|keras\.utils\.vis_utils"
    r"|from keras\.preprocessing\.image import"
)
LEGACY = re.compile(REMOVED_APIS + r"|\bdecay\s*=|\.h5['\"]|load_data\(\)")
NOISE = re.compile(r"oneDNN|cpu_feature_guard|absl::|cuInit|TF_ENABLE_ONEDNN_OPTS|Unable to register")
ids = [nb.stem for nb in NOTEBOOKS]


def cells(notebook):
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def code_cells(notebook):
    return [c for c in cells(notebook) if c["cell_type"] == "code" and source(c).strip()]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


def test_every_notebook_has_a_lesson_text_and_vice_versa():
    assert {nb.stem for nb in NOTEBOOKS} == {md.stem for md in LESSONS}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_outputs_come_from_one_top_to_bottom_run(notebook):
    counts = [c["execution_count"] for c in code_cells(notebook)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{notebook.name}: execution counts {counts} are not 1..n; run `make execute NB={notebook}`"
    )


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_no_stored_errors_or_tensorflow_noise(notebook):
    for i, cell in enumerate(code_cells(notebook)):
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"{notebook.name} cell {i} stores an error"
            text = "".join(out.get("text", ""))
            assert not NOISE.search(text), (
                f"{notebook.name} cell {i} stores TensorFlow log noise: {text[:200]}"
            )
            assert "\r" not in text, f"{notebook.name} cell {i} stores \\r progress output; use verbose=2"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_setup_first_and_no_legacy_keras(notebook):
    code = code_cells(notebook)
    assert "setup_course(" in source(code[0]), (
        f"{notebook.name}: the first code cell must call setup_course()"
    )
    for i, cell in enumerate(code):
        match = LEGACY.search(source(cell))
        assert not match, f"{notebook.name} cell {i} uses a legacy or unsafe API: {match.group(0)}"


# The helpers may call keras.datasets' load_data() (the download fallback), but
# must not even name a removed API: students copy from them.
HELPER_LEGACY = re.compile(REMOVED_APIS)


@pytest.mark.parametrize("module", sorted((REPO_ROOT / "utils").glob("*.py")), ids=lambda p: p.name)
def test_helpers_name_no_legacy_keras_api(module):
    match = HELPER_LEGACY.search(module.read_text(encoding="utf-8"))
    assert not match, f"utils/{module.name} names a removed Keras API: {match.group(0)}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_training_notebooks_promise_a_result(notebook):
    text = "\n".join(source(c) for c in code_cells(notebook))
    if ".fit(" in text:
        assert "check_at_least(" in text, f"{notebook.name} trains a model but checks no result"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_structure_title_setup_exercises_and_hidden_solutions(notebook):
    all_cells = cells(notebook)
    headings = [line for c in all_cells if c["cell_type"] == "markdown" for line in source(c).splitlines()]
    assert sum(h.startswith("# ") for h in headings) == 1, f"{notebook.name}: needs exactly one H1 title"
    assert "## Setup" in headings and "## Exercises" in headings, (
        f"{notebook.name}: needs ## Setup and ## Exercises"
    )
    solutions = [c for c in all_cells if c["cell_type"] == "code" and source(c).startswith("# Solution")]
    assert solutions, f"{notebook.name}: exercises need solution cells"
    for cell in solutions:
        assert cell["metadata"].get("jupyter", {}).get("source_hidden"), (
            f"{notebook.name}: solution not hidden"
        )


NBVAL_TAGS = {"nbval-check-output", "nbval-ignore-output", "nbval-skip", "raises-exception"}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_nbval_instructions_are_cell_tags_not_comments(notebook):
    """Students read the lesson, not our test machinery: nbval's markers live in cell tags."""
    for i, cell in enumerate(code_cells(notebook)):
        assert "NBVAL_" not in source(cell), (
            f"{notebook.name} code cell {i} carries an NBVAL comment; use a cell tag ({sorted(NBVAL_TAGS)})"
        )
        unknown = {
            t for t in cell["metadata"].get("tags", []) if t.startswith("nbval") and t not in NBVAL_TAGS
        }
        assert not unknown, f"{notebook.name} code cell {i}: unknown nbval tags {unknown}"


def test_some_outputs_are_checked():
    checked = sum(
        "nbval-check-output" in c["metadata"].get("tags", []) for nb in NOTEBOOKS for c in code_cells(nb)
    )
    assert checked >= 40, f"only {checked} cells are compared with their stored output"


ABSOLUTE_PATH = re.compile(
    r"(?<![\w.~])(/(?:work|home|Users|tmp|root|mnt|opt|var|private)/[\w.-]+|[A-Z]:\\[\w])"
)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_stored_outputs_hold_no_absolute_paths(notebook):
    """Outputs are read on the web by students on other machines: print paths with utils.config.shown_path."""
    for i, cell in enumerate(code_cells(notebook)):
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            match = ABSOLUTE_PATH.search(text)
            assert not match, f"{notebook.name} code cell {i} stores the absolute path {match.group(0)}"


def test_contributing_maps_every_helper_module():
    """CONTRIBUTING.md's map of utils/ must match the code, so a newcomer can trust it."""
    text = (REPO_ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    mapped = set(re.findall(r"^\| `(\w+)\.py` \|", text, flags=re.M))
    modules = {p.stem for p in (REPO_ROOT / "utils").glob("*.py")} - {"__init__"}
    assert mapped == modules, (
        f"CONTRIBUTING.md's map of utils/ is out of date: missing {sorted(modules - mapped)}, "
        f"gone {sorted(mapped - modules)}"
    )


# Code lines that fit a 1400-pixel JupyterLab window, in every lesson.
MAX_CODE_LINE = 115


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_code_lines_fit_a_jupyterlab_window(notebook):
    for i, cell in enumerate(code_cells(notebook)):
        for line in source(cell).splitlines():
            assert len(line) <= MAX_CODE_LINE, (
                f"{notebook.name} code cell {i}: a {len(line)}-character line runs off a 1400-pixel "
                f"JupyterLab window: {line[:60]}..."
            )
