"""Issue 7's pipeline: a python pre-processing step, an ONNX model converted in the test
session from scikit-learn (conftest's ``iris_onnx``) and a python post-processing step, each
uploaded as Wallaroo uploads them. It answers with the result frame over HTTP (pandas-records
JSON and Arrow) and through `modelport pipeline infer`, counts a validation's failures, and
refuses input that breaks Wallaroo's data rules, each rule with its own 422 naming the column."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
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

from ..cli import run_cli
from .conftest import IRIS_PIPELINE as NAME
from .conftest import IRIS_ROWS as ROWS
from .conftest import iris_expected as expected

ARROW = "application/vnd.apache.arrow.stream"
ARROW_FILE = "application/vnd.apache.arrow.file"
PANDAS_RECORDS = "application/json; format=pandas-records"


@pytest.fixture(scope="module")
def client(iris_pipeline: str, store: RegistryStore, settings: Settings) -> Iterator[TestClient]:
    with PipelineStore.open(settings=settings) as pipes:
        servable = load_pipeline(iris_pipeline, registry=store, pipelines=pipes, settings=settings)
    runtime = ModelRuntime(servable, version=servable.version.number)
    runtime.load()
    app = create_app(ModelSet([runtime]))
    with app_client(app) as opened:
        yield opened


def _check_frame(records: list[dict[str, object]]) -> None:
    species, confidence = expected()
    assert list(records[0]) == [
        "time",
        "in.measures",
        "out.species",
        "out.confidence",
        "anomaly.count",
        "anomaly.confident",
    ]
    assert [r["out.species"] for r in records] == species == ["setosa", "virginica"]
    np.testing.assert_allclose([r["out.confidence"] for r in records], confidence, rtol=1e-5)
    assert [r["anomaly.count"] for r in records] == [0, 1]  # the second is under 90%
    assert [r["in.measures"] for r in records] == [row["measures"] for row in ROWS]


def _arrow(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def test_pandas_records_in_result_frame_out(client: TestClient) -> None:
    response = client.post(
        f"/v1/pipelines/{NAME}/infer", json=ROWS, headers={"Content-Type": PANDAS_RECORDS}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PANDAS_RECORDS
    records = response.json()
    _check_frame(records)
    assert all(isinstance(r["time"], int) for r in records)


def test_arrow_in_arrow_out(client: TestClient) -> None:
    response = client.post(
        f"/v1/pipelines/{NAME}/infer",
        content=_arrow(pa.Table.from_pylist(ROWS)),
        headers={"Content-Type": ARROW, "Accept": ARROW},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ARROW
    frame = ipc.open_stream(response.content).read_all()
    assert frame.schema.field("time").type == pa.int64()  # epoch milliseconds, as Wallaroo's
    _check_frame(frame.to_pylist())


def test_an_arrow_file_in_an_arrow_file_out(client: TestClient) -> None:
    """What Wallaroo's own clients send and ask for: the Arrow IPC file format."""
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, pa.schema([pa.field("measures", pa.list_(pa.float64()))])) as writer:
        writer.write_table(pa.Table.from_pylist(ROWS))
    response = client.post(
        f"/v1/pipelines/{NAME}/infer",
        content=sink.getvalue().to_pybytes(),
        headers={"Content-Type": ARROW_FILE, "Accept": ARROW_FILE},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ARROW_FILE
    frame = ipc.open_file(response.content).read_all()
    _check_frame(frame.to_pylist())


def test_an_arrow_stream_sent_as_an_arrow_file_is_a_400(client: TestClient) -> None:
    response = client.post(
        f"/v1/pipelines/{NAME}/infer",
        content=_arrow(pa.Table.from_pylist(ROWS)),
        headers={"Content-Type": ARROW_FILE},
    )
    assert response.status_code == 400, response.text
    assert "malformed Arrow IPC file" in response.json()["detail"]


def test_pipeline_infer_prints_the_result_frame(
    iris_pipeline: str, wallaroo_home: Path, tmp_path: Path
) -> None:
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps(ROWS))
    result = run_cli(
        "pipeline", "infer", iris_pipeline, "--data", str(rows), "--json", home=wallaroo_home
    )
    assert result.code == 0, result.stderr
    _check_frame(result.json())  # the post-processing step's print is not in it...
    assert "step iris-post:1 printed: species step got [0 2]" in result.stderr  # ...but here
    table = run_cli("pipeline", "infer", iris_pipeline, "--data", str(rows), home=wallaroo_home)
    assert table.code == 0, table.stderr
    header = table.stdout.splitlines()[0]  # a table of the same frame, by default
    assert header.split()[::2][:2] == ["time", "in.measures"]
    assert "setosa" in table.stdout and "virginica" in table.stdout


