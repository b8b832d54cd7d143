"""Store notebooks in the form JupyterLab itself saves, without volatile metadata.

    python tools/normalize_notebooks.py [NOTEBOOK ...]          # rewrite in place
    python tools/normalize_notebooks.py --check [NOTEBOOK ...]  # exit 1, naming what differs

Without arguments it works on ``notebooks/[0-9][0-9]_*.ipynb``. ``make execute`` runs it
after executing, ``make lint`` (and so CI) runs ``--check``, and it is a pre-commit hook.

The normal form is what JupyterLab 4.6 writes when it saves an opened, unchanged
notebook (checked in a real browser with ``tools/check_jupyterlab_save.py``), minus
metadata that changes on every run:

* volatile metadata is removed, with nbstripout (outputs and execution counts are
  kept): nbconvert's per-cell ``execution`` timestamps, ``ExecuteTime``, ``scrolled``,
  ``heading_collapsed``, ``hidden``, the notebook's ``signature`` and ``widgets`` state;
* ``metadata.kernelspec`` is the one JupyterLab writes on opening:
  ``{"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}``;
* a code cell whose outputs are hidden has both ``"collapsed": true`` and
  ``"jupyter": {"outputs_hidden": true}`` (JupyterLab keeps the two in step); a cell
  whose outputs show has neither key;
* the JSON is nbformat's: indent 1, sorted keys, non-ASCII kept, a final newline
  (Jupyter Server saves with ``nbformat.write``).

Everything else (cell ids, sources, outputs, execution counts, ``language_info``,
tags, ``source_hidden``) is kept as it is.
"""

from __future__ import annotations

import argparse
import copy
import sys
import warnings
from pathlib import Path

import nbformat
from nbstripout import strip_output

REPO = Path(__file__).resolve().parent.parent
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# nbstripout's default keys, except cell.metadata.collapsed, which JupyterLab writes.
VOLATILE_KEYS = [
    "metadata.signature",
    "metadata.widgets",
    "cell.metadata.execution",
    "cell.metadata.ExecuteTime",
    "cell.metadata.scrolled",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
]


def _has_key(node: dict, dotted: str) -> bool:
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def _cell_name(index: int, cell: dict) -> str:
    return f"{index}" + (f" (id {cell['id']})" if "id" in cell else "")


def normalize(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict[str, list[str]]]:
    """Return the notebook in normal form, and what had to change: {what: [cells where]}."""
    nb = copy.deepcopy(nb)
    changes: dict[str, list[str]] = {}

    def change(what: str, where: str = "") -> None:
        changes.setdefault(what, [])
        if where:
            changes[what].append(where)

    for key in VOLATILE_KEYS:
        scope, rest = key.split(".", 1)
        if scope == "metadata" and _has_key(nb.metadata, rest):
            change(f"volatile notebook metadata '{rest}'")
        elif scope == "cell":
            for i, cell in enumerate(nb.cells):
                if _has_key(cell, rest):
                    change(f"volatile cell '{rest}'", _cell_name(i, cell))
    nb = strip_output(nb, keep_output=True, keep_count=True, keep_id=True, extra_keys=VOLATILE_KEYS)

    kernelspec = nb.metadata.get("kernelspec")
    if kernelspec != KERNELSPEC:
        change(f"kernelspec is {dict(kernelspec or {})}, JupyterLab writes {KERNELSPEC}")
        nb.metadata["kernelspec"] = nbformat.from_dict(KERNELSPEC)

    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata
        jupyter = meta.get("jupyter", {})
        hidden = bool(jupyter.get("outputs_hidden", meta.get("collapsed", False)))
        if hidden:
            if meta.get("collapsed") is not True:
                change(
                    'outputs hidden (jupyter.outputs_hidden) but no "collapsed": true', _cell_name(i, cell)
                )
            if jupyter.get("outputs_hidden") is not True:
                change('"collapsed": true without jupyter.outputs_hidden', _cell_name(i, cell))
            meta["collapsed"] = True
            meta.setdefault("jupyter", {})["outputs_hidden"] = True
        else:
            if "collapsed" in meta or "outputs_hidden" in jupyter:
                change('outputs shown but "collapsed"/"outputs_hidden" stored', _cell_name(i, cell))
            meta.pop("collapsed", None)
            if "jupyter" in meta:
                meta.jupyter.pop("outputs_hidden", None)
                if not meta.jupyter:
                    del meta["jupyter"]
    return nb, changes


def serialize(nb: nbformat.NotebookNode) -> str:
    """The text Jupyter Server writes for ``nb`` (``nbformat.write``: indent 1, sorted keys, final newline)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        text = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    return text if text.endswith("\n") else text + "\n"


def process(path: Path, check: bool) -> dict[str, list[str]]:
    """Normalise ``path`` in place (or only compare, if ``check``); return what differed."""
    original = path.read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        nb = nbformat.reads(original, as_version=nbformat.NO_CONVERT)
    normal, changes = normalize(nb)
    text = serialize(normal)
    if text != original and not changes:
        change = "JSON layout is not nbformat's (indent 1, sorted keys, non-ASCII as is, final newline)"
        changes[change] = []
    if text != original and not check:
        path.write_text(text, encoding="utf-8")
    return changes if text != original else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9][0-9]_*.ipynb")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook is not in normal form"
    )
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    paths = [p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p for p in paths]

    failed = 0
    for path in paths:
        changes = process(path, args.check)
        if not changes:
            continue
        failed += 1
        print(f"{path}: {'not in normal form' if args.check else 'normalised'}")
        for what, cells in changes.items():
            where = ""
            if cells:
                shown = ", ".join(cells[:8]) + (", ..." if len(cells) > 8 else "")
                where = f" in {len(cells)} cell(s): {shown}"
            print(f"  - {what}{where}")
    if args.check and failed:
        print(
            f"{failed} notebook(s) not in the form JupyterLab saves. Fix with: "
            "python tools/normalize_notebooks.py (or make format)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
