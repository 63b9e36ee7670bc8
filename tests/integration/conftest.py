"""Fixtures shared by the integration tests: scaffolded projects built once per session, and
PostgreSQL databases of the session's own."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from uv import find_uv_bin

from modelport.scaffold import scaffold
from modelport.testing.server import ServerProcess

from .cli import Result, run_cli
from .postgres import fresh_database, fresh_schema
from .registry_server import start_registry_server


@pytest.fixture(scope="session")
def project_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """Make a project from a template (scaffolded once per template, then copied)."""
    originals = tmp_path_factory.mktemp("templates")
    made: dict[str, Path] = {}

    def make(dest: Path, template: str = "basic", name: str = "echo") -> Path:
        if template not in made:
            made[template] = originals / template
            scaffold("placeholder", template=template, dest=made[template], class_name="Demo")
        shutil.copytree(made[template], dest)
        return dest

    return make


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def modelport_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """modelport's wheel, built from this checkout once a session (``uv build``: the build
    backend comes from the package index, or uv's cache)."""
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [find_uv_bin(), "build", "--wheel", "--out-dir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = out.glob("modelport-*.whl")
    return wheel


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding `echo` version 1 (basic template, built with --env inherit)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="session")
def echo_project(
    shared_home: Path,
    project_factory: Callable[..., Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    project = project_factory(tmp_path_factory.mktemp("src") / "echo")
    result = run_cli("build", str(project), "--env", "inherit", home=shared_home)
    assert result.code == 0, result.stderr
    return project


@pytest.fixture
def cli(shared_home: Path, echo_project: Path) -> Callable[..., Result]:
    """``modelport`` against the shared registry (where echo:1 exists)."""

    def call(*args: str) -> Result:
        return run_cli(*args, home=shared_home)

    return call


@pytest.fixture(scope="session")
def live_registry_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., str]]:
    """Start (once per registry URI and session) a ``modelport server`` process keeping the
    registry at ``registry_uri``; answers its base URL. Its users and tokens are made directly
    on the registry's database (``registry_server.make_token``)."""
    started: dict[tuple[str, bool], ServerProcess] = {}

    def start(registry_uri: str, *, auth: bool = True) -> str:
        key = (registry_uri, auth)
        if key not in started:
            home = tmp_path_factory.mktemp("registry-server")
            started[key] = start_registry_server(registry_uri, home=home, auth=auth)
        return started[key].url

    yield start
    for server in started.values():
        server.stop()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """The URL of a PostgreSQL database of this test session's own (created, then dropped);
    fails under CI and skips elsewhere when no server answers (see ``postgres.py``)."""
    with fresh_database() as url:
        yield url


@pytest.fixture
def postgres_registry_uri(postgres_database: str) -> Iterator[str]:
    """A registry URI on an empty schema of the session's database, for one test."""
    with fresh_schema(postgres_database) as url:
        yield url
