"""Open Inference Protocol V2 over gRPC, spoken by the real ``tritonclient.grpc`` client (raw
tensor contents) and by hand-made messages of tritonclient's own classes (typed contents), against
the gRPC server modelport runs beside uvicorn; then ``modelport serve --grpc-port`` as a process.

The models are the REST protocol tests' (``test_v2_protocol``), so both transports are held to
the same answers.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import httpx
import numpy as np
import pytest
import tritonclient.grpc as triton
from tritonclient.grpc import service_pb2
from tritonclient.utils import InferenceServerException

from modelport.codecs.limits import DecodeLimits
from modelport.serving.auth import Tokens
from modelport.serving.grpc.server import grpc_serving
from modelport.serving.metrics import ServerMetrics
from modelport.serving.models import ModelSet
from modelport.testing import free_port, start_server

from .cli import build_model_code, run_cli
from .test_v2_protocol import IRIS_ROWS, IRIS_SPECIES, Anything, Echo, Iris, _runtime

HOST = "127.0.0.1"


def _models() -> ModelSet:
    iris = Iris()
    return ModelSet(
        [
            _runtime(iris, "iris", 1),
            _runtime(iris, "iris", 2),
            _runtime(Echo(), "echo"),
            _runtime(Anything(), "anything"),
        ]
    )


@contextmanager
def grpc_server(tokens: Tokens | None = None) -> Iterator[tuple[str, ServerMetrics]]:
    """The models served over gRPC by an event loop in a thread; yields the address and the
    metrics the calls are counted in."""
    models = _models()
    metrics = ServerMetrics(models)
    limits = DecodeLimits(max_body_size=1024**2, max_rows=1000)
    started = threading.Event()
    address: list[str] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        async with grpc_serving(
            models, host=HOST, port=0, limits=limits, metrics=metrics, tokens=tokens
        ) as bound:
            address.append(bound)
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(30), "the gRPC server did not start"
    try:
        yield address[0], metrics
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, ServerMetrics]]:
    with grpc_server() as found:
        yield found


@pytest.fixture(scope="module")
def client(served: tuple[str, ServerMetrics]) -> Iterator[triton.InferenceServerClient]:
    connection = triton.InferenceServerClient(url=served[0])
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def infer_call(served: tuple[str, ServerMetrics]) -> Iterator[Callable[..., object]]:
    """ModelInfer through a bare channel, with tritonclient's own message classes."""
    channel = grpc.insecure_channel(served[0])
    call = channel.unary_unary(
        "/inference.GRPCInferenceService/ModelInfer",
        request_serializer=service_pb2.ModelInferRequest.SerializeToString,
        response_deserializer=service_pb2.ModelInferResponse.FromString,
    )
    yield call
    channel.close()


def test_health_readiness_and_metadata(client: triton.InferenceServerClient) -> None:
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready("iris")
    assert client.is_model_ready("iris", "1")
    server = client.get_server_metadata(as_json=True)
    assert server["name"] == "modelport"
    model = client.get_model_metadata("iris", as_json=True)
    assert model["name"] == "iris"
    assert sorted(model["versions"]) == ["1", "2"]
    assert [i["name"] for i in model["inputs"]] == [
        "sepal_length",
        "sepal_width",
        "petal_length",
        "petal_width",
    ]
    assert {i["datatype"] for i in model["inputs"]} == {"FP32"}
    assert model["outputs"][0] == {"name": "species", "datatype": "INT64", "shape": ["-1"]}


def test_iris_one_tensor_per_feature(client: triton.InferenceServerClient) -> None:
    names = ("sepal_length", "sepal_width", "petal_length", "petal_width")
    inputs = []
    for index, name in enumerate(names):
        tensor = triton.InferInput(name, [3], "FP32")
        tensor.set_data_from_numpy(np.ascontiguousarray(IRIS_ROWS[:, index]))
        inputs.append(tensor)
    result = client.infer("iris", inputs, model_version="2", request_id="r-7")
    assert result.as_numpy("species").tolist() == IRIS_SPECIES
    response = result.get_response(as_json=True)
    assert response["model_version"] == "2"
    assert response["id"] == "r-7"


