"""Test the built course website in a real browser (headless Debian Chromium driven by Playwright).

    python tools/site_test.py                       # what `make site-test` runs, after `make site`
    python tools/site_test.py --site tests/fixtures/broken_site --expect-problems

It serves ``build/site`` on localhost and opens every page. On each page it fails on:
a console error or uncaught exception; any request that leaves localhost (the site
must be self-contained); a link, image, script or style sheet inside the site that
does not load; an image that did not decode; a raw ``$...$`` or ``\\(...\\)`` left in
the text where MathJax should have typeset a formula. On each lesson notebook page it
also checks that the page shows as many figures as the notebook stores, that every
solution is folded until its toggle is clicked, and saves a screenshot
(``build/site-shots``). Then it searches "Grad-CAM" and expects lesson 07, and runs
lesson 04 with "Restart Kernel and Run All Cells" in JupyterLab (FAST mode), where no
answer may be visible until its "Show the answer" toggle is clicked.

``--expect-problems`` turns it around for the deliberately broken fixture: it exits 0
only when every kind of problem the fixture plants is reported.

Chromium is Debian's (``apt-get install chromium``); Playwright comes from pip and is
pointed at ``/usr/bin/chromium`` (``playwright install`` is never run).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
RAW_MATH = re.compile(r"\$[^$\s](?:[^$\n]*?[^$\s])?\$|\\\((?!\)).+?\\\)")

# Text nodes outside code, scripts and typeset math: where a raw formula would show.
VISIBLE_TEXT_JS = """() => {
  const skip = 'PRE, CODE, SCRIPT, STYLE, TEXTAREA, MJX-CONTAINER, MJX-ASSISTIVE-MML';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.closest(skip)) parts.push(node.textContent);
  }
  return parts.join(' ');
}"""
IMAGES_JS = """(scope) => Array.from(document.querySelectorAll(scope + ' img')).map(
  img => ({src: img.getAttribute('src'), ok: img.complete && img.naturalWidth > 0}))"""


def figures_in_notebook(nb: dict) -> int:
    """How many figures a notebook stores: image outputs, and images inside HTML outputs (folded answers)."""
    count = 0
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if any(mime in data for mime in IMAGE_MIMES):
                count += 1
            elif "text/html" in data:
                html = data["text/html"]
                count += len(re.findall(r"<img\b", "".join(html) if isinstance(html, list) else html))
    return count


def raw_math(text: str) -> list[str]:
    """Formulas left as source text (``$x$``, ``\\(x\\)``) in what a page shows."""
    return [m.group(0)[:60] for m in RAW_MATH.finditer(text)]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test prints its own summary
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` on a free localhost port; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class PageWatch:
    """Collects console errors, page exceptions, remote requests and failed loads of one page."""

    def __init__(self, page, base: str):
        self.base, self.problems = base, []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console error: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"uncaught exception: {e}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        page.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if url.startswith(self.base) or url.startswith("data:"):
            route.continue_()
        else:
            self.problems.append(f"request leaves the site: {url}")
            route.abort()

    def _response(self, response):
        if response.url.startswith(self.base) and response.status >= 400:
            self.problems.append(f"{response.status} for {response.url[len(self.base) :]}")

    def _failed(self, request):
        if request.url.startswith(self.base):
            self.problems.append(f"failed to load {request.url[len(self.base) :]}: {request.failure}")


def wait_for_math(page) -> None:
    page.evaluate(
        "() => window.MathJax && MathJax.startup && MathJax.startup.promise ? MathJax.startup.promise : null"
    )


def check_page(page, base: str, path: str, links: set[str]) -> list[str]:
    """Load ``path`` and return its problems; adds the internal links it holds to ``links``."""
    watch = PageWatch(page, base)
    page.goto(f"{base}/{path}", wait_until="load")
    wait_for_math(page)
    page.wait_for_timeout(100)
    problems = watch.problems
    for image in page.evaluate(IMAGES_JS, "body"):
        if not image["ok"]:
            problems.append(f"image does not show: {image['src']}")
    problems += [f"raw formula in the text: {m!r}" for m in raw_math(page.evaluate(VISIBLE_TEXT_JS))]
    for href in page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)"):
        if href.startswith(base):
            links.add(href.split("#")[0])
    return problems


def check_links(context, base: str, links: set[str]) -> list[str]:
    problems = []
    for url in sorted(links):
        response = context.request.get(url)
        if response.status >= 400:
            problems.append(f"broken link: {url[len(base) :]} ({response.status})")
    return problems


def check_lesson(page, notebook: Path, shots: Path) -> tuple[list[str], int]:
    """Figures and folded solutions on a notebook page that is already loaded; returns (problems, figures)."""
    problems = []
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    expected = figures_in_notebook(nb)
    shown = page.locator(".cell_output img").count()
    if shown != expected:
        problems.append(f"shows {shown} figures, the notebook stores {expected}")
    solutions = page.locator(".cell.tag_solution")
    stored = sum("solution" in c.get("metadata", {}).get("tags", []) for c in nb["cells"])
    if solutions.count() != stored:
        problems.append(f"{solutions.count()} solution cells on the page, {stored} in the notebook")
    for i in range(solutions.count()):
        cell = solutions.nth(i)
        if cell.locator(".cell_input").first.is_visible() or any(
            o.is_visible() for o in cell.locator(".cell_output").all()
        ):
            problems.append(f"solution {i + 1} is visible before its toggle is clicked")
    page.screenshot(path=str(shots / f"{notebook.stem}.png"))
    if shown:  # and the page scrolled to its last figure, as a reader sees it
        page.locator(".cell_output img").last.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"{notebook.stem}_last_figure.png"))
    if solutions.count():
        first = solutions.first
        first.locator("summary").first.click()
        if not first.locator(".cell_input").first.is_visible():
            problems.append("solution 1 does not open when its toggle is clicked")
    return problems, shown


def check_search(page, base: str, query: str, expect: str) -> list[str]:
    page.goto(f"{base}/search.html?q={query}", wait_until="load")
    try:
        page.wait_for_selector(f"#search-results a[href*='{expect}']", timeout=20_000)
    except Exception:  # playwright's TimeoutError
        found = page.eval_on_selector_all("#search-results a", "els => els.map(a => a.href)")
        return [f"searching {query!r} does not find {expect} (found {found[:5]})"]
    return []


def launch(pw, chromium: str):
    return pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)


def test_site(site: Path, chromium: str, shots: Path, jupyterlab: bool) -> list[str]:
    from playwright.sync_api import sync_playwright

    problems, figures, lessons = [], 0, 0
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    links: set[str] = set()
    shots.mkdir(parents=True, exist_ok=True)
    with serve(site) as base, sync_playwright() as pw:
        browser = launch(pw, chromium)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        for path in pages:
            page = context.new_page()
            found = check_page(page, base, path, links)
            notebook = REPO / "notebooks" / (Path(path).stem + ".ipynb")
            if path.startswith("notebooks/") and notebook.exists():
                more, shown = check_lesson(page, notebook, shots)
                found += more
                figures += shown
                lessons += 1
            if path == "index.html" or path.startswith("lessons/"):
                page.screenshot(path=str(shots / path.replace("/", "_").replace(".html", ".png")))
            problems += [f"{path}: {p}" for p in found]
            page.close()
        problems += check_links(context, base, links)
        if (site / "search.html").exists() and lessons:
            page = context.new_page()
            problems += check_search(page, base, "Grad-CAM", "07_visualising_cnns")
            page.close()
        if jupyterlab:
            page = context.new_page()
            problems += [f"JupyterLab: {p}" for p in run_all_in_jupyterlab(page, shots)]
        browser.close()
    print(
        f"site-test: {len(pages)} pages, {len(links)} internal links, {lessons} lesson pages, "
        f"{figures} figures checked; screenshots in {shots}"
    )
    return problems


# ------------------------------------------------------------------ JupyterLab: Run All


def only_jupyterlab(chromium: str, shots: Path) -> list[str]:
    from playwright.sync_api import sync_playwright

    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw, chromium)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems = [f"JupyterLab: {p}" for p in run_all_in_jupyterlab(page, shots)]
        browser.close()
    return problems


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(root: Path, state: Path, port: int) -> subprocess.Popen:
    """JupyterLab on ``root`` with default settings, except: render every cell (no windowing)."""
    env = dict(
        os.environ,
        COURSE_FAST="1",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[var] = str(state / var.lower())
    settings = state / "settings"
    env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false"}))
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--IdentityProvider.token=",
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(state / "jupyterlab.log", "w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(240):
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early: {(state / 'jupyterlab.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("JupyterLab did not answer")


def prompts(page) -> str:
    """The notebook's input prompts, e.g. '[1]:|[2]:|[*]:', and the kernel status: what a failure looked like."""
    shown = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
    status = page.locator(".jp-NotebookPanel [data-status]").first.get_attribute("data-status")
    return "|".join(p.strip() for p in shown) + f" (kernel {status})"


