"""Open Inference Protocol V2, spoken by the real ``tritonclient.http`` client (JSON and
binary tensors) over a real socket, since it opens its own connections; the plain-JSON and
error cases are asked of the same app in-process over ASGI.

Models: an SVC trained on scikit-learn's bundled iris at fixture time, an echo model that
returns its INT32 / BOOL / BYTES / FP16 / fixed-shape / text / date inputs, and a free-form one.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import tritonclient.http as triton
from sklearn.datasets import load_iris
from sklearn.svm import SVC
from starlette.applications import Starlette
from starlette.testclient import TestClient
from tritonclient.utils import InferenceServerException

import modelport
from modelport import Field, Signature
from modelport.codecs.v2_bodies import HEADER_LENGTH
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import create_app
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import app_client, serve_app

IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


class Iris(modelport.Model):
    """An SVC over the four iris measurements, taken as one matrix."""

    def __init__(self) -> None:
        data = load_iris()
        self.classifier = SVC(random_state=0).fit(data.data, data.target)

    def schema(self) -> Signature:
        inputs = [Field(name, "float32") for name in IRIS_FEATURES]
        return Signature(inputs, [Field("species", "int64")])

    def predict(self, batch: np.ndarray) -> np.ndarray:
        result: np.ndarray = self.classifier.predict(batch)
        return result


class Echo(modelport.Model):
    """Returns its inputs unchanged (as ``out_<name>``), plus whether each row's flag is set."""

    def schema(self) -> Signature:
        inputs = [
            Field("count", "int32"),
            Field("flag", "bool"),
            Field("word", "string"),
            Field("blob", "binary"),
            Field("half", "float16"),
            Field("grid", "float32", shape=(2, 3)),
            Field("day", "date32"),
        ]
        outputs = [Field(f"out_{f.name}", f.type, shape=f.shape) for f in inputs]
        return Signature(inputs, outputs)

    def predict(self, batch: pa.Table) -> pa.Table:
        names = [f"out_{name}" for name in batch.column_names]
        return pa.Table.from_arrays(batch.columns, names=names)


class Series(modelport.Model):
    """Variable-length lists and times in; the same out, plus an undeclared list output."""

    def schema(self) -> Signature:
        inputs = [Field("tokens", list[float]), Field("when", "timestamp[ms]")]
        return Signature(inputs, inputs)

    def predict(self, batch: pa.Table) -> pa.Table:
        pairs = pa.array([[1, 2]] * batch.num_rows)
        return batch.append_column("pairs", pairs)


class Anything(modelport.Model):
    """A free-form model: answers with its input columns doubled."""

    def predict(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {name: values * 2 for name, values in batch.items()}


def _runtime(model: modelport.Model, name: str, version: int = 1) -> ModelRuntime:
    signature = model.schema() if name != "anything" else Signature(strict=False, free_form=True)
    servable = PythonModelServable(model, name=name, signature=signature)
    runtime = ModelRuntime(servable, version=version)
    runtime.load()
    return runtime


def v2_app() -> Starlette:
    """The models above, loaded, in an app of their own (one per way of asking it)."""
    echo = Echo()
    iris = Iris()
    models = ModelSet(
        [
            _runtime(iris, "iris", 1),
            _runtime(iris, "iris", 2),
            _runtime(echo, "echo"),
            _runtime(Anything(), "anything"),
            _runtime(Series(), "series"),
        ]
    )
    return create_app(models)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_app(v2_app()) as base:
        yield base


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[triton.InferenceServerClient]:
    connection = triton.InferenceServerClient(url=base_url.removeprefix("http://"))
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def http() -> Iterator[TestClient]:
    with app_client(v2_app()) as session:
        yield session


IRIS_ROWS = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]], "float32")
IRIS_SPECIES = [0, 2, 1]


# --- health and metadata ---------------------------------------------------------------------


def test_health_and_readiness(client: triton.InferenceServerClient) -> None:
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready("iris")
    assert client.is_model_ready("iris", model_version="2")
    assert not client.is_model_ready("iris", model_version="7")
    assert not client.is_model_ready("nope")


