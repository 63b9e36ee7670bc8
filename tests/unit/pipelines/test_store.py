"""Pipelines in the registry database: versions, references, logging flag, errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from modelport.errors import ConfigError, Conflict, InvalidInput, NotFound
from modelport.pipelines.definition import Definition, Step, Validation
from modelport.pipelines.store import PipelineStore
from modelport.registry import open_store
from modelport.settings import Settings

ONE = Definition(steps=(Step("scaler", 1),))
TWO = Definition(
    steps=(Step("scaler", 1), Step("forest", 3)), validations=(Validation("v", "out.p < 1"),)
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PipelineStore]:
    with PipelineStore.open(settings=Settings(home=tmp_path)) as opened:
        yield opened


def test_versions_are_numbered_and_keep_their_definitions(store: PipelineStore) -> None:
    first = store.create(name="fraud", definition=ONE, description="cc fraud")
    second = store.add_version(name="fraud", definition=TWO)
    assert (first.number, second.number) == (1, 2)
    assert store.get_version(name="fraud").definition == TWO
    assert store.resolve("fraud:1").definition == ONE
    assert store.resolve("fraud").number == 2
    assert [v.number for v in store.list_versions(name="fraud")] == [1, 2]
    pipeline = store.get(name="fraud")
    assert (pipeline.latest, pipeline.description, pipeline.log_inferences) == (
        2,
        "cc fraud",
        False,
    )


def test_the_logging_flag_is_kept(store: PipelineStore) -> None:
    store.create(name="p", definition=ONE, log_inferences=True)
    assert store.get(name="p").log_inferences is True
    assert store.set_log_inferences(name="p", enabled=False).log_inferences is False
    assert [p.name for p in store.list_pipelines()] == ["p"]


def test_the_same_database_holds_models_and_pipelines(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    with PipelineStore.open(settings=settings) as store:
        store.create(name="p", definition=ONE)
    registry = open_store(settings=settings)
    try:
        assert registry.list_models() == []
    finally:
        registry.close()
    with PipelineStore.open(settings=settings) as store:
        assert store.exists(name="p") and not store.exists(name="q")


def test_errors_name_what_is_wrong(store: PipelineStore) -> None:
    store.create(name="p", definition=ONE)
    with pytest.raises(Conflict, match="already exists"):
        store.create(name="p", definition=ONE)
    with pytest.raises(NotFound, match="pipeline 'q' does not exist") as missing:
        store.get_version(name="q")
    assert "modelport pipeline list" in str(missing.value)
    with pytest.raises(NotFound, match="has no version 7"):
        store.resolve("p:7")
    with pytest.raises(InvalidInput, match="alias"):
        store.resolve("p@production")
    with pytest.raises(InvalidInput, match="not a valid name"):
        store.create(name="Bad_Name", definition=ONE)


def test_only_a_sqlite_registry_holds_pipelines(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SQLite"):
        PipelineStore.open("https://registry.example/", settings=Settings(home=tmp_path))
