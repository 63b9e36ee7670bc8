"""Registry connections in a real SQLite registry: created in a workspace, attached to and
removed from others, their tokens encrypted at rest with the home's key and never read back in
clear except to call the registry."""

from __future__ import annotations

import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from modelport.connections.store import RegistryConnections
from modelport.connections.tokens import KEY_FILE
from modelport.errors import ConfigError, InvalidInput, NotFound
from modelport.registry.uris import open_store
from modelport.settings import Settings

TOKEN = "dapi67c8c0b04606f730e78b7ae5e3221015-3"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = Settings(home=tmp_path / "home", connections_key=None)
    with open_store(None, settings=settings) as store:
        store.create_workspace(name="team-b")
    return settings


@pytest.fixture
def connections(settings: Settings) -> Iterator[RegistryConnections]:
    with RegistryConnections.open(settings=settings) as opened:
        yield opened


def test_a_connection_is_kept_with_its_token_masked_and_encrypted(
    connections: RegistryConnections, settings: Settings
) -> None:
    created = connections.create(name="team mlflow", url="https://mlflow.example/", token=TOKEN)
    uuid.UUID(created.id)
    assert created.url == "https://mlflow.example"
    assert created.token == "****15-3" and created.workspaces == ("default",)
    assert connections.token(connection_id=created.id) == TOKEN
    for database in settings.home.glob("registry.db*"):  # the database and its WAL
        assert TOKEN.encode() not in database.read_bytes()
    key = settings.home / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert [c.id for c in connections.list()] == [created.id]
    assert connections.list(workspace="team-b") == []


def test_attach_and_detach_change_only_the_workspaces(connections: RegistryConnections) -> None:
    created = connections.create(name="r", url="http://127.0.0.1:5000", token=None)
    assert created.token is None
    attached = connections.attach(connection_id=created.id, workspace="team-b")
    assert attached.workspaces == ("default", "team-b")
    assert connections.attach(connection_id=created.id, workspace="team-b").workspaces == (
        "default",
        "team-b",
    )
    assert connections.check_attached(connection_id=created.id, workspace="team-b").id == created.id
    detached = connections.detach(connection_id=created.id, workspace="default")
    assert detached.workspaces == ("team-b",)
    with pytest.raises(NotFound):  # as unknown to a workspace it is not attached to
        connections.check_attached(connection_id=created.id, workspace="default")
    with pytest.raises(NotFound, match="not attached"):
        connections.detach(connection_id=created.id, workspace="default")


def test_unknown_ids_workspaces_and_bad_input_are_clear_errors(
    connections: RegistryConnections,
) -> None:
    with pytest.raises(NotFound) as unknown:
        connections.get(connection_id=str(uuid.uuid4()))
    assert unknown.value.field == "registry_id"
    with pytest.raises(InvalidInput) as not_uuid:
        connections.get(connection_id="98f9ca1d")
    assert not_uuid.value.field == "registry_id"
    with pytest.raises(ConfigError) as bad_url:
        connections.create(name="r", url="ftp://host", token=None)
    assert bad_url.value.field == "url"
    with pytest.raises(NotFound) as no_workspace:
        connections.create(name="r", url="http://host", token=None, workspace="nowhere")
    assert no_workspace.value.field == "workspace"


def test_a_key_from_the_settings_is_used_and_another_key_cannot_read(settings: Settings) -> None:
    key = Fernet.generate_key().decode()
    keyed = Settings(home=settings.home, connections_key=key)
    with RegistryConnections.open(settings=keyed) as connections:
        created = connections.create(name="r", url="http://host", token=TOKEN)
        assert connections.token(connection_id=created.id) == TOKEN
    assert not (settings.home / KEY_FILE).exists()  # no key file when the setting gives one
    other = Settings(home=settings.home, connections_key=Fernet.generate_key().decode())
    with (
        RegistryConnections.open(settings=other) as connections,
        pytest.raises(ConfigError, match="cannot be decrypted") as caught,
    ):
        connections.token(connection_id=created.id)
    assert caught.value.field == "connections_key"
    with pytest.raises(ConfigError, match="not a Fernet key"):
        RegistryConnections.open(settings=Settings(home=settings.home, connections_key="short"))
