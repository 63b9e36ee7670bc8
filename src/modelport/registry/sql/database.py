"""The registry's database, shared by every store kept in it: the models' registry, pipelines and
DEEPaaS training jobs. It is opened in one place (:meth:`Database.open`, from the registry URI),
its transactions begin one way (:meth:`Database.read`, :meth:`Database.write`), and database
errors become modelport errors in one place (:func:`translated_errors`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from modelport.errors import ConfigError, Conflict
from modelport.registry.sql.engine import create_sqlite_engine, upgrade_if_needed, write_connection
from modelport.registry.sql.turns import RegistryTurns, turns_of
from modelport.settings import get_settings


class ConcurrentChange(Conflict):
    """Another writer changed the same rows first (a unique constraint fired)."""


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn database errors into modelport errors: the one place this happens."""
    try:
        yield
    except sa.exc.IntegrityError as error:
        raise ConcurrentChange(
            f"the registry changed while writing to it ({error.orig})",
            hint="Another process made a clashing change at the same moment; try again.",
        ) from error
    except sa.exc.OperationalError as error:
        if "locked" not in str(error.orig) and "busy" not in str(error.orig):
            raise
        raise Conflict(
            "the registry database is locked by another process",
            hint="A process other than modelport's kept it busy for too long; try again.",
        ) from error


def sqlite_path(uri: str) -> Path:
    """The database file a ``sqlite:///`` URI names."""
    path = uri.removeprefix("sqlite://").removeprefix("/").partition("?")[0]
    if path in ("", ":memory:"):
        raise ConfigError(
            f"registry URI {uri!r} names no database file",
            hint="The registry keeps its data in a file: use sqlite:///path/to/registry.db.",
            field="registry_uri",
        )
    return Path(path)


class Database:
    """One registry database: its engine, its transactions, its schema kept current."""

    def __init__(self, engine: sa.Engine, turns: RegistryTurns) -> None:
        self._engine = engine
        self._turns = turns

    @classmethod
    def open(cls, uri: str) -> Database:
        """The database of the registry at ``uri``, migrated to the current schema if needed."""
        if not uri.startswith("sqlite:"):
            raise ConfigError(
                f"this is kept in a local SQLite registry, not at {uri!r}",
                hint="Use a sqlite:/// registry URI.",
                field="registry_uri",
            )
        return cls.open_sqlite(sqlite_path(uri))

    @classmethod
    def open_sqlite(cls, path: Path, *, wait: float | None = None) -> Database:
        """The SQLite database at ``path`` (created, with its folder, if missing); writers
        wait their turn up to ``wait`` seconds (default: the ``registry_wait`` setting)."""
        wait = get_settings().registry_wait if wait is None else wait
        engine = create_sqlite_engine(path, busy_timeout=wait)
        turns = turns_of(path, wait=wait)
        with translated_errors():
            upgrade_if_needed(engine, turns)
        return cls(engine, turns)

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read transaction (in WAL mode it never waits for writers)."""
        with translated_errors(), self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A write transaction, holding the write lock from its start (once this process's
        turn has come: ``turns``)."""
        with (
            self._turns.turn(),
            translated_errors(),
            write_connection(self._engine) as conn,
            conn.begin(),
        ):
            yield conn

    def close(self) -> None:
        self._engine.dispose()
