"""Where students meet the course: Colab badges, the website's build steps, Markdown that renders.

The website itself is built and checked in a browser by ``make site site-test``
(tools/build_site.py, tools/site_test.py); these tests cover the pieces that need
no browser, and tie every copy of the repository address to its one place
(``[project.urls] Repository`` in pyproject.toml).
"""

import importlib.util
import json
import re
import shutil
import subprocess
import sys

import pytest

from utils.config import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures"
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def load_tool(name):
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    try:
        spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "tools" / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(REPO_ROOT / "tools"))


course_notebooks = load_tool("course_notebooks")
check_markdown = load_tool("check_markdown")
build_site = load_tool("build_site")
site_test = load_tool("site_test")
INFO = course_notebooks.project()


# ---------------------------------------------------------------- one repository address


def test_the_repository_address_lives_in_pyproject():
    assert INFO["repository"] == "https://github.com/keras-cnn-course/cnn-course"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", INFO["tag"])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_badge_and_install_source_agree_with_pyproject(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    title = course_notebooks.source(cells[0])
    assert course_notebooks.badge_line(notebook.name, INFO) in title.split("\n"), (
        f"{notebook.name}: no Colab badge for {INFO['owner_name']} at {INFO['tag']}; "
        "run python tools/course_notebooks.py"
    )
    setup = next(c for c in cells if c["cell_type"] == "code")
    assert course_notebooks.install_source(INFO) in course_notebooks.source(setup)


def test_readme_changelog_and_citation_name_the_same_repository_and_release():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    addresses = set(re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", readme))
    assert addresses == {INFO["repository"]}, f"README names {addresses}, pyproject {INFO['repository']}"
    badges = re.findall(r"colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/([\w.-]+)/", readme)
    assert badges, "the README shows no Open in Colab badge"
    assert set(badges) == {(INFO["owner_name"], INFO["tag"])}
    citation = (REPO_ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'repository-code: "{INFO["repository"]}"' in citation
    assert f'version: "{INFO["tag"][1:]}"' in citation
    assert f"## [{INFO['tag'][1:]}]" in (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_the_setup_cell_installs_from_the_tag_or_from_the_environment_variable():
    setup = course_notebooks.setup_source(INFO)
    assert f'RELEASE = "git+{INFO["repository"]}@{INFO["tag"]}"' in setup
    assert 'os.environ.get("COURSE_INSTALL_SOURCE", RELEASE)' in setup
    assert "%pip install --quiet {package}" in setup
    assert max(len(line) for line in setup.splitlines()) <= 110


# ---------------------------------------------------------------- the notebook tool is idempotent


def test_course_notebooks_applies_once_and_then_changes_nothing():
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# Lesson 04: Tiny\n\nOverview."},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "from utils import setup_course"},
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "source": "import numpy as np\n\nfrom utils import (\n    by_mode,\n)\nfrom utils.conv import conv2d\n",
        },
        {
            "cell_type": "code",
            "metadata": {"tags": ["solution"]},
            "outputs": [],
            "source": "# Solution\nprint(1)",
        },
    ]
    nb = {"cells": cells}
    changes = course_notebooks.apply(nb, "04_tiny.ipynb", INFO)
    assert len(changes) == 4
    assert course_notebooks.apply(nb, "04_tiny.ipynb", INFO) == []
    assert cells[0]["source"].split("\n")[2] == course_notebooks.badge_line("04_tiny.ipynb", INFO)
    imports = cells[2]["source"].split("\n")
    assert (
        imports.index("from utils.answers import hide_answer")
        == imports.index("from utils.conv import conv2d") - 1
    )
    assert cells[3]["source"] == "# Solution\nhide_answer()\nprint(1)"


def test_the_repository_notebooks_are_up_to_date():
    assert course_notebooks.main(["--check"]) == 0


# ---------------------------------------------------------------- Markdown that renders


def test_the_old_readme_table_cut_by_a_blank_line_is_caught():
    faults = check_markdown.cut_table_rows((FIXTURES / "markdown" / "old_readme_lessons.md").read_text())
    assert [what for _, what in faults] == [
        "2 table row(s) outside any table (a blank line cuts the table above?)"
    ]


def test_a_broken_relative_link_is_caught_and_a_good_one_is_not():
    faults = check_markdown.check(FIXTURES / "markdown" / "broken_link.md")
    assert len(faults) == 1 and "99_missing.ipynb" in faults[0]


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        "CONTRIBUTING.md",
        "CHANGELOG.md",
        *sorted(p.name for p in (REPO_ROOT / "lessons").glob("*.md")),
    ],
)
def test_the_course_markdown_has_no_cut_table_or_broken_link(path):
    file = REPO_ROOT / path if (REPO_ROOT / path).exists() else REPO_ROOT / "lessons" / path
    assert check_markdown.check(file) == []