def test_server_metadata(client: triton.InferenceServerClient) -> None:
    metadata = client.get_server_metadata()
    assert metadata == {
        "name": "modelport",
        "version": modelport.__version__,
        "extensions": ["binary_tensor_data"],
    }


def test_the_repository_index_lists_every_model(client: triton.InferenceServerClient) -> None:
    index = client.get_model_repository_index()
    assert sorted((m["name"], m["version"], m["state"]) for m in index) == [
        ("anything", "1", "READY"),
        ("echo", "1", "READY"),
        ("iris", "1", "READY"),
        ("iris", "2", "READY"),
        ("series", "1", "READY"),
    ]


def test_model_metadata(client: triton.InferenceServerClient) -> None:
    metadata = client.get_model_metadata("iris")
    assert metadata["name"] == "iris"
    assert metadata["versions"] == ["1", "2"]
    assert metadata["platform"] == "modelport"
    assert metadata["inputs"] == [
        {"name": name, "datatype": "FP32", "shape": [-1]} for name in IRIS_FEATURES
    ]
    assert metadata["outputs"] == [{"name": "species", "datatype": "INT64", "shape": [-1]}]
    echo = client.get_model_metadata("echo", model_version="1")
    assert {i["name"]: (i["datatype"], i["shape"]) for i in echo["inputs"]} == {
        "count": ("INT32", [-1]),
        "flag": ("BOOL", [-1]),
        "word": ("BYTES", [-1]),
        "blob": ("BYTES", [-1]),
        "half": ("FP16", [-1]),
        "grid": ("FP32", [-1, 2, 3]),
        "day": ("BYTES", [-1]),
    }
    free = client.get_model_metadata("anything")
    assert (free["inputs"], free["outputs"]) == ([], [])


def test_unknown_model_metadata_is_an_error(client: triton.InferenceServerClient) -> None:
    with pytest.raises(InferenceServerException) as caught:
        client.get_model_metadata("nope")
    assert caught.value.status() == "404"


# --- inference with tritonclient -------------------------------------------------------------


@pytest.mark.parametrize("binary", [False, True])
def test_iris_one_tensor_per_feature(client: triton.InferenceServerClient, binary: bool) -> None:
    inputs = []
    for index, name in enumerate(IRIS_FEATURES):
        tensor = triton.InferInput(name, [3], "FP32")
        tensor.set_data_from_numpy(IRIS_ROWS[:, index].copy(), binary_data=binary)
        inputs.append(tensor)
    outputs = [triton.InferRequestedOutput("species", binary_data=binary)]
    result = client.infer("iris", inputs, outputs=outputs, request_id="req-1")
    species = result.as_numpy("species")
    assert species.dtype == np.int64
    assert species.tolist() == IRIS_SPECIES
    response = result.get_response()
    assert response["model_name"] == "iris"
    assert response["model_version"] == "2"
    assert response["id"] == "req-1"
    assert ("data" in response["outputs"][0]) is not binary


@pytest.mark.parametrize("binary", [False, True])
def test_iris_as_one_matrix(client: triton.InferenceServerClient, binary: bool) -> None:
    tensor = triton.InferInput("input-0", [3, 4], "FP32")
    tensor.set_data_from_numpy(IRIS_ROWS, binary_data=binary)
    result = client.infer("iris", [tensor], model_version="1")  # no outputs: all, binary
    assert result.as_numpy("species").tolist() == IRIS_SPECIES
    assert result.get_response()["model_version"] == "1"
    assert "data" not in result.get_response()["outputs"][0]


