"""The Colab path, offline: a notebook run from a bare copy, where the course package is missing.

On Colab (or in a notebook copied out of the repository) ``import utils`` fails, and
the setup cell installs the course package with ``%pip`` from the repository at the
release tag. Here the same path runs without the internet: the package is built
into a wheel, ``COURSE_INSTALL_SOURCE`` points the setup cell at it, and the
notebook is executed from a temporary folder outside the repository, by a Python
that sees the course's libraries (TensorFlow, Jupyter) but not the course package.
It must install the package and reach its end in FAST mode.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from utils.config import REPO_ROOT

LESSON = "04_vertical_line_detector.ipynb"


def library_dirs():
    """The site-packages folders the course's Python imports from (without running their .pth files)."""
    dirs = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    return dirs or [sysconfig.get_paths()["purelib"]]


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory):
    """A Python in a new venv that sees the course's libraries but cannot import ``utils``."""
    root = tmp_path_factory.mktemp("bare")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # plain paths in a .pth file: their own .pth files (the editable install of utils) are not run
    (Path(purelib) / "course_libraries.pth").write_text("\n".join(library_dirs()) + "\n")
    return python, Path(purelib), root


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The course package as a wheel, built from a copy of its sources (no build folder in the repository)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(REPO_ROOT / "utils", src / "utils", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "data" / "images", src / "data" / "images")  # the photo of lessons 03, 07
    shutil.copy(REPO_ROOT / "pyproject.toml", src / "pyproject.toml")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
    )
    (built,) = out.glob("*.whl")
    return built


def bare_env(root):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(COURSE_FAST="1", PIP_NO_INDEX="1", COURSE_MODELS_DIR=str(root / "models"))
    return env


def test_a_bare_copy_installs_the_course_package_and_runs_to_the_end(bare_python, wheel, tmp_path):
    python, purelib, root = bare_python
    env = bare_env(root)
    missing = subprocess.run([str(python), "-c", "import utils"], env=env, cwd=tmp_path, capture_output=True)
    assert missing.returncode != 0, "the bare Python must not find the course package before the setup cell"

    copy = tmp_path / LESSON
    shutil.copy(REPO_ROOT / "notebooks" / LESSON, copy)
    env["COURSE_INSTALL_SOURCE"] = str(wheel)
    run = subprocess.run(
        [
            str(python),
            "-m",
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--inplace",
            "--ExecutePreprocessor.timeout=600",
            "--ExecutePreprocessor.kernel_name=python3",
            str(copy),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert list(purelib.glob("cnn_course_utils-*.dist-info")), "the setup cell did not install the package"
    cells = [c for c in json.loads(copy.read_text())["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in cells), "not every cell ran"
    setup_output = "".join("".join(o.get("text", "")) for o in cells[0]["outputs"])
    assert "FAST" in setup_output, setup_output  # setup_course() reports the mode it runs in


def test_the_installed_package_carries_the_sample_photo(bare_python, wheel, tmp_path):
    """Lessons 03 and 07 load a photo that lives in data/images/: on Colab it comes with the package."""
    python, purelib, root = bare_python
    env = bare_env(root)
    install = [
        str(python),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--target",
        str(tmp_path / "t"),
        str(wheel),
    ]
    subprocess.run(install, env=env, check=True)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from utils.images import load_sample_photo;"
        " print(load_sample_photo().shape)"
    )
    run = subprocess.run(
        [str(python), "-c", code, str(tmp_path / "t")], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().endswith("(300, 256)")