def test_a_df_json_file_as_pandas_writes_it_is_read_by_infer_and_predict(
    iris_pipeline: str, wallaroo_home: Path, tmp_path: Path
) -> None:
    """Wallaroo's notebooks keep their rows as ``df.to_json("rows.df.json")``: pandas' default
    ``columns`` orient, ``{"measures": {"0": [...], "1": [...]}}``."""
    rows = tmp_path / "rows.df.json"
    pd.DataFrame.from_records(ROWS).to_json(rows)
    assert json.loads(rows.read_text())["measures"]["1"] == ROWS[1]["measures"]
    inferred = run_cli(
        "pipeline", "infer", iris_pipeline, "--file", str(rows), "--json", home=wallaroo_home
    )
    assert inferred.code == 0, inferred.stderr
    _check_frame(inferred.json())
    by_index = tmp_path / "rows-index.json"
    pd.DataFrame.from_records(ROWS).to_json(by_index, orient="index")
    predicted = run_cli(
        "predict", "iris-pre", "--file", str(by_index), "--json", home=wallaroo_home
    )
    assert predicted.code == 0, predicted.stderr
    tensors = [r["tensor"] for r in predicted.json()]
    expected_cm = [[m / 10 for m in row["measures"]] for row in ROWS]
    assert np.allclose(tensors, expected_cm, rtol=1e-6)


def test_pipeline_infer_holds_its_rows_to_the_data_rules(
    iris_pipeline: str, wallaroo_home: Path, tmp_path: Path
) -> None:
    rows = tmp_path / "ragged.json"
    rows.write_text(json.dumps([ROWS[0], {"measures": [63.0, 28.0]}]))
    result = run_cli("pipeline", "infer", iris_pipeline, "--data", str(rows), home=wallaroo_home)
    assert result.code == 1, result.stdout
    [line] = result.stderr.strip().splitlines()
    assert "'measures' is a ragged tensor: row 1 has shape (2,)" in line


def _refused(client: TestClient, body: object, media_type: str = PANDAS_RECORDS) -> dict[str, str]:
    response = client.post(
        f"/v1/pipelines/{NAME}/infer",
        content=json.dumps(body),
        headers={"Content-Type": media_type},
    )
    assert response.status_code == 422, response.text
    problem: dict[str, str] = response.json()
    return problem


def test_columns_of_unequal_rows_are_refused(client: TestClient) -> None:
    body = {"measures": [ROWS[0]["measures"], ROWS[1]["measures"]], "extra": [1.0]}
    problem = _refused(client, body, "application/json; format=pandas-columns")
    assert problem["field"] == "extra"
    assert "different numbers of rows: 'measures' has 2, 'extra' has 1" in problem["detail"]


def test_a_ragged_tensor_is_refused_naming_the_row(client: TestClient) -> None:
    problem = _refused(client, [ROWS[0], {"measures": [63.0, 28.0]}])
    assert problem["field"] == "measures[1]"
    assert "'measures' is a ragged tensor: row 1 has shape (2,)" in problem["detail"]


def test_floats_mixed_with_strings_are_refused_naming_the_column(client: TestClient) -> None:
    problem = _refused(client, [ROWS[0], {"measures": [63.0, "long", 51.0, 15.0]}])
    assert problem["field"] == "measures[1]"
    assert "'measures' mixes data types (number and string) at row 1" in problem["detail"]
