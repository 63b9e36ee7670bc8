"""Alias history: who set, moved and removed which alias, when, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import InvalidInput, NotFound
from modelport.registry import RegistryStore
from tests.registry_versions import register

from .conftest import Backend


def test_every_set_move_and_removal_is_recorded(
    store: RegistryStore, backend: Backend, tmp_path: Path
) -> None:
    for content in ("one", "two", "three"):
        register(store, tmp_path, content)
    store.set_alias(name="iris", alias="production", number=1, actor="alice")
    store.set_alias(name="iris", alias="staging", number=3)
    store.set_alias(name="iris", alias="production", number=2, actor="bob")
    store.set_alias(name="iris", alias="production", number=2, actor="bob")  # no change
    store.delete_alias(name="iris", alias="staging", actor="carol")

    history = store.alias_history(name="iris")
    moves = [(c.alias, c.from_version, c.to_version, c.actor) for c in history]
    who = backend.recorded_actor
    assert moves == [
        ("production", None, 1, who("alice")),
        ("staging", None, 3, who(None)),
        ("production", 1, 2, who("bob")),
        ("staging", 3, None, who("carol")),
    ]
    assert all(c.model == "iris" and c.workspace == "default" for c in history)
    assert [c.changed_at for c in history] == sorted(c.changed_at for c in history)
    assert history[0].changed_at.tzinfo is not None

    only = store.alias_history(name="iris", alias="production")
    assert [(c.from_version, c.to_version) for c in only] == [(None, 1), (1, 2)]


def test_history_outlives_the_versions_it_names(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    register(store, tmp_path, "two")
    store.set_alias(name="iris", alias="production", number=1)
    store.set_alias(name="iris", alias="production", number=2)
    store.delete_version(name="iris", number=1)
    assert [(c.from_version, c.to_version) for c in store.alias_history(name="iris")] == [
        (None, 1),
        (1, 2),
    ]


def test_history_errors(store: RegistryStore, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="model 'iris' does not exist"):
        store.alias_history(name="iris")
    register(store, tmp_path, "one")
    assert store.alias_history(name="iris") == []
    assert store.alias_history(name="iris", alias="production") == []
    with pytest.raises(InvalidInput, match="alias 'Prod'"):
        store.alias_history(name="iris", alias="Prod")
    with pytest.raises(NotFound, match="no alias 'production'"):
        store.delete_alias(name="iris", alias="production")
    assert store.alias_history(name="iris") == []  # a refused change records nothing


def test_a_deleted_model_takes_its_history_along(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    store.set_alias(name="iris", alias="production", number=1)
    store.delete_alias(name="iris", alias="production")
    store.delete_model(name="iris", with_versions=True)
    register(store, tmp_path, "two")  # a new model of the same name starts afresh
    assert store.alias_history(name="iris") == []
