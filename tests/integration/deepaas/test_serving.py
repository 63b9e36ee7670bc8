"""modelport's DEEPaaS server beyond what DEEPaaS 2.6.0 can be compared on: two models (module-
and class-style) in one server, the Accept header, training beside predictions, cancelling,
jobs kept across a restart, bad input leaving no temporary files, and the V2 routes of
other models in the same app (that one in-process, over ASGI; the rest ask real
``modelport serve --deepaas`` processes)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.formats.deepaas.entry_points import EntryPoint
from modelport.formats.deepaas.servable import DeepaasServable
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import app_client

from ..cli import run_cli
from ..models_for_tests import Adder
from .conftest import PACKAGE, Server, modelport_deepaas, training_workers
from .test_conformance import wait_finished

pytestmark = pytest.mark.slow

PREDICT = "/v2/models/dptest/predict/"
TRAIN = "/v2/models/dptest/train/"


@pytest.fixture(scope="module")
def server(deepaas_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Every registered DEEPaaS model (both entry points of the test package)."""
    with modelport_deepaas(deepaas_home, tmp_path_factory.mktemp("all") / "tmp") as running_:
        yield running_


def job(server: Server, uuid: str) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}{TRAIN}{uuid}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_two_models_module_and_class_style(server: Server) -> None:
    models = httpx.get(f"{server.url}/v2/models/").json()["models"]
    assert {m["id"] for m in models} == {"dptest", "dptest-class"}
    echo = next(m for m in models if m["id"] == "dptest-class")
    assert echo["name"] == "echo"  # the model's metadata wins over the defaults
    calls = [
        httpx.post(f"{server.url}/v2/models/dptest-class/predict/", params={"text": "hi"}).json()
        for _ in range(2)
    ]
    assert [c["predictions"]["echo"] for c in calls] == ["hi", "hi"]
    assert calls[1]["predictions"]["calls"] == calls[0]["predictions"]["calls"] + 1
    no_train = httpx.post(f"{server.url}/v2/models/dptest-class/train/")
    assert no_train.status_code == 501
    assert "train" in no_train.text


def test_accept_header_chooses_the_media_type(server: Server) -> None:
    png = httpx.post(
        f"{server.url}{PREDICT}", params={"numbers": "1"}, headers={"Accept": "image/png"}
    )
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    chosen = httpx.post(
        f"{server.url}{PREDICT}",
        params={"numbers": "1"},
        headers={"Accept": "text/html, image/png;q=0.9"},
    )
    assert chosen.headers["content-type"] == "image/png"
    refused = httpx.post(
        f"{server.url}{PREDICT}", params={"numbers": "1"}, headers={"Accept": "text/csv"}
    )
    assert refused.status_code == 422
    assert refused.json() == {"accept": ["Must be one of: application/json, image/png."]}


def test_training_runs_beside_predictions_and_cancels(server: Server) -> None:
    before = training_workers(server)
    started = httpx.post(f"{server.url}{TRAIN}", params={"seconds": "30"}).json()
    worker = training_workers(server) - before
    assert len(worker) == 1  # the job's worker process
    predicted = httpx.post(f"{server.url}{PREDICT}", params={"numbers": "2"})
    assert predicted.status_code == 200
    assert predicted.json()["predictions"]["total"] == 2.0
    assert predicted.json()["predictions"]["warmed"] is True  # warm() ran before serving
    assert job(server, started["uuid"])["status"] == "running"  # still training after it

    cancelled = httpx.delete(f"{server.url}{TRAIN}{started['uuid']}", timeout=30)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert not worker & training_workers(server)  # the worker was ended, not left sleeping
    assert httpx.get(f"{server.url}{TRAIN}{started['uuid']}").status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({}, 422, "numbers"),
        ({"numbers": "1", "mode": "mean"}, 422, "mode"),
        ({"numbers": "1", "fail": "raise"}, 500, None),
    ],
    ids=["missing-required", "outside-enum", "model-raises"],
)
def test_bad_input_with_a_file_leaves_no_temporary_file(
    server: Server, params: dict[str, str], status: int, field: str | None
) -> None:
    answer = httpx.post(
        f"{server.url}{PREDICT}", params=params, files={"data": ("x.bin", b"\1" * 200_000)}
    )
    assert answer.status_code == status
    if field:
        assert field in answer.json()
    else:
        assert "failing on purpose" in answer.text
    assert not list(server.tmp.iterdir())
    assert httpx.get(f"{server.url}/v2/models/").status_code == 200  # still serving


def test_training_upload_is_deleted_once_the_job_is_over(server: Server) -> None:
    started = httpx.post(
        f"{server.url}{TRAIN}", data={"seconds": "0"}, files={"data": ("t.csv", b"1,2\n")}
    )
    assert started.status_code == 200, started.text
    assert wait_finished(server, started.json()["uuid"])["status"] == "done"
    assert not list(server.tmp.iterdir())