def wait_until_idle(page, seconds: float, timeout: float) -> None:
    """Until the kernel has been idle for ``seconds`` on end: Run All flickers idle between cells."""
    idle = page.locator(".jp-NotebookPanel [data-status='idle']")
    start = quiet_since = time.monotonic()
    while time.monotonic() - start < timeout:
        if idle.count() == 0:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= seconds:
            return
        page.wait_for_timeout(250)


def run_all_in_jupyterlab(page, shots: Path, lesson: str = "04_vertical_line_detector") -> list[str]:
    """Run a copy of one lesson with Restart Kernel and Run All Cells; no answer may show until clicked."""
    workdir = Path(tempfile.mkdtemp(prefix="site-test-lab-"))
    state = workdir / ".state"
    state.mkdir()
    notebook = REPO / "notebooks" / f"{lesson}.ipynb"
    shutil.copy(notebook, workdir / notebook.name)
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    n_code = sum(c["cell_type"] == "code" for c in nb["cells"])
    n_solutions = sum("solution" in c.get("metadata", {}).get("tags", []) for c in nb["cells"])
    port = _free_port()
    lab = start_lab(workdir, state, port)
    problems = []
    try:
        page.goto(f"http://127.0.0.1:{port}/lab/tree/{notebook.name}?reset")
        page.wait_for_selector(".jp-NotebookPanel [data-status='idle']", timeout=180_000)
        # Clear the stored outputs first, so that what is checked below comes from this run.
        page.get_by_role("menuitem", name="Edit").click()
        page.get_by_text("Clear Outputs of All Cells").click()
        page.wait_for_function(
            "() => !document.querySelector('.jp-OutputArea-output') &&"
            " !Array.from(document.querySelectorAll('.jp-InputPrompt')).some(p => /\\d/.test(p.textContent))",
            timeout=30_000,
        )
        # Solution cells keep their source hidden, so they show no prompt number: wait for
        # every other cell's number, then until the kernel rests (the solutions come last).
        numbered = """(n) => Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
            .filter(p => /\\[\\d+\\]/.test(p.textContent)).length >= n"""
        for attempt in (1, 2):  # a kernel restart on a loaded machine can hang in "Starting"
            page.get_by_role("menuitem", name="Kernel").click()
            page.get_by_text("Restart Kernel and Run All Cells…").click()
            page.locator(".jp-Dialog-button.jp-mod-accept").first.click()  # "Restart"
            try:
                page.wait_for_function(numbered, arg=n_code - n_solutions, timeout=240_000)
                break
            except Exception:  # playwright's TimeoutError: report it with a picture
                page.screenshot(path=str(shots / f"jupyterlab_{lesson}_timeout_{attempt}.png"))
                print(f"JupyterLab: Run All attempt {attempt} did not finish in 240 s: {prompts(page)}")
        else:
            return [f"Run All of {lesson} did not finish in two attempts of 240 s (screenshots saved)"]
        wait_until_idle(page, seconds=5, timeout=300)
        page.wait_for_selector(".jp-NotebookPanel [data-status='idle']", timeout=120_000)
        page.wait_for_timeout(1000)
        answers = page.locator(".jp-OutputArea-output details.course-answer")
        if answers.count() != n_solutions:
            last = page.locator(".jp-OutputArea-output").all_inner_texts()[-n_solutions:]
            problems.append(
                f"{answers.count()} folded answers after Run All, {n_solutions} solution cells; "
                f"the last outputs show: {[t[:80] for t in last]}; prompts: {prompts(page)}"
            )
            page.screenshot(path=str(shots / f"jupyterlab_{lesson}_missing_answers.png"))
        for i in range(answers.count()):
            answer = answers.nth(i)
            if answer.get_attribute("open") is not None:
                problems.append(f"answer {i + 1} is open after Run All")
            # What the student sees of the solution's output: only the toggle's words.
            seen = answer.locator("xpath=ancestor::div[contains(@class, 'jp-OutputArea')][1]").inner_text()
            if seen.strip() != SUMMARY or answer.locator(".course-answer-body").is_visible():
                problems.append(f"answer {i + 1} is visible after Run All: {seen.strip()[:80]!r}")
        if answers.count():
            answers.first.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"jupyterlab_{lesson}_run_all.png"))
        if answers.count():
            answers.first.locator("summary").click()
            body = answers.first.locator(".course-answer-body")
            if not body.is_visible():
                problems.append("answer 1 does not open when 'Show the answer' is clicked")
            body.scroll_into_view_if_needed()
            page.screenshot(path=str(shots / f"jupyterlab_{lesson}_answer_opened.png"))
        print(f"JupyterLab Run All of {lesson}: {n_code} code cells run, {answers.count()} answers folded")
    finally:
        lab.terminate()
        lab.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    return problems


