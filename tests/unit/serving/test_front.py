"""The front of several models, in-process over ASGI: the routes it answers itself (its metrics
with no worker running, 405 for other methods), the paths that name a model, refusals naming
what is served, a worker whose model cannot load (a real process that exits at once), and the
merge of the models' documents."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from modelport.errors import ConfigError
from modelport.serving.exposure import Exposure
from modelport.serving.front.metrics import FrontMetrics
from modelport.serving.front.openapi import merge_documents
from modelport.serving.front.pool import PoolLimits, WorkerPool
from modelport.serving.front.proxy import create_front_app, model_named
from modelport.serving.front.worker import WorkerSpec, exit_cause
from modelport.serving.limits import ConnectionLimits
from modelport.testing import app_client

FAILS = (sys.executable, "-c", "import sys; print('no such model', file=sys.stderr); sys.exit(3)")


def _front(tmp_path: Path, *names: str, limits: PoolLimits | None = None) -> WorkerPool:
    specs = [WorkerSpec(name, FAILS) for name in names]
    return WorkerPool(specs, tmp_path, limits or PoolLimits())


def _app(pool: WorkerPool, max_body_size: int = 1024) -> Starlette:
    return create_front_app(
        pool,
        metrics=FrontMetrics(pool),
        max_body_size=max_body_size,
        limits=ConnectionLimits(),
        exposure=Exposure(),
        bound_host=None,
    )


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/models/iris/predict", "iris"),
        ("/v1/models/iris/versions/2/predict", "iris"),
        ("/v1/models/iris:predict", "iris"),
        ("/v1/models/iris", "iris"),
        ("/v2/models/iris/infer", "iris"),
        ("/v2/models/iris/versions/1/ready", "iris"),
        ("/v2/repository/index", None),
        ("/predict", None),
        ("/metrics", None),
    ],
)
def test_the_model_a_path_names(path: str, name: str | None) -> None:
    assert model_named(path) == name


def test_two_targets_of_one_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="same model name: iris"):
        _front(tmp_path, "iris", "wine", "iris")


def test_the_front_answers_for_every_model_without_starting_one(tmp_path: Path) -> None:
    pool = _front(tmp_path, "iris", "wine")
    with app_client(_app(pool)) as client:
        index = client.post("/v2/repository/index", json={}).json()
        ready_only = client.post("/v2/repository/index", json={"ready": True}).json()
        live = client.get("/v2/health/live")
        ready = client.get("/v2/health/ready")
        metadata = client.get("/v2").json()
        unknown = client.post("/v1/models/nope/predict", json=[{"x": 1}])
        nameless = client.post("/predict", json=[{"x": 1}])
        malformed = client.post("/v2/repository/index", content=b"{")
    assert [entry["name"] for entry in index] == ["iris", "wine"]
    assert {entry["state"] for entry in index} == {"UNAVAILABLE"}
    assert ready_only == []
    assert live.json() == {"live": True}
    assert ready.status_code == 503  # the models of the start have not loaded
    assert metadata["name"] == "modelport"
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "no model named 'nope' is served here. Served: iris, wine"
    assert nameless.status_code == 404
    assert "/v2/models/NAME/infer" in nameless.json()["detail"]
    assert malformed.status_code == 400
    assert not any(worker.running for worker in pool.workers.values())


def test_a_body_over_the_limit_is_refused_before_any_worker_starts(tmp_path: Path) -> None:
    pool = _front(tmp_path, "iris")
    with app_client(_app(pool, max_body_size=10)) as client:
        answer = client.post("/v1/models/iris/predict", content=b"x" * 11)
    assert answer.status_code == 413
    assert pool.workers["iris"].starts == 0


def test_a_model_that_cannot_load_answers_500_naming_why(tmp_path: Path) -> None:
    pool = _front(tmp_path, "iris")
    with app_client(_app(pool)) as client:
        answer = client.post("/v1/models/iris/predict", json=[{"x": 1}])
    assert answer.status_code == 500
    assert answer.json()["detail"].startswith(
        "the worker of model iris stopped while loading (exit code 3)"
    )
    assert pool.workers["iris"].starts == 1


def test_max_models_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--max-models"):
        _front(tmp_path, "iris", limits=PoolLimits(max_models=0))


def test_exit_causes_name_the_signal() -> None:
    assert exit_cause(3) == "exit code 3"
    assert exit_cause(-9) == "killed by SIGKILL"


def test_the_fronts_own_routes_refuse_other_methods(tmp_path: Path) -> None:
    pool = _front(tmp_path, "iris", "wine")
    with app_client(_app(pool)) as client:
        answers = {path: client.put(path) for path in ("/metrics", "/v2", "/openapi.json")}
    for path, answer in answers.items():
        assert answer.status_code == 405, path
        assert answer.headers["allow"] == "GET, HEAD", path
    assert not any(worker.running for worker in pool.workers.values())


def test_metrics_count_the_fronts_requests_with_no_worker_running(tmp_path: Path) -> None:
    pool = _front(tmp_path, "iris", "wine")
    with app_client(_app(pool)) as client:
        client.post("/v1/models/nope/predict", json=[{"x": 1}])
        client.get("/v2/health/live")
        text = client.get("/metrics").text
    families = {family.name: family for family in text_string_to_metric_families(text)}
    requests = {
        tuple(sorted(s.labels.items())): s.value
        for s in families["modelport_requests"].samples
        if s.name == "modelport_requests_total"
    }
    assert requests[(("model", "(unknown)"), ("route", "forwarded"), ("status", "404"))] == 1
    assert requests[(("model", ""), ("route", "/v2/health/live"), ("status", "200"))] == 1
    assert families["modelport_front_workers_scraped"].samples[0].value == 0
    assert "modelport_model_info" not in families  # no worker answered


def _document(name: str) -> dict[str, Any]:
    """A model's server's document, in the shape ``serving/openapi`` gives it."""
    by_name = {"name": "name", "in": "path", "schema": {"type": "string", "enum": [name]}}
    return {
        "tags": [{"name": name}, {"name": "server"}],
        "paths": {
            f"/v1/models/{name}/predict": {"post": {"operationId": f"predict_{name}"}},
            "/v2/models/{name}": {"get": {"parameters": [by_name]}},
            "/v2/health/live": {"get": {}},
            "/predict": {"post": {}},
        },
        "components": {"schemas": {f"{name}.Input": {"type": "object"}}, "responses": {}},
    }


def test_the_document_merges_every_models_routes() -> None:
    merged = merge_documents({"iris": _document("iris"), "wine": _document("wine")}, title="t")
    one = merge_documents({"iris": _document("iris")}, title="t")
    paths = merged["paths"]
    assert set(paths) == {
        "/v1/models/iris/predict",
        "/v1/models/wine/predict",
        "/v2/models/{name}",
        "/v2/health/live",
    }  # /predict names no model: with several, the front answers it 404
    assert paths["/v2/models/{name}"]["get"]["parameters"][0]["schema"]["enum"] == ["iris", "wine"]
    assert set(merged["components"]["schemas"]) == {"iris.Input", "wine.Input"}
    assert [tag["name"] for tag in merged["tags"]] == ["iris", "server", "wine"]
    assert "/predict" in one["paths"]  # one model: the front sends every other path to it
