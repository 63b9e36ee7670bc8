"""Adaptive batching in a real server (uvicorn on a loopback port, a real HTTP client): many
clients at once get their own answers while the model sees merged batches, on the native route
and on V2 alike, and /metrics tells how the batches were made."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator

import grpc
import httpx
import numpy as np
import pandas as pd
import pytest
from starlette.types import Receive, Scope, Send
from tritonclient.grpc import service_pb2

import modelport
from modelport import Field, Signature
from modelport.codecs.limits import DecodeLimits
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import create_app
from modelport.serving.batching import BatchingOptions
from modelport.serving.grpc.server import grpc_serving
from modelport.serving.metrics import ServerMetrics
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import serve_app
from modelport.testing.server import HOST

from .raw_http import answer_body, served_by_uvicorn


class Doubler(modelport.Model):
    """A DataFrame model with a cost per call (as building the DataFrame has), recording the rows
    of each call."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def schema(self) -> Signature:
        return Signature([Field("x", "float64")], [Field("y", "float64")])

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        self.calls.append(len(df))
        time.sleep(0.004)
        return pd.DataFrame({"y": df["x"] * 2})


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, Doubler]]:
    model = Doubler()
    servable = PythonModelServable(model, name="doubler", signature=model.schema())
    runtime = ModelRuntime(servable, batching=BatchingOptions())
    runtime.load()
    assert runtime.batcher is not None, runtime.calibration
    model.calls.clear()  # the calibration's calls
    with serve_app(create_app(ModelSet([runtime]))) as base:
        yield base, model


async def _many(base: str, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        native = [
            client.post("/v1/models/doubler/predict", json=[{"x": float(i)}, {"x": i + 0.5}])
            for i in range(count)
        ]
        v2 = [
            client.post(
                "/v2/models/doubler/infer",
                json={"inputs": [{"name": "x", "datatype": "FP64", "shape": [1], "data": [i]}]},
            )
            for i in range(count)
        ]
        return await asyncio.gather(*native, *v2)


def test_many_clients_get_their_own_answers_from_merged_batches(
    served: tuple[str, Doubler],
) -> None:
    base, model = served
    answers = asyncio.run(_many(base, 24))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.is_error]
    native, v2 = answers[:24], answers[24:]
    assert [a.json() for a in native] == [[{"y": 2.0 * i}, {"y": 2.0 * i + 1}] for i in range(24)]
    assert [a.json()["outputs"][0]["data"] for a in v2] == [[2.0 * i] for i in range(24)]
    assert sum(model.calls) == 24 * 3  # every row predicted once
    assert max(model.calls) > 3, model.calls  # and some of them together
    assert len(model.calls) < 48

    metrics = httpx.get(f"{base}/metrics").text
    batches = _value(metrics, "modelport_batch_rows_count")
    rows = _value(metrics, "modelport_batch_rows_sum")
    assert batches >= 1 and rows > batches
    released = re.findall(r"^modelport_batches_released_total\{[^}]*\} (\S+)$", metrics, re.M)
    assert len(released) == 3  # size, idle, latency
    assert sum(float(count) for count in released) == batches
    assert "modelport_batch_queue_seconds_bucket" in metrics


def test_large_requests_share_a_call_when_the_calibration_sizes_the_batch() -> None:
    """Rows of several concurrent 1,000-row requests go to the model in one call in a process
    with no spare core (a worker of a pool of one per core): the calibration sizes the batch
    from the model's costs (a fixed 64 rows kept them apart)."""

    class Waiting(Doubler):
        """Waits 30 ms a call besides, so that the requests sent meanwhile queue."""

        def predict(self, df: pd.DataFrame) -> pd.DataFrame:
            time.sleep(0.03)
            return super().predict(df)

    model = Waiting()
    servable = PythonModelServable(model, name="doubler", signature=model.schema())
    runtime = ModelRuntime(servable, spare_cores=False, batching=BatchingOptions())
    runtime.load()
    assert runtime.calibration is not None and runtime.batcher is not None
    assert runtime.batcher.limit == runtime.calibration.batch_rows >= 4096, runtime.calibration
    model.calls.clear()
    bodies = [[{"x": float(i * 1000 + row)} for row in range(1000)] for i in range(8)]

    async def post_all(base: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            posts = [client.post("/v1/models/doubler/predict", json=body) for body in bodies]
            return await asyncio.gather(*posts)

    with serve_app(create_app(ModelSet([runtime]))) as base:
        answers = asyncio.run(post_all(base))
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers if a.is_error]
    for body, answer in zip(bodies, answers, strict=True):
        assert answer.json() == [{"y": 2 * row["x"]} for row in body]
    assert sum(model.calls) == 8000
    assert max(model.calls) >= 2000, model.calls  # at least two requests in one call


