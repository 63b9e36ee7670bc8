"""Models, workspaces and model tags, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import Conflict, InvalidInput, NotFound
from modelport.pipelines.definition import Definition, Step
from modelport.pipelines.store import PipelineStore
from modelport.registry import RegistryStore, open_store
from modelport.registry.blobs import LocalBlobStore
from modelport.settings import Settings
from tests.registry_versions import register

from .conftest import Backend


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


def test_a_whole_model_goes_with_its_versions_aliases_and_blobs(
    store: RegistryStore, blobs_dir: Path, tmp_path: Path
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
    # the last version using it gone, the blob went too (the message is the backend's: the
    # local store finds no blob; the server, no version)
    with pytest.raises(NotFound):
        store.artifact_path(first)
    assert not LocalBlobStore(blobs_dir).path_for(first.digest).exists()


def test_registry_survives_reopening(registry_uri: str, settings: Settings, tmp_path: Path) -> None:
    with open_store(registry_uri, settings=settings) as first:
        version, _ = register(first, tmp_path, "one")
        first.set_alias(name="iris", alias="production", number=1)
    with open_store(registry_uri, settings=settings) as second:
        resolved = second.resolve("iris@production")
        assert (resolved.number, resolved.digest) == (1, version.digest)
        assert second.artifact_path(version).is_file()


def test_a_model_in_a_pipelines_current_version_is_not_deleted(
    store: RegistryStore, backend: Backend, settings: Settings, tmp_path: Path
) -> None:
    register(store, tmp_path, "one")
    register(store, tmp_path, "two", name="wine")
    # the pipeline is made in the registry's database (over REST: the server's)
    with PipelineStore.open(backend.database_uri, settings=settings) as pipelines:
        pipelines.create(name="scoring", definition=Definition((Step("iris", 1), Step("wine", 1))))
        with pytest.raises(Conflict, match="used by pipeline\\(s\\) scoring") as caught:
            store.delete_model(name="iris", with_versions=True)
        assert "modelport pipeline show scoring" in str(caught.value)
        assert [v.number for v in store.list_versions(name="iris")] == [1]

        pipelines.add_version(name="scoring", definition=Definition((Step("wine", 1),)))
        store.delete_model(name="iris", with_versions=True)  # only an old version used it
    assert [m.name for m in store.list_models()] == ["wine"]
