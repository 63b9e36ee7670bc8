"""Qwak-layout projects (``projects/``) copied to a temporary folder and built with the real
``modelport`` command; the registry home is shared by the session."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ..cli import Result, run_cli

PROJECTS = Path(__file__).parent / "projects"
collect_ignore = ["projects"]  # their tests run inside the builds, not in this session


@pytest.fixture(scope="session")
def qwak_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("qwak-home")


@pytest.fixture(scope="session")
def qwak_project(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """A fresh copy of ``projects/NAME`` (under a folder named ``as_name``, default NAME with
    dashes, which is also its default model name)."""

    def copy(name: str, as_name: str | None = None) -> Path:
        dest = tmp_path_factory.mktemp("qwak-src") / (as_name or name.replace("_", "-"))
        shutil.copytree(PROJECTS / name, dest)
        return dest

    return copy


@pytest.fixture(scope="session")
def qwak_cli(qwak_home: Path) -> Callable[..., Result]:
    """``modelport ARGS`` against the session's Qwak registry."""

    def call(*args: str, timeout: float = 300) -> Result:
        return run_cli(*args, home=qwak_home, timeout=timeout)

    return call


@pytest.fixture(scope="session")
def spec_build(
    qwak_cli: Callable[..., Result], qwak_project: Callable[..., Path]
) -> tuple[str, Result]:
    """The spec's IrisClassifier, built (with its tests) and registered as ``iris-anatomy``."""
    project = qwak_project("iris_spec", "iris-anatomy")
    return "iris-anatomy", qwak_cli("build", str(project), "--env", "inherit")
