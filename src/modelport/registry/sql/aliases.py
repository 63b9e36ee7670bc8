"""The SQL store's aliases and their history: every set, move and removal is recorded in the
same transaction as the change itself, so the history never misses one nor shows one that
did not happen."""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from contextlib import AbstractContextManager

import sqlalchemy as sa

from modelport.registry import refs
from modelport.registry.entities import DEFAULT_WORKSPACE, Alias, AliasChange
from modelport.registry.sql import rows
from modelport.registry.sql import tables as t

Transaction = Callable[[], AbstractContextManager[sa.Connection]]


def local_user() -> str:
    """Who runs this process, for the history of changes it makes (``unknown`` when the
    system cannot say, as in some containers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or "unknown"


class AliasMethods:
    """``RegistryStore``'s alias methods, for a store with ``_read`` and ``_write``."""

    _read: Transaction
    _write: Transaction

    def set_alias(
        self,
        *,
        name: str,
        alias: str,
        number: int,
        workspace: str = DEFAULT_WORKSPACE,
        actor: str | None = None,
    ) -> Alias:
        refs.validate_name(alias, field="alias")
        refs.validate_number(number)
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name, lock=True)
            version = rows.version_row(conn, workspace, name, model["id"], number)
            before = _pointed_at(conn, model["id"], alias)
            key = {"model_id": model["id"], "name": alias}
            conn.execute(sa.delete(t.aliases).filter_by(**key))
            conn.execute(sa.insert(t.aliases).values(**key, version_id=version["id"]))
            if before != number:
                _record(conn, model["id"], alias, before, number, actor)
            rows.touch(conn, model["id"], rows.utc_now())
        return Alias(workspace=workspace, model=name, name=alias, version=number)

    def delete_alias(
        self,
        *,
        name: str,
        alias: str,
        workspace: str = DEFAULT_WORKSPACE,
        actor: str | None = None,
    ) -> None:
        with self._write() as conn:
            model = rows.model_row(conn, workspace, name, lock=True)
            before = _pointed_at(conn, model["id"], alias)
            if before is None:
                raise rows.no_alias(name, alias, workspace, field="alias")
            conn.execute(sa.delete(t.aliases).filter_by(model_id=model["id"], name=alias))
            _record(conn, model["id"], alias, before, None, actor)
            rows.touch(conn, model["id"], rows.utc_now())

    def list_aliases(self, *, name: str, workspace: str = DEFAULT_WORKSPACE) -> list[Alias]:
        with self._read() as conn:
            model = rows.model_row(conn, workspace, name)
            found = conn.execute(
                sa.select(t.aliases.c.name, t.model_versions.c.number)
                .join(t.model_versions, t.aliases.c.version_id == t.model_versions.c.id)
                .where(t.aliases.c.model_id == model["id"])
                .order_by(t.aliases.c.name)
            ).mappings()
            return [t.alias_from_row(row, workspace=workspace, model=name) for row in found]

    def alias_history(
        self, *, name: str, alias: str | None = None, workspace: str = DEFAULT_WORKSPACE
    ) -> list[AliasChange]:
        if alias is not None:
            refs.validate_name(alias, field="alias")
        with self._read() as conn:
            model = rows.model_row(conn, workspace, name)
            query = (
                sa.select(t.alias_changes)
                .where(t.alias_changes.c.model_id == model["id"])
                .order_by(t.alias_changes.c.id)
            )
            if alias is not None:
                query = query.where(t.alias_changes.c.alias == alias)
            found = conn.execute(query).mappings()
            return [t.alias_change_from_row(row, workspace=workspace, model=name) for row in found]


def _pointed_at(conn: sa.Connection, model_id: int, alias: str) -> int | None:
    """The number of the version ``alias`` points at now, or None."""
    return conn.execute(
        sa.select(t.model_versions.c.number)
        .join(t.aliases, t.aliases.c.version_id == t.model_versions.c.id)
        .where(t.aliases.c.model_id == model_id, t.aliases.c.name == alias)
    ).scalar()


def _record(
    conn: sa.Connection,
    model_id: int,
    alias: str,
    before: int | None,
    after: int | None,
    actor: str | None,
) -> None:
    conn.execute(
        sa.insert(t.alias_changes).values(
            model_id=model_id, alias=alias, from_version=before, to_version=after,
            actor=(actor or local_user())[:255], changed_at=rows.utc_now(),
        )
    )  # fmt: skip
