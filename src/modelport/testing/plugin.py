"""pytest plugin of modelport: the ``real_time_client`` fixture for integration tests.

Registered through the ``pytest11`` entry point, so a test asking for ``real_time_client`` (with
or without importing it from anywhere) gets a :class:`modelport.Client` bound to a really served
instance of the model under test:

- under ``modelport test PROJECT``: the server that command started, named by the environment
  variables ``MODELPORT_TEST_URL`` and ``MODELPORT_TEST_MODEL``;
- otherwise: the model project holding the test file (the nearest folder above it with
  ``main/__init__.py``), built with ``--env inherit`` into a throwaway registry and served once
  per session, then stopped with SIGTERM when the session ends.

The server is shared by the session; each test gets its own client. Nothing heavy is imported
until a test asks for the fixture, since pytest loads this plugin in every session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from modelport.client import Client
    from modelport.errors import ModelportError
    from modelport.testing.server import ServerProcess

ENV_URL = "MODELPORT_TEST_URL"
"""Base URL of the server to test (set by ``modelport test``)."""
ENV_MODEL = "MODELPORT_TEST_MODEL"
"""Name of the model to test on that server."""
PROJECT_MARKER = Path("main") / "__init__.py"


class ServedProjects:
    """The servers this plugin started, one per model project, stopped at the session's end."""

    def __init__(self) -> None:
        self._servers: dict[Path, ServerProcess] = {}
        self._failures: dict[Path, ModelportError] = {}
        self._scratch: Path | None = None

    def serve(self, project: Path) -> ServerProcess:
        """The server of ``project``, started (built with ``--env inherit``) on first use; a
        project that failed to start fails every later test at once, without a second try."""
        if project in self._failures:
            raise self._failures[project]
        if project not in self._servers:
            from modelport.errors import ModelportError

            try:
                self._servers[project] = self._start(project)
            except ModelportError as exc:
                self._failures[project] = exc
                raise
        return self._servers[project]

    def _start(self, project: Path) -> ServerProcess:
        from modelport.formats.detect import detect_format
        from modelport.testing.server import start_server

        name = detect_format(project).layout(project).default_name
        scratch = self._scratch_dir()
        home = scratch / "home"
        return start_server(
            str(project),
            model=name,
            serve_options=("--env", "inherit"),
            env={
                "MODELPORT_HOME": str(home),
                "MODELPORT_REGISTRY_URI": f"sqlite:///{home / 'registry.db'}",
            },
            log_dir=scratch,
        )

    def close(self) -> None:
        for server in self._servers.values():
            server.stop()
        self._servers.clear()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _scratch_dir(self) -> Path:
        if self._scratch is None:
            self._scratch = Path(tempfile.mkdtemp(prefix="modelport-it-"))
        return self._scratch


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` that is a model project (has main/__init__.py)."""
    for folder in (start, *start.parents):
        if (folder / PROJECT_MARKER).is_file():
            return folder
    return None


@pytest.fixture(scope="session")
def modelport_served_projects() -> Iterator[ServedProjects]:
    """The session's model servers (started on demand by ``real_time_client``)."""
    served = ServedProjects()
    try:
        yield served
    finally:
        served.close()


@pytest.fixture
def real_time_client(
    request: pytest.FixtureRequest, modelport_served_projects: ServedProjects
) -> Iterator[Client]:
    """A :class:`modelport.Client` bound to the served model under test."""
    from modelport.client import Client
    from modelport.errors import ModelportError

    url, model = os.environ.get(ENV_URL), os.environ.get(ENV_MODEL) or None
    if not url:
        project = find_project(request.path.parent) or find_project(request.config.rootpath)
        if project is None:
            pytest.fail(
                f"real_time_client needs a model to serve, and {request.path} is not inside a "
                f"model project (no main/__init__.py above it): run the tests with "
                f"`modelport test PROJECT`, or set {ENV_URL} (and {ENV_MODEL})",
                pytrace=False,
            )
        try:
            server = modelport_served_projects.serve(project.resolve())
        except ModelportError as exc:
            pytest.fail(f"cannot serve {project} for real_time_client: {exc}", pytrace=False)
        url, model = server.url, server.model
    with Client(url, model=model) as client:
        yield client
