"""Apply the course-wide notebook conventions that issue 18 added, idempotently.

    python tools/course_notebooks.py [NOTEBOOK ...]          # rewrite in place, then normalise
    python tools/course_notebooks.py --check [NOTEBOOK ...]  # exit 1, naming what is missing

Without arguments it works on ``notebooks/[0-9][0-9]_*.ipynb``, so a new lesson is
picked up by its file name. Running it twice changes nothing the second time. It
touches sources only (never outputs): after running it, re-execute the notebooks.

1. **Colab badge.** The title cell's second line is an "Open in Colab" badge for this
   notebook at the release tag (``v`` + ``[project] version`` of pyproject.toml), in
   the repository named by ``[project.urls] Repository``: the one place both live.
2. **Setup cell.** The first code cell imports the course package and, where it is
   missing (Colab, a notebook copied out of the repository), first installs it with
   ``%pip`` from the repository at the release tag, or from ``COURSE_INSTALL_SOURCE``
   when that variable is set (a local path or wheel: the offline test uses it).
3. **Hidden answers.** Every solution cell (tag ``solution``) calls
   ``hide_answer()`` right after its ``# Solution`` line, and the imports cell
   imports it from ``utils.answers``, so "Run All" shows answers folded (see that module).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
INSTALL_ENV = "COURSE_INSTALL_SOURCE"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE = re.compile(r"^\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)\s*$")
ANSWER_IMPORT = "from utils.answers import hide_answer"
ANSWER_CALL = "hide_answer()"
SOLUTION_FIRST = "# Solution"


def project(pyproject: Path = REPO / "pyproject.toml") -> dict:
    """The repository address and the release tag, read from pyproject.toml (their one place)."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    repository = data["urls"]["Repository"].rstrip("/")
    owner_name = repository.removeprefix("https://github.com/")
    return {"repository": repository, "owner_name": owner_name, "tag": "v" + data["version"]}


def colab_url(notebook: str, info: dict | None = None) -> str:
    """Colab's address for ``notebooks/<notebook>`` at the release tag."""
    info = info or project()
    return f"https://colab.research.google.com/github/{info['owner_name']}/blob/{info['tag']}/notebooks/{notebook}"


def badge_line(notebook: str, info: dict | None = None) -> str:
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(notebook, info)})"


def install_source(info: dict | None = None) -> str:
    """What pip installs the course package from when it is missing: the repository at the tag."""
    info = info or project()
    return f"git+{info['repository']}@{info['tag']}"


def setup_source(info: dict | None = None) -> str:
    """The exact source of every notebook's setup cell."""
    return (
        "import os\n"
        "\n"
        f'RELEASE = "{install_source(info)}"  # the release of these notebooks\n'
        "try:\n"
        "    from utils import by_mode, setup_course  # the course's helpers, here inside the repository\n"
        "except ModuleNotFoundError:  # on Colab, or in a notebook copied elsewhere: install them first\n"
        f'    package = os.environ.get("{INSTALL_ENV}", RELEASE)\n'
        "    %pip install --quiet {package}\n"
        "    from utils import by_mode, setup_course\n"
        "\n"
        "info = setup_course()"
    )


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def is_solution(cell: dict) -> bool:
    return cell["cell_type"] == "code" and (
        "solution" in cell.get("metadata", {}).get("tags", []) or source(cell).startswith(SOLUTION_FIRST)
    )


def with_badge(title: str, notebook: str, info: dict) -> str:
    """The title cell with exactly one badge line, right after the H1 line."""
    lines = [line for line in title.split("\n") if not BADGE.match(line)]
    rest = "\n".join(lines[1:]).lstrip("\n")
    return "\n\n".join([lines[0], badge_line(notebook, info), rest]) if rest else lines[0]


def with_answer_call(code: str) -> str:
    """A solution's source with ``hide_answer()`` right after the ``# Solution`` line."""
    lines = code.split("\n")
    if len(lines) > 1 and lines[1].strip() == ANSWER_CALL:
        return code
    return "\n".join([lines[0], ANSWER_CALL, *[line for line in lines[1:] if line.strip() != ANSWER_CALL]])


def _statements(lines: list[str]) -> list[tuple[int, int, str]]:
    """(first line, last line, module) of each top-level ``from X import`` / ``import X``."""
    found, i = [], 0
    while i < len(lines):
        match = re.match(r"^(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+))", lines[i])
        if not match:
            i += 1
            continue
        end = i
        if "(" in lines[i] and ")" not in lines[i]:
            while end < len(lines) - 1 and ")" not in lines[end]:
                end += 1
        found.append((i, end, match.group(1) or match.group(2)))
        i = end + 1
    return found


def with_answer_import(code: str) -> str:
    """The imports cell with ``from utils.answers import hide_answer`` where ruff's isort puts it."""
    lines = code.split("\n")
    if ANSWER_IMPORT in lines:
        return code
    statements = _statements(lines)
    ours = [s for s in statements if s[2] == "utils" or s[2].startswith("utils.")]
    after = [s for s in ours if s[2] > "utils.answers"]
    if after:
        at = after[0][0]
    elif ours:
        at = ours[-1][1] + 1
    elif statements:
        at = statements[-1][1] + 1
        lines.insert(at, "")
        at += 1
    else:
        at = 0
    lines.insert(at, ANSWER_IMPORT)
    return "\n".join(lines)


def apply(nb: dict, name: str, info: dict | None = None) -> list[str]:
    """Bring the notebook dict ``nb`` (file ``name``) up to the conventions; return what changed."""
    info = info or project()
    changes = []
    cells = nb["cells"]

    def set_source(cell: dict, new: str, what: str) -> None:
        if source(cell) != new:
            cell["source"] = new
            changes.append(what)

    set_source(cells[0], with_badge(source(cells[0]), name, info), "Colab badge in the title cell")
    code = [c for c in cells if c["cell_type"] == "code" and source(c).strip()]
    if code:
        set_source(code[0], setup_source(info), "setup cell that installs the course package when missing")
    solutions = [c for c in cells if is_solution(c)]
    for cell in solutions:
        set_source(cell, with_answer_call(source(cell)), "hide_answer() in a solution cell")
    if solutions and len(code) > 1:
        set_source(code[1], with_answer_import(source(code[1])), f"'{ANSWER_IMPORT}' in the imports cell")
    return changes


def process(path: Path, check: bool, info: dict) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    changes = apply(nb, path.name, info)
    if changes and not check:
        path.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help=f"default: notebooks/{NOTEBOOK_GLOB}")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook lags")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((REPO / "notebooks").glob(NOTEBOOK_GLOB))
    info = project()
    lagging = []
    for path in paths:
        changes = process(path, args.check, info)
        if changes:
            lagging.append(path)
            verb = "lacks" if args.check else "now has"
            print(f"{path.name}: {verb} " + "; ".join(dict.fromkeys(changes)))
    if args.check:
        if lagging:
            print("fix with: python tools/course_notebooks.py", file=sys.stderr)
        return 1 if lagging else 0
    if lagging:  # ruff's layout (a solution may start with a def) and JupyterLab's stored form
        ruff = Path(sys.executable).with_name("ruff")
        subprocess.run([str(ruff), "format", "--quiet", *map(str, lagging)], check=True)
        normaliser = [sys.executable, str(REPO / "tools" / "normalize_notebooks.py"), *map(str, lagging)]
        subprocess.run(normaliser, check=True, stdout=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
