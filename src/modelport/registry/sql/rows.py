"""Queries on the registry's rows, run inside a transaction the caller holds.

Each helper takes an open connection; finding nothing raises NotFound with a hint that says
how to list what does exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from modelport.errors import NotFound
from modelport.registry import refs
from modelport.registry.entities import DEFAULT_WORKSPACE, Model, ModelVersion
from modelport.registry.sql import tables as t

Row = sa.RowMapping


def utc_now() -> datetime:
    """Now, in UTC: the only clock the registry reads."""
    return datetime.now(UTC)


def where(workspace: str) -> str:
    """Words naming a workspace in a message; nothing for the default one."""
    return "" if workspace == DEFAULT_WORKSPACE else f" in workspace {workspace!r}"


def no_alias(name: str, alias: str, workspace: str, *, field: str) -> NotFound:
    """The error for an alias a model does not have."""
    return NotFound(
        f"model {name!r}{where(workspace)} has no alias {alias!r}",
        hint=f"Run `modelport models show {name}` to see its aliases.",
        field=field,
    )


def workspace_id(conn: sa.Connection, workspace: str) -> int:
    """The id of the workspace called ``workspace``."""
    refs.validate_name(workspace, field="workspace")
    found = conn.execute(sa.select(t.workspaces.c.id).filter_by(name=workspace)).scalar()
    if found is None:
        raise NotFound(
            f"workspace {workspace!r} does not exist",
            hint=f"Create it first, or use the {DEFAULT_WORKSPACE!r} workspace.",
            field="workspace",
        )
    return int(found)


def find_model(conn: sa.Connection, ws_id: int, name: str, *, lock: bool = False) -> Row | None:
    """The row of model ``name`` in workspace ``ws_id``, or None; with ``lock``, locked until
    the transaction ends (``SELECT ... FOR UPDATE``: other writers of this model wait; SQLite
    has no row locks and needs none, its writers hold the whole database)."""
    query = sa.select(t.models).filter_by(workspace_id=ws_id, name=name)
    if lock:
        query = query.with_for_update()
    return conn.execute(query).mappings().first()


def model_row(conn: sa.Connection, workspace: str, name: str, *, lock: bool = False) -> Row:
    """The row of model ``name`` in ``workspace`` (locked with ``lock``, as in find_model).

    One query when both exist (the workspace joined in); which is missing is asked only then.
    """
    refs.validate_name(name)
    refs.validate_name(workspace, field="workspace")
    query = (
        sa.select(t.models)
        .join(t.workspaces, t.workspaces.c.id == t.models.c.workspace_id)
        .where(t.workspaces.c.name == workspace, t.models.c.name == name)
    )
    if lock:
        query = query.with_for_update(of=t.models)
    row = conn.execute(query).mappings().first()
    if row is None:
        workspace_id(conn, workspace)  # NotFound naming the workspace when it is the one missing
        raise NotFound(
            f"model {name!r} does not exist{where(workspace)}",
            hint="Run `modelport models list` to list models.",
            field="name",
        )
    return row


def version_row(conn: sa.Connection, workspace: str, name: str, model_id: int, number: int) -> Row:
    """The row of version ``number`` of model ``name`` (whose id is ``model_id``)."""
    query = sa.select(t.model_versions).filter_by(model_id=model_id, number=number)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound(
            f"model {name!r}{where(workspace)} has no version {number}",
            hint=f"Run `modelport versions {name}` to list its versions.",
            field="version",
        )
    return row


def version_by_digest(conn: sa.Connection, model_id: int, digest: str) -> Row | None:
    """The row of the model's version with this artifact digest, or None."""
    query = sa.select(t.model_versions).filter_by(model_id=model_id, digest=digest)
    return conn.execute(query).mappings().first()


def lock_digest(conn: sa.Connection, digest: str) -> None:
    """Hold, until the transaction ends, the lock on the blob with this digest.

    Whoever decides whether a blob is used (the collector) or relies on it being there (a
    registration) holds it, so neither decides on what the other is changing. SQLite writers
    hold the whole database already; PostgreSQL takes an advisory lock keyed by the digest.
    """
    if conn.dialect.name == "postgresql":
        key = int(digest.removeprefix("sha256:")[:15], 16)  # 60 bits: fits a bigint
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))


def next_number(conn: sa.Connection, model_id: int) -> int:
    """Take the model's next version number: one more than any it ever had (never reused).

    The UPDATE locks the model's row until the transaction ends, so concurrent registrations
    of one model take their numbers one after another (callers lock it earlier still).
    """
    models = t.models
    conn.execute(
        sa.update(models)
        .where(models.c.id == model_id)
        .values(last_version=models.c.last_version + 1)
    )
    query = sa.select(models.c.last_version).where(models.c.id == model_id)
    return int(conn.execute(query).scalar_one())


