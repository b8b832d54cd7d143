"""Every notebook follows the skeleton written in CONTRIBUTING.md ("Notebook skeleton").

``skeleton_problems`` reads a notebook's cells (plain dicts, as in the ``.ipynb``
file) and returns one readable sentence per broken rule; an empty list means
the notebook is fine. The first test applies it to every notebook in
``notebooks/`` with its lesson text; the others build small broken notebooks in
memory and check that each kind of breakage is reported.
"""

import importlib.util
import json
import re

import pytest

from utils.config import REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    "course_notebooks", REPO_ROOT / "tools" / "course_notebooks.py"
)
course_notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(course_notebooks)

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LAST_LESSON = 9

GOALS_LINE = "**By the end you will be able to**"
SETUP_SOURCE = course_notebooks.setup_source()  # installs the course package where it is missing (Colab)
SOLUTION_METADATA = {"source_hidden": True, "outputs_hidden": True}

TITLE = re.compile(r"^# Lesson (\d\d): (\S.*)$")
IMPORT = re.compile(r"^\s*(import\s+\w|from\s+[\w.]+\s+import\b)")
SIZE = re.compile(r"^[A-Z][A-Z0-9_]*(\s*,\s*[A-Z][A-Z0-9_]*)*\s*=\s*by_mode\(")
NUMBERED = re.compile(r"^(\d+)\. \S")
THINK_FIRST = re.compile(r"\*\*[^*\n]*\(think first\)[^*\n]*\*\*|^#{3,6} .*\(think first\)", re.M)
OBJECT_REPR = re.compile(r"^\[?<(Figure size|matplotlib\.|Axes|keras\.|.* at 0x[0-9a-f]+>)")


def source(cell):
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def lines_outside_fences(text):
    """The lines of a markdown text that are not inside ``` code fences."""
    inside = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            inside = not inside
        elif not inside:
            yield line


def is_solution(cell):
    return "solution" in cell.get("metadata", {}).get("tags", []) or source(cell).startswith("# Solution")


def code_lines(cell):
    """The lines of a code cell without comments and blank lines."""
    lines = (re.sub(r"\s+#.*$|^\s*#.*$", "", line) for line in source(cell).splitlines())
    return [line for line in lines if line.strip()]


def paragraphs(text):
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _title_cell_problems(cells, lesson_text, number):
    if not cells or cells[0]["cell_type"] != "markdown":
        return ["cell 0 must be a markdown cell starting with '# Lesson NN: Title'"]
    problems = []
    text = source(cells[0])
    lines = text.splitlines()
    first = lines[0] if lines else ""
    match = TITLE.match(first)
    if not match:
        problems.append(f"cell 0 must start with '# Lesson {number:02d}: Title', not {first!r}")
    else:
        if int(match.group(1)) != number:
            problems.append(f"title says lesson {match.group(1)} but the file is lesson {number:02d}")
        if match.group(2)[0].islower():
            problems.append(f"the title {match.group(2)!r} must start with a capital letter")
    text_h1 = lesson_text.splitlines()[0] if lesson_text.strip() else ""
    if text_h1 != first:
        problems.append(
            f"the lesson text's first line {text_h1!r} differs from the notebook's title {first!r}"
        )
    badge = course_notebooks.BADGE.pattern
    if len(lines) < 3 or not re.match(badge, lines[2]) or "/notebooks/" not in lines[2]:
        problems.append(
            "cell 0 needs the 'Open in Colab' badge on its third line: run python tools/course_notebooks.py"
        )
    h1s = [line for c in cells if c["cell_type"] == "markdown" for line in lines_outside_fences(source(c))]
    if sum(line.startswith("# ") for line in h1s) != 1:
        problems.append("the notebook must have exactly one '# ' title line")

    if GOALS_LINE not in lines:
        problems.append(f"cell 0 must contain the line {GOALS_LINE!r} followed by a bullet list of goals")
        return problems
    at = lines.index(GOALS_LINE)
    overview = [
        line
        for line in lines[1:at]
        if line.strip() and not line.startswith("#") and not course_notebooks.BADGE.match(line)
    ]
    if not overview:
        problems.append("cell 0 needs a short overview paragraph between the title and the goals")
    after = [line for line in lines[at + 1 :] if line.strip()]
    if not after or not after[0].startswith("- "):
        problems.append(f"the line {GOALS_LINE!r} must be followed by a bullet list of goals")
    naming = re.compile(rf"lessons/{number:02d}_\w+\.md")
    rest = [line for line in after if not line.startswith(("- ", " "))]
    if not any(naming.search(line) for line in rest):
        problems.append(
            f"cell 0 must end by naming the lesson text (lessons/{number:02d}_slug.md) after the goals"
        )
    return problems