def _value(metrics: str, name: str) -> float:
    found = re.search(rf"^{name}\{{[^}}]*\}} (\S+)$", metrics, re.MULTILINE)
    assert found, f"{name} missing from /metrics"
    return float(found.group(1))


class Cheap(modelport.Model):
    """A numpy model fast enough to answer on the event loop, recording the rows of each call."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def schema(self) -> Signature:
        return Signature([Field("x", "float64")], [Field("y", "float64")])

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        self.calls.append(len(matrix))
        return matrix[:, 0] * 2


def test_requests_read_in_one_turn_merge_though_the_model_answers_on_the_loop() -> None:
    """The server's own protocol counts the requests it parsed: their tasks start one after the
    other, and a model answering on the event loop would otherwise answer each alone before the
    next began (a worker of a pool, seldom saturated, saw almost no batches)."""
    model = Cheap()
    servable = PythonModelServable(model, name="cheap", signature=model.schema())
    runtime = ModelRuntime(servable, batching=BatchingOptions(max_batch_size=64))
    runtime.load()
    loops: list[asyncio.AbstractEventLoop] = []
    app = create_app(ModelSet([runtime]))

    async def noting_the_loop(scope: Scope, receive: Receive, send: Send) -> None:
        loops[:] = [asyncio.get_running_loop()]
        await app(scope, receive, send)

    body = b'[{"x": 1.5}]'
    request = (
        b"POST /v1/models/cheap/predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )
    with (
        served_by_uvicorn(noting_the_loop) as port,
        httpx.Client(base_url=f"http://{HOST}:{port}") as one,
    ):
        while not runtime.runs_inline(1):  # a lane is timed in the pool before it runs inline
            assert one.post("/v1/models/cheap/predict", content=body).json() == [{"y": 3.0}]
        clients = [socket.create_connection((HOST, port)) for _ in range(16)]
        for client in clients:  # each accepted and read from before the loop is held: a
            client.sendall(request)  # connection accepted after it reads in a later turn
            assert answer_body(client) == b'[{"y":3.0}]'
        model.calls.clear()
        held, release = threading.Event(), threading.Event()

        def hold_the_loop() -> None:
            held.set()
            release.wait(30)

        try:
            loops[0].call_soon_threadsafe(hold_the_loop)  # the loop waits while they all send
            assert held.wait(30)
            for client in clients:
                client.sendall(request)
            release.set()
            answers = [answer_body(client) for client in clients]
        finally:
            release.set()
            for client in clients:
                client.close()
    assert answers == [b'[{"y":3.0}]'] * 16
    assert sum(model.calls) == 16
    assert max(model.calls) > 1, model.calls


def test_grpc_calls_that_come_together_merge_too() -> None:
    """gRPC's server tells nothing of the calls it has read: each infer call lets the others
    started in its turn of the loop count themselves first."""
    model = Cheap()
    servable = PythonModelServable(model, name="cheap", signature=model.schema())
    runtime = ModelRuntime(servable, batching=BatchingOptions(max_batch_size=64))
    runtime.load()
    models = ModelSet([runtime])
    loop = asyncio.new_event_loop()
    bound: list[str] = []
    started, stop = threading.Event(), asyncio.Event()

    async def serve() -> None:
        limits = DecodeLimits(max_body_size=1024**2, max_rows=1000)
        metrics = ServerMetrics(models)
        async with grpc_serving(models, host=HOST, port=0, limits=limits, metrics=metrics) as at:
            bound.append(at)
            started.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(30), "the gRPC server did not start"
    request = service_pb2.ModelInferRequest(model_name="cheap")
    request.inputs.add(name="x", datatype="FP64", shape=[1])
    request.raw_input_contents.append(np.array([1.5]).tobytes())

    async def bursts(count: int, size: int) -> list[float]:
        """``count`` bursts of ``size`` calls sent while the server's loop sleeps (how soon
        gRPC starts each call read in a burst varies: one burst in ten or so runs alone)."""
        answers = []
        async with grpc.aio.insecure_channel(bound[0]) as channel:
            infer = channel.unary_unary(
                "/inference.GRPCInferenceService/ModelInfer",
                request_serializer=service_pb2.ModelInferRequest.SerializeToString,
                response_deserializer=service_pb2.ModelInferResponse.FromString,
            )
            while not runtime.runs_inline(1):  # timed in the pool first, then on the loop
                await infer(request)
            model.calls.clear()
            for _ in range(count):
                loop.call_soon_threadsafe(time.sleep, 0.3)  # the server sleeps while sent
                answers += await asyncio.gather(*(infer(request) for _ in range(size)))
        return [np.frombuffer(a.raw_output_contents[0])[0] for a in answers]

    try:
        assert asyncio.run(bursts(3, 16)) == [3.0] * 48
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()
    assert sum(model.calls) == 48
    assert max(model.calls) > 1, model.calls  # all 48 alone without the turns
