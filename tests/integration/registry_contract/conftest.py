"""The registry contract: every ``RegistryStore`` behaves the same, whatever keeps it.

The backends are listed once, in :data:`STORE_BACKENDS`: each entry makes an empty registry
for one test (and whatever serves it) and says where it lives. Every test here takes
``backend``, ``registry_uri`` or ``store`` and so runs once per backend: SQLite, PostgreSQL, and
the REST store against a live ``modelport server`` process keeping its registry on PostgreSQL.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from modelport.registry import DEFAULT_WORKSPACE, RegistryStore, open_store
from modelport.registry.sql import tables
from modelport.registry.sql.aliases import local_user
from modelport.settings import Settings
from modelport.testing.server import ServerProcess

from ..postgres import fresh_schema
from ..registry_server import make_token, start_registry_server

REST_USER = "contract"
"""The user whose token the REST store sends (an admin, owner of the default workspace)."""


@dataclass(frozen=True)
class Backend:
    """An empty registry for one test, and where what it keeps can be seen."""

    uri: str
    """What ``open_store`` and ``--registry`` are given."""
    database_uri: str
    """The database behind it (where pipelines are kept too)."""
    blobs_dir: Path | None = None
    """Where the artifacts are kept (None: the client's own home, as for a local store)."""
    token: str | None = None
    """The API token a client sends (None: a local store)."""

    @property
    def remote(self) -> bool:
        return self.token is not None

    def recorded_actor(self, actor: str | None) -> str:
        """Who alias history names for a change made with ``actor``: over REST the token's
        user, whatever the client says; locally ``actor``, else the OS user."""
        return REST_USER if self.remote else actor or local_user()


BackendFactory = Callable[[pytest.FixtureRequest, Path], Backend]


def _sqlite(_request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    uri = f"sqlite:///{tmp_path / 'registry.db'}"
    return Backend(uri=uri, database_uri=uri)


def _postgresql(request: pytest.FixtureRequest, _tmp_path: Path) -> Backend:
    uri: str = request.getfixturevalue("emptied_postgres_registry")
    return Backend(uri=uri, database_uri=uri)


def _rest(request: pytest.FixtureRequest, _tmp_path: Path) -> Backend:
    server: RestServer = request.getfixturevalue("emptied_rest_server")
    token = make_token(
        server.database_uri, REST_USER, admin=True, roles={DEFAULT_WORKSPACE: "owner"}
    )
    # the CLI (in this process or a subprocess) reads the token from the environment
    request.getfixturevalue("monkeypatch").setenv("MODELPORT_TOKEN", token)
    return Backend(
        uri=server.url, database_uri=server.database_uri, blobs_dir=server.blobs, token=token
    )


STORE_BACKENDS: dict[str, BackendFactory] = {
    "sqlite": _sqlite,
    "postgresql": _postgresql,
    "rest": _rest,
}
"""Each backend's factory of an empty registry for one test: the one list of backends."""


@pytest.fixture(scope="session")
def migrated_postgres_registry(
    postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A registry schema of the session's own, migrated once (migrating is what costs)."""
    with fresh_schema(postgres_database) as uri:
        home = tmp_path_factory.mktemp("migrating")
        open_store(uri, settings=Settings(home=home)).close()
        yield uri


@pytest.fixture
def emptied_postgres_registry(migrated_postgres_registry: str) -> str:
    """The session's registry schema as a fresh migration leaves it."""
    _empty(migrated_postgres_registry)
    return migrated_postgres_registry


@dataclass(frozen=True)
class RestServer:
    url: str
    database_uri: str
    blobs: Path


@pytest.fixture(scope="session")
def rest_server(
    postgres_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RestServer]:
    """A ``modelport server`` process (started once a session) keeping its registry in a
    PostgreSQL schema of its own and its blobs in a folder of its own."""
    with fresh_schema(postgres_database) as uri:
        home = tmp_path_factory.mktemp("rest-server")
        open_store(uri, settings=Settings(home=home)).close()  # migrated before it starts
        blobs = home / "server-blobs"
        server: ServerProcess = start_registry_server(uri, home=home, blobs=blobs)
        try:
            yield RestServer(url=server.url, database_uri=uri, blobs=blobs)
        finally:
            server.stop()


@pytest.fixture
def emptied_rest_server(rest_server: RestServer) -> RestServer:
    """The session's server as a fresh one: its database emptied (users and tokens too) and
    its blob folder too."""
    _empty(rest_server.database_uri)
    shutil.rmtree(rest_server.blobs, ignore_errors=True)
    rest_server.blobs.mkdir()
    return rest_server


def _empty(uri: str) -> None:
    """Every table of the registry at ``uri`` emptied, the default workspace back (as
    migration 0001 makes it)."""
    engine = sa.create_engine(uri)
    with engine.begin() as conn:  # DELETE, not TRUNCATE: on tables this small it is faster
        for table in reversed(tables.metadata.sorted_tables):
            conn.execute(sa.delete(table))
        conn.execute(
            sa.insert(tables.workspaces).values(
                name=DEFAULT_WORKSPACE, created_at=datetime.now(UTC)
            )
        )
    engine.dispose()


@pytest.fixture(params=list(STORE_BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """An empty registry, once per backend."""
    return STORE_BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def registry_uri(backend: Backend) -> str:
    """The URI of an empty registry, once per backend."""
    return backend.uri


@pytest.fixture
def settings(tmp_path: Path, backend: Backend) -> Settings:
    """Settings whose home (and so blob folder or download cache) is the test's own, with the
    backend's token."""
    return Settings(home=tmp_path, token=backend.token)


@pytest.fixture
def blobs_dir(backend: Backend, settings: Settings) -> Path:
    """Where the backend keeps its artifacts."""
    return backend.blobs_dir or settings.blobs_dir


@pytest.fixture
def store(registry_uri: str, settings: Settings) -> Iterator[RegistryStore]:
    """An empty registry store, once per backend."""
    with open_store(registry_uri, settings=settings) as opened:
        yield opened
