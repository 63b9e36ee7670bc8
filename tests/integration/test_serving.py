"""The model server's HTTP answers: native and KServe V1 routes, codecs, errors, faults,
streamed errors, metrics and access lines. The app runs in-process over ASGI (nothing here needs
a socket; tests/integration/test_serving_connections.py has what does)."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import httpx2
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

import modelport
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.app import AppOptions, create_app
from modelport.serving.lanes import INLINE_AFTER_CALLS
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.testing import app_client

from . import models_for_tests as m

ARROW = "application/vnd.apache.arrow.stream"


def _runtime(model: modelport.Model, name: str, **options: object) -> ModelRuntime:
    servable = PythonModelServable(model, name=name, signature=model.schema())
    runtime = ModelRuntime(servable, version=1, **options)  # type: ignore[arg-type]
    runtime.load()
    return runtime


@pytest.fixture(scope="module")
def server() -> Iterator[TestClient]:
    models = ModelSet(
        [
            _runtime(m.Adder(), "adder"),
            _runtime(m.FrameAdder(), "frame"),
            _runtime(m.AsyncAdder(), "async"),
            _runtime(m.Raises(), "raises"),
            _runtime(m.WrongRows(), "wrong-rows"),
            _runtime(m.Sleeps(), "sleeps"),
            _runtime(m.Sleeps(), "sleeps-timeout", timeout=0.5),
            _runtime(m.Words(), "words"),
        ]
    )
    app = create_app(models, AppOptions(max_body_size=10_000))
    with app_client(app) as client:
        yield client


ROWS = [{"x": 1.0, "y": 2.0}, {"x": 3.0, "y": 4.5}]
SUMS = [{"sum": 3.0}, {"sum": 7.5}]


@pytest.mark.parametrize("model", ["adder", "frame", "async"])
def test_json_records_in_records_out(server: TestClient, model: str) -> None:
    answer = server.post(f"/v1/models/{model}/predict", json=ROWS)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == SUMS
    versioned = server.post(f"/v1/models/{model}/versions/1/predict", json=ROWS)
    assert versioned.json() == SUMS


@pytest.mark.parametrize(
    ("body", "params", "headers"),
    [
        ({"instances": ROWS}, {}, {}),
        ({"inputs": ROWS}, {}, {}),
        ({"columns": ["y", "x"], "data": [[2.0, 1.0], [4.5, 3.0]]}, {}, {}),
        ({"columns": ["x", "y"], "data": [[1.0, 2.0], [3.0, 4.5]]}, {"format": "split"}, {}),
        (
            {"columns": ["x", "y"], "data": [[1.0, 2.0], [3.0, 4.5]]},
            {},
            {"content-type": "application/json; format=pandas-split"},
        ),
        ({"x": [1.0, 3.0], "y": [2.0, 4.5]}, {"format": "columns"}, {}),
        ([[1.0, 2.0], [3.0, 4.5]], {}, {}),
    ],
    ids=["instances", "inputs", "split", "split-query", "split-header", "columns", "lists"],
)
def test_every_json_orient(
    server: TestClient, body: object, params: dict[str, str], headers: dict[str, str]
) -> None:
    answer = server.post("/v1/models/adder/predict", json=body, params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == SUMS


def test_csv_in_csv_out(server: TestClient) -> None:
    answer = server.post(
        "/v1/models/frame/predict",
        content=b"x,y\n1,2\n3,4.5\n",
        headers={"content-type": "text/csv", "accept": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.text.replace('"', "").split() == ["sum", "3", "7.5"]


def test_arrow_in_arrow_out(server: TestClient) -> None:
    table = pa.table({"x": [1.0, 3.0], "y": [2.0, 4.5]})
    sink = io.BytesIO()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    answer = server.post(
        "/v1/models/adder/predict",
        content=sink.getvalue(),
        headers={"content-type": ARROW, "accept": ARROW},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == ARROW
    result = ipc.open_stream(answer.content).read_all()
    assert result.to_pylist() == SUMS


def test_parquet_in_json_out(server: TestClient) -> None:
    sink = io.BytesIO()
    pq.write_table(pa.table({"x": [1.0, 3.0], "y": [2.0, 4.5]}), sink)
    answer = server.post(
        "/v1/models/adder/predict",
        content=sink.getvalue(),
        headers={"content-type": "application/vnd.apache.parquet"},
    )
    assert answer.json() == SUMS


def test_kserve_v1_predict_and_readiness(server: TestClient) -> None:
    answer = server.post("/v1/models/adder:predict", json={"instances": [[1.0, 2.0]]})
    assert answer.status_code == 200
    assert answer.json() == {"predictions": [3.0]}
    ready = server.get("/v1/models/adder")
    assert ready.json() == {"name": "adder", "ready": True}


def _problem(answer: httpx2.Response, status: int) -> dict[str, object]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = answer.json()
    assert body["status"] == status
    return body


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ([{"x": 1.0}], "y", "missing input column: y"),
        ([{"x": 1.0, "y": 2.0, "z": 3.0}], "z", "unknown input column: z"),
        ([{"x": "one", "y": 2.0}], "x", "input 'x' should be double"),
        ([{"x": None, "y": 2.0}], "x", "input 'x' is null"),
        ([[1.0, 2.0], [1.0]], "[1]", "row 1 has 1 values"),
        ({"x": [1.0, 2.0], "y": [1.0]}, None, "unequal row counts"),
    ],
)
def test_invalid_input_is_422_naming_the_field(
    server: TestClient, body: object, field: str | None, detail: str
) -> None:
    problem = _problem(server.post("/v1/models/adder/predict", json=body), 422)
    assert detail in str(problem["detail"])
    assert problem.get("field") == field


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"garbage", ARROW),
        (b'x,y\n1,"unterminated\n', "text/csv"),
    ],
)
def test_malformed_bodies_are_400_with_the_parser_reason(
    server: TestClient, content: bytes, content_type: str
) -> None:
    problem = _problem(
        server.post(
            "/v1/models/adder/predict", content=content, headers={"content-type": content_type}
        ),
        400,
    )
    assert "malformed" in str(problem["detail"])


def test_protocol_errors(server: TestClient) -> None:
    _problem(server.post("/v1/models/nobody/predict", json=ROWS), 404)
    _problem(server.post("/v1/models/adder/versions/7/predict", json=ROWS), 404)
    _problem(server.get("/v1/models/adder/predict"), 405)
    _problem(
        server.post(
            "/v1/models/adder/predict", content=b"x", headers={"content-type": "image/png"}
        ),
        415,
    )
    _problem(
        server.post("/v1/models/adder/predict", json=ROWS, headers={"accept": "image/png"}), 406
    )
    big = [{"x": 1.0, "y": 2.0}] * 1000
    _problem(server.post("/v1/models/adder/predict", json=big), 413)


def test_a_raising_model_is_500_with_its_message_and_the_server_stays_up(
    server: TestClient,
) -> None:
    answer = server.post(
        "/v1/models/raises/predict", json=ROWS, headers={"x-request-id": "req-123"}
    )
    problem = _problem(answer, 500)
    assert problem["detail"] == "ValueError: the model is broken today"
    assert "Traceback" not in answer.text
    assert answer.headers["x-request-id"] == "req-123"
    assert server.post("/v1/models/adder/predict", json=ROWS).json() == SUMS


def test_every_answer_carries_a_request_id(server: TestClient) -> None:
    answer = server.post("/v1/models/adder/predict", json=ROWS)
    assert len(answer.headers["x-request-id"]) == 32


def test_wrong_row_count_from_the_model_is_500(server: TestClient) -> None:
    problem = _problem(server.post("/v1/models/wrong-rows/predict", json=ROWS), 500)
    assert "returned 3 rows for 2 input rows" in str(problem["detail"])


def test_timeout_is_504_and_the_server_stays_up(server: TestClient) -> None:
    problem = _problem(
        server.post("/v1/models/sleeps-timeout/predict", json=[{"x": 2.0, "y": 0.0}]), 504
    )
    assert "did not answer within 0.5 s" in str(problem["detail"])
    assert server.post("/v1/models/sleeps-timeout/predict", json=[{"x": 0.0, "y": 1.0}]).json() == [
        {"sum": 1.0}
    ]


def test_a_fast_model_moves_onto_the_event_loop_and_keeps_answering(
    server: TestClient,
) -> None:
    for _ in range(INLINE_AFTER_CALLS + 5):
        assert server.post("/v1/models/adder/predict", json=ROWS[:1]).json() == SUMS[:1]


def test_an_exception_mid_stream_ends_it_with_an_error_event(server: TestClient) -> None:
    rows = [{"text": "one boom two"}]
    events = server.post(
        "/v1/models/words/predict", json=rows, headers={"accept": "text/event-stream"}
    )
    assert events.status_code == 200
    assert events.text.startswith('data: {"token":"one"}\n\n')
    assert 'event: error\ndata: {"title":"RuntimeError","detail":"exploded mid-stream"}' in (
        events.text
    )
    lines = server.post("/v1/models/words/predict", json=rows).text.splitlines()
    assert lines[-1] == '{"error":{"title":"RuntimeError","detail":"exploded mid-stream"}}'
    assert server.post("/v1/models/adder/predict", json=ROWS).json() == SUMS


def test_metrics_count_requests_errors_rows_and_latency(server: TestClient) -> None:
    server.post("/v1/models/frame/predict", json=ROWS)
    server.post("/v1/models/frame/predict", json=[{"x": 1.0}])
    text = server.get("/metrics").text
    route = 'route="/v1/models/{name}/predict"'
    assert f'modelport_requests_total{{model="frame",{route},status="200"}}' in text
    assert f'modelport_errors_total{{model="frame",{route},status="422"}}' in text
    assert f'modelport_request_rows_count{{model="frame",{route}}}' in text
    assert f'modelport_request_duration_seconds_bucket{{le="0.5",model="frame",{route}}}' in text
    assert "modelport_requests_in_flight" in text


def test_metrics_hold_the_standard_collectors_and_each_models_identity_and_load() -> None:
    loading = ModelRuntime(
        PythonModelServable(m.Adder(), name="loading", signature=m.Adder().schema()),
        version=2,
        digest="sha256:abc",
    )
    app = create_app(ModelSet([_runtime(m.Adder(), "adder"), loading]))
    with app_client(app) as client:
        text = client.get("/metrics").text
    assert "process_cpu_seconds_total " in text
    assert "python_info{" in text
    assert "python_gc_collections_total{" in text
    assert 'modelport_model_info{digest="",format="native",name="adder",version="1"} 1.0' in text
    assert (
        'modelport_model_info{digest="sha256:abc",format="native",name="loading",version="2"} 1.0'
        in text
    )
    assert 'modelport_model_ready{name="adder",version="1"} 1.0' in text
    assert 'modelport_model_ready{name="loading",version="2"} 0.0' in text
    assert 'modelport_model_load_seconds{name="adder",version="1"} ' in text
    assert 'modelport_model_load_seconds{name="loading"' not in text  # not loaded yet
    assert "_created" not in text


async def _broken_route(request: Request) -> Response:
    raise KeyError("a bug outside the model")


@pytest.mark.parametrize("debug", [False, True])
def test_an_unforeseen_error_is_answered_with_the_request_id(debug: bool) -> None:
    """What a route raised and no handler answered (tests/integration/test_serving_connections.py
    shows the connection stays open): problem details, or under --debug the traceback."""
    app = create_app(ModelSet([]), AppOptions(debug=debug))
    app.router.routes.insert(0, Route("/broken", _broken_route))
    with app_client(app) as client:
        answer = client.get("/broken", headers={"x-request-id": "bug-1", "accept": "text/plain"})
        assert answer.status_code == 500
        assert answer.headers["x-request-id"] == "bug-1"
        if debug:
            assert "Traceback" in answer.text and "a bug outside the model" in answer.text
        else:
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["detail"] == "KeyError: 'a bug outside the model'"
    assert 'modelport_errors_total{model="",route="/broken",status="500"} 1.0' in (
        app.state.metrics.render().decode()
    )


def test_metrics_labels_name_only_served_models_and_known_routes() -> None:
    """Requests for names no model has, or paths no route has, are one series each, however
    many names they try: clients cannot grow the metrics."""
    app = create_app(ModelSet([_runtime(m.Adder(), "adder")]))
    with app_client(app) as client:
        for number in range(25):
            assert client.post(f"/v1/models/nobody-{number}/predict", json=ROWS).status_code == 404
            assert client.get(f"/no/such/path-{number}").status_code == 404
        assert client.post("/v1/models/adder/predict", json=ROWS).status_code == 200
        text = client.get("/metrics").text
    assert "nobody-" not in text and "path-" not in text
    route = 'route="/v1/models/{name}/predict"'
    assert f'modelport_requests_total{{model="(unknown)",{route},status="404"}} 25.0' in text
    assert 'modelport_requests_total{model="",route="unrouted",status="404"} 25.0' in text
    assert f'modelport_requests_total{{model="adder",{route},status="200"}} 1.0' in text
    series = [line for line in text.splitlines() if line.startswith("modelport_requests_total{")]
    assert len(series) == 3, series


class _WhereCollected(Collector):
    """Notes, each time the metrics are collected, whether an event loop runs in the thread."""

    def __init__(self) -> None:
        self.on_a_loop: list[bool] = []

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        try:
            asyncio.get_running_loop()
            self.on_a_loop.append(True)
        except RuntimeError:
            self.on_a_loop.append(False)
        return iter(())


def test_metrics_are_rendered_off_the_event_loop() -> None:
    """A scrape of many series takes a while; health checks must not wait for it."""
    app = create_app(ModelSet([_runtime(m.Adder(), "adder")]))
    watcher = _WhereCollected()
    app.state.metrics.registry.register(watcher)
    with app_client(app) as client:
        assert client.get("/metrics").status_code == 200
    assert watcher.on_a_loop == [False]


def test_an_access_line_per_request_with_its_id(
    server: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="modelport.access"):
        server.post("/v1/models/adder/predict", json=ROWS, headers={"x-request-id": "acc-1"})
        made = server.get("/v2/health/live").headers["x-request-id"]
    access = [record for record in caplog.records if record.name == "modelport.access"]
    lines = [(r.method, r.path, r.status, r.request_id) for r in access]  # type: ignore[attr-defined]
    assert lines == [
        ("POST", "/v1/models/adder/predict", 200, "acc-1"),
        ("GET", "/v2/health/live", 200, made),
    ]
    first = access[0]
    assert first.duration_ms >= 0  # type: ignore[attr-defined]
    assert first.getMessage().startswith("POST /v1/models/adder/predict 200 ")
    assert first.getMessage().endswith("ms id=acc-1")
