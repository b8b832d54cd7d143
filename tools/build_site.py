"""Build the course website into ``build/site`` from the stored notebooks and the lesson texts.

    python tools/build_site.py            # what `make site` runs

Nothing is executed: the notebooks' stored outputs (from real default-mode runs) are
rendered as they are. Steps:

1. prepare a Sphinx source tree in ``build/site-src``: a home page made from the
   README's quick start, lesson table and results; per lesson its text
   (``lessons/NN_slug.md``) and its notebook, found by file name, so a new lesson
   needs no change here. Each notebook page gets an "Open in Colab" badge and a
   "Download notebook" link; solution cells are folded behind "Show the solution"
   (MyST-NB's ``hide-cell`` tag); links to repository files that are not pages go to
   the repository on GitHub;
2. the student edition (tools/student_edition.py) as a zip the home page links;
3. ``sphinx-build`` with site/conf.py (MyST-NB, Furo), warnings as errors;
4. MathJax 3 from ``node_modules/mathjax`` (``npm ci``) into ``_static/mathjax``, so the
   site loads nothing from elsewhere.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import course_notebooks  # noqa: E402
import student_edition  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "build" / "site-src"
OUT = REPO / "build" / "site"
MATHJAX = REPO / "node_modules" / "mathjax" / "es5"
MATHJAX_PARTS = ["tex-chtml.js", "input", "output", "ui", "a11y", "adaptors"]
ZIP_NAME = "cnn-course-student-edition.zip"
LINK = re.compile(r"(!?\[[^\]]*\])\(([^)\s]+)\)")
HOME_SECTIONS = ("Quick start", "Lessons", "Results")


def lessons(repo: Path = REPO) -> list[tuple[Path, Path]]:
    """(notebook, lesson text) of every lesson, by file name: notebooks/NN_*.ipynb with lessons/NN_*.md."""
    pairs = []
    for nb in sorted((repo / "notebooks").glob(course_notebooks.NOTEBOOK_GLOB)):
        text = repo / "lessons" / f"{nb.stem}.md"
        if not text.exists():
            raise SystemExit(f"{nb.name} has no lesson text {text.relative_to(repo)}")
        pairs.append((nb, text))
    return pairs


def title_of(text: str) -> str:
    """The first H1 of a Markdown text, without '# '."""
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def rewrite_links(text: str, where: str, pages: set[str], info: dict) -> str:
    """Keep links to pages of the site; send other relative links to the repository on GitHub.

    ``where`` is the folder of the text inside the repository ("" for the root,
    "lessons", "notebooks"); ``pages`` the repository paths that are site pages.
    """

    def fix(match: re.Match) -> str:
        label, target = match.groups()
        if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target) or "![" in label or label.startswith("!"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        resolved = Path(where, path).as_posix()
        parts = []
        for part in resolved.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part not in ("", "."):
                parts.append(part)
        resolved = "/".join(parts)
        if resolved in pages:
            return match.group(0)
        url = f"{info['repository']}/blob/main/{resolved}" + (f"#{anchor}" if anchor else "")
        return f"{label}({url})"

    return LINK.sub(fix, text)


def readme_sections(readme: str, names=HOME_SECTIONS) -> str:
    """The README's '## ' sections named in ``names``, in the README's order."""
    chunks = re.split(r"(?m)^(?=## )", readme)
    keep = [c for c in chunks if c.startswith("## ") and c[3:].splitlines()[0].strip() in names]
    missing = set(names) - {c[3:].splitlines()[0].strip() for c in keep}
    if missing:
        raise SystemExit(f"README.md has no section(s) {sorted(missing)} for the home page")
    return "\n".join(c.rstrip() + "\n" for c in keep)


def home_page(readme: str, pairs, pages: set[str], info: dict) -> str:
    """index.md: the README's opening, quick start, lesson table and results, and the table of contents."""
    intro = (
        readme.split("\n## ", 1)[0].strip().replace(course_notebooks.BADGE_IMAGE, "_assets/colab-badge.svg")
    )
    body = rewrite_links(readme_sections(readme), "", pages, info)
    body = body.replace("](#", f"]({info['repository']}#")  # README sections the home page leaves out
    toc = ""
    for nb, text in pairs:  # one group per lesson in the sidebar: its text, then its notebook
        caption = title_of(text.read_text(encoding="utf-8"))
        toc += (
            f"```{{toctree}}\n:hidden:\n:caption: {caption}\n\n"
            f"Lesson text <lessons/{nb.stem}>\nNotebook <notebooks/{nb.stem}>\n```\n\n"
        )
    student = (
        "## Ways in\n"
        "- **Read here**: each lesson is its text, then its notebook with the outputs of a real run. "
        "Solutions are folded: open one after trying the exercise.\n"
        "- **Run in Colab**: the *Open in Colab* badge on each notebook page; its first cell installs "
        f"the course package from the release `{info['tag']}`.\n"
        f"- **Student edition**: {{download}}`all notebooks without solutions or outputs <{ZIP_NAME}>` "
        "(a zip of `make student`).\n"
        f"- **Clone** [the repository]({info['repository']}) and follow the quick start below.\n"
    )
    return f"{intro}\n\n{student}\n{body}\n{toc}"


