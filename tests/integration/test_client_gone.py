"""A request whose client closes its connection while the request waits for the model is not
run: neither one waiting for a thread of the pool nor one queued for a merged batch. Real
uvicorn with modelport's own protocol on a loopback port, real sockets closed by the client."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable

import httpx
import numpy as np
import pytest

import modelport
from modelport import Field, Signature
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import create_app
from modelport.serving.batching import REQUESTS, BatchingOptions
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing.server import HOST

from .raw_http import answer_body, served_by_uvicorn


class Held(modelport.Model):
    """Records the ``x`` of every row it predicts; its first call waits until released."""

    def __init__(self) -> None:
        self.seen: list[float] = []
        self.started = threading.Event()
        self.release = threading.Event()

    def schema(self) -> Signature:
        return Signature([Field("x", "float64")], [Field("y", "float64")])

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        first = not self.started.is_set()
        self.started.set()
        if first:
            assert self.release.wait(30), "the test never released the model"
        self.seen.extend(float(x) for x in matrix[:, 0])
        return matrix[:, 0] * 2


def _sent(port: int, *xs: float) -> socket.socket:
    """A connection that has sent one request of a row per ``x``."""
    body = json.dumps([{"x": x} for x in xs]).encode()
    client = socket.create_connection((HOST, port))
    client.sendall(
        b"POST /v1/models/held/predict HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )
    return client


def _metric(port: int, name: str) -> float:
    text = httpx.get(f"http://{HOST}:{port}/metrics").text
    lines = [line for line in text.splitlines() if line.startswith(f"{name}{{")]
    assert lines, f"{name} missing from /metrics"
    return float(lines[0].rsplit(" ", 1)[1])


def _served(batching: BatchingOptions) -> tuple[Held, ModelRuntime]:
    model = Held()
    servable = PythonModelServable(model, name="held", signature=model.schema())
    runtime = ModelRuntime(servable, threads=1, inline=False, batching=batching)
    runtime.load()
    return model, runtime


def _wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"waited 10 s for {what}"
        time.sleep(0.01)


def test_a_request_waiting_for_a_thread_is_not_run_once_its_client_has_gone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="modelport.access")
    model, runtime = _served(BatchingOptions(max_batch_size=1))
    with served_by_uvicorn(create_app(ModelSet([runtime]))) as port:
        first = _sent(port, 1.0)
        assert model.started.wait(10)  # the one thread is taken
        left = _sent(port, 2.0)
        _wait_for(lambda: REQUESTS.count == 2, "the second request to wait for the thread")
        left.close()
        time.sleep(0.5)  # the server saw the connection close
        model.release.set()
        assert json.loads(answer_body(first)) == [{"y": 2.0}]
        with _sent(port, 3.0) as last:
            assert json.loads(answer_body(last)) == [{"y": 6.0}]
        first.close()
    assert model.seen == [1.0, 3.0]  # the request whose client left never reached the model
    statuses = [r.getMessage().split()[2] for r in caplog.records if r.name == "modelport.access"]
    assert sorted(statuses) == ["200", "200", "499"], statuses


def test_a_queued_request_is_not_merged_once_its_client_has_gone() -> None:
    model, runtime = _served(BatchingOptions(max_batch_size=8))
    assert runtime.batcher is not None
    with served_by_uvicorn(create_app(ModelSet([runtime]))) as port:
        first = _sent(port, 1.0)  # alone, on the one thread
        assert model.started.wait(10)
        second = _sent(port, 2.0)  # released at once: the batcher's runner waits for the thread
        batcher = runtime.batcher
        _wait_for(lambda: batcher.stats.sizes.total, "the runner to take the second request")
        queued = [_sent(port, 10.0 + i) for i in range(3)]  # queued behind the runner
        _wait_for(lambda: REQUESTS.count == 5, "three requests queued behind the runner")
        queued[1].close()
        time.sleep(0.5)  # the server saw the connection close
        model.release.set()
        answers = [json.loads(answer_body(c)) for c in (first, second, queued[0], queued[2])]
        assert answers == [[{"y": 2.0}], [{"y": 4.0}], [{"y": 20.0}], [{"y": 24.0}]]
        assert _metric(port, "modelport_batch_dropped_total") == 1
        for client in (first, second, queued[0], queued[2]):
            client.close()
    assert sorted(model.seen) == [1.0, 2.0, 10.0, 12.0]


def test_a_merged_batch_waiting_for_a_thread_is_not_run_once_all_its_clients_have_gone() -> None:
    model, runtime = _served(BatchingOptions(max_batch_size=8, max_latency_ms=300))
    batcher = runtime.batcher
    assert batcher is not None
    with served_by_uvicorn(create_app(ModelSet([runtime]))) as port:
        first = _sent(port, *range(8))  # a full batch's rows: alone, on the one thread
        assert model.started.wait(10)
        left = [_sent(port, 20.0), _sent(port, 21.0)]  # merged after 300 ms, then they wait
        _wait_for(lambda: batcher.stats.sizes.total == 2, "the two to be merged")
        for client in left:
            client.close()
        time.sleep(0.5)  # the server saw both connections close
        model.release.set()
        assert len(json.loads(answer_body(first))) == 8
        first.close()
        assert _metric(port, "modelport_batch_dropped_total") == 2
    assert model.seen == [float(i) for i in range(8)]


def test_a_client_gone_before_its_body_arrived_is_a_quiet_499(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    model, runtime = _served(BatchingOptions(max_batch_size=1))
    with served_by_uvicorn(create_app(ModelSet([runtime]))) as port:
        client = socket.create_connection((HOST, port))
        client.sendall(
            b"POST /v1/models/held/predict HTTP/1.1\r\nhost: x\r\n"
            b"content-type: application/json\r\ncontent-length: 100\r\n\r\n[{"
        )
        time.sleep(0.3)  # the request is read, and waits for the rest of its body
        client.close()
        _wait_for(lambda: any(r.name == "modelport.access" for r in caplog.records), "a line")
        access = [r.getMessage() for r in caplog.records if r.name == "modelport.access"]
    assert [line.split()[2] for line in access] == ["499"], access
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []  # the client's leaving is no fault of the server's
    assert model.seen == []
