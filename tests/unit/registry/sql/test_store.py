"""The local registry store on real SQLite files and real zip artifacts."""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.errors import Conflict, InvalidInput, NotFound
from modelport.registry import Alias, ModelVersion, RegistryStore, open_store
from modelport.registry.blobs import sha256_file
from modelport.registry.sql.database import ConcurrentChange, translated_errors
from modelport.registry.sql.engine import create_sqlite_engine, write_connection
from modelport.settings import Settings


@pytest.fixture
def store(tmp_path: Path) -> Iterator[RegistryStore]:
    with open_store(
        f"sqlite:///{tmp_path / 'registry.db'}", settings=Settings(home=tmp_path)
    ) as opened:
        yield opened


def make_artifact(folder: Path, content: str) -> Path:
    """A real artifact zip whose bytes depend on ``content``."""
    path = folder / f"artifact-{abs(hash(content))}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        # fixed timestamps: the same content must give the same bytes, whenever it is written
        archive.writestr(zipfile.ZipInfo("modelport.yaml"), f"name: test\ncontent: {content}\n")
        archive.writestr(zipfile.ZipInfo("model.bin"), content.encode() * 100)
    return path


def register(
    store: RegistryStore, tmp_path: Path, content: str, name: str = "iris"
) -> tuple[ModelVersion, bool]:
    artifact = make_artifact(tmp_path, content)
    return store.register_version(
        name=name,
        artifact=artifact,
        digest=sha256_file(artifact),
        signature={"inputs": [{"name": "x", "type": "double"}]},
        metadata={"framework": "sklearn"},
        lineage={"source": "/src/iris", "git_commit": "abc123"},
        build={"duration_s": 1.5},
        source_format="native",
        description="Iris classifier",
    )


# -- models ------------------------------------------------------------------------------------


def test_default_workspace_exists(store: RegistryStore) -> None:
    assert [w.name for w in store.list_workspaces()] == ["default"]


def test_create_get_list_update_model(store: RegistryStore) -> None:
    created = store.create_model(name="iris", description="flowers", tags={"team": "ds"})
    assert created.name == "iris"
    assert created.workspace == "default"
    assert created.tags == {"team": "ds"}
    assert created.created_at.tzinfo is not None
    store.create_model(name="adult")

    assert store.get_model(name="iris") == created
    assert [m.name for m in store.list_models()] == ["adult", "iris"]

    updated = store.update_model(name="iris", description="irises")
    assert updated.description == "irises"
    assert updated.updated_at >= created.updated_at
    assert store.get_model(name="iris").description == "irises"


def test_duplicate_model_is_conflict(store: RegistryStore) -> None:
    store.create_model(name="iris")
    with pytest.raises(Conflict, match="model 'iris' already exists"):
        store.create_model(name="iris")


def test_invalid_model_name(store: RegistryStore) -> None:
    with pytest.raises(InvalidInput, match="name 'Iris_1' is not a valid name") as caught:
        store.create_model(name="Iris_1")
    assert "lowercase letters" in str(caught.value)
    assert store.list_models() == []


def test_unknown_model_hint_says_how_to_list(store: RegistryStore) -> None:
    with pytest.raises(NotFound) as caught:
        store.get_model(name="iris")
    assert str(caught.value) == (
        "model 'iris' does not exist. Run `modelport models list` to list models."
    )


def test_workspaces_separate_models(store: RegistryStore, tmp_path: Path) -> None:
    store.create_workspace(name="team-a")
    store.create_model(name="iris", workspace="team-a")
    assert store.list_models() == []
    assert [m.name for m in store.list_models(workspace="team-a")] == ["iris"]
    with pytest.raises(Conflict):
        store.create_workspace(name="team-a")
    with pytest.raises(NotFound, match="workspace 'nope' does not exist") as caught:
        store.list_models(workspace="nope")
    assert caught.value.field == "workspace"
    with pytest.raises(NotFound, match="model 'iris' in workspace 'team-a' has no version 1"):
        store.get_version(name="iris", number=1, workspace="team-a")
    with pytest.raises(NotFound, match="model 'adult' does not exist in workspace 'team-a'"):
        store.get_model(name="adult", workspace="team-a")


def test_model_tags(store: RegistryStore) -> None:
    store.create_model(name="iris")
    assert store.set_model_tag(name="iris", key="team", value="ds").tags == {"team": "ds"}
    assert store.set_model_tag(name="iris", key="team", value="ml").tags == {"team": "ml"}
    assert store.delete_model_tag(name="iris", key="team").tags == {}
    with pytest.raises(NotFound, match="model 'iris' has no tag 'team'"):
        store.delete_model_tag(name="iris", key="team")
    with pytest.raises(InvalidInput, match="tag key"):
        store.set_model_tag(name="iris", key="bad key", value="x")


