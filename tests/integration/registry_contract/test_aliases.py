"""References and aliases: resolving, moving and the delete rules they impose, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import Conflict, InvalidInput, NotFound
from modelport.registry import Alias, RegistryStore
from tests.registry_versions import register


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
    assert store.resolve("models:/iris/1").number == 1
    assert store.resolve("models:/iris/latest").number == 3
    assert store.resolve("models:/iris@production") == resolved


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
