"""Registry connections, kept in the registry's own database (tables ``registry_connections``
and ``connection_workspaces``, created by the ``registry_connections`` migration).

A connection (an MLflow tracking server's URL and token) is created in one workspace and can be
attached to more; removing it from a workspace keeps the connection. Its token is stored
encrypted (``tokens.py``) and leaves the store in clear only through :meth:`token`, which the
upload calls; every other answer carries it masked.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa

from modelport.connections.tokens import TokenCipher, masked
from modelport.errors import ConfigError, InvalidInput, NotFound
from modelport.registry.entities import DEFAULT_WORKSPACE
from modelport.registry.sql import rows
from modelport.registry.sql import tables as t
from modelport.registry.sql.database import Database
from modelport.settings import Settings

MLFLOW = "mlflow"
MAX_NAME = 250


@dataclass(frozen=True)
class RegistryConnection:
    """One external registry as callers see it: the token masked, never in clear."""

    id: str
    name: str
    kind: str
    url: str
    token: str | None
    """Masked (``****abcd``), or None when the registry needs no token."""
    workspaces: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


class RegistryConnections:
    """Create, attach, detach, read and list registry connections."""

    def __init__(self, database: Database, cipher: TokenCipher) -> None:
        self._database = database
        self._cipher = cipher

    @classmethod
    def open(cls, uri: str | None = None, *, settings: Settings) -> RegistryConnections:
        """The connections of the registry at ``uri`` (default: the settings' registry)."""
        uri = uri or settings.resolved_registry_uri
        return cls(Database.open(uri), TokenCipher.from_settings(settings))

    def close(self) -> None:
        self._database.close()

    def __enter__(self) -> RegistryConnections:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def create(
        self, *, name: str, url: str, token: str | None, workspace: str = DEFAULT_WORKSPACE
    ) -> RegistryConnection:
        """A new connection, attached to ``workspace``."""
        name, url = _checked_name(name), _checked_url(url)
        stored = self._cipher.encrypt(token) if token else None
        connection_id = str(uuid.uuid4())
        now = rows.utc_now()
        with self._database.write() as conn:
            ws_id = rows.workspace_id(conn, workspace)
            conn.execute(
                sa.insert(t.registry_connections).values(
                    id=connection_id, name=name, kind=MLFLOW, url=url, token=stored,
                    created_at=now, updated_at=now,
                )
            )  # fmt: skip
            conn.execute(
                sa.insert(t.connection_workspaces).values(
                    registry_id=connection_id, workspace_id=ws_id, attached_at=now
                )
            )
        return self.get(connection_id=connection_id)

    def attach(self, *, connection_id: str, workspace: str) -> RegistryConnection:
        """Make the connection usable in ``workspace`` too (nothing changes if it already is)."""
        with self._database.write() as conn:
            self._row(conn, connection_id)
            ws_id = rows.workspace_id(conn, workspace)
            attached = conn.execute(
                sa.select(t.connection_workspaces.c.registry_id).filter_by(
                    registry_id=connection_id, workspace_id=ws_id
                )
            ).first()
            if attached is None:
                conn.execute(
                    sa.insert(t.connection_workspaces).values(
                        registry_id=connection_id, workspace_id=ws_id, attached_at=rows.utc_now()
                    )
                )
        return self.get(connection_id=connection_id)

    def detach(self, *, connection_id: str, workspace: str) -> RegistryConnection:
        """Remove the connection from ``workspace`` (the connection itself stays)."""
        with self._database.write() as conn:
            self._row(conn, connection_id)
            ws_id = rows.workspace_id(conn, workspace)
            deleted = conn.execute(
                sa.delete(t.connection_workspaces).filter_by(
                    registry_id=connection_id, workspace_id=ws_id
                )
            )
            if deleted.rowcount == 0:
                raise NotFound(
                    f"registry {connection_id} is not attached to workspace {workspace!r}",
                    hint="`modelport registries list --workspace NAME` lists a workspace's "
                    "registries",
                    field="workspace_id",
                )
        return self.get(connection_id=connection_id)

    def get(self, *, connection_id: str) -> RegistryConnection:
        """The connection, its token masked (NotFound for an unknown id)."""
        with self._database.read() as conn:
            return self._entity(conn, self._row(conn, connection_id))

    def list(self, *, workspace: str = DEFAULT_WORKSPACE) -> list[RegistryConnection]:
        """The connections attached to ``workspace``, oldest first."""
        with self._database.read() as conn:
            ws_id = rows.workspace_id(conn, workspace)
            found = conn.execute(
                sa.select(t.registry_connections)
                .join(
                    t.connection_workspaces,
                    t.connection_workspaces.c.registry_id == t.registry_connections.c.id,
                )
                .where(t.connection_workspaces.c.workspace_id == ws_id)
                .order_by(t.registry_connections.c.created_at, t.registry_connections.c.id)
            ).mappings()
            return [self._entity(conn, row) for row in found.all()]

    def token(self, *, connection_id: str) -> str | None:
        """The token in clear, for calling the registry; never shown to a user."""
        with self._database.read() as conn:
            stored = self._row(conn, connection_id)["token"]
        return self._cipher.decrypt(stored) if stored else None

    def check_attached(self, *, connection_id: str, workspace: str) -> RegistryConnection:
        """The connection, when ``workspace`` may use it; NotFound otherwise (as for an unknown
        id, so a workspace learns nothing of other workspaces' registries)."""
        connection = self.get(connection_id=connection_id)
        if workspace not in connection.workspaces:
            raise _unknown(connection_id)
        return connection

    def _row(self, conn: sa.Connection, connection_id: str) -> sa.RowMapping:
        _checked_id(connection_id)
        row = (
            conn.execute(sa.select(t.registry_connections).filter_by(id=connection_id))
            .mappings()
            .first()
        )
        if row is None:
            raise _unknown(connection_id)
        return row

    def _entity(self, conn: sa.Connection, row: sa.RowMapping) -> RegistryConnection:
        names = conn.execute(
            sa.select(t.workspaces.c.name)
            .join(
                t.connection_workspaces,
                t.connection_workspaces.c.workspace_id == t.workspaces.c.id,
            )
            .where(t.connection_workspaces.c.registry_id == row["id"])
            .order_by(t.workspaces.c.name)
        ).scalars()
        token = self._cipher.decrypt(row["token"]) if row["token"] else None
        return RegistryConnection(
            id=row["id"],
            name=row["name"],
            kind=row["kind"],
            url=row["url"],
            token=masked(token),
            workspaces=tuple(names.all()),
            created_at=t.utc(row["created_at"]),
            updated_at=t.utc(row["updated_at"]),
        )


def _unknown(connection_id: str) -> NotFound:
    return NotFound(
        f"no registry {connection_id}",
        hint="`modelport registries list` lists the registries of a workspace",
        field="registry_id",
    )


def _checked_id(connection_id: str) -> None:
    try:
        uuid.UUID(connection_id)
    except (ValueError, AttributeError, TypeError):
        raise InvalidInput(
            f"registry id {connection_id!r} is not a UUID",
            hint="give the id `modelport registries create` answered",
            field="registry_id",
        ) from None


def _checked_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise InvalidInput(
            f"registry name must be 1 to {MAX_NAME} characters", field="name", hint="name it"
        )
    return name.strip()


def _checked_url(url: str) -> str:
    parts = urlsplit(url.strip()) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"registry url {url!r} is not an http(s) URL",
            hint="give the MLflow tracking server's address, e.g. https://mlflow.example.com",
            field="url",
        )
    return url.strip().rstrip("/")