def test_echo_every_datatype(client: triton.InferenceServerClient) -> None:
    values = {
        "count": np.array([7, -2_000_000_000], dtype=np.int32),
        "flag": np.array([True, False]),
        "word": np.array(["héllo".encode(), b""], dtype=object),
        "blob": np.array([b"\x00\xffraw", b"abc"], dtype=object),
        "half": np.array([1.5, -0.25], dtype=np.float16),
        "grid": np.arange(12, dtype=np.float32).reshape(2, 2, 3) / 4,
        "day": np.array([b"2024-02-29", b"1999-12-31"], dtype=object),
    }
    datatypes = {"count": "INT32", "flag": "BOOL", "half": "FP16", "grid": "FP32"}
    inputs = []
    for name, array in values.items():
        tensor = triton.InferInput(name, list(array.shape), datatypes.get(name, "BYTES"))
        tensor.set_data_from_numpy(array)
        inputs.append(tensor)
    result = client.infer("echo", inputs)
    got = {name: result.as_numpy(f"out_{name}") for name in values}
    assert got["count"].dtype == np.int32
    assert got["count"].tolist() == [7, -2_000_000_000]
    assert got["flag"].tolist() == [True, False]
    assert got["half"].dtype == np.float16
    assert got["half"].tolist() == [1.5, -0.25]
    np.testing.assert_array_equal(got["grid"], values["grid"])
    assert got["blob"].tolist() == [b"\x00\xffraw", b"abc"]
    assert [w.decode() for w in got["word"].tolist()] == ["héllo", ""]
    assert [d.decode() for d in got["day"].tolist()] == ["2024-02-29", "1999-12-31"]


def test_only_the_requested_outputs(client: triton.InferenceServerClient) -> None:
    count = triton.InferInput("count", [1], "INT32")
    count.set_data_from_numpy(np.array([3], dtype=np.int32))
    others = []
    for name, datatype, array in (
        ("flag", "BOOL", np.array([True])),
        ("word", "BYTES", np.array([b"w"], dtype=object)),
        ("blob", "BYTES", np.array([b"b"], dtype=object)),
        ("half", "FP16", np.array([0.5], dtype=np.float16)),
        ("grid", "FP32", np.zeros((1, 2, 3), dtype=np.float32)),
        ("day", "BYTES", np.array([b"2020-01-01"], dtype=object)),
    ):
        tensor = triton.InferInput(name, list(array.shape), datatype)
        tensor.set_data_from_numpy(array)
        others.append(tensor)
    outputs = [triton.InferRequestedOutput("out_count")]
    result = client.infer("echo", [count, *others], outputs=outputs)
    response = result.get_response(as_json=True)
    assert [o["name"] for o in response["outputs"]] == ["out_count"]
    assert result.as_numpy("out_count").tolist() == [3]


def test_typed_contents_are_read_like_raw_ones(infer_call: Callable[..., object]) -> None:
    request = service_pb2.ModelInferRequest(model_name="iris")
    for index, name in enumerate(("sepal_length", "sepal_width", "petal_length", "petal_width")):
        tensor = request.inputs.add(name=name, datatype="FP32", shape=[3])
        tensor.contents.fp32_contents.extend(IRIS_ROWS[:, index].tolist())
    response = infer_call(request)
    assert isinstance(response, service_pb2.ModelInferResponse)
    (species,) = response.raw_output_contents
    assert np.frombuffer(species, dtype="<i8").tolist() == IRIS_SPECIES
    assert response.outputs[0].datatype == "INT64"
    assert list(response.outputs[0].shape) == [3]


def test_request_parameters_reach_a_free_form_model(client: triton.InferenceServerClient) -> None:
    tensor = triton.InferInput("x", [2], "INT64")
    tensor.set_data_from_numpy(np.array([1, 2], dtype=np.int64))
    result = client.infer("anything", [tensor], parameters={"note": "kept", "n": 3})
    assert result.as_numpy("x").tolist() == [2, 4]


