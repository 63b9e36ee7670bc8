"""Opening a server's stores from its options: a database registry, a blob folder, loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import ConfigError
from modelport.server.run import is_loopback, open_state
from modelport.settings import Settings


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("10.1.2.3", False), ("models.internal", False)],
)  # fmt: skip
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


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
