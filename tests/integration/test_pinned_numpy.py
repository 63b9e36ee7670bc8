"""A project pinning an older numpy or pandas gets an environment that imports: modelport's own
requirements resolve with the project's pins, and where the packages' metadata allow versions
that cannot be imported together (pyarrow 26 with numpy 1, pandas 2.0 with numpy 2), the lock is
resolved again with the limit that prevents it (slow: two real builds in one home, from uv's
cache)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from .cli import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pinned-home")


def _pins(lock: list[str]) -> dict[str, Version]:
    return {
        line.split("==")[0].lower(): Version(line.split("==")[1]) for line in lock if "==" in line
    }


@pytest.mark.parametrize(
    ("name", "requirements"),
    [("old-numpy", "numpy<2\npandas\n"), ("old-pandas", "pandas==2.0.3\n")],
)
def test_a_project_pinning_an_older_numpy_or_pandas_builds_and_predicts(
    name: str,
    requirements: str,
    home: Path,
    project_factory: Callable[..., Path],
    tmp_path: Path,
) -> None:
    project = project_factory(tmp_path / name)
    (project / "main" / "requirements.txt").write_text(requirements)
    built = run_cli("build", str(project), "--name", name, home=home, timeout=900)
    assert built.code == 0, built.stdout + built.stderr
    assert "resolving again with" in built.stdout
    answer = run_cli("predict", name, "--data", '[{"text": "hi"}]', "--json", home=home)
    assert answer.code == 0, answer.stderr
    assert '"reply": "echo: hi"' in answer.stdout
    archive = tmp_path / "model.zip"
    assert run_cli("export", name, "-o", str(archive), home=home).code == 0
    with zipfile.ZipFile(archive) as zipped:
        pins = _pins(yaml.safe_load(zipped.read("modelport.yaml"))["lock"])
    assert pins["numpy"] < Version("2")
    assert pins["pyarrow"] < Version("26")
