"""Builds in a real uv environment made from the project's dependency file (slow: one
environment per test session, reused through uv's cache and modelport's environment cache)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import yaml

from modelport.testing import start_server

from .cli import Result, run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("env-home")


@pytest.fixture(scope="module")
def iris_build(
    env_home: Path, project_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Result]:
    project = project_factory(tmp_path_factory.mktemp("env-src") / "iris", template="sklearn")
    result = run_cli("build", str(project), home=env_home, timeout=900)
    assert result.code == 0, result.stderr
    return project, result


def test_the_artifact_records_the_lock_and_python(
    iris_build: tuple[Path, Result], env_home: Path, tmp_path: Path
) -> None:
    _, result = iris_build
    assert "Registered iris:1" in result.stdout
    archive = tmp_path / "iris.zip"
    assert run_cli("export", "iris:1", "-o", str(archive), home=env_home).code == 0
    with zipfile.ZipFile(archive) as zipped:
        manifest = yaml.safe_load(zipped.read("modelport.yaml"))
    lock = manifest["lock"]
    assert any(line.startswith("scikit-learn==") for line in lock)
    assert any(line.startswith("pyarrow==") for line in lock), "modelport's own needs are locked"
    assert manifest["python_version"].startswith("3.")
    assert manifest["build"]["tests"]["passed"] == 1
    environments = [p for p in (env_home / "envs").iterdir() if (p / "bin" / "python").exists()]
    assert len(environments) == 1


def test_a_project_with_the_same_requirements_reuses_the_environment(
    iris_build: tuple[Path, Result],
    env_home: Path,
    project_factory: Callable[..., Path],
    tmp_path: Path,
) -> None:
    project = project_factory(tmp_path / "iris-copy", template="sklearn")
    result = run_cli("build", str(project), "--name", "iris-copy", home=env_home)
    assert result.code == 0, result.stderr
    assert "reusing environment" in result.stdout
    environments = [p for p in (env_home / "envs").iterdir() if (p / "bin" / "python").exists()]
    assert len(environments) == 1


def test_a_conda_file_with_conda_only_packages_is_refused_by_name(
    env_home: Path, project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    project = project_factory(tmp_path / "condaproj")
    (project / "main" / "requirements.txt").unlink()
    (project / "main" / "conda.yml").write_text(
        "name: demo\nchannels: [defaults]\n"
        "dependencies:\n  - python=3.11\n  - cudatoolkit=11.8\n  - pandas=2.2\n"
    )
    result = run_cli("build", str(project), home=env_home)
    assert result.code == 1
    assert "cudatoolkit" in result.stderr and "conda.yml" in result.stderr


def test_serve_runs_the_server_inside_the_model_environment(
    iris_build: tuple[Path, Result], env_home: Path, tmp_path: Path
) -> None:
    environ = {"MODELPORT_HOME": str(env_home)}
    with start_server("iris", log_dir=tmp_path, env=environ, ready_timeout=180) as server:
        process, base = server.process, server.url
        command = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        interpreter = Path(command[0].decode())
        assert interpreter.is_relative_to(env_home / "envs"), command
        rows = [{"sepal_length": 6.7, "sepal_width": 3.0, "petal_length": 5.2, "petal_width": 2.3}]
        answer = httpx.post(f"{base}/v1/models/iris/predict", json=rows, timeout=10)
        assert answer.json() == [{"species": 2}]
        assert server.stop() == 0
