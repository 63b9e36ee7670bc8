"""`make serve` installs what examples/iris needs and no more; `make test` installs the rest
(read from what make would run: `make -n`, in a venv folder that does not exist)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _installed_extras(target: str, tmp_path: Path) -> set[str]:
    """The extras of modelport the target's install line asks for."""
    venv = tmp_path / "venv"
    planned = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [line] = [line for line in planned.splitlines() if "uv pip install" in line and " -e " in line]
    [extras] = re.findall(r"-e '\.\[([^\]]*)\]'", line)
    return set(extras.split(","))


def test_serve_installs_only_what_the_example_needs(tmp_path: Path) -> None:
    needs = (ROOT / "examples" / "iris" / "main" / "requirements.txt").read_text()
    assert "scikit-learn" in needs
    assert _installed_extras("serve", tmp_path) == {"sklearn"}


def test_test_installs_every_extra_the_suite_uses(tmp_path: Path) -> None:
    extras = _installed_extras("test", tmp_path)
    assert {"test", "sklearn", "onnx", "xgboost", "deepaas", "truss", "postgres", "s3"} <= extras


def test_test_installs_a_cpu_torch_never_pypis_cuda_build(tmp_path: Path) -> None:
    """The tests' torch comes from a local wheel folder holding the CPU build, else PyTorch's
    CPU index: a plain `torch` from PyPI would be a multi-GB CUDA build."""
    planned = subprocess.run(
        ["make", "-n", "test", f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [line] = [line for line in planned.splitlines() if "'torch==" in line]
    assert "--find-links" in line or "--index-url https://download.pytorch.org/whl/cpu" in line
    absent = subprocess.run(
        ["make", "-n", "test", f"VENV={tmp_path / 'venv'}", f"TORCH_WHEELS={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [line] = [line for line in absent.splitlines() if "'torch==" in line]
    assert "--index-url https://download.pytorch.org/whl/cpu" in line
