"""Exercise answers that stay folded until the student asks for them (introduced in lesson 01).

Every solution cell of the course starts with::

    # Solution
    hide_answer()

JupyterLab's "Run All" runs the solution cells too and un-collapses their outputs
(it clears ``outputs_hidden`` when a cell runs), so a printed answer would sit right
under the exercise. ``hide_answer()`` collects everything the rest of the cell
shows (printed text, figures, displayed objects) and, when the cell has finished,
shows it as one folded block, ``Show the answer``, that opens on a click, in
JupyterLab, VS Code and on the course website alike. If the cell fails, the
collected output is shown unfolded with the error, so nothing is lost.

Outside IPython (a plain ``python`` run) it does nothing.
"""

from __future__ import annotations

import base64
import html

SUMMARY = "Show the answer"
CSS_CLASS = "course-answer"
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def _output_html(data: dict) -> str:
    """One captured display output (a mime bundle) as HTML."""
    for mime in _IMAGE_TYPES:
        if mime in data:
            if mime == "image/svg+xml":
                return str(data[mime])
            payload = data[mime]
            if isinstance(payload, bytes):
                payload = base64.b64encode(payload).decode("ascii")
            return f'<img src="data:{mime};base64,{payload}" alt="figure of the answer"/>'
    if "text/html" in data:
        return str(data["text/html"])
    if "text/plain" in data:
        return f"<pre>{html.escape(str(data['text/plain']))}</pre>"
    return ""


def answer_bundle(stdout: str, stderr: str, outputs: list[dict], opened: bool = False) -> dict:
    """The mime bundle that shows captured text and displays folded under ``Show the answer``.

    ``outputs`` are the captured display data (mime dicts); ``opened`` unfolds it
    (used when the cell failed). The ``text/plain`` part keeps the answer readable
    in a terminal or in a front end without HTML.
    """
    parts = []
    if stdout:
        parts.append(f"<pre>{html.escape(stdout)}</pre>")
    if stderr:
        parts.append(f'<pre class="stderr">{html.escape(stderr)}</pre>')
    parts += [_output_html(data) for data in outputs]
    body = "\n".join(p for p in parts if p) or "<p>(the answer printed nothing)</p>"
    state = " open" if opened else ""
    markup = (
        f'<details class="{CSS_CLASS}"{state}><summary>{SUMMARY}</summary>\n'
        f'<div class="{CSS_CLASS}-body">\n{body}\n</div></details>'
    )
    plain = "\n".join(filter(None, [stdout, stderr] + [str(d.get("text/plain", "")) for d in outputs]))
    return {"text/html": markup, "text/plain": plain or "(the answer printed nothing)"}


def hide_answer(shell=None):
    """Fold what the rest of this cell shows under ``Show the answer`` (lesson 01; every lesson's exercises).

    Call it as the first statement of a solution cell. It starts collecting the
    cell's output and registers a one-time hook that, after the cell (and
    Matplotlib's end-of-cell figure display), shows the collected output folded.
    Returns nothing; outside IPython it does nothing.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython is always there in the course
            return
        shell = get_ipython()
    if shell is None:
        return
    from IPython.display import display
    from IPython.utils.capture import capture_output

    capturing = capture_output(stdout=True, stderr=True, display=True)
    captured = capturing.__enter__()

    def finish(result):
        shell.events.unregister("post_run_cell", finish)
        capturing.__exit__(None, None, None)
        failed = bool(getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None))
        outputs = [out.data for out in captured.outputs]
        display(answer_bundle(captured.stdout, captured.stderr, outputs, opened=failed), raw=True)

    shell.events.register("post_run_cell", finish)
