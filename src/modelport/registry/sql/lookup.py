"""Finding a registered version in a SQLite registry with the standard library's sqlite3 alone.

``modelport serve NAME`` looks its model up here: what the command spends before it becomes the
server is part of every cold start, and SQLAlchemy alone takes about 0.15 s of CPU to import on a
small machine, more than this whole lookup. It reads the tables the store writes, read-only, and
only at the schema revision this modelport migrates them to; it answers what it finds and None
for everything else (no database file, another revision, a reference that names nothing, a
database it cannot read), for the caller to ask the store, which migrates, resolves and words
every error.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from modelport.errors import InvalidInput
from modelport.registry.refs import DEFAULT_WORKSPACE, parse_ref
from modelport.registry.sql.revision import HEAD_REVISION

WAIT_SECONDS = 1.0
"""How long a read waits for a lock (reads of a WAL database take none; an older journal mode's
writer may hold one for a moment)."""

_VERSIONS = (
    "SELECT v.number, v.digest FROM model_versions v"
    " JOIN models m ON m.id = v.model_id"
    " JOIN workspaces w ON w.id = m.workspace_id"
)
_OF_MODEL = " WHERE w.name = ? AND m.name = ?"


@dataclass(frozen=True)
class FoundVersion:
    """A registered version: its model, number and artifact digest."""

    model: str
    number: int
    digest: str


def find_version(
    database: Path, ref: str, *, workspace: str = DEFAULT_WORKSPACE
) -> FoundVersion | None:
    """The version ``ref`` (``iris``, ``iris:2``, ``iris@production``, ``models:/iris/2``)
    names in the SQLite registry file ``database``, or None when this reader cannot say (see
    the module docstring)."""
    try:
        parsed = parse_ref(ref)
    except InvalidInput:
        return None
    if not database.is_file():
        return None
    if parsed.number is not None:
        query = f"{_VERSIONS}{_OF_MODEL} AND v.number = ?"
        params: tuple[str | int, ...] = (workspace, parsed.model, parsed.number)
    elif parsed.alias is not None:
        query = (
            f"{_VERSIONS} JOIN aliases a ON a.model_id = m.id AND a.version_id = v.id"
            f"{_OF_MODEL} AND a.name = ?"
        )
        params = (workspace, parsed.model, parsed.alias)
    else:
        query = f"{_VERSIONS}{_OF_MODEL} ORDER BY v.number DESC LIMIT 1"
        params = (workspace, parsed.model)
    try:
        with closing(_connect_read_only(database)) as connection:
            if _revision(connection) != HEAD_REVISION:
                return None
            row = connection.execute(query, params).fetchone()
    except sqlite3.Error:
        return None
    if row is None:
        return None
    number, digest = row
    return FoundVersion(parsed.model, int(number), str(digest))


def _connect_read_only(database: Path) -> sqlite3.Connection:
    uri = f"{database.resolve().as_uri()}?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=WAIT_SECONDS)


def _revision(connection: sqlite3.Connection) -> str | None:
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return None if row is None else str(row[0])