def _setup_problems(cells):
    problems = []
    if len(cells) < 2 or cells[1]["cell_type"] != "markdown" or not source(cells[1]).startswith("## Setup"):
        problems.append("cell 1 must be the markdown cell '## Setup'")
    code = [(i, c) for i, c in enumerate(cells) if c["cell_type"] == "code" and source(c).strip()]
    if not code:
        return problems + ["the notebook has no code cells"]
    first_index, first = code[0]
    if source(first).strip() != SETUP_SOURCE:
        problems.append(
            f"the first code cell (cell {first_index}) must be the setup cell that installs the course "
            "package when it is missing: run python tools/course_notebooks.py"
        )
    if len(code) < 2 or not any(IMPORT.match(line) for line in code_lines(code[1][1])):
        problems.append("the second code cell must hold the notebook's imports")
    for i, cell in code[2:]:
        if is_solution(cell):
            continue
        for line in code_lines(cell):
            if IMPORT.match(line):
                problems.append(
                    f"cell {i} imports ({line.strip()!r}): all imports go in the second code cell"
                )
            if SIZE.match(line):
                problems.append(
                    f"cell {i} sets a size ({line.strip()!r}): sizes go in the second code cell, after the imports"
                )
    return problems


def _heading_problems(cells, number):
    problems = []
    headings = []  # (cell index, heading text without '## ')
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown":
            headings += [
                (i, line[3:].strip()) for line in lines_outside_fences(source(cell)) if line.startswith("## ")
            ]
    names = [h for _, h in headings]
    if not names or names[0] != "Setup":
        problems.append("the first '##' heading must be '## Setup'")
    if "Exercises" not in names:
        problems.append("the notebook needs an '## Exercises' section")
    elif names[-1] != "Exercises":
        problems.append(f"'## Exercises' must be the last '##' heading, but '## {names[-1]}' comes after it")
    if "Summary" not in names:
        problems.append("the notebook needs a '## Summary' section just before '## Exercises'")
    elif "Exercises" in names and names.index("Summary") != names.index("Exercises") - 1:
        problems.append("'## Summary' must come just before '## Exercises'")

    expected = 1
    for name in names:
        if name in ("Setup", "Summary", "Exercises"):
            continue
        match = NUMBERED.match(name)
        if not match:
            problems.append(f"section '## {name}' is not numbered ('## {expected}. ...')")
            continue
        if int(match.group(1)) != expected:
            problems.append(
                f"section '## {name}' should be number {expected}: sections are numbered 1, 2, 3, ..."
            )
        expected = int(match.group(1)) + 1
    if expected == 1:
        problems.append("the notebook has no numbered sections ('## 1. ...')")

    for i, name in headings:
        if name == "Summary":
            problems += _summary_problems(source(cells[i]), number)
            break
    return problems


def _summary_problems(text, number):
    problems = []
    body = text.split("## Summary", 1)[1]
    if not re.search(r"^- \S", body, re.M):
        problems.append("'## Summary' needs a short bullet list")
    last = paragraphs(body)[-1] if paragraphs(body) else ""
    if not last.startswith("Next:"):
        problems.append("the Summary's last paragraph must start with 'Next:'")
    elif number < LAST_LESSON:
        link = re.compile(rf"\[lesson {number + 1:02d}, [A-Z][^\]]*\]\({number + 1:02d}_\w+\.ipynb\)")
        if not link.search(last):
            problems.append(
                f"the 'Next:' line must link the next notebook: "
                f"[lesson {number + 1:02d}, Title]({number + 1:02d}_slug.ipynb)"
            )
    return problems


