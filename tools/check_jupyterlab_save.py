"""Manual check: does JupyterLab save our notebooks byte for byte as we store them?

Not part of CI (it needs a browser). It copies the notebooks into a throwaway git
repository, optionally normalises them with ``tools/normalize_notebooks.py``, commits
them, starts JupyterLab on the copy, opens every notebook in headless Chromium, saves
it unchanged (Ctrl+S) and prints ``git diff``. An empty diff means "opening and saving
in JupyterLab changes nothing", i.e. our normal form is what JupyterLab writes.
The repository's own notebooks are never opened.

Set-up (once; Playwright goes into its own venv, not the course's, and drives the
Debian Chromium, so ``playwright install`` is never needed):

    sudo apt-get install chromium
    python3 -m venv /tmp/pw-venv && /tmp/pw-venv/bin/pip install playwright

Run from the repository root:

    /tmp/pw-venv/bin/python tools/check_jupyterlab_save.py              # normalised copy: diff must be empty
    /tmp/pw-venv/bin/python tools/check_jupyterlab_save.py --raw        # as committed: shows what JupyterLab changes

Exit status 0 when the diff is empty, 1 otherwise. Screenshots go to ``--shots``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def git(workdir: Path, *args: str) -> str:
    cmd = ["git", "-c", "user.name=check", "-c", "user.email=check@localhost", *args]
    return subprocess.run(cmd, cwd=workdir, check=True, capture_output=True, text=True).stdout


def make_copy(workdir: Path, notebooks: list[Path], python: str, raw: bool) -> list[Path]:
    (workdir / "notebooks").mkdir(parents=True)
    copies = []
    for nb in notebooks:
        target = workdir / "notebooks" / nb.name
        shutil.copyfile(nb, target)
        copies.append(target)
    if not raw:
        subprocess.run(
            [python, str(REPO / "tools" / "normalize_notebooks.py"), *map(str, copies)], check=True
        )
    git(workdir, "init", "-q")
    git(workdir, "add", "-A")
    git(workdir, "commit", "-q", "-m", "before JupyterLab")
    return copies


def start_lab(jupyter: str, root: Path, port: int, state: Path) -> subprocess.Popen:
    env = dict(os.environ)
    # A fresh JupyterLab as a student gets it: default settings, no saved workspace.
    for var in (
        "JUPYTER_CONFIG_DIR",
        "JUPYTERLAB_SETTINGS_DIR",
        "JUPYTERLAB_WORKSPACES_DIR",
        "JUPYTER_RUNTIME_DIR",
    ):
        env[var] = str(state / var.lower())
    cmd = [
        jupyter,
        "lab",
        "--no-browser",
        "--IdentityProvider.token=",
        "--ServerApp.disable_check_xsrf=True",  # lets this script stop kernels through the REST API
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers
    log = open(state / "jupyterlab.log", "w")  # stays open while JupyterLab runs
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api/status"
    for _ in range(120):
        if proc.poll() is not None:
            sys.exit(f"JupyterLab exited early; see {state / 'jupyterlab.log'}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    sys.exit(f"JupyterLab did not answer on port {port}; see {state / 'jupyterlab.log'}")


def open_and_save(page, base: str, nb: Path, root: Path, shots: Path) -> None:
    rel = nb.relative_to(root).as_posix()
    before = nb.stat().st_mtime_ns
    page.goto(f"{base}/lab/tree/{rel}?reset")  # ?reset: only this notebook, no restored tabs
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
    # The kernel has started and answered kernel_info once the indicator says idle;
    # JupyterLab copies kernelspec and language_info into the notebook at that point.
    page.wait_for_selector(".jp-NotebookPanel [data-status='idle']", timeout=120_000)
    page.wait_for_timeout(1500)
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    for _ in range(100):
        if nb.stat().st_mtime_ns != before:
            break
        page.wait_for_timeout(100)
    else:
        raise RuntimeError(f"{rel}: Ctrl+S did not save the file")
    page.wait_for_timeout(500)
    news = page.get_by_text("Would you like to get notified about official Jupyter news?")
    if news.count():  # the first-start toast; answering it changes no notebook
        page.get_by_role("button", name="No").first.click()
    page.screenshot(path=str(shots / f"{nb.stem}_top.png"))
    # Scroll to the end, where the exercises' hidden solution cells are.
    # (Moving the active cell down in command mode scrolls it into view, which also
    # renders the cells on the way; a plain scroll leaves the windowed notebook blank.)
    page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    for _ in range(len(json.loads(nb.read_text(encoding="utf-8"))["cells"])):
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(30)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(shots / f"{nb.stem}_end.png"))


def shutdown_kernels(base: str) -> None:
    with urllib.request.urlopen(f"{base}/api/sessions") as resp:
        sessions = json.load(resp)
    for session in sessions:
        req = urllib.request.Request(f"{base}/api/sessions/{session['id']}", method="DELETE")
        urllib.request.urlopen(req).close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9][0-9]_*.ipynb")
    parser.add_argument("--raw", action="store_true", help="do not normalise the copies first")
    parser.add_argument("--jupyter", default=str(REPO / ".venv" / "bin" / "jupyter"))
    parser.add_argument(
        "--python", default=str(REPO / ".venv" / "bin" / "python"), help="runs the normaliser"
    )
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--shots", type=Path, default=Path(tempfile.gettempdir()) / "jupyterlab-save-shots")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy and print its path")
    args = parser.parse_args()

    notebooks = args.notebooks or sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    args.shots.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="jupyterlab-save-"))
    state = workdir / ".state"
    state.mkdir()
    (workdir / ".gitignore").write_text(".state/\n.ipynb_checkpoints/\n")
    copies = make_copy(workdir, notebooks, args.python, args.raw)

    lab = start_lab(args.jupyter, workdir, args.port, state)
    base = f"http://127.0.0.1:{args.port}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            for nb in copies:
                print(f"opening and saving {nb.name}", flush=True)
                open_and_save(page, base, nb, workdir, args.shots)
                shutdown_kernels(base)
            browser.close()
    finally:
        lab.terminate()
        lab.wait(timeout=30)

    diff = git(workdir, "diff", "--", "notebooks")
    print(git(workdir, "diff", "--stat", "--", "notebooks") or "git diff: empty")
    print(diff, end="")
    print(f"screenshots: {args.shots}")
    if args.keep:
        print(f"copy kept in {workdir}")
    else:
        shutil.rmtree(workdir)
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
