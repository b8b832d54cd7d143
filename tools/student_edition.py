"""Write the student edition: every notebook without its solution cells and without outputs.

    python tools/student_edition.py [--out build/student]     # what `make student` runs

Generated, never edited by hand: nbconvert's ``TagRemovePreprocessor`` drops the cells
tagged ``solution`` (every solution cell carries that tag; tests/test_skeleton.py
checks it) and ``ClearOutputPreprocessor`` drops outputs and execution counts. The
exercises stay, so students answer them in their own cells. Lessons are found by
file name (``notebooks/NN_*.ipynb``). The course website links a zip of the result.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
SOLUTION_TAG = "solution"
README = """Student edition of the course "Convolutional neural networks with Keras 3".

These are the course's notebooks without the exercise solutions and without stored
outputs. Run them inside a clone of the course repository (make lab), or open one in
Colab or Jupyter anywhere: its first cell installs the course package when it is missing.
The full notebooks, with solutions and the outputs of a real run, are in the repository
and on the course website.
"""


def student_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``nb`` without solution cells and without outputs (a new object; ``nb`` is left alone)."""
    nb = nbformat.from_dict(nb)
    remove = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True)
    nb, _ = remove.preprocess(nb, {})
    nb, _ = ClearOutputPreprocessor().preprocess(nb, {})
    for cell in nb.cells:  # nothing left to hide: outputs are gone
        cell.metadata.pop("collapsed", None)
        cell.metadata.get("jupyter", {}).pop("outputs_hidden", None)
        if cell.metadata.get("jupyter") == {}:
            del cell.metadata["jupyter"]
    return nb


def write(repo: Path = REPO, out: Path | None = None) -> list[Path]:
    """Write the student edition of every lesson into ``out`` (default ``build/student``)."""
    out = out or repo / "build" / "student"
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted((repo / "notebooks").glob(NOTEBOOK_GLOB)):
        nb = student_notebook(nbformat.read(path, as_version=4))
        target = out / "notebooks" / path.name
        nbformat.write(nb, target)
        written.append(target)
    (out / "README.txt").write_text(README, encoding="utf-8")
    return written


def write_zip(repo: Path, target: Path) -> Path:
    """The student edition as one zip (``cnn-course-student/notebooks/...``) for the website."""
    folder = repo / "build" / "student"
    files = write(repo, folder) + [folder / "README.txt"]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, Path("cnn-course-student") / path.relative_to(folder))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "student")
    args = parser.parse_args(argv)
    written = write(REPO, args.out)
    print(f"student edition: {len(written)} notebooks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
