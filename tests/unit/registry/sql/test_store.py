"""What only the SQLite registry does: its database errors, locks and file modes. What every
backend does is in tests/integration/registry_contract."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from modelport.errors import Conflict
from modelport.registry import open_store
from modelport.registry.sql.database import ConcurrentChange, translated_errors
from modelport.registry.sql.engine import create_sqlite_engine, write_connection
from modelport.settings import Settings
from tests.registry_versions import register


def test_integrity_errors_become_conflicts(tmp_path: Path) -> None:
    """A unique constraint firing (a lost race on any database) becomes a Conflict, which
    register_version retries on."""
    engine = create_sqlite_engine(tmp_path / "plain.db")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER PRIMARY KEY)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    with pytest.raises(ConcurrentChange) as caught, translated_errors(), engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    engine.dispose()
    assert isinstance(caught.value, Conflict)
    assert "UNIQUE constraint failed" in str(caught.value)
    assert "try again" in str(caught.value)


def test_lock_timeouts_become_conflicts(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = create_sqlite_engine(path)
    waiter = create_sqlite_engine(path, busy_timeout=0.05)
    with (
        write_connection(holder) as held,
        held.begin(),  # holds the write lock until the end of the block
        pytest.raises(Conflict, match="locked by another process"),
        translated_errors(),
        write_connection(waiter) as conn,
        conn.begin(),
    ):
        pass
    holder.dispose()
    waiter.dispose()


def test_a_write_on_a_stale_snapshot_is_a_concurrent_change_not_a_timeout(tmp_path: Path) -> None:
    """SQLite fails at once, without waiting, when a transaction that read a state another
    process has since changed tries to write (SQLITE_BUSY_SNAPSHOT): that is a race to retry,
    not a lock held too long."""
    path = tmp_path / "snapshot.db"
    reader = create_sqlite_engine(path, busy_timeout=30)
    writer = create_sqlite_engine(path, busy_timeout=30)
    with writer.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    with (
        pytest.raises(ConcurrentChange, match="SQLITE_BUSY") as caught,
        translated_errors(busy_timeout=30),
        reader.connect() as conn,
        conn.begin(),
    ):
        conn.exec_driver_sql("SELECT count(*) FROM t").scalar()  # this snapshot
        with write_connection(writer) as other, other.begin():
            other.exec_driver_sql("INSERT INTO t VALUES (1)")
        conn.exec_driver_sql("INSERT INTO t VALUES (2)")  # the snapshot is stale now
    reader.dispose()
    writer.dispose()
    assert "try again" in str(caught.value)


def test_the_database_and_the_blob_folder_are_the_owners_only(tmp_path: Path) -> None:
    """What a registry holds (artifacts, their code and weights, the versions' records) is
    readable by the user who keeps it, whatever the umask says of other files."""
    previous = os.umask(0o022)
    try:
        settings = Settings(home=tmp_path / "home")
        with open_store(f"sqlite:///{tmp_path / 'db' / 'registry.db'}", settings=settings) as store:
            version, _ = register(store, tmp_path, "private")
    finally:
        os.umask(previous)

    database = tmp_path / "db" / "registry.db"
    for file in (database, *database.parent.glob("registry.db-*")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    blob = settings.blobs_dir / "sha256" / version.digest.removeprefix("sha256:")[:2]
    for folder in (settings.blobs_dir, settings.blobs_dir / "sha256", blob):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    for file in blob.iterdir():
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
