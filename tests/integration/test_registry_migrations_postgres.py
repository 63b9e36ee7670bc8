"""The registry's migrations on a real PostgreSQL: upgrade -> downgrade -> upgrade, agreement
with the live tables, and many processes opening one fresh database at once.

(The same on SQLite is in tests/unit/registry/sql/test_migrations.py.)
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from modelport.registry.sql import tables
from modelport.registry.sql.engine import (
    create_postgres_engine,
    migrate,
    stored_revision,
)
from modelport.registry.sql.revision import HEAD_REVISION

REGISTRY_TABLES = set(tables.metadata.tables)


@pytest.fixture
def engine(postgres_registry_uri: str) -> Iterator[sa.Engine]:
    created = create_postgres_engine(postgres_registry_uri)
    yield created
    created.dispose()


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def _workspaces(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(tables.workspaces.c.name)).scalars())


def test_upgrade_downgrade_upgrade(engine: sa.Engine) -> None:
    migrate(engine, "head")
    assert _tables(engine) == REGISTRY_TABLES | {"alembic_version"}
    assert stored_revision(engine) == HEAD_REVISION
    assert _workspaces(engine) == ["default"]

    migrate(engine, "base", downgrade=True)
    assert _tables(engine) <= {"alembic_version"}
    assert stored_revision(engine) is None

    migrate(engine, "head")
    assert _tables(engine) == REGISTRY_TABLES | {"alembic_version"}
    assert stored_revision(engine) == HEAD_REVISION
    assert _workspaces(engine) == ["default"]


def test_migrated_schema_matches_the_live_tables(engine: sa.Engine) -> None:
    migrate(engine, "head")
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert differences == []


OPENER = """
import sys
from pathlib import Path
from modelport.registry import open_store
from modelport.settings import Settings
uri, home = sys.argv[1:]
with open_store(uri, settings=Settings(home=Path(home))) as store:
    print(len(store.list_workspaces()))
"""


def test_processes_opening_a_fresh_database_at_once_migrate_it_once(
    postgres_registry_uri: str, tmp_path: Path
) -> None:
    """Each process sees an empty database and starts migrating; the advisory lock lets one
    do it, and the others then find it at head (no duplicate tables, no errors)."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, postgres_registry_uri, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [child.communicate(timeout=120) for child in children]
    for child, (stdout, stderr) in zip(children, outputs, strict=True):
        assert child.returncode == 0, stderr
        assert stdout.strip() == "1"
