"""The student edition (make student, tools/student_edition.py): no solution survives, every other cell does.

And the student edition of one lesson still runs top to bottom in FAST mode.
"""

import importlib.util
import json
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from utils.config import REPO_ROOT

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
sys.path.insert(0, str(REPO_ROOT / "tools"))
_spec = importlib.util.spec_from_file_location("student_edition", REPO_ROOT / "tools" / "student_edition.py")
student_edition = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_edition)
sys.path.remove(str(REPO_ROOT / "tools"))


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    student_edition.write(REPO_ROOT, out)
    return out


def is_solution(cell):
    src = "".join(cell["source"])
    return "solution" in cell["metadata"].get("tags", []) or src.lstrip().startswith("# Solution")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_no_solution_survives_and_every_other_cell_does(edition, notebook):
    full = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    student = json.loads((edition / "notebooks" / notebook.name).read_text(encoding="utf-8"))["cells"]
    assert any(is_solution(c) for c in full), f"{notebook.name} has no solutions to remove"
    assert not any(is_solution(c) for c in student), f"a solution of {notebook.name} survived"
    kept = [(c["id"], "".join(c["source"])) for c in full if not is_solution(c)]
    assert [(c["id"], "".join(c["source"])) for c in student] == kept
    for cell in student:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
            assert "outputs_hidden" not in cell["metadata"].get("jupyter", {})


def test_the_edition_has_every_lesson_by_file_name(edition):
    assert sorted(p.name for p in (edition / "notebooks").glob("*.ipynb")) == [nb.name for nb in NOTEBOOKS]


def test_the_zip_holds_the_edition(tmp_path):
    import zipfile

    target = student_edition.write_zip(REPO_ROOT, tmp_path / "edition.zip")
    names = zipfile.ZipFile(target).namelist()
    assert "cnn-course-student/README.txt" in names
    assert {f"cnn-course-student/notebooks/{nb.name}" for nb in NOTEBOOKS} <= set(names)


def test_a_student_lesson_runs_in_fast_mode(edition, monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    path = edition / "notebooks" / "04_vertical_line_detector.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert not any(o.output_type == "error" for c in code for o in c.outputs)
