"""The Wallaroo route in-process (over ASGI), beside a plain model: which names it answers,
and a failing step answered as a 500 naming it while the server goes on serving."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
from starlette.testclient import TestClient

import modelport
from modelport.formats.native.python_model import PythonModelServable
from modelport.pipelines.definition import Definition, PipelineVersion, Step
from modelport.pipelines.servable import PipelineServable
from modelport.schema import Field, Signature
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import app_client


class Halve(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch[:, 0] / 2

    def schema(self) -> Signature:
        return Signature([Field("x", float)], [Field("half", float)])


class Invert(modelport.Model):
    """Raises on a zero, as a model with a bug would."""

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        if (df["half"] == 0).any():
            raise ZeroDivisionError("cannot invert zero")
        return pd.DataFrame({"inverse": 1 / df["half"]})

    def schema(self) -> Signature:
        return Signature([Field("half", float)], [Field("inverse", float)])


class Lies(modelport.Model):
    """Declares a float output and returns text."""

    def predict(self, batch: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"half": ["a lot"] * len(batch)})

    def schema(self) -> Signature:
        return Signature([Field("x", float)], [Field("half", float)])


def _runtime(name: str, *models: modelport.Model) -> ModelRuntime:
    steps = [
        (f"{type(m).__name__.lower()}:1", PythonModelServable(m, name="s", signature=m.schema()))
        for m in models
    ]
    definition = Definition(tuple(Step(type(m).__name__.lower(), 1) for m in models))
    runtime = ModelRuntime(PipelineServable(PipelineVersion("default", name, 1, definition), steps))
    runtime.load()
    return runtime


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    plain = ModelRuntime(PythonModelServable(Halve(), name="halve", signature=Halve().schema()))
    plain.load()
    models = ModelSet(
        [_runtime("inverse", Halve(), Invert()), _runtime("liar", Lies(), Invert()), plain]
    )
    with app_client(create_app(models)) as opened:
        yield opened


def test_the_pipeline_answers_its_frame(client: TestClient) -> None:
    response = client.post("/v1/pipelines/inverse/infer", json=[{"x": 1.0}, {"x": 4.0}])
    assert response.status_code == 200, response.text
    assert [r["out.inverse"] for r in response.json()] == [2.0, 0.5]


def test_a_model_route_takes_and_answers_an_arrow_file(client: TestClient) -> None:
    arrow_file = "application/vnd.apache.arrow.file"
    sink = pa.BufferOutputStream()
    table = pa.table({"x": [1.0, 4.0]})
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    response = client.post(
        "/v1/models/halve/predict",
        content=sink.getvalue().to_pybytes(),
        headers={"Content-Type": arrow_file, "Accept": arrow_file},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == arrow_file
    assert ipc.open_file(response.content).read_all().to_pylist() == [
        {"half": 0.5},
        {"half": 2.0},
    ]


def test_a_model_is_not_a_pipeline(client: TestClient) -> None:
    response = client.post("/v1/pipelines/halve/infer", json=[{"x": 1.0}])
    assert response.status_code == 404
    assert "'halve' is a model, not a pipeline" in response.json()["detail"]
    assert "/v1/models/halve/predict" in response.json()["detail"]


def test_a_failing_step_is_a_500_naming_it_and_the_server_goes_on(client: TestClient) -> None:
    failed = client.post("/v1/pipelines/inverse/infer", json=[{"x": 0.0}])
    assert failed.status_code == 500
    assert (
        "step 2 (invert:1) failed: ZeroDivisionError: cannot invert zero" in failed.json()["detail"]
    )
    assert client.post("/v1/pipelines/inverse/infer", json=[{"x": 2.0}]).status_code == 200


def test_a_step_output_the_next_step_cannot_read_is_named(client: TestClient) -> None:
    response = client.post("/v1/pipelines/liar/infer", json=[{"x": 1.0}])
    assert response.status_code == 500
    detail = response.json()["detail"]
    assert "step 2 (invert:1) cannot take the output of step 1 (lies:1)" in detail
    assert "'half' should be double, got large_string" in detail


def test_without_a_pipeline_there_is_no_pipeline_route() -> None:
    plain = ModelRuntime(PythonModelServable(Halve(), name="halve", signature=Halve().schema()))
    app = create_app(ModelSet([plain]))
    assert all(getattr(r, "path", "") != "/v1/pipelines/{name}/infer" for r in app.routes)


def test_an_edge_infer_needs_one_pipeline_and_the_edge_lists_them(client: TestClient) -> None:
    several = client.post("/infer", json=[{"x": 1.0}])
    assert several.status_code == 409
    assert "several pipelines are served here (inverse, liar)" in several.json()["error"]
    assert client.get("/pipelines").json() == {
        "pipelines": [{"id": "inverse", "status": "Running"}, {"id": "liar", "status": "Running"}]
    }
    names = [m["name"] for m in client.get("/models").json()["models"]]
    assert names == ["halve", "invert", "lies"]