def test_schema_mismatch_names_the_fix_once(server: Server) -> None:
    answer = httpx.post(f"{server.url}{PREDICT}", params={"numbers": "1", "fail": "schema"})
    assert answer.status_code == 500
    assert answer.text.startswith("500: the response of model 'dptest' does not match")
    assert answer.text.count("predict() return what the model's schema declares") == 1


def test_unknown_training_is_404(server: Server) -> None:
    for method in ("GET", "DELETE"):
        answer = httpx.request(method, f"{server.url}{TRAIN}{'0' * 32}")
        assert answer.status_code == 404
        assert answer.text


def test_running_job_is_interrupted_by_a_restart(deepaas_home: Path, tmp_path: Path) -> None:
    with modelport_deepaas(deepaas_home, tmp_path / "first", "dptest") as first:
        uuid = httpx.post(f"{first.url}{TRAIN}", params={"seconds": "2"}).json()["uuid"]
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    with modelport_deepaas(deepaas_home, tmp_path / "second", "dptest") as second:
        found = job(second, uuid)
        assert found["status"] == "error"
        assert "interrupted" in found["message"]
        listed = httpx.get(f"{second.url}{TRAIN}").json()
        assert uuid in {j["uuid"] for j in listed}


def test_other_models_keep_the_v2_routes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MODELPORT_HOME", str(tmp_path))
    monkeypatch.syspath_prepend(str(PACKAGE))
    deepaas = ModelRuntime(DeepaasServable(EntryPoint("dptest", "dptest.api"), _module()))
    adder = ModelRuntime(PythonModelServable(Adder(), name="adder"))
    for runtime in (deepaas, adder):
        runtime.load()
    with app_client(create_app(ModelSet([deepaas, adder]))) as http:
        inferred = http.post(
            "/v2/models/adder/infer",
            json={
                "inputs": [
                    {"name": "x", "shape": [1], "datatype": "FP64", "data": [1.0]},
                    {"name": "y", "shape": [1], "datatype": "FP64", "data": [2.0]},
                ]
            },
        )
        assert inferred.status_code == 200, inferred.text
        assert inferred.json()["outputs"][0]["data"] == [3.0]
        assert http.get("/v2/models/adder").json()["name"] == "adder"
        assert http.get("/v2/models/dptest/").json()["id"] == "dptest"
        assert http.get("/v2/models/dptest/ready").status_code == 200
        rows = http.post(
            "/v2/models/dptest/infer",
            json={"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [1.0]}]},
        )
        assert rows.status_code == 422
        assert "DEEPaaS" in rows.text


def _module() -> Any:
    import importlib

    module = importlib.import_module("dptest.api")
    assert module.__file__ and module.__file__.startswith(str(PACKAGE))
    return module


def test_register_makes_the_trained_package_a_new_version(tmp_path: Path) -> None:
    home = tmp_path / "home"
    built = run_cli("build", str(PACKAGE), "--env", "inherit", home=home)
    assert built.code == 0, built.stderr
    assert "Registered dptest:1" in built.stdout
    assert "Also registered dptest-class:1" in built.stdout
    with modelport_deepaas(home, tmp_path / "tmp", "dptest", "--register") as server:
        started = httpx.post(f"{server.url}{TRAIN}", params={"seconds": "0", "save": "true"})
        finished = wait_finished(server, started.json()["uuid"])
    assert finished["status"] == "done", finished
    assert finished["result"]["registered_version"] == "dptest:2"
    for model in ("dptest", "dptest-class"):  # the package's other entry point comes along
        listed = run_cli("versions", model, "--json", home=home)
        assert [v["number"] for v in listed.json()] == [1, 2], model
    assert not list((home / "deepaas-training").iterdir())


def test_serve_names_what_it_cannot_find(deepaas_home: Path, tmp_path: Path) -> None:
    unknown = run_cli("serve", "--deepaas", "dptest", "nosuch", home=deepaas_home)
    assert unknown.code != 0
    assert "nosuch" in unknown.stderr
    empty = run_cli("serve", "--deepaas", home=tmp_path)
    assert empty.code != 0
    assert "no DEEPaaS model is registered" in empty.stderr
    assert "modelport build" in empty.stderr


def test_name_is_refused_for_a_package_of_several_models(tmp_path: Path) -> None:
    built = run_cli("build", str(PACKAGE), "--env", "inherit", "--name", "x", home=tmp_path)
    assert built.code != 0
    assert "holds 2 models (dptest, dptest-class)" in built.stderr
    assert "without --name" in built.stderr