def _exercise_problems(cells):
    problems = []
    start = next(
        (
            i
            for i, c in enumerate(cells)
            if c["cell_type"] == "markdown" and "## Exercises" in lines_outside_fences(source(c))
        ),
        None,
    )
    if start is None:
        return problems
    exercises = cells[start:]
    solutions = [
        (start + i, c) for i, c in enumerate(exercises) if c["cell_type"] == "code" and source(c).strip()
    ]
    if not solutions:
        problems.append("the exercises need solution cells")
    for index, cell in solutions:
        where = f"solution cell {index}"
        if not source(cell).startswith("# Solution"):
            problems.append(f"{where}: a code cell under '## Exercises' must start with '# Solution'")
        elif source(cell).split("\n")[1:2] != ["hide_answer()"]:
            problems.append(
                f"{where}: its second line must be 'hide_answer()' so Run All shows the answer folded"
            )
        hidden = cell.get("metadata", {}).get("jupyter", {})
        if any(hidden.get(key) is not value for key, value in SOLUTION_METADATA.items()):
            problems.append(f"{where}: must be hidden (jupyter.source_hidden and outputs_hidden true)")
        if "solution" not in cell.get("metadata", {}).get("tags", []):
            problems.append(f"{where}: must carry the tag 'solution'")
    text = "\n".join(source(c) for c in exercises if c["cell_type"] == "markdown")
    if not THINK_FIRST.search(text):
        problems.append("at least one exercise must be conceptual, with '(think first)' in its bold title")
    return problems


def _cell_habit_problems(cells):
    problems = []
    code_seen = 0
    previous = None
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown":
            previous = "markdown"
        if cell["cell_type"] != "code" or not source(cell).strip():
            continue
        code_seen += 1
        if code_seen > 2 and previous == "code":
            problems.append(f"cell {i}: a markdown cell must come before each code cell")
        previous = "code"
        for line in source(cell).splitlines():
            if line.lstrip().startswith("_ = "):
                problems.append(f"cell {i} silences a value with '_ = ': end the line with ';' instead")
        for out in cell.get("outputs", []):
            shown = "".join(out.get("data", {}).get("text/plain", ""))
            if out.get("output_type") == "execute_result" and OBJECT_REPR.match(shown):
                problems.append(
                    f"cell {i} stores the return value {shown[:40]!r}: end with plt.show() or a trailing ';'"
                )
    return problems


def skeleton_problems(cells, lesson_text, number):
    """Everything in ``cells`` (a notebook's cell dicts) that breaks CONTRIBUTING.md's skeleton.

    ``lesson_text`` is the text of ``lessons/NN_slug.md`` and ``number`` the lesson's
    number (``NN``). Returns a list of human-readable problems; empty means fine.
    """
    return (
        _title_cell_problems(cells, lesson_text, number)
        + _setup_problems(cells)
        + _heading_problems(cells, number)
        + _exercise_problems(cells)
        + _cell_habit_problems(cells)
    )


# ---------------------------------------------------------------- the real notebooks


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_notebook_follows_the_skeleton(notebook):
    lesson = REPO_ROOT / "lessons" / f"{notebook.stem}.md"
    assert lesson.exists(), f"{notebook.name} has no lesson text lessons/{lesson.name}"
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    problems = skeleton_problems(cells, lesson.read_text(encoding="utf-8"), int(notebook.name[:2]))
    assert not problems, f"{notebook.name} breaks the skeleton (CONTRIBUTING.md):\n- " + "\n- ".join(problems)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.stem for nb in NOTEBOOKS])
def test_next_link_points_to_a_notebook(notebook):
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    summary = "\n".join(
        source(c) for c in cells if c["cell_type"] == "markdown" and "## Summary" in source(c)
    )
    for target in re.findall(r"\]\((\d\d_\w+\.ipynb)\)", summary):
        assert (notebook.parent / target).exists(), (
            f"{notebook.name}: the Summary links {target}, which is missing"
        )


# ---------------------------------------------------------------- broken notebooks in memory


def md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(text, outputs=(), **metadata):
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": metadata,
        "outputs": list(outputs),
        "source": text,
    }


def solution(text):
    return code(text, jupyter={"source_hidden": True, "outputs_hidden": True}, tags=["solution"])


TITLE_LINE = "# Lesson 04: A tiny lesson"
LESSON_TEXT = TITLE_LINE + "\n\nThe theory.\n"


def good_cells():
    """A minimal notebook that follows every rule (lesson 04)."""
    return [
        md(
            TITLE_LINE
            + "\n\n"
            + course_notebooks.badge_line("04_tiny.ipynb")
            + "\n\nWe build one small thing.\n\n"
            + GOALS_LINE
            + "\n- build it;\n- explain it.\n\n"
            "The lesson text is `lessons/04_tiny.md`."
        ),
        md("## Setup\nSeeds and imports."),
        code(SETUP_SOURCE),
        code("import numpy as np\n\nfrom utils import show_images\n\nN = by_mode(full=100, fast=10)"),
        md("## 1. The first idea\nWhat the cell shows."),
        code("x = np.zeros(N)\nx.sum();"),
        md("## 2. The second idea\n```python\n## not a heading\n```\nWhat the next cell shows."),
        code("print(x.shape)"),
        md("## Summary\n- one thing;\n- another.\n\nNext: [lesson 05, The next one](05_next.ipynb) goes on."),
        md("## Exercises\n**1. Predict it (think first).** Why?"),
        solution("# Solution\nhide_answer()\nprint('because')"),
        md("**2. Do it.** Change N."),
        solution("# Solution\nhide_answer()\nimport math\n\nprint(math.pi)"),
    ]


