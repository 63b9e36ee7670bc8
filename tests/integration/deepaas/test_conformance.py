"""The same requests to the real DEEPaaS 2.6.0 and to modelport, serving the same test model:
the same status codes and the same JSON shapes (keys and value types) on every route."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from .conftest import MAX_BODY, Server

pytestmark = pytest.mark.slow

PREDICT = "/v2/models/dptest/predict/"
TRAIN = "/v2/models/dptest/train/"
MULTIPART_HEADERS = {"Content-Type": "multipart/form-data; boundary=XYZ"}
JSON_HEADERS = {"Content-Type": "application/json"}


def shape(value: Any) -> Any:
    """Keys and value types, recursively (what a client relies on)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def both(
    modelport_server: Server, deepaas_server: Server, method: str, path: str, **kwargs: Any
) -> tuple[httpx.Response, httpx.Response]:
    """The same request sent to each server (redirects not followed)."""
    answers = []
    for server in (deepaas_server, modelport_server):
        with httpx.Client(base_url=server.url, timeout=30) as client:
            answers.append(client.request(method, path, **kwargs))
    return answers[0], answers[1]


JSON_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/", {}),
    ("GET", "/v2/", {}),
    ("GET", "/v2/models/", {}),
    ("GET", "/v2/models/dptest/", {}),
    ("POST", PREDICT, {"params": [("numbers", "1"), ("numbers", "2.5")]}),
    ("POST", PREDICT, {"params": {"numbers": "4", "mode": "max"}}),
    ("POST", PREDICT, {"data": {"numbers": "3"}, "files": {"data": ("a.txt", b"hello")}}),
    ("POST", PREDICT, {"data": {"numbers": "3"}, "files": {"data": ("b", b"1,2", "text/csv")}}),
    ("POST", PREDICT, {"json": {"numbers": [1, 2], "mode": "sum"}}),
    ("POST", PREDICT, {"data": {"numbers": "3"}}),
    ("POST", PREDICT, {}),
    ("POST", PREDICT, {"params": {"numbers": "1", "mode": "x", "code": "1"}}),
    ("POST", PREDICT, {"params": {"numbers": "1", "accept": "text/csv"}}),
    ("POST", PREDICT, {"content": b'{"numbers": [1,', "headers": JSON_HEADERS}),
    ("GET", f"{TRAIN}0123456789abcdef0123456789abcdef", {}),
    ("DELETE", f"{TRAIN}0123456789abcdef0123456789abcdef", {}),
    ("GET", f"{TRAIN}0123456789abcdef0123456789abcdef/", {}),
    ("DELETE", f"{TRAIN}0123456789abcdef0123456789abcdef/", {}),
    ("GET", "/v2/models/nosuch/", {}),
    ("GET", "/api/", {}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), JSON_REQUESTS)
def test_same_status_and_json_shape(
    modelport_server: Server,
    deepaas_server: Server,
    method: str,
    path: str,
    kwargs: dict[str, Any],
) -> None:
    real, ours = both(modelport_server, deepaas_server, method, path, **kwargs)
    assert ours.status_code == real.status_code, ours.text
    if real.headers["content-type"].startswith("application/json"):
        assert ours.headers["content-type"].startswith("application/json")
        assert shape(ours.json()) == shape(real.json())
        if path == PREDICT or real.status_code == 422:  # deterministic: the same values
            assert ours.json() == real.json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{TRAIN}0123456789abcdef0123456789abcdef"),
        ("DELETE", f"{TRAIN}0123456789abcdef0123456789abcdef"),
        ("GET", "/v2/models/nosuch/"),
        ("GET", "/v2/debug/"),
    ],
)
def test_same_plain_answers(
    modelport_server: Server, deepaas_server: Server, method: str, path: str
) -> None:
    """Answers that are not JSON: the same status, media type and text."""
    real, ours = both(modelport_server, deepaas_server, method, path)
    assert ours.status_code == real.status_code, ours.text
    assert ours.text == real.text
    if real.text:
        assert ours.headers["content-type"] == real.headers["content-type"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"params": {"numbers": "1", "fail": "raise"}},
        {"params": {"numbers": "1", "fail": "schema"}},
        {"data": {"numbers": "1"}, "files": {"data": ("big.bin", b"\0" * (MAX_BODY + 1))}},
    ],
    ids=["model-raises", "schema-mismatch", "file-too-large"],
)
def test_same_status_on_failures(
    modelport_server: Server, deepaas_server: Server, kwargs: dict[str, Any]
) -> None:
    real, ours = both(modelport_server, deepaas_server, "POST", PREDICT, **kwargs)
    assert ours.status_code == real.status_code >= 400, ours.text
    assert ours.text.strip()
    assert not list(modelport_server.tmp.iterdir())


