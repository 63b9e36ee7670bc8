"""Qwak projects built in real uv environments from their dependency file: a poetry
pyproject.toml (which also names qwak-sdk, as many real projects do), a conda.yml and a
requirements.txt asking for the same packages share one environment, and the conda one is served
from it for its integration tests; the requirements.txt one sends what its own CRM sends (ids as
numbers, charges as text, the CSV's index column) and runs its own ``test_model_locally.py``
there (slow: one environment per session)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from ..cli import Result

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env_builds(
    qwak_cli: Callable[..., Result], qwak_project: Callable[..., Path]
) -> dict[str, Result]:
    return {
        name: qwak_cli("build", str(qwak_project(name)), timeout=900)
        for name in ("poetry_model", "conda_model", "churn_csv")
    }


def test_a_poetry_pyproject_model(env_builds: dict[str, Result]) -> None:
    result = env_builds["poetry_model"]
    assert result.code == 0, result.stderr
    assert "3 requirements from pyproject.toml" in result.stdout
    assert "not installing qwak-sdk" in result.stdout  # the compatibility modules stand in
    assert "Registered poetry-model:1" in result.stdout


def test_a_conda_model_reuses_the_environment_and_serves_from_it(
    env_builds: dict[str, Result], qwak_cli: Callable[..., Result], qwak_home: Path
) -> None:
    result = env_builds["conda_model"]
    assert result.code == 0, result.stderr
    assert "requirements from conda.yml" in result.stdout
    assert "reusing environment" in result.stdout
    assert "1 passed" in result.stdout  # tests/it, against the model served in that environment
    version = qwak_cli("models", "show", "conda-model", "--json").json()["versions"][0]
    assert version["build"]["environment"] == "venv"
    environments = [p for p in (qwak_home / "envs").iterdir() if (p / "bin" / "python").exists()]
    assert len(environments) == 1


def test_requests_reach_predict_as_sent_and_the_sdk_is_importable_by_scripts(
    env_builds: dict[str, Result], qwak_project: Callable[..., Path], qwak_home: Path
) -> None:
    result = env_builds["churn_csv"]
    assert result.code == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout  # tests/it: an int for a str, text for a float, Unnamed: 0
    key = re.search(r"(?:reusing|creating) environment (\w+)", result.stdout)
    assert key is not None, result.stdout
    python = qwak_home / "envs" / key.group(1) / "bin" / "python"
    project = qwak_project("churn_csv")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    ran = subprocess.run(
        [str(python), "test_model_locally.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert '"customer_id":"1000"' in ran.stdout and '"churn_probability":' in ran.stdout
