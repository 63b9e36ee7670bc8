"""The REST store's side of the wire, with httpx's own fake transport: the requests it sends and
how it reads answers (the real server is in tests/integration/test_registry_server.py)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from modelport.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    ModelFailed,
    NotFound,
    Unauthorised,
)
from modelport.registry.blob_cache import BlobCache
from modelport.registry.rest.store import RestRegistryStore


def _store(tmp_path: Path, answer: httpx.Response, seen: list[httpx.Request]) -> RestRegistryStore:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return RestRegistryStore(
        "http://registry.test/base/",
        token="mpt_abc",
        cache=BlobCache(tmp_path),
        transport=httpx.MockTransport(handle),
    )


def _problem(status: int, title: str, detail: str) -> httpx.Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (_problem(401, "Unauthorised", "this server needs an API token"), Unauthorised),
        (_problem(403, "Forbidden", "user 'v' is a viewer"), Forbidden),
        (_problem(409, "Conflict", "still the target of alias(es) prod"), Conflict),
        (httpx.Response(200, text="<html>a proxy page</html>"), ModelFailed),
    ],
)
def test_answers_become_the_errors_the_server_raised(
    tmp_path: Path, answer: httpx.Response, error: type[Exception]
) -> None:
    seen: list[httpx.Request] = []
    with _store(tmp_path, answer, seen) as store, pytest.raises(error):
        store.set_alias(name="iris", alias="prod", number=2, workspace="team-a")
    [request] = seen
    assert (request.method, request.url.path) == (
        "PUT", "/base/api/v1/workspaces/team-a/models/iris/aliases/prod"
    )  # fmt: skip
    assert request.headers["authorization"] == "Bearer mpt_abc"
    assert json.loads(request.content) == {"version": 2}


def test_a_reference_is_one_path_segment(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    missing = _problem(404, "NotFound", "no")
    with _store(tmp_path, missing, seen) as store, pytest.raises(NotFound):
        store.resolve("iris@production")
    assert seen[0].url.raw_path == b"/base/api/v1/workspaces/default/refs/iris@production"


def test_a_missing_artifact_is_refused_before_any_request(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []
    with _store(tmp_path, httpx.Response(201), seen) as store, pytest.raises(InvalidInput) as bad:
        store.register_version(
            name="iris", artifact=tmp_path / "nope.zip", digest="sha256:" + "0" * 64,
            signature={}, metadata={}, lineage={}, build={}, source_format="native",
        )  # fmt: skip
    assert bad.value.field == "artifact"
    assert seen == []


def test_listing_every_model_walks_the_servers_pages(tmp_path: Path) -> None:
    """``list_models`` asks for pages (tags and token passed on) until the last one."""
    model = {
        "workspace": "default", "description": None, "tags": {},
        "created_at": "2026-12-05T09:00:00+00:00", "updated_at": "2026-12-05T09:00:00+00:00",
        "version_count": 2, "latest_version": 3,
    }  # fmt: skip
    pages = {
        None: {"models": [{**model, "name": "iris"}], "next_page_token": "t1"},
        "t1": {"models": [{**model, "name": "wine"}], "next_page_token": None},
    }
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=pages[request.url.params.get("page_token")])

    transport = httpx.MockTransport(handle)
    with RestRegistryStore(
        "http://registry.test", token=None, cache=BlobCache(tmp_path), transport=transport
    ) as store:
        listed = store.list_models()
        assert [(m.name, m.version_count, m.latest_version) for m in listed] == [
            ("iris", 2, 3),
            ("wine", 2, 3),
        ]
        assert [r.url.params.get("page_token") for r in seen] == [None, "t1"]
        seen.clear()
        page = store.search_models(name_contains="ir", tags={"team": "ds"}, max_results=1)
    assert page.next_page_token == "t1"
    [request] = seen
    assert request.url.params.multi_items() == [
        ("tag", "team=ds"), ("max_results", "1"), ("name_contains", "ir")
    ]  # fmt: skip