# -- versions ------------------------------------------------------------------------------------


def test_register_creates_model_and_numbers_versions(store: RegistryStore, tmp_path: Path) -> None:
    first, created = register(store, tmp_path, "one")
    assert created
    assert (first.model, first.number, first.ref) == ("iris", 1, "iris:1")
    assert first.digest.startswith("sha256:")
    assert first.lineage == {"source": "/src/iris", "git_commit": "abc123"}
    assert first.signature == {"inputs": [{"name": "x", "type": "double"}]}
    assert first.build == {"duration_s": 1.5}
    assert first.source_format == "native"
    assert store.get_model(name="iris").description == "Iris classifier"

    second, _ = register(store, tmp_path, "two")
    assert second.number == 2
    assert [v.number for v in store.list_versions(name="iris")] == [1, 2]
    assert store.get_version(name="iris", number=1) == first


def test_stored_blob_is_the_artifact(store: RegistryStore, tmp_path: Path) -> None:
    version, _ = register(store, tmp_path, "one")
    path = store.artifact_path(version)
    assert path.read_bytes() == make_artifact(tmp_path, "one").read_bytes()
    assert sha256_file(path) == version.digest
    assert version.size == path.stat().st_size
    assert path.is_relative_to(tmp_path / "blobs")


def test_same_digest_returns_existing_version(store: RegistryStore, tmp_path: Path) -> None:
    first, _ = register(store, tmp_path, "one")
    again, created = register(store, tmp_path, "one")
    assert not created
    assert again == first
    assert len(store.list_versions(name="iris")) == 1


def test_same_artifact_in_two_models_shares_one_blob(store: RegistryStore, tmp_path: Path) -> None:
    a, _ = register(store, tmp_path, "shared", name="iris")
    b, created = register(store, tmp_path, "shared", name="iris-copy")
    assert created
    blob = store.artifact_path(a)
    assert store.artifact_path(b) == blob

    store.delete_version(name="iris", number=1)
    assert blob.is_file()  # still used by iris-copy:1
    store.delete_version(name="iris-copy", number=1)
    assert not blob.exists()
    with pytest.raises(NotFound):
        store.artifact_path(b)


def test_wrong_digest_registers_nothing(store: RegistryStore, tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path, "one")
    with pytest.raises(InvalidInput, match="digest"):
        store.register_version(
            name="iris",
            artifact=artifact,
            digest="sha256:" + "0" * 64,
            signature={},
            metadata={},
            lineage={},
            build={},
            source_format="native",
        )
    assert store.list_models() == []