def problems_of(cells, lesson_text=LESSON_TEXT, number=4):
    return skeleton_problems(cells, lesson_text, number)


def assert_reported(cells, fragment, **kwargs):
    problems = problems_of(cells, **kwargs)
    assert any(fragment in p for p in problems), f"expected a problem about {fragment!r}, got {problems}"


def replace_in(cells, index, old, new):
    cell = dict(cells[index])
    assert old in cell["source"], (old, cell["source"])
    cell["source"] = cell["source"].replace(old, new)
    cells[index] = cell
    return cells


def test_a_good_notebook_has_no_problems():
    assert problems_of(good_cells()) == []


def test_the_last_lesson_needs_no_link_after_next():
    cells = replace_in(good_cells(), 8, "[lesson 05, The next one](05_next.ipynb)", "read the papers")
    last = f"{LAST_LESSON:02d}"
    title = TITLE_LINE.replace("04", last)
    cells = replace_in(cells, 0, TITLE_LINE, title)
    cells = replace_in(cells, 0, "lessons/04_tiny.md", f"lessons/{last}_tiny.md")
    assert problems_of(cells, lesson_text=title + "\n", number=LAST_LESSON) == []


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (TITLE_LINE, "# 04 · A tiny lesson", "must start with '# Lesson 04: Title'"),
        (TITLE_LINE, "# Lesson 4: A tiny lesson", "must start with '# Lesson 04: Title'"),
        (TITLE_LINE, "# Lesson 05: A tiny lesson", "but the file is lesson 04"),
        (TITLE_LINE, "# Lesson 04: a tiny lesson", "capital letter"),
        (TITLE_LINE + "\n", "", "must start with '# Lesson 04: Title'"),
        ("We build one small thing.", "", "overview paragraph"),
        (GOALS_LINE, "**You will learn to**", "By the end you will be able to"),
        ("- build it;\n- explain it.", "Some goals.", "followed by a bullet list"),
        ("The lesson text is `lessons/04_tiny.md`.", "", "naming the lesson text"),
    ],
)
def test_title_cell_breakage_is_reported(old, new, fragment):
    assert_reported(replace_in(good_cells(), 0, old, new), fragment)


def test_title_differing_from_the_lesson_text_is_reported():
    assert_reported(
        good_cells(), "differs from the notebook's title", lesson_text="# Lesson 04: Another title\n"
    )
    assert_reported(good_cells(), "differs from the notebook's title", lesson_text="")


def test_a_second_h1_is_reported():
    assert_reported(replace_in(good_cells(), 4, "## 1. The first idea", "# 1. The first idea"), "exactly one")


def test_setup_not_second_is_reported():
    cells = good_cells()
    cells.insert(1, md("Some words before the setup."))
    assert_reported(cells, "cell 1 must be the markdown cell '## Setup'")


def test_setup_cell_not_first_code_cell_is_reported():
    cells = good_cells()
    cells[2], cells[3] = cells[3], cells[2]
    assert_reported(cells, "must be the setup cell")
    cells = replace_in(good_cells(), 2, "info = setup_course()", "info = setup_course(seed=1)")
    assert_reported(cells, "must be the setup cell")


def test_an_import_outside_the_second_code_cell_is_reported():
    assert_reported(replace_in(good_cells(), 5, "x = np.zeros(N)", "import math\nx = np.zeros(N)"), "imports")
    assert_reported(
        replace_in(good_cells(), 5, "x = np.zeros(N)", "from math import pi\nx = np.zeros(N)"), "imports"
    )
    cells = replace_in(good_cells(), 3, "import numpy as np\n\nfrom utils import show_images\n\n", "")
    assert_reported(cells, "the second code cell must hold the notebook's imports")


def test_imports_in_solutions_and_words_in_markdown_are_fine():
    cells = good_cells()
    cells[4] = md("## 1. The first idea\nimport this in your head.")
    assert problems_of(cells) == []


def test_a_size_outside_the_second_code_cell_is_reported():
    assert_reported(
        replace_in(good_cells(), 5, "x = np.zeros(N)", "M = by_mode(full=5, fast=1)\nx = np.zeros(N)"),
        "sets a size",
    )


