"""The registry contract: every ``RegistryStore`` behaves the same, whatever keeps it.

The backends are listed once, in :data:`STORE_BACKENDS`: each entry makes a registry URI for
one test (and whatever serves it). Every test here takes ``registry_uri`` or ``store`` and so
runs once per backend; adding a backend (the REST store against a live ``modelport server``)
is adding one entry.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from modelport.registry import DEFAULT_WORKSPACE, ModelVersion, RegistryStore, open_store
from modelport.registry.blobs import sha256_file
from modelport.registry.sql import tables
from modelport.settings import Settings

from ..postgres import fresh_schema

BackendFactory = Callable[[pytest.FixtureRequest, Path], str]


def _sqlite(_request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'registry.db'}"


def _postgresql(request: pytest.FixtureRequest, _tmp_path: Path) -> str:
    uri: str = request.getfixturevalue("emptied_postgres_registry")
    return uri


STORE_BACKENDS: dict[str, BackendFactory] = {"sqlite": _sqlite, "postgresql": _postgresql}
"""Each backend's factory of a registry URI for one test: the one list of backends."""


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
    """The session's registry schema as a fresh migration leaves it: every table emptied, the
    default workspace back (as migration 0001 makes it)."""
    engine = sa.create_engine(migrated_postgres_registry)
    with engine.begin() as conn:  # DELETE, not TRUNCATE: on tables this small it is faster
        for table in reversed(tables.metadata.sorted_tables):
            conn.execute(sa.delete(table))
        conn.execute(
            sa.insert(tables.workspaces).values(
                name=DEFAULT_WORKSPACE, created_at=datetime.now(UTC)
            )
        )
    engine.dispose()
    return migrated_postgres_registry


@pytest.fixture(params=list(STORE_BACKENDS))
def registry_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URI of an empty registry, once per backend."""
    return STORE_BACKENDS[request.param](request, tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose home (and so blob folder) is the test's own."""
    return Settings(home=tmp_path)


@pytest.fixture
def store(registry_uri: str, settings: Settings) -> Iterator[RegistryStore]:
    """An empty registry store, once per backend."""
    with open_store(registry_uri, settings=settings) as opened:
        yield opened


def make_artifact(folder: Path, content: str) -> Path:
    """A real artifact zip whose bytes depend on ``content``."""
    path = folder / f"artifact-{abs(hash(content))}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        # fixed timestamps: the same content must give the same bytes, whenever it is written
        archive.writestr(zipfile.ZipInfo("modelport.yaml"), f"name: test\ncontent: {content}\n")
        archive.writestr(zipfile.ZipInfo("model.bin"), content.encode() * 100)
    return path


def register(
    store: RegistryStore, tmp_path: Path, content: str, name: str = "iris"
) -> tuple[ModelVersion, bool]:
    """Register an artifact made from ``content`` as a version of ``name``."""
    artifact = make_artifact(tmp_path, content)
    return store.register_version(
        name=name,
        artifact=artifact,
        digest=sha256_file(artifact),
        signature={"inputs": [{"name": "x", "type": "double"}]},
        metadata={"framework": "sklearn"},
        lineage={"source": "/src/iris", "git_commit": "abc123"},
        build={"duration_s": 1.5},
        source_format="native",
        description="Iris classifier",
    )
