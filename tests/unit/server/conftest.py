"""An in-process ``modelport server`` app over a SQLite registry of the test's own, and tiny
artifacts to upload (the registry stores bytes by digest; it never opens them)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from modelport.pipelines.store import PipelineStore
from modelport.registry.blobs import LocalBlobStore
from modelport.registry.sql.accounts import AccountStore
from modelport.registry.sql.database import Database
from modelport.registry.sql.store import SqlRegistryStore
from modelport.server.app import create_server_app
from modelport.server.state import ServerState
from modelport.settings import Settings
from modelport.testing.apps import app_client


@dataclass
class ServerParts:
    app: Starlette
    state: ServerState
    home: Path


def make_server(home: Path, *, auth: bool, max_upload_bytes: int = 10 * 1024 * 1024) -> ServerParts:
    database = Database.open_sqlite(home / "registry.db")
    state = ServerState(
        registry=SqlRegistryStore(database, LocalBlobStore(home / "blobs")),
        pipelines=PipelineStore(database),
        accounts=AccountStore(database) if auth else None,
        home=home,
        max_upload_bytes=max_upload_bytes,
        upload_dir=home / "uploads",
        registry_uri=f"sqlite:///{home / 'registry.db'}",
        settings=Settings(home=home, registry_uri=f"sqlite:///{home / 'registry.db'}"),
    )
    return ServerParts(create_server_app(state), state, home)


@pytest.fixture
def open_server(tmp_path: Path) -> Iterator[Callable[..., ServerParts]]:
    made: list[ServerParts] = []

    def make(*, auth: bool = False, **options: int) -> ServerParts:
        parts = make_server(tmp_path / f"server{len(made)}", auth=auth, **options)
        made.append(parts)
        return parts

    yield make
    for parts in made:
        parts.state.registry.close()


@pytest.fixture
def no_auth_client(open_server: Callable[..., ServerParts]) -> Iterator[TestClient]:
    with app_client(open_server().app) as client:
        yield client


def upload_files(
    content: bytes, *, digest: str | None = None, **fields: object
) -> dict[str, tuple[str | None, bytes, str]]:
    """The multipart parts of an upload of ``content``."""
    registration = {
        "digest": digest or "sha256:" + hashlib.sha256(content).hexdigest(),
        "signature": {"inputs": []},
        "metadata": {"framework": "test"},
        "lineage": {"source": "unit test"},
        "build": {},
        "source_format": "native",
        **fields,
    }
    return {
        "registration": (None, orjson.dumps(registration), "application/json"),
        "artifact": ("model.zip", content, "application/zip"),
    }
