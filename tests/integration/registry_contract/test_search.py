"""Searching and paging models and versions, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.errors import InvalidInput, NotFound
from modelport.registry import RegistryStore
from modelport.registry.search import MAX_PAGE_SIZE
from tests.registry_versions import register


def test_models_filter_by_name_part_and_tags(store: RegistryStore) -> None:
    store.create_model(name="iris", tags={"team": "ds", "stage": "qa"})
    store.create_model(name="iris-v2", tags={"team": "ml"})
    store.create_model(name="wine", tags={"team": "ds"})

    def names(**query: object) -> list[str]:
        return [m.name for m in store.search_models(**query).items]  # type: ignore[arg-type]

    assert names() == ["iris", "iris-v2", "wine"]
    assert names(name_contains="iris") == ["iris", "iris-v2"]
    assert names(name_contains="IS-V") == ["iris-v2"]  # names are lowercase: so is the part
    assert names(tags={"team": "ds"}) == ["iris", "wine"]
    assert names(tags={"team": "ds", "stage": "qa"}) == ["iris"]
    assert names(name_contains="iris", tags={"team": "ds"}) == ["iris"]
    assert names(name_contains="x") == []
    found = store.search_models(tags={"team": "ds"}).items
    assert found[0].tags == {"team": "ds", "stage": "qa"}


def test_models_pages_join_up_without_gaps_or_repeats(store: RegistryStore) -> None:
    for i in range(7):
        store.create_model(name=f"m{i}")
    seen, token, pages = [], None, 0
    while True:
        page = store.search_models(max_results=3, page_token=token)
        seen += [m.name for m in page.items]
        pages += 1
        token = page.next_page_token
        if token is None:
            break
    assert seen == [f"m{i}" for i in range(7)]
    assert pages == 3
    first = store.search_models(max_results=7)
    assert len(first.items) == 7 and first.next_page_token is None  # exactly full: no token


def test_a_page_after_a_deletion_still_continues_by_name(store: RegistryStore) -> None:
    for name in ("a", "b", "c", "d"):
        store.create_model(name=name)
    page = store.search_models(max_results=2)
    store.delete_model(name="b")  # the last item of the page is gone: the token still works
    store.create_model(name="bb")
    rest = store.search_models(max_results=10, page_token=page.next_page_token)
    assert [m.name for m in rest.items] == ["bb", "c", "d"]


def test_versions_page_and_filter_by_tag(store: RegistryStore, tmp_path: Path) -> None:
    for i in range(5):
        register(store, tmp_path, f"v{i}")
    store.set_version_tag(name="iris", number=2, key="validated", value="yes")
    store.set_version_tag(name="iris", number=4, key="validated", value="yes")

    first = store.search_versions(name="iris", max_results=2)
    assert [v.number for v in first.items] == [1, 2]
    second = store.search_versions(name="iris", max_results=2, page_token=first.next_page_token)
    assert [v.number for v in second.items] == [3, 4]
    third = store.search_versions(name="iris", max_results=2, page_token=second.next_page_token)
    assert [v.number for v in third.items] == [5]
    assert third.next_page_token is None

    tagged = store.search_versions(name="iris", tags={"validated": "yes"})
    assert [v.number for v in tagged.items] == [2, 4]
    assert tagged.items[0].tags == {"validated": "yes"}
    with pytest.raises(NotFound, match="model 'nope' does not exist"):
        store.search_versions(name="nope")


def test_bad_page_tokens_and_sizes_name_the_field(store: RegistryStore, tmp_path: Path) -> None:
    register(store, tmp_path, "one")
    register(store, tmp_path, "two")
    register(store, tmp_path, "three", name="wine")
    versions_token = store.search_versions(name="iris", max_results=1).next_page_token
    models_token = store.search_models(max_results=1).next_page_token
    assert versions_token is not None and models_token is not None

    for token in ("garbage", "", "x" * 500, models_token):
        with pytest.raises(InvalidInput, match="page token") as caught:
            store.search_versions(name="iris", page_token=token)
        assert caught.value.field == "page_token"
    with pytest.raises(InvalidInput, match="page token"):
        store.search_models(page_token=versions_token)
    with pytest.raises(InvalidInput, match="page token"):  # another model's listing
        store.search_versions(name="wine", page_token=versions_token)
    for size in (0, -1, MAX_PAGE_SIZE + 1):
        with pytest.raises(InvalidInput, match="page size") as caught:
            store.search_models(max_results=size)
        assert caught.value.field == "max_results"
    with pytest.raises(InvalidInput, match="tag key"):
        store.search_models(tags={"bad key": "x"})
    with pytest.raises(InvalidInput, match="cannot be part of a model name"):
        store.search_models(name_contains="iris%")
