"""DEEPaaS's own wording on its routes (in-process, over ASGI): an unknown training job and an
unknown path are aiohttp's ``404: Not Found``; ``/v2/debug/`` answers as DEEPaaS does without
its debug option (204); ``get_metadata()`` may return any dict."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from starlette.testclient import TestClient

from modelport.formats.deepaas.entry_points import EntryPoint
from modelport.formats.deepaas.servable import DeepaasServable
from modelport.serving.app import create_app
from modelport.serving.conventions import Services
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import app_client


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    def train(**kwargs: Any) -> None:
        return None

    model = SimpleNamespace(
        get_metadata=lambda: {"summary": "Counts", "version": None}, train=train
    )
    runtime = ModelRuntime(DeepaasServable(EntryPoint("m", "m.api"), model))
    runtime.load()  # as the server does before its models answer
    services = Services(home=tmp_path, registry_uri=f"sqlite:///{tmp_path / 'registry.db'}")
    with app_client(create_app(ModelSet([runtime]), services=services)) as client:
        yield client


def test_unknown_training_job_and_path_are_deepaas_404(http: TestClient) -> None:
    for method, path in [
        ("GET", f"/v2/models/m/train/{'0' * 32}"),
        ("DELETE", f"/v2/models/m/train/{'0' * 32}"),
        ("GET", "/v2/models/nosuch/"),
    ]:
        answer = http.request(method, path)
        assert answer.status_code == 404, path
        assert answer.text == "404: Not Found", path
        assert answer.headers["content-type"] == "text/plain; charset=utf-8"


def test_debug_answers_no_content(http: TestClient) -> None:
    answer = http.get("/v2/debug/")
    assert (answer.status_code, answer.content) == (204, b"")
    redirected = http.get("/v2/debug")
    assert (redirected.status_code, redirected.headers["location"]) == (308, "/v2/debug/")
    assert "/v2/debug/" in http.get("/swagger.json").json()["paths"]


def test_metadata_may_be_any_dict(http: TestClient) -> None:
    assert http.get("/v2/models/m/").json() == {
        "id": "m",
        "name": "m",
        "links": [{"rel": "self", "href": "/v2/models/m"}],
        "summary": "Counts",
        "version": None,
    }
