"""The model server over real connections: what only a socket shows. Health answers on its
own connection while a slow prediction holds another, and a streamed answer is framed by
the server (chunked transfer encoding). The app is served by uvicorn on a loopback port;
tests/integration/test_serving.py checks the answers themselves in-process."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import modelport
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import create_app
from modelport.serving.limits import ConnectionLimits
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import serve_app
from modelport.testing.server import HOST

from . import models_for_tests as m
from .raw_http import answer_body, served_by_uvicorn


def _runtime(model: modelport.Model, name: str) -> ModelRuntime:
    servable = PythonModelServable(model, name=name, signature=model.schema())
    runtime = ModelRuntime(servable, version=1)
    runtime.load()
    return runtime


@pytest.fixture(scope="module")
def server() -> Iterator[httpx.Client]:
    models = ModelSet([_runtime(m.Sleeps(), "sleeps"), _runtime(m.Words(), "words")])
    with serve_app(create_app(models)) as base, httpx.Client(base_url=base, timeout=30) as client:
        yield client


def test_health_answers_while_a_slow_prediction_runs(server: httpx.Client) -> None:
    results: dict[str, object] = {}

    def slow() -> None:
        results["slow"] = server.post("/v1/models/sleeps/predict", json=[{"x": 1.5, "y": 0.0}])

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    health = server.get("/v2/health/live")
    answered_after = time.monotonic() - started
    thread.join()
    assert health.status_code == 200
    assert thread_result_ok(results["slow"])
    assert answered_after < 1.0, "health waited for the prediction"


def thread_result_ok(answer: object) -> bool:
    return isinstance(answer, httpx.Response) and answer.json() == [{"sum": 1.5}]


def test_streaming_ndjson_and_server_sent_events(server: httpx.Client) -> None:
    rows = [{"text": "hello streaming world"}]
    with server.stream("POST", "/v1/models/words/predict", json=rows) as answer:
        assert answer.headers["content-type"].startswith("application/x-ndjson")
        assert answer.headers.get("transfer-encoding") == "chunked"
        lines = [line for line in answer.iter_lines() if line]
    assert lines == ['{"token":"hello"}', '{"token":"streaming"}', '{"token":"world"}']

    events = server.post(
        "/v1/models/words/predict", json=rows, headers={"accept": "text/event-stream"}
    )
    assert events.headers["content-type"].startswith("text/event-stream")
    assert events.text.split("\n\n")[:3] == [
        'data: {"token":"hello"}',
        'data: {"token":"streaming"}',
        'data: {"token":"world"}',
    ]
    assert "event: end" in events.text


def _client_address(answer: httpx.Response) -> object:
    """The client's end (host, port) of the connection ``answer`` came on."""
    return answer.extensions["network_stream"].get_extra_info("client_addr")


def test_an_unforeseen_error_keeps_the_connection_and_the_request_id() -> None:
    """A bug outside the model (here a route that raises what no handler answers) is answered
    as any other error, with problem details and the request's id, and the connection stays
    open: the client's next request on it is answered."""

    async def broken(request: Request) -> Response:
        return Response({"not": "bytes"})  # type: ignore[arg-type]  # the bug: a dict body

    app = create_app(ModelSet([_runtime(m.Words(), "words")]))
    app.router.routes.insert(0, Route("/broken", broken))
    with serve_app(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        failed = client.get("/broken", headers={"x-request-id": "broken-1"})
        first = _client_address(failed)
        assert failed.status_code == 500
        assert failed.headers["content-type"] == "application/problem+json"
        assert failed.headers["x-request-id"] == "broken-1"
        assert failed.json()["title"] == "InternalError"
        assert "connection" not in failed.headers  # no "close"

        health = client.get("/v2/health/live")
        assert health.status_code == 200
        assert _client_address(health) == first, "the server closed the connection"


def test_a_pipelined_request_slower_than_the_header_timeout_is_answered() -> None:
    """Two requests sent at once on one connection: the second begins as the first's answer
    ends, and the header deadline that answer sets must not close the connection under it."""
    runtime = _runtime(m.Sleeps(), "sleeps")
    app = create_app(ModelSet([runtime]))

    def request(x: float) -> bytes:
        body = json.dumps([{"x": x, "y": 1.0}]).encode()
        return (
            b"POST /v1/models/sleeps/predict HTTP/1.1\r\nhost: x\r\n"
            b"content-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
        )

    with served_by_uvicorn(app, ConnectionLimits(header_timeout=0.5)) as port:
        client = socket.create_connection((HOST, port), timeout=10)
        with client:
            client.sendall(request(0.0) + request(1.2))
            assert json.loads(answer_body(client)) == [{"sum": 1.0}]
            assert json.loads(answer_body(client)) == [{"sum": 2.2}]