def test_unknown_version_hint(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    with pytest.raises(NotFound) as caught:
        store.get_version(name="iris", number=5)
    assert str(caught.value) == (
        "model 'iris' has no version 5. Run `modelport versions iris` to list its versions."
    )
    with pytest.raises(InvalidInput):
        store.get_version(name="iris", number=0)


def test_version_tags(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    tagged = store.set_version_tag(name="iris", number=1, key="validated", value="yes")
    assert tagged.tags == {"validated": "yes"}
    assert store.get_version(name="iris", number=1).tags == {"validated": "yes"}
    assert store.delete_version_tag(name="iris", number=1, key="validated").tags == {}
    with pytest.raises(NotFound, match="version iris:1 has no tag 'validated'"):
        store.delete_version_tag(name="iris", number=1, key="validated")


# -- references and aliases ----------------------------------------------------------------------


def test_resolve_latest_number_and_alias(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    register(store, tmp_path, "two")
    register(store, tmp_path, "three")
    alias = store.set_alias(name="iris", alias="production", number=2)
    assert alias == Alias(workspace="default", model="iris", name="production", version=2)

    assert store.resolve("iris").number == 3
    assert store.resolve("iris:latest").number == 3
    assert store.resolve("iris:1").number == 1
    resolved = store.resolve("iris@production")
    assert resolved.number == 2
    assert resolved.aliases == ("production",)


def test_resolve_errors(store: RegistryStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="model 'iris' does not exist"):
        store.resolve("iris")
    store.create_model(name="iris")
    with pytest.raises(NotFound, match="has no versions yet"):
        store.resolve("iris")
    register(store, tmp_path, "one")
    with pytest.raises(NotFound) as caught:
        store.resolve("iris@staging")
    assert "Run `modelport models show iris` to see its aliases" in str(caught.value)
    with pytest.raises(InvalidInput):
        store.resolve("iris:x")


def test_aliases_move_list_and_delete(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    register(store, tmp_path, "two")
    store.set_alias(name="iris", alias="production", number=1)
    store.set_alias(name="iris", alias="staging", number=2)
    store.set_alias(name="iris", alias="production", number=2)  # moves it

    assert [(a.name, a.version) for a in store.list_aliases(name="iris")] == [
        ("production", 2),
        ("staging", 2),
    ]
    assert store.get_version(name="iris", number=2).aliases == ("production", "staging")
    assert store.get_version(name="iris", number=1).aliases == ()

    store.delete_alias(name="iris", alias="staging")
    assert [a.name for a in store.list_aliases(name="iris")] == ["production"]
    with pytest.raises(NotFound, match="no alias 'staging'"):
        store.delete_alias(name="iris", alias="staging")


def test_alias_rules(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    with pytest.raises(InvalidInput, match="alias 'Prod' is not a valid name"):
        store.set_alias(name="iris", alias="Prod", number=1)
    with pytest.raises(NotFound, match="no version 4"):
        store.set_alias(name="iris", alias="prod", number=4)
    assert store.list_aliases(name="iris") == []


# -- delete rules --------------------------------------------------------------------------------


def test_delete_version_refused_while_aliased(store: RegistryStore, tmp_path: Path) -> None:
    version, _ = register(store, tmp_path, "one")
    store.set_alias(name="iris", alias="production", number=1)
    store.set_alias(name="iris", alias="canary", number=1)

    with pytest.raises(Conflict) as caught:
        store.delete_version(name="iris", number=1)
    assert "alias(es) canary, production" in str(caught.value)
    assert "`modelport alias rm iris canary`" in str(caught.value)
    assert store.artifact_path(version).is_file()
    assert len(store.list_versions(name="iris")) == 1

    store.delete_alias(name="iris", alias="production")
    store.delete_alias(name="iris", alias="canary")
    store.delete_version(name="iris", number=1)
    assert store.list_versions(name="iris") == []
    with pytest.raises(NotFound):
        store.artifact_path(version)


def test_numbers_are_never_reused(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    register(store, tmp_path, "two")
    store.delete_version(name="iris", number=2)
    assert register(store, tmp_path, "three")[0].number == 3
    store.delete_version(name="iris", number=1)
    assert [v.number for v in store.list_versions(name="iris")] == [3]


def test_delete_model_refused_while_it_has_versions(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    store.set_model_tag(name="iris", key="team", value="ds")
    with pytest.raises(Conflict, match="model 'iris' still has 1 version"):
        store.delete_model(name="iris")

    store.delete_version(name="iris", number=1)
    store.delete_model(name="iris")
    assert store.list_models() == []
    with pytest.raises(NotFound):
        store.delete_model(name="iris")


def test_registry_survives_reopening(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'registry.db'}"
    settings = Settings(home=tmp_path)
    with open_store(uri, settings=settings) as first:
        version, _ = register(first, tmp_path, "one")
        first.set_alias(name="iris", alias="production", number=1)
    with open_store(uri, settings=settings) as second:
        resolved = second.resolve("iris@production")
        assert (resolved.number, resolved.digest) == (1, version.digest)
        assert second.artifact_path(version).is_file()


# -- database errors -----------------------------------------------------------------------------


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


def test_a_whole_model_goes_with_its_versions_aliases_and_blobs(
    store: RegistryStore, tmp_path: Path
) -> None:
    first, _ = register(store, tmp_path, "one")
    register(store, tmp_path, "two")
    shared, _ = register(store, tmp_path, "one", name="wine")  # the same blob as iris:1
    store.set_alias(name="iris", alias="production", number=2)
    store.set_version_tag(name="iris", number=1, key="stage", value="qa")
    with pytest.raises(Conflict, match="modelport rm iris --yes"):
        store.delete_model(name="iris")
    store.delete_model(name="iris", with_versions=True)
    assert [m.name for m in store.list_models()] == ["wine"]
    with pytest.raises(NotFound):
        store.resolve("iris@production")
    assert store.artifact_path(shared).is_file()  # still used by wine:1
    store.delete_model(name="wine", with_versions=True)
    with pytest.raises(NotFound, match="missing"):
        store.artifact_path(first)  # the last version using it gone, the blob went too


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
