"""Opening a server's stores from its options: a database registry, a blob folder, loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.registry.blobs import LocalBlobStore
from modelport.server.run import is_loopback, open_blobs, open_state
from modelport.settings import Settings


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("10.1.2.3", False), ("models.internal", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_blobs_are_a_folder(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    default = open_blobs(None, settings)
    assert isinstance(default, LocalBlobStore) and default.root == tmp_path / "blobs"
    named = open_blobs(f"file://{tmp_path}/elsewhere", settings)
    assert isinstance(named, LocalBlobStore) and named.root == tmp_path / "elsewhere"
    with pytest.raises(ConfigError, match="unsupported scheme") as caught:
        open_blobs("ftp://bucket/x", settings)
    assert caught.value.field == "--blobs"


def test_a_server_keeps_a_database_not_another_server(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="database") as caught:
        open_state(
            registry_uri="https://other:8000",
            blobs_uri=None,
            settings=Settings(home=tmp_path),
            auth=True,
        )
    assert caught.value.field == "--registry"


def test_without_auth_there_are_no_accounts(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/registry.db"
    state = open_state(
        registry_uri=uri, blobs_uri=None, settings=Settings(home=tmp_path), auth=False
    )
    try:
        assert state.accounts is None
        with pytest.raises(ConfigError, match="--no-auth"):
            state.require_accounts()
    finally:
        state.registry.close()
