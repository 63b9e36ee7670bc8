"""An OMAF matrix-mode artifact (a ZIP) built, registered and served in-process (over ASGI):
Odahu's own routes beside modelport's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sklearn import datasets, linear_model
from starlette.testclient import TestClient

from modelport.registry.uris import open_store
from modelport.serving.app import create_app
from modelport.serving.loader import load_artifact
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings
from modelport.testing import app_client

from .conftest import Built

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ROWS = [0, 20, 55, 70, 77, 83, 106, 119, 133, 138]


@pytest.fixture(scope="module")
def iris_server(odahu_home: Path, built: Built) -> Iterator[TestClient]:
    settings = Settings(home=odahu_home)
    store = open_store(None, settings=settings)
    version = store.resolve("iris-matrix:1")
    loaded = load_artifact(store.artifact_path(version), settings=settings, version=1)
    runtime = ModelRuntime(loaded.servable, version=1)
    runtime.load()
    with app_client(create_app(ModelSet([runtime]))) as client:
        yield client


def test_registered_under_model_name_with_version_label(built: Built) -> None:
    iris = built["iris-matrix"]
    assert iris["number"] == 1 and iris["source_format"] == "odahu"
    metadata = iris["metadata"]
    assert metadata["version"] == "1.2.0-build7"
    odahu = metadata["odahu"]
    assert odahu["manifest"] == "odahuflow.model.yaml"
    toolchain = {"name": "sklearn-script", "version": "0.3.0", "submodule": "train"}
    assert odahu["toolchain"] == toolchain
    assert odahu["prediction_mode"] == "matrix"
    counter = built["counter"]
    assert counter["metadata"]["odahu"]["manifest"] == "odahuflow.project.yaml"
    assert counter["metadata"]["odahu"]["output"] == {"run_id": "counter-run-1"}


def test_invoke_passes_the_request_column_order(
    iris_server: TestClient, iris_classifier: linear_model.LogisticRegression
) -> None:
    data = datasets.load_iris().data[ROWS]
    expected = iris_classifier.predict(data).tolist()
    shuffled = [3, 1, 0, 2]
    columns = [FEATURES[i] for i in shuffled]
    rows = data[:, shuffled]
    # read in the declared order, these rows mean other flowers: the names must reach the model
    assert iris_classifier.predict(rows).tolist() != expected
    answer = iris_server.post("/api/model/invoke", json={"columns": columns, "data": rows.tolist()})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"prediction": [[s] for s in expected], "columns": ["species"]}
    assert answer.headers["Model-Name"] == "iris-matrix"
    assert answer.headers["Model-Version"] == "1.2.0-build7"


def test_invoke_without_columns_uses_the_entrypoint_order(
    iris_server: TestClient, iris_classifier: linear_model.LogisticRegression
) -> None:
    data = datasets.load_iris().data[ROWS]
    answer = iris_server.post("/api/model/invoke", json={"data": data.tolist()})
    assert answer.json()["prediction"] == [[s] for s in iris_classifier.predict(data).tolist()]


def test_native_route_gives_the_same_answers(
    iris_server: TestClient, iris_classifier: linear_model.LogisticRegression
) -> None:
    data = datasets.load_iris().data[ROWS]
    records = [dict(zip(reversed(FEATURES), reversed(row), strict=True)) for row in data.tolist()]
    answer = iris_server.post("/v1/models/iris-matrix/predict", json=records)
    assert answer.status_code == 200, answer.text
    assert [r["species"] for r in answer.json()] == iris_classifier.predict(data).tolist()


def test_info_is_the_swagger_built_from_get_info(iris_server: TestClient) -> None:
    answer = iris_server.get("/api/model/info")
    assert answer.status_code == 200
    assert answer.headers["Model-Name"] == "iris-matrix"
    swagger = answer.json()
    assert swagger["swagger"] == "2.0"
    assert swagger["info"] == {"title": "iris-matrix", "version": "1.2.0-build7"}
    request = swagger["paths"]["/api/model/invoke"]["post"]["parameters"][0]["schema"]["properties"]
    assert request["columns"]["example"] == FEATURES
    assert request["data"]["example"] == [[5.1, 3.5, 1.4, 0.2]]
    assert set(swagger["definitions"]["Inputs"]["properties"]) == set(FEATURES)
    assert "/api/model/invoke" in swagger["paths"]


def test_healthcheck(iris_server: TestClient) -> None:
    answer = iris_server.get("/healthcheck")
    assert (answer.status_code, answer.json()) == (200, {"status": True})


def test_failures_answer_odahu_messages_and_the_server_stays_up(iris_server: TestClient) -> None:
    no_data = iris_server.post("/api/model/invoke", json={"rows": [[1, 2, 3, 4]]})
    assert no_data.status_code == 422
    assert "data" in no_data.json()["message"]
    unknown_column = iris_server.post(
        "/api/model/invoke", json={"columns": ["a", "b", "c", "d"], "data": [[1, 2, 3, 4]]}
    )
    assert unknown_column.status_code == 500
    assert "KeyError" in unknown_column.json()["message"]
    assert iris_server.get("/healthcheck").json() == {"status": True}


def test_an_empty_matrix_is_refused_before_the_model(iris_server: TestClient) -> None:
    # what a client sends for an empty selection: the entrypoint would fail inside predict
    empty = iris_server.post("/api/model/invoke", json={"columns": FEATURES, "data": []})
    assert empty.status_code == 422
    message = empty.json()["message"]
    assert "`data`" in message and "empty" in message
    assert iris_server.get("/healthcheck").json() == {"status": True}


def test_odahu_routes_are_absent_without_an_odahu_model() -> None:
    from modelport.formats.native.python_model import PythonModelServable

    from ..models_for_tests import Adder

    runtime = ModelRuntime(PythonModelServable(Adder(), name="adder", signature=Adder().schema()))
    runtime.load()
    with app_client(create_app(ModelSet([runtime]))) as client:
        assert client.post("/api/model/invoke", json={"data": [[1, 2]]}).status_code == 404
        assert client.get("/healthcheck").status_code == 404
        assert client.post("/v1/models/adder/predict", json=[{"x": 1, "y": 2}]).json() == [
            {"sum": 3.0}
        ]


def test_predictions_are_numbers_not_text(iris_server: TestClient) -> None:
    answer = iris_server.post("/api/model/invoke", json={"data": [[5.1, 3.5, 1.4, 0.2]]})
    assert isinstance(answer.json()["prediction"][0][0], int)
    assert np.asarray(answer.json()["prediction"]).shape == (1, 1)
