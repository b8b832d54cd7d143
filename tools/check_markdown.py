"""Markdown faults that markdownlint does not report, but that break what a reader sees.

    python tools/check_markdown.py README.md CONTRIBUTING.md lessons/*.md   # part of `make lint`

* **A table cut by a blank line.** Rows after a blank line inside a table are no
  longer part of it: GitHub shows them as a paragraph of pipes (the README's lesson
  table lost rows 07 and 08 that way). Any line that looks like a table row (starts
  and ends with ``|``) must belong to a table: a run of such lines that starts with
  a header row and a delimiter row (``|---|---|``).
* **A broken relative link.** ``[text](path)`` and ``[text](path#anchor)`` must name a
  file or folder that exists, relative to the Markdown file. Links with a scheme
  (``https:``), in-page anchors (``#...``) and links inside code are not checked here.

Exit status 1 with one line per fault (``file:line: what``), 0 when clean.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROW = re.compile(r"^\s*\|.*\|\s*$")
DELIMITER = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
LINK = re.compile(r"!?\[[^\]]*\]\(([^()\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_SPAN = re.compile(r"`+[^`]*`+")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines outside fenced code blocks."""
    lines, inside = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            inside = not inside
            continue
        if not inside:
            lines.append((number, line))
    return lines


def cut_table_rows(text: str) -> list[tuple[int, str]]:
    """Runs of table-looking rows that are not a table (no header + delimiter row on top).

    A blank line ends a table, so rows after it form a run of their own that has no
    delimiter row: exactly the cut that hid two rows of the README's lesson table.
    """
    runs, run, last = [], [], None
    for number, line in prose_lines(text):
        if ROW.match(line) or (run and DELIMITER.match(line)):
            if run and last != number - 1:
                runs.append(run)
                run = []
            run.append((number, line))
            last = number
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return [
        (run[0][0], f"{len(run)} table row(s) outside any table (a blank line cuts the table above?)")
        for run in runs
        if len(run) < 2 or not DELIMITER.match(run[1][1])
    ]


def broken_links(text: str, folder: Path) -> list[tuple[int, str]]:
    """Relative links whose target does not exist next to the Markdown file."""
    faults = []
    for number, line in prose_lines(text):
        for match in LINK.finditer(CODE_SPAN.sub("", line)):
            target = match.group(1)
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^#|^<", target):
                continue
            path = target.split("#", 1)[0]
            if path and not (folder / path).exists():
                faults.append((number, f"broken relative link: {target}"))
    return faults


def check(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    faults = cut_table_rows(text) + broken_links(text, path.parent)
    return [f"{path}:{number}: {what}" for number, what in sorted(faults)]


def main(argv: list[str] | None = None) -> int:
    paths = [Path(p) for p in (sys.argv[1:] if argv is None else argv)]
    faults = [fault for path in paths for fault in check(path)]
    for fault in faults:
        print(fault)
    print(f"check_markdown: {len(paths)} files, {len(faults)} faults", file=sys.stderr)
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
