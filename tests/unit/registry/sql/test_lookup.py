"""The sqlite3 lookup ``modelport serve NAME`` starts with answers as the store resolves, and
nothing where it cannot be sure (the store then answers, and words the error)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.registry import RegistryStore, open_store
from modelport.registry.sql.lookup import FoundVersion, find_version
from modelport.settings import Settings
from tests.registry_versions import register


def _filled(folder: Path) -> RegistryStore:
    """A registry in ``folder``: iris 1 to 3 (production: 2) and wine 1."""
    opened = open_store(None, settings=Settings(home=folder / "home"))
    for content in ("one", "two", "three"):
        register(opened, folder, content)
    register(opened, folder, "other", name="wine")
    opened.set_alias(name="iris", alias="production", number=2)
    return opened


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RegistryStore, Path]]:
    """One registry for the tests that only read it."""
    folder = tmp_path_factory.mktemp("lookup")
    with _filled(folder) as opened:
        yield opened, _database(folder)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RegistryStore]:
    with _filled(tmp_path) as opened:
        yield opened


def _database(folder: Path) -> Path:
    return folder / "home" / "registry.db"


@pytest.mark.parametrize(
    "ref",
    [
        "iris",
        "iris:latest",
        "iris:1",
        "iris:3",
        "iris@production",
        "models:/iris/2",
        "models:/iris@production",
        "wine",
    ],
)
def test_it_finds_what_the_store_resolves(shared: tuple[RegistryStore, Path], ref: str) -> None:
    store, database = shared
    expected = store.resolve(ref)
    found = find_version(database, ref)
    assert found == FoundVersion(expected.model, expected.number, expected.digest)


@pytest.mark.parametrize(
    "ref", ["iris:4", "iris@staging", "nothing", "Not A Name", "iris@production:2", "./iris"]
)
def test_what_names_nothing_is_left_to_the_store(
    shared: tuple[RegistryStore, Path], ref: str
) -> None:
    assert find_version(shared[1], ref) is None


def test_a_version_in_another_workspace_is_found_there_only(
    store: RegistryStore, tmp_path: Path
) -> None:
    store.create_workspace(name="team")
    version, _ = register(store, tmp_path, "cars'", name="cars")  # in the default workspace
    assert find_version(_database(tmp_path), "cars", workspace="team") is None
    assert find_version(_database(tmp_path), "cars") == FoundVersion(
        "cars", version.number, version.digest
    )


def test_a_database_at_another_revision_is_left_to_the_store(
    store: RegistryStore, tmp_path: Path
) -> None:
    """An older schema is the store's to migrate; a newer one this modelport cannot read."""
    store.close()
    with sqlite3.connect(_database(tmp_path)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0005_older'")
    assert find_version(_database(tmp_path), "iris") is None


def test_a_missing_or_foreign_file_is_left_to_the_store(tmp_path: Path) -> None:
    assert find_version(tmp_path / "absent.db", "iris") is None
    assert not (tmp_path / "absent.db").exists()  # a read creates nothing
    (tmp_path / "empty.db").write_bytes(b"")
    assert find_version(tmp_path / "empty.db", "iris") is None
    (tmp_path / "text.db").write_text("not a database")
    assert find_version(tmp_path / "text.db", "iris") is None
