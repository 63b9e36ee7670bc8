"""What the server's routes share: the registry, its pipelines, the accounts, where secrets and
uploads go."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request

from modelport.errors import ConfigError
from modelport.pipelines.store import PipelineStore
from modelport.registry.sql.accounts import AccountStore
from modelport.registry.store import RegistryStore
from modelport.settings import Settings


@dataclass(frozen=True)
class ServerState:
    """The parts one server holds, for its routes (``request.app.state.modelport``)."""

    registry: RegistryStore
    pipelines: PipelineStore
    accounts: AccountStore | None
    """The users, tokens and roles; None on a server started with ``--no-auth``."""
    home: Path
    """The server's modelport home: its secrets live here, per workspace."""
    max_upload_bytes: int
    upload_dir: Path
    """Where uploads are received before they are registered (a folder of this process's own
    while it serves, see ``server/run.py``)."""
    registry_uri: str
    """The registry's database, which the routes of external registries open per request."""
    settings: Settings
    """The server's settings, its blob store included (builds of uploads use them)."""

    def require_accounts(self) -> AccountStore:
        """The accounts, or ConfigError on a server without them (``--no-auth``)."""
        if self.accounts is None:
            raise ConfigError(
                "this server runs without authentication (--no-auth): it has no users",
                hint="start it without --no-auth to manage users, tokens and members",
            )
        return self.accounts

    @staticmethod
    def of(request: Request) -> ServerState:
        state: ServerState = request.app.state.modelport
        return state
