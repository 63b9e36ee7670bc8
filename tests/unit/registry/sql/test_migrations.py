"""The registry's migrations: upgrade -> downgrade -> upgrade, agreement with the live tables,
the cheap at-head check on open, and what happens with a database from the future."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from modelport.errors import ConfigError
from modelport.registry import open_store
from modelport.registry.sql import tables
from modelport.registry.sql.engine import (
    create_sqlite_engine,
    migrate,
    migrations_config,
    stored_revision,
    upgrade_if_needed,
)
from modelport.registry.sql.revision import HEAD_REVISION
from modelport.registry.sql.turns import RegistryTurns
from modelport.settings import Settings

REGISTRY_TABLES = {
    "deepaas_training_jobs",
    "workspaces",
    "models",
    "model_tags",
    "model_versions",
    "version_tags",
    "aliases",
    "alias_changes",
    "pipelines",
    "pipeline_versions",
    "users",
    "api_tokens",
    "workspace_members",
    "registry_connections",
    "connection_workspaces",
    "deployments",
}


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.Engine]:
    created = create_sqlite_engine(tmp_path / "registry.db")
    yield created
    created.dispose()


def test_head_constant_matches_the_scripts() -> None:
    head = ScriptDirectory.from_config(migrations_config()).get_current_head()
    assert head == HEAD_REVISION


def test_migrations_ship_inside_the_package() -> None:
    """script_location points into the package, so the files a wheel needs are all there."""
    folder = resources.files("modelport.registry.sql") / "migrations"
    assert (folder / "env.py").is_file()
    assert (folder / "script.py.mako").is_file()
    assert (folder / "versions" / "0001_initial.py").is_file()


def test_upgrade_downgrade_upgrade(engine: sa.Engine) -> None:
    migrate(engine, "head")
    assert _tables(engine) == REGISTRY_TABLES | {"alembic_version"}
    assert stored_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        assert conn.execute(sa.select(tables.workspaces.c.name)).scalars().all() == ["default"]

    migrate(engine, "base", downgrade=True)
    assert _tables(engine) <= {"alembic_version"}
    assert stored_revision(engine) is None

    migrate(engine, "head")
    assert _tables(engine) == REGISTRY_TABLES | {"alembic_version"}
    assert stored_revision(engine) == HEAD_REVISION
    with engine.connect() as conn:
        assert conn.execute(sa.select(tables.workspaces.c.name)).scalars().all() == ["default"]


def test_migrated_schema_matches_the_live_tables(engine: sa.Engine) -> None:
    """The migration (op.* only) and tables.py describe the same schema."""
    migrate(engine, "head")
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), tables.metadata)
    assert differences == []


def test_constraints_exist_after_migration(engine: sa.Engine) -> None:
    migrate(engine, "head")
    inspector = sa.inspect(engine)
    uniques = {u["name"] for u in inspector.get_unique_constraints("model_versions")}
    assert {"uq_model_versions_model_id_number", "uq_model_versions_model_id_digest"} <= uniques
    fks = {fk["name"] for fk in inspector.get_foreign_keys("aliases")}
    assert "fk_aliases_version_id_model_versions" in fks


def _turns(engine: sa.Engine) -> RegistryTurns:
    return RegistryTurns(Path(str(engine.url.database)), wait=5)


def test_upgrade_if_needed_is_a_no_op_at_head(engine: sa.Engine) -> None:
    upgrade_if_needed(engine, _turns(engine))
    with engine.begin() as conn:
        conn.execute(sa.insert(tables.workspaces).values(name="kept", created_at=datetime.now(UTC)))
    upgrade_if_needed(engine, _turns(engine))  # must not touch a database already at head
    with engine.connect() as conn:
        names = set(conn.execute(sa.select(tables.workspaces.c.name)).scalars())
    assert names == {"default", "kept"}


def test_an_upgrade_failing_halfway_leaves_the_database_as_it_was(engine: sa.Engine) -> None:
    """Every revision runs in one transaction: a process that could not finish (here the last
    revision's table is in the way) leaves no revision behind for another to trip over."""
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE deepaas_training_jobs (id INTEGER)")
    with pytest.raises(sa.exc.OperationalError, match="already exists"):
        upgrade_if_needed(engine, _turns(engine))
    assert stored_revision(engine) is None
    assert _tables(engine) == {"deepaas_training_jobs"}


def test_opening_an_up_to_date_store_does_not_load_alembic(tmp_path: Path) -> None:
    """A CLI command opens the store on every run: at head, alembic is never imported."""
    uri = f"sqlite:///{tmp_path / 'registry.db'}"
    open_store(uri, settings=Settings(home=tmp_path)).close()  # creates and migrates
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from modelport.registry import open_store\n"
        "from modelport.settings import Settings\n"
        f"store = open_store({uri!r}, settings=Settings(home=Path({str(tmp_path)!r})))\n"
        "store.list_models()\n"
        "store.close()\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_database_from_a_newer_modelport_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "registry.db"
    open_store(f"sqlite:///{path}", settings=Settings(home=tmp_path)).close()
    engine = create_sqlite_engine(path)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    engine.dispose()

    with pytest.raises(ConfigError, match="upgrade modelport"):
        open_store(f"sqlite:///{path}", settings=Settings(home=tmp_path))
