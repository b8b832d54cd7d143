"""utils.answers: a solution cell's output is shown folded under 'Show the answer'.

The folding itself is checked in a real browser by tools/site_test.py (JupyterLab's
Run All); here the bundle it displays and the IPython plumbing are checked.
"""

import pytest
from IPython.core.displaypub import CapturingDisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

from utils.answers import SUMMARY, answer_bundle, hide_answer


def test_the_bundle_folds_text_and_figures_and_escapes_html():
    bundle = answer_bundle("a < b: True\n", "", [{"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}])
    html = bundle["text/html"]
    assert html.startswith('<details class="course-answer"><summary>' + SUMMARY)
    assert " open>" not in html.split("<summary>")[0]
    assert "a &lt; b: True" in html and "a < b" not in html
    assert '<img src="data:image/png;base64,iVBORw0KGgo="' in html
    assert bundle["text/plain"].startswith("a < b: True")


def test_a_failed_cell_shows_its_output_unfolded():
    assert '<details class="course-answer" open>' in answer_bundle("x", "", [], opened=True)["text/html"]


def test_an_empty_answer_says_so():
    assert "printed nothing" in answer_bundle("", "", [])["text/html"]


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    saved = shell.display_pub
    shell.display_pub = CapturingDisplayPublisher()
    yield shell
    shell.display_pub = saved


def test_a_cell_with_hide_answer_displays_one_folded_block(shell, capsys):
    shell.user_ns["hide_answer"] = hide_answer
    shell.run_cell("hide_answer()\nprint('identity minus Laplacian: True')\n")
    printed = capsys.readouterr().out
    assert "identity minus Laplacian" not in printed, "the answer leaked to the visible output"
    (shown,) = shell.display_pub.outputs
    html = shown["data"]["text/html"]
    assert html.startswith("<details") and "identity minus Laplacian: True" in html
    # the hook is one-shot: the next cell prints openly again
    shell.run_cell("print('next cell')\n")
    assert "next cell" in capsys.readouterr().out
    assert len(shell.display_pub.outputs) == 1


def test_a_failing_solution_unfolds_what_it_printed(shell, capsys):
    shell.user_ns["hide_answer"] = hide_answer
    shell.run_cell("hide_answer()\nprint('half way')\n1 / 0\n")
    (shown,) = shell.display_pub.outputs
    assert '<details class="course-answer" open>' in shown["data"]["text/html"]
    assert "half way" in shown["data"]["text/html"]


def test_outside_ipython_it_does_nothing(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert hide_answer() is None