SUMMARY = "Show the answer"  # utils.answers.SUMMARY (the browser test runs without importing utils)
FIXTURE_KINDS = (
    "console error",
    "request leaves the site",
    "image does not show",
    "raw formula",
    "broken link",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO / "build" / "site")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--shots", type=Path, default=REPO / "build" / "site-shots")
    parser.add_argument("--no-jupyterlab", action="store_true", help="skip the JupyterLab Run All check")
    parser.add_argument("--only-jupyterlab", action="store_true", help="only the JupyterLab Run All check")
    parser.add_argument(
        "--expect-problems", action="store_true", help=f"succeed only if all of {FIXTURE_KINDS} are reported"
    )
    args = parser.parse_args(argv)
    if not (args.site / "index.html").exists():
        sys.exit(f"no site in {args.site}: run `make site` first")
    start = time.monotonic()
    lab = not (args.no_jupyterlab or args.expect_problems)
    if args.only_jupyterlab:
        problems = only_jupyterlab(args.chromium, args.shots)
    else:
        problems = test_site(args.site, args.chromium, args.shots, jupyterlab=lab)
    for problem in problems:
        print(f"  - {problem}")
    if args.expect_problems:
        missing = [kind for kind in FIXTURE_KINDS if not any(kind in p for p in problems)]
        if missing:
            print(f"site-test: the broken fixture was not caught for: {missing}")
            return 1
        print(f"site-test: the broken fixture fails as it must ({len(problems)} problems)")
        return 0
    print(f"site-test: {len(problems)} problems ({time.monotonic() - start:.0f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