@pytest.mark.parametrize(
    ("build", "code", "words"),
    [
        (
            lambda r: r.inputs.add(name="sepal_length", datatype="FP32", shape=[1]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "sepal_length",
        ),
        (
            lambda r: r.inputs.add(name="blob", datatype="BYTES", shape=[500_000_000]),
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "--max-rows",
        ),
        (
            lambda r: r.inputs.add(name="count", datatype="COMPLEX", shape=[1]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "unknown datatype",
        ),
        (
            lambda r: r.inputs.add(name="half", datatype="FP16", shape=[1]),
            grpc.StatusCode.INVALID_ARGUMENT,
            "raw_input_contents",
        ),
        (lambda r: None, grpc.StatusCode.INVALID_ARGUMENT, "at least one input"),
    ],
    ids=["missing-inputs", "shape-over-rows-limit", "datatype", "fp16-typed", "no-inputs"],
)
def test_bad_requests_are_refused_naming_what_to_fix(
    infer_call: Callable[..., object],
    build: Callable[..., object],
    code: grpc.StatusCode,
    words: str,
) -> None:
    model = "echo" if words == "raw_input_contents" else "iris"
    request = service_pb2.ModelInferRequest(model_name=model)
    build(request)
    with pytest.raises(grpc.RpcError) as caught:
        infer_call(request)
    error = caught.value
    assert error.code() == code  # type: ignore[attr-defined]
    assert words in error.details()  # type: ignore[attr-defined]


def test_raw_contents_of_the_wrong_size_are_refused(infer_call: Callable[..., object]) -> None:
    request = service_pb2.ModelInferRequest(model_name="echo")
    request.inputs.add(name="count", datatype="INT32", shape=[2])
    request.raw_input_contents.append(b"\x00" * 7)
    with pytest.raises(grpc.RpcError) as caught:
        infer_call(request)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert "7 bytes" in caught.value.details()  # type: ignore[attr-defined]


def test_unknown_model_is_not_found_and_counted(
    client: triton.InferenceServerClient, served: tuple[str, ServerMetrics]
) -> None:
    tensor = triton.InferInput("x", [1], "FP32")
    tensor.set_data_from_numpy(np.array([1.0], dtype=np.float32))
    with pytest.raises(InferenceServerException) as caught:
        client.infer("nope", [tensor])
    assert "StatusCode.NOT_FOUND" in str(caught.value.status())
    assert "'nope' is not served here" in caught.value.message()
    metrics = served[1].render().decode()
    assert 'route="grpc:ModelInfer",status="404"' in metrics
    assert 'route="grpc:ModelInfer",status="200"' in metrics


def test_a_server_with_tokens_wants_one_in_each_calls_metadata() -> None:
    with grpc_server(Tokens(["s3cret"])) as (address, _):
        client = triton.InferenceServerClient(url=address)
        assert client.is_server_live()  # the health checks need none, as over HTTP
        tensor = triton.InferInput("x", [1], "INT64")
        tensor.set_data_from_numpy(np.array([2], dtype=np.int64))
        with pytest.raises(InferenceServerException) as refused:
            client.infer("anything", [tensor])
        assert "UNAUTHENTICATED" in str(refused.value.status())
        assert "requires a token" in refused.value.message()
        with pytest.raises(InferenceServerException):
            client.infer("anything", [tensor], headers={"authorization": "Bearer wrong"})
        answer = client.infer("anything", [tensor], headers={"authorization": "Bearer s3cret"})
        assert answer.as_numpy("x").tolist() == [4]
        client.close()


MODEL = """
import numpy as np

import modelport
from modelport import Field, Signature


class Demo(modelport.Model):
    def predict(self, batch: dict) -> dict:
        return {"y": np.asarray(batch["x"]) * 2}

    def schema(self):
        return Signature(inputs=[Field("x", "float64")], outputs=[Field("y", "float64")])
"""


@pytest.mark.slow
def test_serve_with_grpc_port_answers_both_transports(
    project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    project = project_factory(tmp_path / "src" / "doubler", name="doubler")
    home = tmp_path / "home"
    build_model_code(project, MODEL, home=home)
    grpc_port = free_port()
    env = {"MODELPORT_HOME": str(home)}
    # two workers, forked after the supervisor imported grpc (their modules shared): each
    # serves its own gRPC server, and each new channel is one connection to one of them
    options = ("--env", "inherit", "--grpc-port", str(grpc_port), "--workers", "2")
    with start_server("doubler", log_dir=tmp_path, env=env, serve_options=options) as server:
        tensor = triton.InferInput("x", [2], "FP64")
        tensor.set_data_from_numpy(np.array([1.5, -2.0]))
        for _ in range(4):
            client = triton.InferenceServerClient(url=f"{HOST}:{grpc_port}")
            assert client.infer("doubler", [tensor]).as_numpy("y").tolist() == [3.0, -4.0]
            client.close()
        url = f"{server.url}/v1/models/doubler/predict"
        answer = httpx.post(url, json=[{"x": 1.0}], timeout=30)
        assert answer.json() == [{"y": 2.0}]
        assert f"grpc://{HOST}:{grpc_port}" in server.output()


@pytest.mark.slow
def test_a_grpc_port_in_use_is_refused_before_serving(
    tmp_path: Path, project_factory: Callable[..., Path]
) -> None:
    project = project_factory(tmp_path / "src" / "demo")
    taken = free_port()
    with socket.socket() as holder:
        holder.bind((HOST, taken))
        holder.listen()
        result = run_cli(
            "serve",
            str(project),
            "--env",
            "inherit",
            "--grpc-port",
            str(taken),
            home=tmp_path / "home",
        )
    assert result.code != 0
    assert str(taken) in result.stderr
