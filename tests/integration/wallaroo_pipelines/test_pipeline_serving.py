"""`modelport serve PIPELINE` as a real process: the Wallaroo route with pandas-records JSON and
Arrow, the Open Inference V2 routes under the pipeline's name, bad input, and the log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from modelport.pipelines.logs import InferenceLog
from modelport.settings import Settings
from modelport.testing import ServerProcess, start_server

from ..printed_curl import printed_curl, send_curl
from .conftest import ROWS

ARROW = "application/vnd.apache.arrow.stream"
PANDAS_RECORDS = "application/json; format=pandas-records"


@pytest.fixture(scope="module")
def started() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def server(
    pipeline_home: Path, started: datetime, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    with start_server(
        "iris",
        serve_options=("--log-inferences",),
        log_dir=tmp_path_factory.mktemp("pipeline-serve"),
        env={"MODELPORT_HOME": str(pipeline_home)},
        ready_timeout=60,
    ) as started_server:
        yield started_server


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as opened:
        yield opened


def test_the_printed_curl_line_works(server: ServerProcess) -> None:
    line = printed_curl(server.output())
    assert f"{server.url}/pipelines/iris" in line
    answer = send_curl(line)
    assert answer.status_code == 200, answer.text
    assert answer.json()[0]["out"]["species"] in {"setosa", "versicolor", "virginica"}  # nested


def _arrow(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def test_pandas_records_in_result_frame_out(client: httpx.Client) -> None:
    response = client.post(
        "/v1/pipelines/iris/infer", json=ROWS, headers={"Content-Type": PANDAS_RECORDS}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == PANDAS_RECORDS
    frame = response.json()
    assert [r["out.species"] for r in frame] == ["setosa", "versicolor"]
    assert [r["anomaly.count"] for r in frame] == [0, 1]
    assert frame[1]["in.sepal_width"] == 2.8
    assert set(frame[0]) == {
        "time", *(f"in.{n}" for n in ROWS[0]), "out.species", "out.confidence",
        "anomaly.count", "anomaly.confident",
    }  # fmt: skip


def test_arrow_in_arrow_out(client: httpx.Client) -> None:
    response = client.post(
        "/v1/pipelines/iris/infer",
        content=_arrow(pa.Table.from_pylist(ROWS)),
        headers={"Content-Type": ARROW, "Accept": ARROW},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ARROW
    frame = ipc.open_stream(response.content).read_all()
    assert frame.schema.field("time").type == pa.int64()  # epoch milliseconds, as Wallaroo's
    assert frame.column("out.species").to_pylist() == ["setosa", "versicolor"]
    assert frame.column("anomaly.count").to_pylist() == [0, 1]


def test_the_pipeline_answers_open_inference_v2_under_its_name(client: httpx.Client) -> None:
    metadata = client.get("/v2/models/iris").json()
    assert [i["name"] for i in metadata["inputs"]] == list(ROWS[0])
    assert [o["name"] for o in metadata["outputs"]] == ["species", "confidence"]
    inputs = [
        {"name": name, "datatype": "FP64", "shape": [2], "data": [row[name] for row in ROWS]}
        for name in ROWS[0]
    ]
    answer = client.post("/v2/models/iris/infer", json={"inputs": inputs})
    assert answer.status_code == 200, answer.text
    outputs = {o["name"]: o["data"] for o in answer.json()["outputs"]}
    assert outputs["species"] == ["setosa", "versicolor"]


def test_bad_input_gets_a_clear_error(client: httpx.Client) -> None:
    missing = client.post(
        "/v1/pipelines/iris/infer",
        json=[{"sepal_length": 1.0}],
        headers={"Content-Type": PANDAS_RECORDS},
    )
    assert missing.status_code == 422
    assert missing.json()["field"] == "sepal_width"
    assert "missing input columns" in missing.json()["detail"]
    mixed = client.post(
        "/v1/pipelines/iris/infer",
        json=[{**ROWS[0], "petal_width": "wide"}],
        headers={"Content-Type": PANDAS_RECORDS},
    )
    assert mixed.status_code == 422 and mixed.json()["field"] == "petal_width"
    unknown = client.post("/v1/pipelines/other/infer", json=ROWS)
    assert unknown.status_code == 404


def test_every_inference_through_the_server_is_logged(
    client: httpx.Client, pipeline_home: Path, started: datetime
) -> None:
    before = InferenceLog.of("iris", settings=Settings(home=pipeline_home)).read(since=started)
    response = client.post("/v1/pipelines/iris/infer", json=ROWS[1:])
    assert response.status_code == 200
    after = InferenceLog.of("iris", settings=Settings(home=pipeline_home)).read(since=started)
    assert after.num_rows == before.num_rows + 1
    last = after.slice(after.num_rows - 1).to_pylist()[0]
    assert last["in.sepal_length"] == 6.3 and last["anomaly.count"] == 1
    assert last["pipeline_version"] == 3
