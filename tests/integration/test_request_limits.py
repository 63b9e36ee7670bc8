"""Requests the server refuses with a 4xx naming what to change, never a 5xx: bodies that decode
to more than the server's limits (``--max-body-size`` after inflating, ``--max-rows``, decoded
bytes), empty batches (422 on every protocol: a model is never called on no rows), shapes numpy
cannot hold, duplicate or unreadable column names, what Arrow cannot convert, float16 overflow,
and GET on a predict route. The app runs in-process; test_request_limits_process.py has the
bodies that would allocate gigabytes, sent to a real server under a memory cap."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from typing import Any

import httpx2
import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from starlette.testclient import TestClient

import modelport
from modelport import Field, Signature
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import AppOptions, create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import app_client

from . import models_for_tests as m

ARROW = "application/vnd.apache.arrow.stream"
PARQUET = "application/vnd.apache.parquet"
MAX_BODY = 20_000
MAX_ROWS = 50


class Half(modelport.Model):
    """A float16 input, echoed."""

    def schema(self) -> Signature:
        return Signature([Field("h", "float16")], [Field("h", "float16")])

    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch[:, 0]


class Tokens(modelport.Model):
    """A list input, which CSV cannot carry."""

    def schema(self) -> Signature:
        return Signature([Field("tokens", list[float])], [Field("n", "int64")])

    def predict(self, batch: pa.Table) -> pa.Table:
        return pa.table({"n": pa.compute.list_value_length(batch.column("tokens"))})


class Anything(modelport.Model):
    """Free-form: answers its columns."""

    def predict(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return batch


def _runtime(model: modelport.Model, name: str) -> ModelRuntime:
    signature = Signature(strict=False, free_form=True) if name == "anything" else model.schema()
    runtime = ModelRuntime(PythonModelServable(model, name=name, signature=signature), version=1)
    runtime.load()
    return runtime


@pytest.fixture(scope="module")
def server() -> Iterator[TestClient]:
    models = ModelSet(
        [
            _runtime(m.Adder(), "adder"),
            _runtime(Half(), "half"),
            _runtime(Tokens(), "tokens"),
            _runtime(Anything(), "anything"),
        ]
    )
    app = create_app(models, AppOptions(max_body_size=MAX_BODY, max_rows=MAX_ROWS))
    with app_client(app) as client:
        yield client


def _problem(answer: httpx2.Response, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = answer.json()
    return body


def _arrow(table: pa.Table, compression: str | None = None) -> bytes:
    sink = pa.BufferOutputStream()
    options = ipc.IpcWriteOptions(compression=compression)
    with ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _v2(name: str, datatype: str, shape: list[int], data: list[Any]) -> dict[str, Any]:
    return {"inputs": [{"name": name, "datatype": datatype, "shape": shape, "data": data}]}


XY_ROWS = pa.table({"x": [1.0] * (MAX_ROWS + 1), "y": [2.0] * (MAX_ROWS + 1)})


# --- limits on what a body decodes to --------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'[{"x": 1, "y": 2}' + b', {"x": 1, "y": 2}' * MAX_ROWS + b"]", "application/json"),
        (b"x,y\n" + b"1,2\n" * (MAX_ROWS + 1), "text/csv"),
        (_arrow(XY_ROWS, "zstd"), ARROW),
        (_parquet(XY_ROWS), PARQUET),
    ],
    ids=["json", "csv", "arrow", "parquet"],
)
def test_more_rows_than_max_rows_is_413_naming_the_option(
    server: TestClient, content: bytes, content_type: str
) -> None:
    answer = server.post(
        "/v1/models/adder/predict", content=content, headers={"content-type": content_type}
    )
    problem = _problem(answer, 413)
    assert f"over the limit of {MAX_ROWS}" in problem["detail"]
    assert "--max-rows" in problem["detail"]


def test_v2_and_kserve_rows_are_bounded_by_max_rows(server: TestClient) -> None:
    rows = MAX_ROWS + 1
    v2 = server.post("/v2/models/anything/infer", json=_v2("x", "FP32", [rows], [1.0] * rows))
    assert "--max-rows" in _problem(v2, 413)["detail"]
    kserve = server.post("/v1/models/adder:predict", json={"instances": [[1.0, 2.0]] * rows})
    assert "--max-rows" in _problem(kserve, 413)["detail"]


def test_a_small_compressed_body_that_decodes_to_too_many_bytes_is_413() -> None:
    """A few kilobytes of Parquet or zstd Arrow declaring megabytes are refused before the
    server holds them (the decoded limit is ten times --max-body-size)."""
    word = "w" * 100_000
    table = pa.table({"text": [word] * 40})  # 4 MB of text, a few KB compressed
    models = ModelSet([_runtime(Anything(), "anything")])
    app = create_app(models, AppOptions(max_body_size=MAX_BODY))
    with app_client(app) as client:
        for content, kind in ((_parquet(table), PARQUET), (_arrow(table, "zstd"), ARROW)):
            assert len(content) < MAX_BODY
            answer = client.post(
                "/v1/models/anything/predict", content=content, headers={"content-type": kind}
            )
            assert "--max-body-size" in _problem(answer, 413)["detail"], kind


def test_gzip_is_bounded_by_max_body_size_once_inflated(server: TestClient) -> None:
    body = b'{"inputs": [], "pad": "' + b" " * (MAX_BODY * 5) + b'"}'
    zipped = gzip.compress(body)
    assert len(zipped) < MAX_BODY
    answer = server.post(
        "/v2/models/adder/infer", content=zipped, headers={"content-encoding": "gzip"}
    )
    problem = _problem(answer, 413)
    assert f"{MAX_BODY:,}" in problem["detail"]
    assert "--max-body-size" in problem["detail"]


# --- input that reached the model or the decoder and answered 500 ----------------------------


def test_an_empty_batch_is_422_on_every_protocol(server: TestClient) -> None:
    csv = {"content-type": "text/csv"}
    answers = [
        server.post("/v1/models/adder/predict", json=[]),
        server.post("/v1/models/adder/predict", content=b"x,y\n", headers=csv),
        server.post(
            "/v1/models/adder/predict",
            content=_arrow(XY_ROWS.slice(0, 0)),
            headers={"content-type": ARROW},
        ),
        server.post("/v1/models/adder:predict", json={"instances": []}),
        server.post(
            "/v2/models/adder/infer",
            json={"inputs": [_v2(n, "FP64", [0], [])["inputs"][0] for n in ("x", "y")]},
        ),
        server.post("/v2/models/anything/infer", json=_v2("x", "FP32", [0], [])),
    ]
    for answer in answers:
        assert "no rows" in _problem(answer, 422)["detail"]


def test_a_shape_of_more_dimensions_than_numpy_holds_is_422(server: TestClient) -> None:
    answer = server.post("/v2/models/anything/infer", json=_v2("x", "FP32", [1] * 65, [1.0]))
    problem = _problem(answer, 422)
    assert problem["field"] == "x"
    assert "65 dimensions, over the limit of 32" in problem["detail"]
    most = server.post("/v2/models/anything/infer", json=_v2("x", "FP32", [1] * 32, [1.0]))
    assert most.status_code == 200, most.text


def test_duplicate_column_names_are_422_naming_the_column(server: TestClient) -> None:
    csv = server.post(
        "/v1/models/adder/predict", content=b"x,x,y\n1,2,3\n", headers={"content-type": "text/csv"}
    )
    assert _problem(csv, 422)["field"] == "x"
    table = pa.Table.from_arrays([pa.array([1.0]), pa.array([2.0])], names=["y", "y"])
    arrow = server.post(
        "/v1/models/adder/predict", content=_arrow(table), headers={"content-type": ARROW}
    )
    assert _problem(arrow, 422)["field"] == "y"


def test_column_names_that_are_not_utf8_are_400(server: TestClient) -> None:
    table = pa.table({"xé": [1.0]})
    body = _arrow(table).replace("xé".encode(), b"x\xff\xfe")
    answer = server.post(
        "/v1/models/anything/predict", content=body, headers={"content-type": ARROW}
    )
    assert "not UTF-8" in _problem(answer, 400)["detail"]


def test_what_arrow_cannot_convert_is_422(server: TestClient) -> None:
    answer = server.post(
        "/v1/models/tokens/predict",
        content=b"tokens\n1.0\n",
        headers={"content-type": "text/csv"},
    )
    assert "cannot read" in _problem(answer, 422)["detail"]


def test_float16_overflow_is_422_not_an_infinity(server: TestClient) -> None:
    v2 = server.post("/v2/models/half/infer", json=_v2("h", "FP16", [1], [70000.0]))
    assert _problem(v2, 422)["field"] == "h"
    native = server.post("/v1/models/half/predict", json=[{"h": 70000.0}])
    assert "outside the range of float16" in _problem(native, 422)["detail"]
    fine = server.post("/v2/models/half/infer", json=_v2("h", "FP16", [1], [1.5]))
    assert fine.status_code == 200, fine.text
    assert fine.json()["outputs"][0]["data"] == [1.5]


def test_get_on_a_predict_route_is_405(server: TestClient) -> None:
    for path in (
        "/v1/models/adder:predict",
        "/v1/models/adder/predict",
        "/v2/models/adder/infer",
    ):
        answer = server.get(path)
        assert answer.status_code == 405, path
        assert "POST" in answer.headers["allow"], path


def test_parquet_of_run_length_encoded_zeros_is_413_before_it_is_read() -> None:
    """Run-length encoding makes a million rows of zeros declare a few bytes per row group; the
    rows times the columns' widths still bound what it decodes to."""
    zeros = pa.array([0] * 100_000, pa.int64())
    table = pa.table({f"c{index}": zeros for index in range(40)})  # 32 MB decoded
    body = _parquet(table)
    assert len(body) < 200_000
    models = ModelSet([_runtime(Anything(), "anything")])
    app = create_app(models, AppOptions(max_body_size=MAX_BODY))
    with app_client(app) as client:
        answer = client.post(
            "/v1/models/anything/predict", content=body, headers={"content-type": PARQUET}
        )
    assert "--max-body-size" in _problem(answer, 413)["detail"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_native_routes_inflate_compressed_bodies_within_max_body_size(
    server: TestClient, encoding: str
) -> None:
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS

    def compress(body: bytes) -> bytes:
        deflater = zlib.compressobj(wbits=wbits)
        return deflater.compress(body) + deflater.flush()

    headers = {"content-encoding": encoding, "content-type": "application/json"}
    rows = b'[{"x": 1, "y": 2}, {"x": 3, "y": 4}]'
    answer = server.post("/v1/models/adder/predict", content=compress(rows), headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == [{"sum": 3.0}, {"sum": 7.0}]
    padded = b'[{"x": 1, "y": 2, "pad": "' + b" " * (MAX_BODY * 5) + b'"}]'
    too_big = server.post("/v1/models/adder/predict", content=compress(padded), headers=headers)
    assert "--max-body-size" in _problem(too_big, 413)["detail"]


def test_a_csv_header_that_is_not_utf8_is_400(server: TestClient) -> None:
    body = b"x\xff\xfe,y\n1,2\n"
    answer = server.post(
        "/v1/models/anything/predict", content=body, headers={"content-type": "text/csv"}
    )
    assert "not UTF-8" in _problem(answer, 400)["detail"]