MARKDOWNLINT = REPO_ROOT / "node_modules" / ".bin" / "markdownlint-cli2"


@pytest.mark.skipif(not MARKDOWNLINT.exists(), reason="npm ci has not run (make lint runs it)")
def test_markdownlint_fails_on_a_heading_skip_and_passes_on_the_readme(tmp_path):
    shutil.copy(FIXTURES / "markdown" / "heading_skip.md", tmp_path / "skip.md")
    config = REPO_ROOT / ".markdownlint-cli2.jsonc"
    bad = subprocess.run(
        [str(MARKDOWNLINT), "--config", str(config), str(tmp_path / "skip.md")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "MD001" in bad.stdout + bad.stderr
    good = subprocess.run(
        [str(MARKDOWNLINT), "README.md", "CONTRIBUTING.md"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert good.returncode == 0, good.stdout + good.stderr


# ---------------------------------------------------------------- the website's build steps


def test_links_to_pages_stay_and_other_files_go_to_the_repository():
    pages = {"notebooks/05_lenet5.ipynb", "lessons/05_lenet5.md"}
    text = "[n](../notebooks/05_lenet5.ipynb) [t](05_lenet5.md#training) [c](../utils/conv.py) [w](https://x.org)"
    out = build_site.rewrite_links(text, "lessons", pages, INFO)
    assert "[n](../notebooks/05_lenet5.ipynb)" in out and "[t](05_lenet5.md#training)" in out
    assert f"[c]({INFO['repository']}/blob/main/utils/conv.py)" in out
    assert "[w](https://x.org)" in out
    badge = "[![Open In Colab](../_assets/colab-badge.svg)](https://colab.research.google.com/x)"
    assert build_site.rewrite_links(badge, "notebooks", pages, INFO) == badge


def test_the_home_page_has_the_quick_start_lessons_results_and_every_lesson():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    pairs = build_site.lessons()
    assert [nb.stem for nb, _ in pairs] == [nb.stem for nb in NOTEBOOKS]
    home = build_site.home_page(readme, pairs, set(), INFO)
    for heading in ("## Quick start", "## Lessons", "## Results", "## Ways in"):
        assert heading in home
    for nb, _ in pairs:
        assert f"<notebooks/{nb.stem}>" in home and f"<lessons/{nb.stem}>" in home
    assert "student-edition.zip" in home


def test_solutions_are_folded_on_the_site_and_the_page_has_its_links():
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    page = build_site.notebook_page(nb, NOTEBOOKS[0].name, set(), INFO)
    title = page["cells"][0]["source"]
    assert "Download notebook" in title and "colab-badge.svg" in title and "Lesson text" in title
    assert "colab.research.google.com/assets" not in title  # the site serves its own badge
    for cell in page["cells"]:
        if course_notebooks.is_solution(cell):
            assert "hide-cell" in cell["metadata"]["tags"]


def test_figures_are_counted_as_the_notebook_stores_them():
    nb = {
        "cells": [
            {
                "outputs": [
                    {"data": {"image/png": "x", "text/plain": "<Figure>"}},
                    {"data": {"text/plain": "1"}},
                ]
            },
            {"outputs": [{"data": {"text/html": '<details><img src="data:..."/><img src="y"/></details>'}}]},
            {"cell_type": "markdown"},
        ]
    }
    assert site_test.figures_in_notebook(nb) == 3


def test_raw_formulas_are_found():
    assert site_test.raw_math("area $\\pi r^2$ and \\(x\\)") == ["$\\pi r^2$", "\\(x\\)"]
    assert site_test.raw_math("costs $5 and $6") == []  # not a formula for MyST either
    assert site_test.raw_math("no formula, 5 $ only") == []
