"""A Truss served next to a native model: the shared KServe V1 paths answer each model in its
own protocol, modelport's own routes serve the Truss too, and a Truss's own hooks (a starlette
Response, is_healthy, the deployment environment, external package folders) are honoured."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.runtime import ModelRuntime

from .. import models_for_tests as m
from .conftest import serving


def _adder() -> ModelRuntime:
    model = m.Adder()
    runtime = ModelRuntime(PythonModelServable(model, name="adder", signature=model.schema()))
    runtime.load()
    return runtime


@pytest.fixture(scope="module")
def client(runtime_of: Callable[..., ModelRuntime]) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MODELPORT_ENVIRONMENT", '{"name": "staging", "region": "eu"}')
        truss = runtime_of("custom")
    with serving(truss, _adder()) as client:
        yield client


def test_the_shared_paths_answer_a_native_model_in_kserve_v1(client: TestClient) -> None:
    assert client.get("/v1/models/adder").json() == {"name": "adder", "ready": True}
    answer = client.post("/v1/models/adder:predict", json={"instances": [{"x": 1, "y": 2}]})
    assert answer.json() == {"predictions": [3.0]}


def test_the_shared_paths_answer_the_truss_in_truss_terms(client: TestClient) -> None:
    assert client.get("/v1/models/truss-custom").json() == {}
    answer = client.post("/v1/models/truss-custom:predict", json={"value": 7})
    assert answer.json() == {
        "label": "<7>",
        "environment": {"name": "staging", "region": "eu"},
        "method": "POST",
    }


def test_modelports_own_route_serves_the_truss_row_by_row(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-custom/predict", json=[{"value": 1}, {"value": 2}])
    assert answer.status_code == 200, answer.text
    assert [row["output"]["label"] for row in answer.json()] == ["<1>", "<2>"]
    assert answer.json()[0]["output"]["method"] is None, "no HTTP request on these routes"


def test_a_starlette_response_is_sent_as_it_is(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-custom:predict", json={"raw": True})
    assert (answer.status_code, answer.text) == (201, "raw bytes")
    assert answer.headers["content-type"].startswith("text/plain")


def test_is_healthy_is_part_of_readiness(client: TestClient) -> None:
    client.post("/v1/models/truss-custom:predict", json={"healthy": False})
    answer = client.get("/v1/models/truss-custom")
    assert answer.status_code == 503
    assert "is_healthy() answered False" in answer.json()["error"]
    assert client.get("/v1/models/adder").status_code == 200
    client.post("/invocations", json={"healthy": True, "value": 0}).raise_for_status()


def test_without_a_truss_model_the_truss_routes_are_absent() -> None:
    with serving(_adder()) as client:
        assert client.get("/ping").status_code == 404
        assert client.get("/").text != "true"
        assert client.get("/v1/models/adder").json() == {"name": "adder", "ready": True}


def test_the_openapi_document_lists_the_truss_routes(client: TestClient) -> None:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    assert "/v1/models/adder/predict" in answer.json()["paths"]
