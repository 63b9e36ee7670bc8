"""Opening the registry database (SQLite or PostgreSQL): engines, transactions, migrations.

SQLite allows one writer at a time. A transaction that starts with a plain ``BEGIN`` and
writes later can fail at once with "database is locked" when another writer got there first,
whatever the busy timeout. So every write transaction here starts with ``BEGIN IMMEDIATE``,
which takes the write lock up front and waits (up to the busy timeout) for it; reads use a
plain ``BEGIN`` and, in WAL mode, never wait for writers. The sqlite3 driver's own BEGIN is
turned off (``isolation_level = None``) and SQLAlchemy's ``begin`` event emits ours, as the
SQLAlchemy SQLite documentation describes; this also makes DDL transactional, so a migration
either happens entirely or not at all. modelport's own writers take turns before that, across
processes (``turns.py``), so none fails on a lock a live process holds.

PostgreSQL (through psycopg 3) needs none of this: its transactions begin with a plain
``BEGIN`` at READ COMMITTED, and writers to the same rows queue on row locks (see
``sql/store.py`` for which rows each write locks). Only the migrations need one more lock
there: many processes opening a fresh database at once take a transaction-scoped advisory
lock first, so one migrates and the others then find the schema at head.

Migrations run when the store opens, but only when needed: the stored revision is compared
with :data:`HEAD_REVISION` by one SELECT, and alembic is imported only when they differ.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from modelport.errors import ConfigError, MissingDependency
from modelport.registry.sql.revision import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

    from modelport.registry.sql.turns import RegistryTurns


BUSY_TIMEOUT_SECONDS = 30.0
"""How long a writer waits for another process's write lock before giving up (the registry
passes its ``registry_wait`` setting; modelport's own writers take turns before, in
``turns``)."""

WRITE = {"modelport_begin": "BEGIN IMMEDIATE"}
"""Execution options that make a connection's next transaction a write transaction."""


MIGRATION_LOCK = 0x6D6F64656C706F  # "modelpo" in ASCII: an arbitrary constant key
"""The PostgreSQL advisory lock key held while migrating."""

POSTGRES_SCHEMES = ("postgresql", "postgresql+psycopg")
"""The URI schemes of a PostgreSQL registry; both mean the psycopg 3 driver."""


def is_postgres(uri: str) -> bool:
    """Whether ``uri`` names a PostgreSQL database (any driver; only psycopg is accepted)."""
    return uri.partition("://")[0].split("+")[0] == "postgresql" and "://" in uri


def create_postgres_engine(uri: str) -> sa.Engine:
    """An engine on the PostgreSQL database ``uri`` (``postgresql://`` or
    ``postgresql+psycopg://``, both through psycopg 3; other drivers are refused)."""
    scheme, _, rest = uri.partition("://")
    if scheme not in POSTGRES_SCHEMES:
        raise ConfigError(
            f"registry URI scheme {scheme!r} names a PostgreSQL driver modelport does not use",
            hint=f"Write postgresql+psycopg://{rest.rpartition('@')[2] or 'host/db'} instead.",
            field="registry_uri",
        )
    try:
        import psycopg  # noqa: F401 - only to say clearly when it is missing
    except ImportError as error:
        raise MissingDependency(
            "a PostgreSQL registry needs the psycopg package",
            hint="Install it with `pip install 'modelport[postgres]'`.",
        ) from error
    return sa.create_engine(f"postgresql+psycopg://{rest}", pool_pre_ping=True)


def create_sqlite_engine(path: Path, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> sa.Engine:
    """An engine on the SQLite file ``path`` (created, with its folder, if missing: the file
    readable by its owner only, 0600, as SQLite's journal files beside it then are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": busy_timeout})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql(
            connection.get_execution_options().get("modelport_begin", "BEGIN")
        )

    return engine


@contextmanager
def write_connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection whose transactions take the write lock when they begin."""
    with engine.connect() as connection:
        connection.execution_options(**WRITE)
        yield connection


def stored_revision(engine: sa.Engine) -> str | None:
    """The schema revision recorded in the database, or None if it has none yet."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None  # a new, empty database
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def upgrade_if_needed(engine: sa.Engine, turns: RegistryTurns | None = None) -> None:
    """Bring the schema to :data:`HEAD_REVISION`, doing nothing (cheaply) if it is there; one
    process at a time (SQLite: ``turns``, the revision read again once it is this one's turn;
    PostgreSQL: an advisory lock in ``migrate``)."""
    if stored_revision(engine) == HEAD_REVISION:
        return
    if turns is None:
        migrate(engine, "head")
        return
    with turns.turn():
        if stored_revision(engine) != HEAD_REVISION:
            migrate(engine, "head")


def migrate(engine: sa.Engine, revision: str, *, downgrade: bool = False) -> None:
    """Run alembic's upgrade (or downgrade) to ``revision`` in one write transaction."""
    from alembic import command
    from alembic.util import CommandError

    with write_connection(engine) as connection:
        # Begun here, the transaction is alembic's "external" one: every revision runs in it
        # and commits with it (alembic commits each revision on its own otherwise, on SQLite).
        if connection.dialect.name == "postgresql":  # one process migrates, the others wait
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        else:
            connection.begin()
        config = migrations_config(connection)
        try:
            if downgrade:
                command.downgrade(config, revision)
            else:
                command.upgrade(config, revision)
        except CommandError as error:
            raise ConfigError(
                f"cannot migrate the registry database {engine.url.database}: {error}",
                hint="It may have been written by a newer modelport; upgrade modelport.",
            ) from error
        connection.commit()


def migrations_config(connection: sa.Connection | None = None) -> Config:
    """An alembic Config, built in code, pointing at the migrations shipped in this package."""
    from alembic.config import Config

    config = Config()
    location = resources.files("modelport.registry.sql") / "migrations"
    config.set_main_option("script_location", _escape(str(location)))
    if connection is not None:
        config.attributes["connection"] = connection
        config.set_main_option("sqlalchemy.url", _escape(str(connection.engine.url)))
    return config


def _escape(value: str) -> str:
    """Protect a path or URL from the ``%`` interpolation of alembic's config parser."""
    return value.replace("%", "%%")