@pytest.mark.parametrize(
    ("index", "old", "new", "fragment"),
    [
        (6, "## 2. The second idea", "## 3. The second idea", "should be number 2"),
        (4, "## 1. The first idea", "## 2. The first idea", "should be number 1"),
        (6, "## 2. The second idea", "## The second idea", "is not numbered"),
        (4, "## 1. The first idea", "## 1 The first idea", "is not numbered"),
    ],
)
def test_numbering_breakage_is_reported(index, old, new, fragment):
    assert_reported(replace_in(good_cells(), index, old, new), fragment)


def test_missing_summary_is_reported():
    cells = good_cells()
    del cells[8]
    assert_reported(cells, "needs a '## Summary' section")
    cells = good_cells()
    cells.insert(10, cells.pop(8))  # Summary after the first exercise: Exercises no longer last
    assert_reported(cells, "must be the last '##' heading")


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("Next: [lesson 05, The next one](05_next.ipynb) goes on.", "The end.", "must start with 'Next:'"),
        ("- one thing;\n- another.\n\n", "", "needs a short bullet list"),
        ("[lesson 05, The next one](05_next.ipynb)", "lesson 05", "must link the next notebook"),
        ("[lesson 05, The next one](05_next.ipynb)", "[lesson 06, The next one](06_next.ipynb)", "must link"),
        ("[lesson 05, The next one](05_next.ipynb)", "[the next lesson](05_next.ipynb)", "must link"),
    ],
)
def test_summary_breakage_is_reported(old, new, fragment):
    assert_reported(replace_in(good_cells(), 8, old, new), fragment)


def test_exercises_not_last_is_reported():
    cells = good_cells()
    cells.append(md("## Further reading\nBooks."))
    assert_reported(cells, "must be the last '##' heading")
    cells = good_cells()
    del cells[9:]
    assert_reported(cells, "needs an '## Exercises' section")


def test_no_think_first_exercise_is_reported():
    cells = replace_in(good_cells(), 9, " (think first)", "")
    assert_reported(cells, "(think first)")
    cells = replace_in(
        good_cells(), 9, "**1. Predict it (think first).** Why?", "**1. Predict it.** Think first, then run."
    )
    assert_reported(cells, "(think first)")


def test_solution_breakage_is_reported():
    cells = good_cells()
    cells[10] = code("# Solution\nprint('because')", tags=["solution"])
    assert_reported(cells, "must be hidden")
    cells = good_cells()
    cells[10] = code(
        "print('because')", jupyter={"source_hidden": True, "outputs_hidden": True}, tags=["solution"]
    )
    assert_reported(cells, "must start with '# Solution'")
    cells = good_cells()
    cells[10] = code("# Solution\nprint('because')", jupyter={"source_hidden": True, "outputs_hidden": True})
    assert_reported(cells, "tag 'solution'")


def test_underscore_silencing_is_reported():
    assert_reported(replace_in(good_cells(), 5, "x.sum();", "_ = x.sum()"), "'_ = '")
    assert_reported(replace_in(good_cells(), 12, "print(math.pi)", "_ = print(math.pi)"), "'_ = '")


def test_a_stored_object_repr_is_reported():
    figure = {"output_type": "execute_result", "data": {"text/plain": "<Figure size 640x480 with 1 Axes>"}}
    cells = good_cells()
    cells[5] = code("plt.figure()", outputs=[figure])
    assert_reported(cells, "stores the return value")
    shown = {"output_type": "display_data", "data": {"text/plain": "<Figure size 640x480 with 1 Axes>"}}
    cells[5] = code("plt.show()", outputs=[shown])
    assert problems_of(cells) == []


def test_code_cells_without_markdown_between_are_reported():
    cells = good_cells()
    cells.insert(6, code("print(x)"))
    assert_reported(cells, "a markdown cell must come before each code cell")


def test_a_missing_colab_badge_is_reported():
    badge = course_notebooks.badge_line("04_tiny.ipynb")
    assert_reported(replace_in(good_cells(), 0, badge + "\n\n", ""), "'Open in Colab' badge")


def test_the_old_setup_cell_is_reported():
    old = "from utils import by_mode, setup_course\n\ninfo = setup_course()"
    cells = good_cells()
    cells[2] = code(old)
    assert_reported(cells, "installs the course package when it is missing")


def test_a_solution_that_prints_its_answer_openly_is_reported():
    assert_reported(replace_in(good_cells(), 10, "hide_answer()\n", ""), "'hide_answer()'")
