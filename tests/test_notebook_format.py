"""Notebooks are stored in the form JupyterLab saves, without volatile metadata.

``tools/normalize_notebooks.py --check`` (run by ``make lint``) must catch every way a
notebook drifts from that form, and the repository's notebooks must be in it, so that
opening and saving one in JupyterLab leaves ``git diff`` empty.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

REPO = Path(__file__).resolve().parent.parent
TOOL = REPO / "tools" / "normalize_notebooks.py"
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


_spec = importlib.util.spec_from_file_location("normalize_notebooks", TOOL)
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)


@pytest.fixture
def run_tool(capsys):
    """Run the tool's command line in this process; returns returncode, stdout, stderr."""

    def run(*args):
        code = tool.main([str(a) for a in args])
        out = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)

    return run


def normal_notebook():
    """A small notebook in normal form: a lesson cell, a code cell with output, a hidden solution."""
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python", "version": "3.11.7"},
    }
    code = new_code_cell("print('é')", execution_count=1)
    code.outputs = [new_output("stream", name="stdout", text="é\n")]
    solution = new_code_cell(
        "# Solution\nprint(2)",
        execution_count=2,
        metadata={
            "collapsed": True,
            "jupyter": {"outputs_hidden": True, "source_hidden": True},
            "tags": ["solution"],
        },
    )
    solution.outputs = [new_output("stream", name="stdout", text="2\n")]
    nb.cells = [new_markdown_cell("# Title"), code, new_markdown_cell("## Exercises"), solution]
    return nb


def write(nb, path):
    nbformat.write(nb, path)
    return path


def test_normal_notebook_passes_and_is_left_alone(tmp_path, run_tool):
    path = write(normal_notebook(), tmp_path / "ok.ipynb")
    before = path.read_bytes()
    result = run_tool("--check", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert run_tool(path).returncode == 0
    assert path.read_bytes() == before


def test_nbconvert_timestamps_are_caught_and_removed(tmp_path, run_tool):
    nb = normal_notebook()
    nb.cells[1].metadata["execution"] = {
        "iopub.execute_input": "2026-11-22T11:40:25.194873Z",
        "iopub.status.busy": "2026-11-22T11:40:25.194566Z",
        "iopub.status.idle": "2026-11-22T11:40:27.887309Z",
        "shell.execute_reply": "2026-11-22T11:40:27.886000Z",
    }
    path = write(nb, tmp_path / "timestamps.ipynb")

    result = run_tool("--check", path)
    assert result.returncode == 1
    assert "timestamps.ipynb" in result.stdout
    assert "metadata.execution" in result.stdout

    assert run_tool(path).returncode == 0
    assert run_tool("--check", path).returncode == 0
    fixed = nbformat.read(path, as_version=4)
    assert "execution" not in fixed.cells[1].metadata
    # outputs, execution counts and cell ids are kept
    assert fixed.cells[1].outputs == nb.cells[1].outputs
    assert [c.get("execution_count") for c in fixed.cells] == [c.get("execution_count") for c in nb.cells]
    assert [c.id for c in fixed.cells] == [c.id for c in nb.cells]


def test_kernelspec_display_name_is_caught_and_fixed(tmp_path, run_tool):
    nb = normal_notebook()
    nb.metadata["kernelspec"]["display_name"] = "Python 3"
    path = write(nb, tmp_path / "kernel.ipynb")

    result = run_tool("--check", path)
    assert result.returncode == 1
    assert "kernel.ipynb" in result.stdout
    assert "kernelspec" in result.stdout and "Python 3 (ipykernel)" in result.stdout

    assert run_tool(path).returncode == 0
    assert nbformat.read(path, as_version=4).metadata["kernelspec"] == KERNELSPEC


def test_hidden_output_without_collapsed_is_caught_and_fixed(tmp_path, run_tool):
    nb = normal_notebook()
    del nb.cells[3].metadata["collapsed"]
    path = write(nb, tmp_path / "hidden.ipynb")

    result = run_tool("--check", path)
    assert result.returncode == 1
    assert "hidden.ipynb" in result.stdout
    assert '"collapsed": true' in result.stdout
    assert f"id {nb.cells[3].id}" in result.stdout

    assert run_tool(path).returncode == 0
    assert nbformat.read(path, as_version=4).cells[3].metadata["collapsed"] is True


def test_shown_output_carries_no_collapsed_flag(tmp_path, run_tool):
    # JupyterLab would add "outputs_hidden": false next to a "collapsed": false.
    nb = normal_notebook()
    nb.cells[1].metadata["collapsed"] = False
    path = write(nb, tmp_path / "shown.ipynb")
    assert run_tool("--check", path).returncode == 1
    assert run_tool(path).returncode == 0
    assert "collapsed" not in nbformat.read(path, as_version=4).cells[1].metadata


def test_other_json_layout_is_caught(tmp_path, run_tool):
    nb = normal_notebook()
    path = tmp_path / "layout.ipynb"
    path.write_text(json.dumps(nb, indent=2), encoding="utf-8")  # same content, another layout
    result = run_tool("--check", path)
    assert result.returncode == 1
    assert "JSON layout" in result.stdout
    assert run_tool(path).returncode == 0
    assert run_tool("--check", path).returncode == 0


def test_check_names_every_bad_notebook(tmp_path):
    # as `make lint` runs it: a separate process, failing through its exit status
    good = write(normal_notebook(), tmp_path / "good.ipynb")
    nb = normal_notebook()
    nb.metadata["kernelspec"]["display_name"] = "Python 3"
    bad = write(nb, tmp_path / "bad.ipynb")
    result = subprocess.run([sys.executable, str(TOOL), "--check", good, bad], capture_output=True, text=True)
    assert result.returncode == 1
    assert "bad.ipynb" in result.stdout and "good.ipynb" not in result.stdout
    assert "1 notebook(s)" in result.stderr


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_repository_notebooks_are_in_normal_form(notebook, run_tool):
    result = run_tool("--check", notebook)
    assert result.returncode == 0, (
        f"{result.stdout}{result.stderr}Fix with `make format` (or `python tools/normalize_notebooks.py {notebook}`)."
    )


MAX_CODE_LINES = 20  # CONTRIBUTING.md, "Notebook skeleton": about 15 lines, a test fails above 20


def long_code_cells(nb):
    """``(cell index, non-blank lines)`` of every code cell with more than MAX_CODE_LINES non-blank lines."""
    long = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            count = sum(1 for line in cell.source.splitlines() if line.strip())
            if count > MAX_CODE_LINES:
                long.append((index, count))
    return long


def test_long_code_cells_are_found_by_their_non_blank_lines():
    nb = normal_notebook()
    at_limit = "\n\n".join(f"x{i} = {i}" for i in range(MAX_CODE_LINES))  # blank lines do not count
    nb.cells += [
        new_code_cell(at_limit),
        new_code_cell(at_limit + "\n# one more line"),
        new_markdown_cell(at_limit * 2),
    ]
    assert long_code_cells(nb) == [(5, MAX_CODE_LINES + 1)]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_code_cells_are_short(notebook):
    long = long_code_cells(nbformat.read(notebook, as_version=4))
    assert not long, (
        f"{notebook.name}: code cells with more than {MAX_CODE_LINES} non-blank lines (CONTRIBUTING.md asks for "
        "about 15): "
        + ", ".join(f"cell {index} ({count} lines)" for index, count in long)
        + ". Split such a "
        "cell (with a markdown cell before the new one), or move plumbing to utils/."
    )
