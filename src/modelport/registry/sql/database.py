"""The registry's database, shared by every store kept in it: the models' registry, pipelines and
DEEPaaS training jobs. It is opened in one place (:meth:`Database.open`, from the registry URI:
a SQLite file or a PostgreSQL database), its transactions begin one way (:meth:`Database.read`,
:meth:`Database.write`), and database errors become modelport errors in one place
(:func:`translated_errors`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa

from modelport.errors import ConfigError, Conflict, Unreachable
from modelport.registry.sql.engine import (
    create_postgres_engine,
    create_sqlite_engine,
    is_postgres,
    upgrade_if_needed,
    write_connection,
)
from modelport.registry.sql.sqlite_uri import sqlite_path
from modelport.registry.sql.turns import RegistryTurns, turns_of
from modelport.settings import get_settings

_RACE_LOST = ("deadlock detected", "could not serialize")
"""Words of a PostgreSQL error that mean "another writer was in the way; try again at once"."""

_OPEN_ATTEMPTS = 5
"""How often opening retries a schema check that another process's change was in the way of."""


class ConcurrentChange(Conflict):
    """Another writer changed the same rows first (a unique constraint fired)."""


@contextmanager
def translated_errors(busy_timeout: float | None = None) -> Iterator[None]:
    """Turn database errors into modelport errors: the one place this happens.

    SQLite answers "database is locked" in two cases: its busy timeout (``busy_timeout``
    seconds) ran out, or waiting could not help because this transaction read a state another
    process has since changed or both wait for each other (``SQLITE_BUSY_SNAPSHOT``, a deadlock:
    SQLite then fails at once, without waiting). The first is a Conflict to report; the second
    a ConcurrentChange, which callers retry from the start of their transaction."""
    started = time.monotonic()
    try:
        yield
    except sa.exc.IntegrityError as error:
        raise ConcurrentChange(
            f"the registry changed while writing to it ({error.orig})",
            hint="Another process made a clashing change at the same moment; try again.",
        ) from error
    except sa.exc.OperationalError as error:
        if any(words in str(error.orig) for words in _RACE_LOST):
            raise ConcurrentChange(
                f"the registry changed while writing to it ({error.orig})",
                hint="Another process made a clashing change at the same moment; try again.",
            ) from error
        if "locked" in str(error.orig) or "busy" in str(error.orig):
            code = getattr(error.orig, "sqlite_errorname", "SQLITE_BUSY")
            if busy_timeout is not None and time.monotonic() - started < busy_timeout / 2:
                raise ConcurrentChange(
                    f"another process changed the registry database under this one ({code})",
                    hint="Another modelport process wrote at the same moment; try again.",
                ) from error
            raise Conflict(
                f"the registry database is locked by another process ({code})",
                hint="Another modelport process kept it busy for too long; try again.",
            ) from error
        if error.connection_invalidated or _is_postgres_connect_error(error):
            raise Unreachable(
                f"cannot reach the registry database: {' '.join(str(error.orig).split())}",
                hint="Check that PostgreSQL runs there and that the registry URI (host, port, "
                "database, user) is right.",
                field="registry_uri",
            ) from error
        raise


def _is_postgres_connect_error(error: sa.exc.OperationalError) -> bool:
    """Whether psycopg could not connect (refused, unknown host or database, auth) or lost
    the connection: it raises its plain OperationalError for these, and subclasses of it
    for errors the server reports."""
    kind = type(error.orig)
    return (kind.__module__, kind.__name__) == ("psycopg", "OperationalError")


class Database:
    """One registry database: its engine, its transactions, its schema kept current."""

    def __init__(self, engine: sa.Engine, turns: RegistryTurns | None = None) -> None:
        self._engine = engine
        self._turns = turns
        """SQLite's writers take turns across processes; PostgreSQL's queue on row locks."""
        self._busy_timeout = turns.wait if turns is not None else None

    @classmethod
    def open(cls, uri: str) -> Database:
        """The database of the registry at ``uri``, migrated to the current schema if needed."""
        if is_postgres(uri):
            return cls._migrated(create_postgres_engine(uri))
        if not uri.startswith("sqlite:"):
            raise ConfigError(
                f"this is kept in a registry database (SQLite or PostgreSQL), not at {uri!r}",
                hint="Use a sqlite:/// or postgresql+psycopg:// registry URI.",
                field="registry_uri",
            )
        return cls.open_sqlite(sqlite_path(uri))

    @classmethod
    def open_sqlite(cls, path: Path, *, wait: float | None = None) -> Database:
        """The SQLite database at ``path`` (created, with its folder, if missing); writers
        wait their turn up to ``wait`` seconds (default: the ``registry_wait`` setting)."""
        wait = get_settings().registry_wait if wait is None else wait
        engine = create_sqlite_engine(path, busy_timeout=wait)
        return cls._migrated(engine, turns_of(path, wait=wait))

    @classmethod
    def _migrated(cls, engine: sa.Engine, turns: RegistryTurns | None = None) -> Database:
        busy_timeout = turns.wait if turns is not None else None
        try:
            for attempt in range(1, _OPEN_ATTEMPTS + 1):
                try:
                    with translated_errors(busy_timeout):
                        upgrade_if_needed(engine, turns)
                    break
                except ConcurrentChange:
                    if attempt == _OPEN_ATTEMPTS:
                        raise
                    time.sleep(0.05 * attempt)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, turns)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A read transaction (in WAL mode it never waits for writers)."""
        with translated_errors(self._busy_timeout), self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """A write transaction, holding the write lock from its start (once this process's
        turn has come: ``turns``)."""
        with (
            self._turns.turn() if self._turns is not None else nullcontext(),
            translated_errors(self._busy_timeout),
            write_connection(self._engine) as conn,
            conn.begin(),
        ):
            yield conn

    def close(self) -> None:
        self._engine.dispose()
