"""The router of a canary or shadow deployment, in process, in front of fake versions (objects
answering ``forward.remote(...)`` as Ray Serve deployment handles do): the split, the version
header, the metrics, and a shadow whose failure never reaches the client."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

ray_router = pytest.importorskip(
    "modelport.deploy.ray_router", reason="ray[serve] is not installed (modelport[ray])"
)


class FakeVersion:
    """A version's deployment handle: answers its number, or fails like a dead replica."""

    def __init__(self, version: int, *, fails: bool = False) -> None:
        self.version = version
        self.fails = fails
        self.calls: list[tuple[Any, ...]] = []
        self.forward = self

    def remote(self, *call: Any) -> Any:
        self.calls.append(call)
        return self._answer(call[1])

    async def _answer(self, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.fails:
            raise RuntimeError("the replica died")
        if path == "/metrics":
            return 200, [], f'# TYPE own counter\nown_total{{v="{self.version}"}} 1.0\n'.encode()
        body = json.dumps({"answered by": self.version}).encode()
        return 200, [("content-type", "application/json")], body


def _router(traffic: dict[str, Any], versions: dict[int, FakeVersion], log: Path | None) -> Any:
    cls = ray_router.TrafficRouter.func_or_class
    return cls(versions, traffic, str(log) if log else None)


def _request(path: str, body: bytes = b"[]", root_path: str = "/iris") -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": root_path + path,
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"host", b"x")],
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


def test_a_canary_answers_its_share_and_the_metrics_count_each_version() -> None:
    versions = {1: FakeVersion(1), 2: FakeVersion(2)}
    router = _router({"primary": 1, "canary": 2, "percent": 50}, versions, None)

    async def requests() -> tuple[Counter[str], str]:
        answered = Counter()
        for _ in range(400):
            answer = await router(_request("/v1/models/iris/predict"))
            assert json.loads(answer.body)["answered by"] == int(
                answer.headers["modelport-version"]
            )
            answered[answer.headers["modelport-version"]] += 1
        metrics = await router(_request("/metrics"))
        return answered, metrics.body.decode()

    answered, metrics = asyncio.run(requests())
    assert 100 <= answered["1"] <= 300 and answered["1"] + answered["2"] == 400
    assert metrics.startswith('# TYPE own counter\nown_total{v="1"} 1.0\n')  # the primary's
    for version, role in (("1", "primary"), ("2", "canary")):
        line = (
            f'modelport_traffic_requests_total{{outcome="2xx",role="{role}",version="{version}"}}'
        )
        assert f"{line} {float(answered[version])}" in metrics
    assert versions[1].calls[0][:3] == ("POST", "/v1/models/iris/predict", "")
    assert ("host", "x") not in versions[1].calls[0][3]


def test_a_failing_shadow_changes_nothing_for_the_client_and_is_logged(tmp_path: Path) -> None:
    versions = {1: FakeVersion(1), 3: FakeVersion(3, fails=True)}
    log = tmp_path / "shadow.jsonl"
    router = _router({"primary": 1, "shadow": 3}, versions, log)

    async def one_request() -> Any:
        answer = await router(_request("/v1/models/iris/predict", b'[{"a": 1}]'))
        for _ in range(100):
            if log.exists():
                break
            await asyncio.sleep(0.01)
        return answer

    answer = asyncio.run(one_request())
    assert (answer.status_code, answer.headers["modelport-version"]) == (200, "1")
    assert json.loads(answer.body) == {"answered by": 1}
    [line] = [json.loads(text) for text in log.read_text().splitlines()]
    assert line["primary"] == {"version": 1, "status": 200, "body": {"answered by": 1}}
    assert line["shadow"] == {"version": 3, "error": "RuntimeError: the replica died"}
    assert versions[3].calls[0][4] == b'[{"a": 1}]'  # the shadow had the same request


def test_a_failing_primary_is_a_503_naming_its_version() -> None:
    router = _router({"primary": 1}, {1: FakeVersion(1, fails=True)}, None)
    answer = asyncio.run(router(_request("/v1/models/iris/predict")))
    assert (answer.status_code, answer.headers["modelport-version"]) == (503, "1")


def test_each_version_is_reachable_by_its_number() -> None:
    versions = {1: FakeVersion(1), 2: FakeVersion(2)}
    router = _router({"primary": 1, "canary": 2, "percent": 1}, versions, None)
    answer = asyncio.run(router(_request("/-/versions/2/metrics")))
    assert answer.headers["modelport-version"] == "2"
    assert answer.body == b'# TYPE own counter\nown_total{v="2"} 1.0\n'


def test_the_routers_counters_answer_while_the_primary_fails() -> None:
    router = _router({"primary": 1}, {1: FakeVersion(1, fails=True)}, None)
    asyncio.run(router(_request("/v1/models/iris/predict")))
    metrics = asyncio.run(router(_request("/metrics"))).body.decode()
    assert (
        'modelport_traffic_requests_total{outcome="error",role="primary",version="1"} 1.0'
        in metrics
    )
