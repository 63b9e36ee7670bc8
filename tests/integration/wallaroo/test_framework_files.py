"""Framework uploads: an ONNX model converted from scikit-learn (conftest's ``iris_onnx``),
and scikit-learn and XGBoost models saved with joblib or pickle, in Wallaroo's single
``inputs`` column convention."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

import joblib
import numpy as np
import pyarrow as pa
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.linear_model import LinearRegression
from starlette.testclient import TestClient

from modelport.errors import ModelportError
from modelport.registry.store import RegistryStore
from modelport.settings import Settings

from .conftest import Build, iris_classifier, serving

IRIS_X = load_iris(return_X_y=True)[0]
DIABETES_X, DIABETES_Y = load_diabetes(return_X_y=True)
ROWS = slice(0, 150, 25)


def has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each model trained here and saved the way its framework's users save it."""
    work = tmp_path_factory.mktemp("framework-files")
    classifier = iris_classifier()
    regressor = LinearRegression().fit(DIABETES_X, DIABETES_Y)
    paths = {"classifier": work / "iris.joblib", "regressor": work / "diabetes.pkl"}
    joblib.dump(classifier, paths["classifier"])
    paths["regressor"].write_bytes(pickle.dumps(regressor))
    if has("xgboost"):
        import xgboost

        booster = xgboost.XGBRegressor(n_estimators=8, max_depth=3).fit(DIABETES_X, DIABETES_Y)
        paths["xgboost"] = work / "diabetes-xgb.pkl"
        paths["xgboost"].write_bytes(pickle.dumps(booster))
    return paths


@pytest.fixture(scope="module")
def server(
    build: Build,
    models: dict[str, Path],
    store: RegistryStore,
    settings: Settings,
    request: pytest.FixtureRequest,
) -> Iterator[TestClient]:
    output = pa.schema([pa.field("output", pa.float64())])
    inputs = pa.schema([pa.field("inputs", pa.list_(pa.float64(), DIABETES_X.shape[1]))])
    versions = [
        build(models["classifier"], name="iris-sklearn"),
        build(
            models["regressor"],
            name="diabetes-sklearn",
            framework="sklearn",
            input_schema=inputs,
            output_schema=output,
        ),
    ]
    if has("skl2onnx") and has("onnxruntime"):
        versions.append(request.getfixturevalue("iris_onnx"))
    if "xgboost" in models:
        versions.append(build(models["xgboost"], name="diabetes-xgboost"))  # detected
    with serving(store, settings, versions) as client:
        yield client


def inputs_rows(matrix: np.ndarray) -> list[dict[str, object]]:
    return [{"inputs": row.tolist()} for row in matrix]


def test_a_scikit_learn_classifier_takes_the_inputs_column_and_returns_predictions(
    server: TestClient,
) -> None:
    answer = server.post("/v1/models/iris-sklearn/predict", json=inputs_rows(IRIS_X[ROWS]))
    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {"predictions": int(p)} for p in iris_classifier().predict(IRIS_X[ROWS])
    ]


def test_a_pickled_regressor_answers_in_the_column_its_output_schema_names(
    server: TestClient,
) -> None:
    answer = server.post("/v1/models/diabetes-sklearn/predict", json=inputs_rows(DIABETES_X[ROWS]))
    assert answer.status_code == 200, answer.text
    expected = LinearRegression().fit(DIABETES_X, DIABETES_Y).predict(DIABETES_X[ROWS])
    got = [row["output"] for row in answer.json()]
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_the_inputs_column_must_hold_as_many_features_as_the_model_was_trained_on(
    server: TestClient,
) -> None:
    answer = server.post("/v1/models/iris-sklearn/predict", json=[{"inputs": [1.0, 2.0]}])
    assert answer.status_code == 422
    assert answer.json()["field"] == "inputs"


@pytest.mark.skipif(not (has("skl2onnx") and has("onnxruntime")), reason="extra onnx absent")
def test_an_onnx_model_converted_from_scikit_learn_serves_the_same_answers(
    server: TestClient,
) -> None:
    rows = [{"tensor": row.tolist()} for row in IRIS_X[ROWS]]
    answer = server.post("/v1/models/iris-onnx/predict", json=rows)
    assert answer.status_code == 200, answer.text
    classifier = iris_classifier()
    got = answer.json()
    assert [row["label"] for row in got] == classifier.predict(IRIS_X[ROWS]).tolist()
    np.testing.assert_allclose(
        [row["probabilities"] for row in got], classifier.predict_proba(IRIS_X[ROWS]), atol=1e-5
    )


@pytest.mark.skipif(not has("xgboost"), reason="extra xgboost absent")
def test_a_pickled_xgboost_model_is_detected_and_served(
    server: TestClient, store: RegistryStore
) -> None:
    """Built with no --framework (the server fixture): detected as xgboost from the pickle."""
    import xgboost

    answer = server.post("/v1/models/diabetes-xgboost/predict", json=inputs_rows(DIABETES_X[ROWS]))
    assert answer.status_code == 200, answer.text
    model = xgboost.XGBRegressor(n_estimators=8, max_depth=3).fit(DIABETES_X, DIABETES_Y)
    got = [row["predictions"] for row in answer.json()]
    np.testing.assert_allclose(got, model.predict(DIABETES_X[ROWS]), rtol=1e-5)
    assert store.get_version(name="diabetes-xgboost", number=1).metadata["framework"] == "xgboost"


@pytest.mark.skipif(not has("xgboost"), reason="extra xgboost absent")
def test_an_xgboost_model_uploaded_as_sklearn_is_refused_naming_xgboost(
    build: Build, models: dict[str, Path]
) -> None:
    with pytest.raises(ModelportError) as caught:
        build(models["xgboost"], name="xgboost-as-sklearn", framework="sklearn")
    assert "diabetes-xgb.pkl holds a xgboost model, not sklearn" in caught.value.message
    assert "--framework xgboost" in str(caught.value)