def lesson_text_page(text: str, pages: set[str], info: dict) -> str:
    """A lesson text as a page: its H1 says it is the text, so it differs from the notebook's."""
    first, rest = text.split("\n", 1)
    return rewrite_links(f"{first} (lesson text)\n{rest}", "lessons", pages, info)


def notebook_page(nb: dict, name: str, pages: set[str], info: dict) -> dict:
    """A notebook prepared for the site: links line under the title, solutions folded, links fixed."""
    cells = nb["cells"]
    lines = course_notebooks.source(cells[0]).split("\n")
    title = "\n".join(line for line in lines if not course_notebooks.BADGE.match(line))
    head, _, rest = title.partition("\n")
    links = (
        '<div class="lesson-links">\n\n'
        f"[![Open In Colab](../_assets/colab-badge.svg)]({course_notebooks.colab_url(name, info)})\n"
        f"{{download}}`Download notebook <../_downloads_src/notebooks/{name}>`\n\n"
        f"[Lesson text](../lessons/{Path(name).stem}.md)\n\n</div>\n"
    )
    cells[0]["source"] = f"{head}\n\n{links}\n{rest.lstrip()}"
    for cell in cells:
        if cell["cell_type"] == "markdown":
            cell["source"] = rewrite_links(course_notebooks.source(cell), "notebooks", pages, info)
        elif course_notebooks.is_solution(cell):
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if "hide-cell" not in tags:
                tags.append("hide-cell")
    return nb


def prepare(repo: Path = REPO, src: Path = SRC) -> list[tuple[Path, Path]]:
    """Write the Sphinx source tree; return the lessons it holds."""
    info = course_notebooks.project(repo / "pyproject.toml")
    pairs = lessons(repo)
    if src.exists():
        shutil.rmtree(src)
    for sub in ("notebooks", "lessons", "_downloads_src/notebooks", "_assets"):
        (src / sub).mkdir(parents=True)
    pages = {f"notebooks/{nb.name}" for nb, _ in pairs} | {f"lessons/{t.name}" for _, t in pairs}
    readme = (repo / "README.md").read_text(encoding="utf-8")
    (src / "index.md").write_text(home_page(readme, pairs, pages, info), encoding="utf-8")
    shutil.copy(REPO / "site" / "_static" / "colab-badge.svg", src / "_assets" / "colab-badge.svg")
    for nb_path, text_path in pairs:
        text = text_path.read_text(encoding="utf-8")
        (src / "lessons" / text_path.name).write_text(lesson_text_page(text, pages, info), encoding="utf-8")
        shutil.copy(nb_path, src / "_downloads_src" / "notebooks" / nb_path.name)
        nb = notebook_page(json.loads(nb_path.read_text(encoding="utf-8")), nb_path.name, pages, info)
        (src / "notebooks" / nb_path.name).write_text(json.dumps(nb, indent=1), encoding="utf-8")
    student_edition.write_zip(repo, src / ZIP_NAME)
    return pairs


def sphinx(src: Path = SRC, out: Path = OUT) -> None:
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-c", str(REPO / "site"), "-W", "--keep-going"]
    subprocess.run([*cmd, "-q", "-E", str(src), str(out)], check=True)


def add_mathjax(out: Path = OUT) -> None:
    if not (MATHJAX / "tex-chtml.js").exists():
        raise SystemExit("MathJax is missing: run `npm ci` first (package.json pins it)")
    target = out / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        source = MATHJAX / part
        if source.is_dir():
            shutil.copytree(source, target / part)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / part)


def main() -> int:
    start = time.monotonic()
    pairs = prepare()
    sphinx()
    add_mathjax()
    pages = len(list(OUT.rglob("*.html")))
    print(
        f"site: {len(pairs)} lessons, {pages} HTML pages in {OUT.relative_to(REPO)} "
        f"({time.monotonic() - start:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
