"""The front of several models, in-process over ASGI: the routes it answers itself, the paths
that name a model, refusals naming what is served, and a worker whose model cannot load (a real
process that exits at once)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from starlette.applications import Starlette

from modelport.errors import ConfigError
from modelport.serving.exposure import Exposure
from modelport.serving.front.metrics import FrontMetrics
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
