"""Qwak projects built in real uv environments from their dependency file: a poetry
pyproject.toml (which also names qwak-sdk, as many real projects do) and a conda.yml asking for
the same packages share one environment, and the conda one is served from it for its integration
tests (slow: one environment per session)."""

from __future__ import annotations

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
        for name in ("poetry_model", "conda_model")
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