def insert_model(conn: sa.Connection, ws_id: int, name: str, description: str | None) -> int:
    """Insert a model row and return its id."""
    now = utc_now()
    values = {"workspace_id": ws_id, "name": name, "description": description}
    result = conn.execute(sa.insert(t.models).values(**values, created_at=now, updated_at=now))
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every backend we support reports it
        raise RuntimeError("the database did not report the new model's id")
    return int(key[0])


def touch(conn: sa.Connection, model_id: int, when: datetime) -> None:
    """Record that a model (or something of it) changed at ``when``."""
    conn.execute(sa.update(t.models).where(t.models.c.id == model_id).values(updated_at=when))


def tags_of(
    conn: sa.Connection, table: sa.Table, owner: str, ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    """The tags of each id in ``ids``; ``owner`` is ``table``'s column holding that id."""
    found: dict[int, dict[str, str]] = {i: {} for i in ids}
    for row in conn.execute(sa.select(table).where(table.c[owner].in_(ids))).mappings():
        found[row[owner]][row["key"]] = row["value"]
    return found


def alias_names(conn: sa.Connection, version_ids: Sequence[int]) -> dict[int, list[str]]:
    """The names of the aliases pointing at each version id (absent: none)."""
    found: dict[int, list[str]] = {}
    query = sa.select(t.aliases).where(t.aliases.c.version_id.in_(version_ids))
    for row in conn.execute(query).mappings():
        found.setdefault(row["version_id"], []).append(row["name"])
    return found


def version_counts(
    conn: sa.Connection, model_ids: Sequence[int]
) -> dict[int, tuple[int, int | None]]:
    """How many versions each model id has and the latest one's number (None: no versions)."""
    mv = t.model_versions
    found: dict[int, tuple[int, int | None]] = {i: (0, None) for i in model_ids}
    query = (
        sa.select(mv.c.model_id, sa.func.count(), sa.func.max(mv.c.number))
        .where(mv.c.model_id.in_(model_ids))
        .group_by(mv.c.model_id)
    )
    for model_id, count, latest in conn.execute(query):
        found[model_id] = (count, latest)
    return found


def load_model(conn: sa.Connection, row: Row, workspace: str) -> Model:
    """A model row, with its tags and version count, as a Model."""
    return load_models(conn, [row], workspace)[0]


def load_models(conn: sa.Connection, rows: Sequence[Row], workspace: str) -> list[Model]:
    """Model rows of one workspace, with their tags and version counts (one query each for
    all), as Models."""
    ids = [row["id"] for row in rows]
    tags = tags_of(conn, t.model_tags, "model_id", ids)
    counts = version_counts(conn, ids)
    return [
        t.model_from_row(row, workspace=workspace, tags=tags[row["id"]], versions=counts[row["id"]])
        for row in rows
    ]


def pipelines_using(conn: sa.Connection, ws_id: int, model: str) -> list[str]:
    """The pipelines of the workspace whose current version has a step on ``model``."""
    p, pv = t.pipelines, t.pipeline_versions
    current = conn.execute(
        sa.select(p.c.name, pv.c.definition)
        .join(pv, (pv.c.pipeline_id == p.c.id) & (pv.c.number == p.c.last_version))
        .where(p.c.workspace_id == ws_id)
        .order_by(p.c.name)
    )
    return [
        name
        for name, definition in current
        if any(
            isinstance(step, dict) and step.get("model") == model
            for step in (definition or {}).get("steps", [])
        )
    ]


def load_versions(
    conn: sa.Connection, rows: Sequence[Row], workspace: str, model: str
) -> list[ModelVersion]:
    """Version rows of one model, with their tags and aliases, as ModelVersions."""
    ids = [row["id"] for row in rows]
    tags = tags_of(conn, t.version_tags, "version_id", ids)
    names = alias_names(conn, ids)
    return [
        t.version_from_row(
            row, workspace=workspace, model=model, tags=tags[row["id"]],
            alias_names=names.get(row["id"], []),
        )
        for row in rows
    ]  # fmt: skip


def set_tag(conn: sa.Connection, table: sa.Table, key: dict[str, Any], value: str) -> None:
    """Add or overwrite the tag row with primary key ``key``."""
    conn.execute(sa.delete(table).filter_by(**key))
    conn.execute(sa.insert(table).values(**key, value=value))


def delete_tag(conn: sa.Connection, table: sa.Table, key: dict[str, Any], owner: str) -> None:
    """Remove the tag row with primary key ``key``; NotFound naming ``owner`` if missing."""
    if not conn.execute(sa.delete(table).filter_by(**key)).rowcount:
        raise NotFound(
            f"{owner} has no tag {key['key']!r}",
            hint="Run `modelport models show` with the model's name to see its tags.",
            field="key",
        )
