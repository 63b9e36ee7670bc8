"""Issue 7's pipeline (python step -> ONNX -> python step) asked as Wallaroo's users ask a
deployed pipeline: the requests ``pipeline.infer()`` of Wallaroo's SDK sends to the cluster's
inference URL (a DataFrame as pandas-records, an Arrow table as an Arrow file, each with the
SDK's ``dataset`` query), read back as the SDK reads them; a notebook's ``curl`` with a
``.df.json`` file; an edge deployment's ``/infer``, ``/pipelines`` and ``/models``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
from starlette.testclient import TestClient

from modelport.pipelines.loading import load_pipeline
from modelport.pipelines.store import PipelineStore
from modelport.registry.store import RegistryStore
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings
from modelport.testing import app_client

from .conftest import IRIS_PIPELINE as NAME
from .conftest import IRIS_ROWS as ROWS
from .conftest import iris_expected

DEPLOY_URL = f"/v1/api/pipelines/infer/{NAME}-12/{NAME}"
"""``deployment.url()``: ``{api_endpoint}/v1/api/pipelines/infer/{deployment}-{id}/{pipeline}``."""
ARROW_FILE = "application/vnd.apache.arrow.file"
PANDAS_RECORDS = "application/json; format=pandas-records"
SDK_QUERY = {"dataset[]": ["*"], "dataset.exclude[]": ["metadata"], "dataset.separator": "."}
"""The query ``pipeline.infer(df)`` sends when given no ``dataset`` arguments."""
FLAT_COLUMNS = [
    "time",
    "in.measures",
    "out.species",
    "out.confidence",
    "anomaly.count",
    "anomaly.confident",
]


@pytest.fixture(scope="module")
def client(iris_pipeline: str, store: RegistryStore, settings: Settings) -> Iterator[TestClient]:
    with PipelineStore.open(settings=settings) as pipes:
        servable = load_pipeline(iris_pipeline, registry=store, pipelines=pipes, settings=settings)
    runtime = ModelRuntime(servable, version=servable.version.number)
    runtime.load()
    with app_client(create_app(ModelSet([runtime]))) as opened:
        yield opened


def _check_outputs(species: list[str], confidence: list[float]) -> None:
    expected_species, expected_confidence = iris_expected()
    assert species == expected_species
    assert confidence == pytest.approx(list(expected_confidence), rel=1e-5)


def test_a_dataframe_as_pipeline_infer_sends_it(client: TestClient) -> None:
    frame = pd.DataFrame.from_records(ROWS)
    response = client.post(
        DEPLOY_URL,
        content=frame.to_json(orient="records"),
        params=SDK_QUERY,
        headers={"Content-Type": PANDAS_RECORDS},
    )
    assert response.status_code == 200, response.text
    result = pd.DataFrame.from_records(response.json())  # what the SDK does with the answer
    result["time"] = pd.to_datetime(result["time"], unit="ms")
    assert list(result.columns) == FLAT_COLUMNS
    assert result["anomaly.count"].tolist() == [0, 1]
    assert result["anomaly.confident"].tolist() == [False, True]
    assert result["in.measures"].tolist() == [row["measures"] for row in ROWS]
    _check_outputs(result["out.species"].tolist(), result["out.confidence"].tolist())
    assert (pd.Timestamp.now() - result["time"][0]) < pd.Timedelta(minutes=10)


def test_an_arrow_table_as_pipeline_infer_sends_it(client: TestClient) -> None:
    table = pa.Table.from_pylist(ROWS)
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as writer:
        writer.write(table)
    response = client.post(
        DEPLOY_URL,
        content=sink.getvalue().to_pybytes(),
        params=SDK_QUERY,
        headers={"Content-Type": ARROW_FILE, "format": "arrow", "Accept": ARROW_FILE},
    )
    assert response.status_code == 200, response.text
    with ipc.open_file(response.content) as reader:
        answer = reader.read_all()
    assert answer.column_names == FLAT_COLUMNS
    times = pd.to_datetime(answer["time"].to_pandas(), unit="ms")  # as the SDK shows it
    assert (pd.Timestamp.now() - times[0]) < pd.Timedelta(minutes=10)
    _check_outputs(answer["out.species"].to_pylist(), answer["out.confidence"].to_pylist())


def test_a_notebooks_curl_gets_nested_records_with_metadata(
    client: TestClient, store: RegistryStore
) -> None:
    """``curl -X POST {deploy_url} -H "Content-Type: application/json; format=pandas-records"
    --data @./data/rows.df.json``: nothing in the query, so every group, nested."""
    body = pd.DataFrame.from_records(ROWS).to_json(orient="records")
    response = client.post(
        f"/pipelines/{NAME}", content=body, headers={"Content-Type": PANDAS_RECORDS}
    )
    assert response.status_code == 200, response.text
    first, second = response.json()
    assert list(first) == ["time", "in", "out", "anomaly", "metadata"]
    assert isinstance(first["time"], int)
    assert first["in"] == ROWS[0]
    assert list(first["out"]) == ["species", "confidence"]
    assert first["anomaly"] == {"count": 0, "confident": False}
    assert second["anomaly"] == {"count": 1, "confident": True}
    metadata = first["metadata"]
    sha = store.get_version(name="iris-post", number=1).digest.removeprefix("sha256:")
    assert json.loads(metadata["last_model"]) == {"model_name": "iris-post", "model_sha": sha}
    assert metadata["pipeline_version"] == "3"
    assert len(metadata["elapsed"]) == 4  # taking the input, then each of the three steps
    assert metadata["dropped"] == [] and metadata["partition"]


def test_the_sdks_json_form_and_a_chosen_column(client: TestClient) -> None:
    """``pipeline.infer({...})`` posts ``format=wallaroo`` JSON; ``dataset`` picks columns."""
    columns = {"measures": [row["measures"] for row in ROWS]}
    response = client.post(
        DEPLOY_URL,
        json=columns,
        params={"dataset[]": ["out.species", "metadata.elapsed"]},
        headers={"Content-Type": "application/json; format=wallaroo"},
    )
    assert response.status_code == 200, response.text
    first, _ = response.json()
    assert list(first) == ["out", "metadata"]
    assert list(first["out"]) == ["species"] and list(first["metadata"]) == ["elapsed"]


def test_the_external_url_and_an_edge_deployments_routes(
    client: TestClient, store: RegistryStore
) -> None:
    external = client.post(f"/v1/api/pipelines/infer/{NAME}-12", json=ROWS)
    assert external.status_code == 200, external.text
    edge = client.post("/infer", json=ROWS, params={"dataset.flatten": "true"})
    assert edge.status_code == 200, edge.text
    assert list(edge.json()[0])[:4] == FLAT_COLUMNS[:4]
    assert client.get("/pipelines").json() == {"pipelines": [{"id": NAME, "status": "Running"}]}
    models = client.get("/models").json()["models"]
    assert [m["name"] for m in models] == ["iris-pre", "iris-onnx", "iris-post"]
    onnx = store.get_version(name="iris-onnx", number=1)
    assert models[1] == {
        "name": "iris-onnx",
        "version": "1",
        "sha": onnx.digest.removeprefix("sha256:"),
        "status": "Running",
    }


def test_errors_answer_wallaroos_error_shape(client: TestClient) -> None:
    missing = client.post("/v1/api/pipelines/infer/other-3/other", json=ROWS)
    assert missing.status_code == 404
    body = missing.json()
    assert body["code"] == 404 and body["status"] == "error" and body["source"] == "engine"
    assert "'other' is not served here" in body["error"]
    ragged = client.post(DEPLOY_URL, json=[ROWS[0], {"measures": [63.0, 28.0]}])
    assert ragged.status_code == 422
    assert ragged.json()["field"] == "measures[1]"
    assert "ragged tensor" in ragged.json()["error"]
