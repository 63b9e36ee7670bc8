"""The Trusses under trusses/, each built once per session (--env inherit) into one registry,
and served in this process: asked over ASGI, or on a free loopback port where a test needs a
real connection (streams read as they come, concurrent calls)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from modelport.registry.uris import open_store
from modelport.serving.app import create_app
from modelport.serving.loader import load_artifact
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings
from modelport.testing import app_client, serve_app

from ..cli import run_cli

TRUSSES = Path(__file__).parent / "trusses"
SECRET = "s3cr3t-Value-93f1c"
"""The echo Truss's api_key: it must never be seen outside the model."""


@pytest.fixture(scope="session")
def truss_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("truss-home")


@pytest.fixture(scope="session")
def truss_sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of trusses/ (builds import the models, which writes __pycache__ folders)."""
    copy = tmp_path_factory.mktemp("truss-src") / "trusses"
    shutil.copytree(TRUSSES, copy)
    return copy


@pytest.fixture(scope="session")
def built(truss_home: Path, truss_sources: Path) -> Callable[[str], str]:
    """Build a Truss of trusses/ once (--env inherit); answers its registry name."""
    names: dict[str, str] = {}

    def build(folder: str) -> str:
        if folder not in names:
            result = run_cli(
                "build", str(truss_sources / folder), "--env", "inherit", home=truss_home
            )
            assert result.code == 0, result.stderr
            names[folder] = "truss-" + folder.replace("_", "-")
        return names[folder]

    return build


@pytest.fixture(scope="session")
def runtime_of(truss_home: Path, built: Callable[[str], str]) -> Callable[..., ModelRuntime]:
    """A runtime for a built Truss, loaded unless ``load=False``."""
    settings = Settings(home=truss_home)

    def make(folder: str, *, load: bool = True) -> ModelRuntime:
        name = built(folder)
        store = open_store(None, settings=settings)
        version = store.resolve(name)
        loaded = load_artifact(
            store.artifact_path(version), settings=settings, version=version.number
        )
        runtime = ModelRuntime(loaded.servable, version=version.number)
        if load:
            runtime.load()
        return runtime

    return make


@contextmanager
def serving(*runtimes: ModelRuntime) -> Iterator[TestClient]:
    """The runtimes in one app, and a client asking it in-process (over ASGI)."""
    with app_client(create_app(ModelSet(list(runtimes)))) as client:
        yield client


@contextmanager
def serving_on_a_socket(*runtimes: ModelRuntime) -> Iterator[httpx.Client]:
    """The runtimes behind a real server on a free port, and a client for it."""
    app = create_app(ModelSet(list(runtimes)))
    with serve_app(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client
