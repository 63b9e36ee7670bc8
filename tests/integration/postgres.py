"""A real PostgreSQL server for the tests: where it is, and databases and schemas of their own.

The server is ``MODELPORT_TEST_POSTGRES_URL`` when set, else the one on 127.0.0.1:5432 (trust
auth, database ``test``), which ``.ci/run`` installs and starts when none answers. When no
server answers, the PostgreSQL tests fail under CI (``CI=true``: they must never be skipped
there unnoticed) and are skipped elsewhere, saying why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    """The URL of the test server's maintenance database (the driver made psycopg 3)."""
    url = os.environ.get("MODELPORT_TEST_POSTGRES_URL") or DEFAULT_URL
    scheme, _, rest = url.partition("://")
    return f"postgresql+psycopg://{rest}" if scheme == "postgresql" else url


def _admin_engine() -> sa.Engine:
    return sa.create_engine(
        server_url(), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )


def require_server() -> None:
    """Fail (under CI) or skip (elsewhere) the calling test when PostgreSQL does not answer."""
    engine = _admin_engine()
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as error:
        message = f"PostgreSQL does not answer at {server_url()}: {error.orig}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI must run the PostgreSQL tests; see .ci/run)")
        pytest.skip(message + " (set MODELPORT_TEST_POSTGRES_URL to run these tests)")
    finally:
        engine.dispose()


@contextmanager
def fresh_database(prefix: str = "modelport_test") -> Iterator[str]:
    """A new, empty database on the test server, dropped afterwards; yields its URL."""
    require_server()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield str(sa.make_url(server_url()).set(database=name).render_as_string(False))
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


@contextmanager
def fresh_schema(database_url: str) -> Iterator[str]:
    """A new, empty schema in ``database_url``, dropped afterwards; yields a URL whose
    connections use it (``options=-csearch_path=...``), as a user keeping a registry in one
    schema of a shared database would write it."""
    name = f"s_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
    try:
        url = sa.make_url(database_url).update_query_dict({"options": f"-csearch_path={name}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        engine.dispose()