def test_a_malformed_multipart_body_is_the_clients_fault_here(
    modelport_server: Server, deepaas_server: Server
) -> None:
    """DEEPaaS answers 500, a server error for what the client sent; modelport 400, in
    DEEPaaS's text shape, saying why."""
    broken = {
        "content": b"--XYZ\r\nContent-Disposition: form-data; name=",
        "headers": MULTIPART_HEADERS,
    }
    real, ours = both(modelport_server, deepaas_server, "POST", PREDICT, **broken)
    assert (real.status_code, ours.status_code) == (500, 400), ours.text
    assert ours.text.startswith("400: the multipart/form-data body is malformed")
    assert not list(modelport_server.tmp.iterdir())


def test_accept_choice_answers_the_same_png(
    modelport_server: Server, deepaas_server: Server
) -> None:
    for kwargs in (
        {"params": {"numbers": "7", "accept": "image/png"}},
        {"data": {"numbers": "7", "accept": "image/png"}},
    ):
        real, ours = both(modelport_server, deepaas_server, "POST", PREDICT, **kwargs)
        assert (ours.status_code, real.status_code) == (200, 200)
        assert ours.headers["content-type"] == real.headers["content-type"] == "image/png"
        assert ours.content == real.content
        assert ours.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v2/models/dptest"), ("POST", "/v2/models/dptest/predict?numbers=1")],
)
def test_same_trailing_slash_redirects(
    modelport_server: Server, deepaas_server: Server, method: str, path: str
) -> None:
    real, ours = both(modelport_server, deepaas_server, method, path)
    assert ours.status_code == real.status_code == 308
    assert ours.headers["location"].endswith(real.headers["location"].split(":", 2)[-1][5:])


def test_same_swagger_document_and_ui(modelport_server: Server, deepaas_server: Server) -> None:
    real, ours = both(modelport_server, deepaas_server, "GET", "/swagger.json")
    assert ours.status_code == real.status_code == 200
    assert ours.json()["swagger"] == real.json()["swagger"] == "2.0"
    assert set(ours.json()["paths"]) == set(real.json()["paths"])
    real_args = {p["name"] for p in real.json()["paths"][PREDICT]["post"]["parameters"]}
    our_args = {p["name"] for p in ours.json()["paths"][PREDICT]["post"]["parameters"]}
    assert our_args == real_args
    real, ours = both(modelport_server, deepaas_server, "GET", "/api")
    assert ours.status_code == real.status_code == 200
    assert "text/html" in ours.headers["content-type"]


def wait_finished(server: Server, uuid: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job: dict[str, Any] = httpx.get(f"{server.url}{TRAIN}{uuid}").json()
        if job["status"] != "running":
            return job
        time.sleep(0.2)
    raise AssertionError(f"training {uuid} still running")


@pytest.mark.parametrize("outcome", ["done", "error", "not-implemented"])
def test_same_training_lifecycle(
    modelport_server: Server, deepaas_server: Server, outcome: str
) -> None:
    params = {
        "seconds": "0.3",
        "fail": str(outcome == "error").lower(),
        "unsupported": str(outcome == "not-implemented").lower(),
    }
    real, ours = both(modelport_server, deepaas_server, "POST", TRAIN, params=params)
    assert ours.status_code == real.status_code == 200
    assert shape(ours.json()) == shape(real.json())
    assert ours.json()["status"] == real.json()["status"] == "running"

    jobs = [
        wait_finished(s, r.json()["uuid"])
        for s, r in ((deepaas_server, real), (modelport_server, ours))
    ]
    assert jobs[1]["status"] == jobs[0]["status"] == ("done" if outcome == "done" else "error")
    assert shape(jobs[1]) == shape(jobs[0])
    assert jobs[1].get("message") == jobs[0].get("message")  # the exception's own text

    real, ours = both(modelport_server, deepaas_server, "GET", TRAIN)
    assert ours.status_code == real.status_code == 200
    listed = {job["uuid"]: job for job in ours.json()}
    assert shape(listed[jobs[1]["uuid"]]) == shape(jobs[0])

    # Deleting a job forgets it. DEEPaaS 2.6.0 answers 500 for a job that ended in error (it
    # re-raises the job's exception); modelport answers the job, as for every other status.
    servers = ((modelport_server, jobs[1]),)
    if outcome == "done":
        servers = ((deepaas_server, jobs[0]), *servers)
    for server, job in servers:
        deleted = httpx.delete(f"{server.url}{TRAIN}{job['uuid']}")
        assert deleted.status_code == 200
        assert shape(deleted.json()) == shape(jobs[0])
        assert httpx.get(f"{server.url}{TRAIN}{job['uuid']}").status_code == 404
