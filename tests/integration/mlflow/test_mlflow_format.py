"""An MLflow model (scikit-learn, saved by mlflow.sklearn.save_model and zipped) builds with
`modelport build`, in an environment from its own requirements.txt, and is served through
mlflow.pyfunc on every generic protocol with the MLmodel's signature, answering as MLflow's own
pyfunc.load_model does."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pytest

from modelport.formats.schema_sources import schema_to_base64
from modelport.testing import start_server
from modelport.testing.server import ServerProcess

from ..cli import run_cli
from .conftest import mlflow_predictions

pytestmark = pytest.mark.slow

MODEL = "iris-sklearn"


@pytest.fixture(scope="module")
def home(mlflow_home: Path) -> Path:
    return mlflow_home


@pytest.fixture(scope="module")
def built(saved_models: dict[str, Any], home: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The saved folder zipped (one top folder, as users zip it) and built, detected by its
    MLmodel."""
    folder = Path(saved_models[MODEL]["path"])
    archive = shutil.make_archive(
        str(tmp_path_factory.mktemp("zips") / MODEL), "zip", folder.parent, folder.name
    )
    result = run_cli("build", archive, "--name", "iris-mlflow", "--json", home=home, timeout=900)
    assert result.code == 0, result.stderr
    return result.json()["version"]


@pytest.fixture(scope="module")
def server(
    built: dict[str, Any], home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with start_server(
        "iris-mlflow:1",
        log_dir=tmp_path_factory.mktemp("logs"),
        env={"MODELPORT_HOME": str(home)},
        ready_timeout=300,
    ) as process:
        yield process


def test_the_build_keeps_the_mlmodel_signature_and_run(built: dict[str, Any]) -> None:
    assert built["source_format"] == "mlflow"
    names = [field["name"] for field in built["signature"]["inputs"]]
    assert names == [
        "sepal length (cm)",
        "sepal width (cm)",
        "petal length (cm)",
        "petal width (cm)",
    ]
    assert [field["name"] for field in built["signature"]["outputs"]] == ["predictions"]
    assert built["metadata"]["loader_module"] == "mlflow.sklearn"
    assert "sklearn" in built["metadata"]["flavors"]


def test_served_predictions_match_mlflow_pyfunc(
    server: ServerProcess,
    saved_models: dict[str, Any],
    mlflow_python: Path,
    tmp_path: Path,
) -> None:
    rows = saved_models[MODEL]["rows"]
    folder = saved_models[MODEL]["path"]
    expected = mlflow_predictions(mlflow_python, {folder: rows}, tmp_path)[folder]

    native = httpx.post(f"{server.url}/v1/models/iris-mlflow/predict", json=rows, timeout=30)
    assert native.status_code == 200, native.text
    assert [row["predictions"] for row in native.json()] == expected

    kserve = httpx.post(
        f"{server.url}/v1/models/iris-mlflow:predict", json={"instances": rows}, timeout=30
    )
    assert kserve.status_code == 200, kserve.text
    assert np.asarray(kserve.json()["predictions"]).ravel().tolist() == expected

    columns = {name: [row[name] for row in rows] for name in rows[0]}
    v2 = httpx.post(
        f"{server.url}/v2/models/iris-mlflow/infer",
        json={
            "inputs": [
                {"name": name, "datatype": "FP64", "shape": [len(values)], "data": values}
                for name, values in columns.items()
            ]
        },
        timeout=30,
    )
    assert v2.status_code == 200, v2.text
    [output] = v2.json()["outputs"]
    assert output["name"] == "predictions"
    assert output["data"] == expected


def test_a_request_off_the_signature_is_refused_naming_the_field(server: ServerProcess) -> None:
    answer = httpx.post(
        f"{server.url}/v1/models/iris-mlflow/predict",
        json=[{"sepal length (cm)": "long", "sepal width (cm)": 1.0}],
        timeout=30,
    )
    assert answer.status_code == 422
    assert answer.json()["field"] in {"sepal length (cm)", "petal length (cm)"}


def test_framework_mlflow_builds_a_folder_with_the_schemas_given(
    saved_models: dict[str, Any], home: Path
) -> None:
    """`--framework mlflow` (a Wallaroo-style upload) names the convention; schemas given
    replace the MLmodel's signature, and one alone is refused naming the other."""
    folder = saved_models["diabetes-xgboost"]["path"]
    columns = list(saved_models["diabetes-xgboost"]["rows"][0])
    inputs = pa.schema([pa.field(name, pa.float64()) for name in columns])
    outputs = pa.schema([pa.field("progression", pa.float32())])
    common = ("build", folder, "--framework", "mlflow", "--name", "diabetes-given", "--json")
    result = run_cli(
        *common,
        "--input-schema",
        schema_to_base64(inputs),
        "--output-schema",
        schema_to_base64(outputs),
        home=home,
        timeout=900,
    )
    assert result.code == 0, result.stderr
    version = result.json()["version"]
    assert version["source_format"] == "mlflow"
    assert [f["name"] for f in version["signature"]["inputs"]] == columns
    assert version["signature"]["outputs"] == [
        {"name": "progression", "type": "float32", "nullable": True}
    ]
    alone = run_cli(*common, "--input-schema", schema_to_base64(inputs), home=home, timeout=900)
    assert alone.code == 1 and "--output-schema is missing" in alone.stderr