def _echo_inputs(binary: bool) -> tuple[list[triton.InferInput], dict[str, np.ndarray]]:
    values = {
        "count": np.array([7, -2_000_000_000], dtype=np.int32),
        "flag": np.array([True, False]),
        "word": np.array(["héllo", ""], dtype=object),
        "blob": np.array([b"\x00\xffraw", b"abc"], dtype=object),
        "half": np.array([1.5, -0.25], dtype=np.float16),
        "grid": np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 4,
        "day": np.array(["2024-02-29", "1999-12-31"], dtype=object),
    }
    datatypes = {"count": "INT32", "flag": "BOOL", "half": "FP16", "grid": "FP32"}
    inputs = []
    for name, array in values.items():
        tensor = triton.InferInput(name, list(array.shape), datatypes.get(name, "BYTES"))
        # bytes that are not UTF-8 cannot travel in JSON
        tensor.set_data_from_numpy(array, binary_data=binary or name == "blob")
        inputs.append(tensor)
    return inputs, values


@pytest.mark.parametrize("binary", [False, True])
def test_echo_every_datatype(client: triton.InferenceServerClient, binary: bool) -> None:
    inputs, sent = _echo_inputs(binary)
    names = [f"out_{name}" for name in sent]
    outputs = [
        triton.InferRequestedOutput(name, binary_data=binary or name == "out_blob")
        for name in names
    ]
    result = client.infer("echo", inputs, outputs=outputs)
    got = {name.removeprefix("out_"): result.as_numpy(name) for name in names}
    assert got["count"].dtype == np.int32
    assert got["count"].tolist() == [7, -2_000_000_000]
    assert got["flag"].dtype == np.bool_
    assert got["flag"].tolist() == [True, False]
    assert got["half"].dtype == np.float16
    assert got["half"].tolist() == [1.5, -0.25]
    assert got["grid"].shape == (2, 2, 3)
    assert got["grid"].dtype == np.float32
    np.testing.assert_array_equal(got["grid"], sent["grid"])
    assert got["blob"].tolist() == [b"\x00\xffraw", b"abc"]
    text = [w.decode() if isinstance(w, bytes) else w for w in got["word"].tolist()]
    assert text == ["héllo", ""]
    days = [d.decode() if isinstance(d, bytes) else d for d in got["day"].tolist()]
    assert days == ["2024-02-29", "1999-12-31"]
    shapes = {o["name"]: o["shape"] for o in result.get_response()["outputs"]}
    assert shapes["out_grid"] == [2, 2, 3]
    assert shapes["out_count"] == [2]


def test_only_requested_outputs_mixed_json_and_binary(
    client: triton.InferenceServerClient,
) -> None:
    inputs, _ = _echo_inputs(binary=True)
    outputs = [
        triton.InferRequestedOutput("out_half", binary_data=False),
        triton.InferRequestedOutput("out_count", binary_data=True),
    ]
    result = client.infer("echo", inputs, outputs=outputs)
    response = result.get_response()
    assert [o["name"] for o in response["outputs"]] == ["out_half", "out_count"]
    assert response["outputs"][0]["data"] == [1.5, -0.25]
    assert response["outputs"][1]["parameters"]["binary_data_size"] == 8
    assert result.as_numpy("out_count").tolist() == [7, -2_000_000_000]


def test_compressed_request(client: triton.InferenceServerClient) -> None:
    tensor = triton.InferInput("input-0", [3, 4], "FP32")
    tensor.set_data_from_numpy(IRIS_ROWS)
    for algorithm in ("gzip", "deflate"):
        result = client.infer("iris", [tensor], request_compression_algorithm=algorithm)
        assert result.as_numpy("species").tolist() == IRIS_SPECIES


def test_free_form_model(client: triton.InferenceServerClient) -> None:
    tensor = triton.InferInput("x", [2, 2], "INT64")
    tensor.set_data_from_numpy(np.array([[1, 2], [3, 4]], dtype=np.int64))
    result = client.infer("anything", [tensor])
    assert result.as_numpy("x").tolist() == [[2, 4], [6, 8]]


# --- raw HTTP: the JSON shape and every error ------------------------------------------------


