"""`make` sets up only with a Python that TensorFlow 2.21 has wheels for (3.11-3.13).

Interpreters are faked with tiny shell scripts: they answer the version query and
fail loudly if the Makefile goes on to use them (``-m venv``), so no test can
create a real environment.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="needs make")
MESSAGE = "This course needs Python 3.11, 3.12 or 3.13"


def fake_python(folder: Path, name: str, version: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-c" ]; then echo {version}; exit 0; fi\n'
        'echo "fake python used: $*" >&2\n'
        "exit 3\n"
    )
    path.chmod(0o755)
    return path


def make(*args, env=None):
    return subprocess.run(
        [MAKE, "--no-print-directory", "-C", str(REPO), *args], capture_output=True, text=True, env=env
    )


@pytest.mark.parametrize("version", ["3.14", "3.10"])
def test_unsupported_python_stops_before_the_venv(tmp_path, version):
    python = fake_python(tmp_path / "bin", f"python{version}", version)
    venv = tmp_path / "venv"
    result = make("lab", f"PYTHON={python}", f"VENV={venv}")
    assert result.returncode != 0
    assert f"{python} is Python {version}" in result.stderr
    assert MESSAGE in result.stderr
    assert "make lab PYTHON=python3.12" in result.stderr
    assert "fake python used" not in result.stderr  # stopped before `-m venv`
    assert not venv.exists()


def test_missing_python_gets_the_same_message(tmp_path):
    venv = tmp_path / "venv"
    result = make("lab", f"PYTHON={tmp_path / 'no-such-python'}", f"VENV={venv}")
    assert result.returncode != 0
    assert "not found" in result.stderr and MESSAGE in result.stderr
    assert not venv.exists()


@pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
def test_supported_python_passes_the_check(tmp_path, version):
    python = fake_python(tmp_path / "bin", f"python{version}", version)
    result = make("check-python", f"PYTHON={python}")
    assert result.returncode == 0, result.stderr


def chosen_python(tmp_path, fakes):
    """What PYTHON make picks with only the given fake interpreters on PATH."""
    folder = tmp_path / "bin"
    for name, version in fakes.items():
        fake_python(folder, name, version)
    result = make("--eval", "show-python: ; @: ; echo '$(PYTHON)'", "show-python", env={"PATH": str(folder)})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_picks_the_newest_supported_python(tmp_path):
    assert (
        chosen_python(tmp_path, {"python3.12": "3.12", "python3.11": "3.11", "python3": "3.11"})
        == "python3.12"
    )


def test_skips_a_python3_of_an_unsupported_version(tmp_path):
    assert chosen_python(tmp_path, {"python3": "3.14", "python3.11": "3.11"}) == "python3.11"


def test_falls_back_to_python3_and_then_stops(tmp_path):
    assert chosen_python(tmp_path, {"python3": "3.14"}) == "python3"
    venv = tmp_path / "venv"
    result = make("lab", f"VENV={venv}", env={"PATH": str(tmp_path / "bin")})
    assert result.returncode != 0
    assert "python3 is Python 3.14" in result.stderr and MESSAGE in result.stderr
    assert not venv.exists()