def test_plain_json_answer(http: TestClient) -> None:
    body = {
        "inputs": [
            {"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [[5.1, 3.5, 1.4, 0.2]]}
        ]
    }
    answer = http.post("/v2/models/iris/infer", json=body, headers={"x-request-id": "abc"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert HEADER_LENGTH.lower() not in answer.headers
    assert answer.json() == {
        "model_name": "iris",
        "model_version": "2",
        "id": "abc",
        "outputs": [{"name": "species", "datatype": "INT64", "shape": [1], "data": [0]}],
    }


def test_lists_and_times(http: TestClient) -> None:
    metadata = http.get("/v2/models/series").json()
    assert metadata["inputs"] == [
        {"name": "tokens", "datatype": "FP64", "shape": [-1, -1]},
        {"name": "when", "datatype": "BYTES", "shape": [-1]},
    ]
    tokens = {"name": "tokens", "shape": [2, 3], "datatype": "FP64", "data": [1, 2, 3, 4, 5, 6]}
    days = ["2024-01-01T12:00:00.5+02:00", "2024-03-01"]
    when = {"name": "when", "shape": [2], "datatype": "BYTES", "data": days}
    answer = http.post("/v2/models/series/infer", json={"inputs": [tokens, when]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["outputs"] == [
        {"name": "tokens", "datatype": "FP64", "shape": [2, 3], "data": [1, 2, 3, 4, 5, 6]},
        {
            "name": "when",
            "datatype": "BYTES",
            "shape": [2],
            "data": ["2024-01-01T10:00:00.500", "2024-03-01T00:00:00.000"],
        },
        {"name": "pairs", "datatype": "INT64", "shape": [2, 2], "data": [1, 2, 1, 2]},
    ]
    bad = {**when, "data": ["yesterday", "2024-03-01"]}
    refused = http.post("/v2/models/series/infer", json={"inputs": [tokens, bad]})
    assert (refused.status_code, refused.json()["field"]) == (422, "when")


def test_model_ready_body(http: TestClient) -> None:
    answer = http.get("/v2/models/iris/versions/1/ready")
    assert (answer.status_code, answer.json()) == (200, {"name": "iris", "ready": True})


def _iris_input(**changes: Any) -> dict[str, Any]:
    tensor = {"name": "sepal_length", "shape": [1], "datatype": "FP32", "data": [5.1]}
    return {**tensor, **changes}


def _iris_body(*replaced: dict[str, Any]) -> dict[str, Any]:
    first = IRIS_ROWS[0].tolist()
    inputs = {name: _iris_input(name=name, data=[first[i]]) for i, name in enumerate(IRIS_FEATURES)}
    for tensor in replaced:
        inputs[tensor["name"]] = tensor
    return {"inputs": list(inputs.values())}


ERRORS = [
    ("length", _iris_body(_iris_input(data=[1.0, 2.0])), 422, "sepal_length"),
    ("datatype", _iris_body(_iris_input(datatype="FP8")), 422, "sepal_length"),
    (
        "ragged",
        _iris_body(_iris_input(shape=[2, 2], data=[[1.0, 2.0], [3.0]])),
        422,
        "sepal_length",
    ),
    ("not numbers", _iris_body(_iris_input(data=["x"])), 422, "sepal_length"),
    ("ints for bools", {"inputs": [_iris_input(name="x", datatype="BOOL", data=[1])]}, 422, "x"),
    ("shape", _iris_body(_iris_input(shape=[1, 2], data=[1.0, 2.0])), 422, "sepal_length"),
    ("unknown", _iris_body(_iris_input(name="colour")), 422, "colour"),
    ("missing", {"inputs": [_iris_input()]}, 422, "sepal_width"),
    (
        "row counts",
        _iris_body(_iris_input(name="petal_width", shape=[2], data=[1.0, 2.0])),
        422,
        "petal_width",
    ),
    ("no inputs", {"inputs": []}, 422, "inputs"),
    ("unknown output", {**_iris_body(), "outputs": [{"name": "colour"}]}, 422, "colour"),
]


@pytest.mark.parametrize(("case", "body", "status", "field"), ERRORS, ids=[e[0] for e in ERRORS])
def test_invalid_requests(
    http: TestClient, case: str, body: dict[str, Any], status: int, field: str
) -> None:
    answer = http.post("/v2/models/iris/infer", json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["field"] == field


def test_valid_body_passes(http: TestClient) -> None:
    answer = http.post("/v2/models/iris/infer", json=_iris_body())
    assert answer.status_code == 200, answer.text
    assert answer.json()["outputs"][0]["data"] == [0]


def test_malformed_bodies(http: TestClient) -> None:
    broken = http.post("/v2/models/iris/infer", content=b"{not json")
    assert broken.status_code == 400
    header = b'{"inputs": []}'
    for length in ("abc", "0", str(len(header) + 5)):
        answer = http.post("/v2/models/iris/infer", content=header, headers={HEADER_LENGTH: length})
        assert answer.status_code == 400, length
        assert answer.json()["field"] == HEADER_LENGTH
    corrupt = http.post(
        "/v2/models/iris/infer", content=b"not gzip", headers={"content-encoding": "gzip"}
    )
    assert corrupt.status_code == 400
    zipped = http.post(
        "/v2/models/iris/infer",
        content=gzip.compress(b'{"inputs": 5}'),
        headers={"content-encoding": "gzip"},
    )
    assert (zipped.status_code, zipped.json()["field"]) == (422, "inputs")


def test_binary_size_mismatch(http: TestClient) -> None:
    header = b'{"inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP32", '
    header += b'"parameters": {"binary_data_size": 16}}]}'
    data = np.array([5.1, 3.5, 1.4, 0.2], dtype="<f4").tobytes()
    headers = {HEADER_LENGTH: str(len(header))}
    short = http.post("/v2/models/iris/infer", content=header + data[:12], headers=headers)
    assert (short.status_code, short.json()["field"]) == (400, "input-0")
    extra = http.post("/v2/models/iris/infer", content=header + data + b"xx", headers=headers)
    assert (extra.status_code, extra.json()["field"]) == (400, HEADER_LENGTH)
    good = http.post("/v2/models/iris/infer", content=header + data, headers=headers)
    assert good.status_code == 200, good.text
    assert good.json()["outputs"][0]["data"] == [0]


def test_not_found(http: TestClient) -> None:
    for path in ("/v2/models/nope", "/v2/models/iris/versions/9", "/v2/models/nope/ready"):
        assert http.get(path).status_code == 404, path
    answer = http.post("/v2/models/iris/versions/9/infer", json=_iris_body())
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


def test_readiness_while_loading() -> None:
    loading = ModelRuntime(PythonModelServable(Iris(), name="slow", signature=Iris().schema()))
    app = create_app(ModelSet([loading]))
    with app_client(app) as local:
        assert local.get("/v2/health/live").status_code == 200
        assert local.get("/v2/health/ready").status_code == 503
        answer = local.get("/v2/models/slow/ready")
        assert (answer.status_code, answer.json()) == (503, {"name": "slow", "ready": False})
        early = local.post("/v2/models/slow/infer", json=_iris_body())
        assert (early.status_code, early.headers["retry-after"]) == (503, "1")
        assert "still loading" in early.json()["error"]
        loading.load()
        assert local.post("/v2/models/slow/infer", json=_iris_body()).status_code == 200
        assert local.get("/v2/models/slow/versions/1/ready").json() == {
            "name": "slow",
            "ready": True,
        }
        assert local.get("/v2/health/ready").status_code == 200


def test_the_repository_index_while_loading_and_for_ready_models_only() -> None:
    loading = ModelRuntime(PythonModelServable(Iris(), name="slow", signature=Iris().schema()))
    loaded = _runtime(Anything(), "anything", 3)
    with app_client(create_app(ModelSet([loading, loaded]))) as local:
        everything = local.post("/v2/repository/index").json()
        ready_only = local.post("/v2/repository/index", json={"ready": True}).json()
        malformed = local.post("/v2/repository/index", content=b"{")
    assert everything == [
        {"name": "slow", "version": "1", "state": "LOADING"},
        {"name": "anything", "version": "3", "state": "READY"},
    ]
    assert ready_only == [{"name": "anything", "version": "3", "state": "READY"}]
    assert malformed.status_code == 400
    assert "not JSON" in malformed.json()["detail"]
