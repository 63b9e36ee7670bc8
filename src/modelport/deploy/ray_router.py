"""The router in front of two versions of one model on Ray Serve: it sends each request to the
primary version or, for ``percent`` of them, to the canary version (through Ray Serve deployment
handles), and a copy of each to the shadow version, whose answer is logged beside the primary's
(``deploy.shadow_log``) and never returned; a shadow that fails or is slow changes nothing for
the client. Each answer carries a ``modelport-version`` header saying which version gave it.

The router answers ``/metrics`` itself: the primary's own metrics, then Prometheus counters of
the requests each version answered, labelled with ``version``, ``role`` (primary, canary,
shadow) and ``outcome`` (the status class, or ``error``). ``/-/versions/N/...`` reaches
version N directly (its own ``/metrics``, health and model routes).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from ray import serve
from starlette.requests import Request
from starlette.responses import Response

from modelport.deploy.shadow_log import Answer, ShadowLog
from modelport.deploy.traffic import Traffic

__all__ = ["ROUTER_NAME", "VERSION_HEADER", "TrafficRouter"]

ROUTER_NAME = "router"
VERSION_HEADER = "modelport-version"
SHADOW_TIMEOUT = 60.0
"""Seconds a shadow's answer is waited for before it is logged as an error."""
_HOP_HEADERS = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "accept-encoding",
    "content-encoding",
}


@serve.deployment(name=ROUTER_NAME, ray_actor_options={"num_cpus": 0})
class TrafficRouter:
    """Routes by ``traffic`` to the deployments in ``versions`` (version number to handle).
    It reserves no CPU: it only waits on the versions' replicas."""

    def __init__(
        self, versions: Mapping[int, Any], traffic: dict[str, Any], shadow_log: str | None
    ) -> None:
        self._versions = dict(versions)
        self._traffic = Traffic.from_dict(traffic)
        self._log = ShadowLog(Path(shadow_log)) if shadow_log and self._traffic.shadow else None
        self._pending: set[asyncio.Task[None]] = set()
        self._metrics = CollectorRegistry()
        self._answered = Counter(
            "modelport_traffic_requests",
            "Requests answered by each version of the deployment, by role and outcome.",
            ["version", "role", "outcome"],
            registry=self._metrics,
        )

    def traffic(self) -> dict[str, Any]:
        """The split this router applies (what ``modelport deploy status`` shows)."""
        return self._traffic.as_dict()

    async def __call__(self, request: Request) -> Response:
        path = _relative_path(request)
        if path == "/metrics":
            return await self._metrics_answer()
        body = await request.body()
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS]
        call = (request.method, path, request.url.query, headers, body)
        direct = _direct_version(path)
        if direct is not None and direct[0] in self._versions:
            version, rest = direct
            return _response(await self._ask(version, "direct", (*call[:1], rest, *call[2:])))
        traffic = self._traffic
        version, role = traffic.primary, "primary"
        if traffic.canary is not None and random.random() * 100 < traffic.percent:
            version, role = traffic.canary, "canary"
        shadow = None  # asked at the same time as the primary, awaited only to be logged
        if traffic.shadow is not None:
            shadow = asyncio.ensure_future(self._ask(traffic.shadow, "shadow", call))
        answer = await self._ask(version, role, call)
        if shadow is not None:
            task = asyncio.ensure_future(self._log_shadow(shadow, call, answer))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        return _response(answer)

    async def _metrics_answer(self) -> Response:
        """The primary's own metrics (what the route answers without a router), then the
        router's counters: metric families of other names, so the text stays valid."""
        primary = self._versions[self._traffic.primary]
        try:
            status, _, body = await primary.forward.remote("GET", "/metrics", "", [], b"")
        except Exception:  # the primary's replica failed: the router's counters still answer
            status, body = 503, b""
        text = (body if status == 200 else b"") + generate_latest(self._metrics)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    async def _ask(self, version: int, role: str, call: tuple[Any, ...]) -> Answer:
        try:
            status, headers, body = await self._versions[version].forward.remote(*call)
        except Exception as exc:  # the version's replica failed: a 503, counted
            self._answered.labels(str(version), role, "error").inc()
            return Answer(version, error=f"{type(exc).__name__}: {exc}")
        self._answered.labels(str(version), role, f"{status // 100}xx").inc()
        return Answer(version, status, body, headers=tuple((k, v) for k, v in headers))

    async def _log_shadow(
        self, shadow: asyncio.Future[Answer], call: tuple[Any, ...], primary: Answer
    ) -> None:
        try:
            answer = await asyncio.wait_for(shadow, SHADOW_TIMEOUT)
        except TimeoutError:
            version = self._traffic.shadow or 0
            answer = Answer(version, error=f"no answer within {SHADOW_TIMEOUT:g}s")
        if self._log is not None:
            with contextlib.suppress(OSError):  # a full disk must not reach the client
                self._log.write(call[0], call[1], primary, answer)


def _response(answer: Answer) -> Response:
    if answer.error is not None:
        return Response(
            f'{{"error": "version {answer.version} did not answer"}}',
            status_code=503,
            media_type="application/json",
            headers={VERSION_HEADER: str(answer.version)},
        )
    response = Response(answer.body, status_code=answer.status or 200)
    for key, value in answer.headers:
        if key.lower() not in _HOP_HEADERS:
            response.headers.append(key, value)
    response.headers[VERSION_HEADER] = str(answer.version)
    return response


def _relative_path(request: Request) -> str:
    """The path under the application's route prefix."""
    path: str = request.scope["path"]
    root: str = request.scope.get("root_path", "") or ""
    if root and path.startswith(root):
        path = path[len(root) :] or "/"
    return path


def _direct_version(path: str) -> tuple[int, str] | None:
    parts = path.split("/", 4)  # "", "-", "versions", N, rest
    if len(parts) >= 4 and parts[1] == "-" and parts[2] == "versions" and parts[3].isdigit():
        return int(parts[3]), "/" + (parts[4] if len(parts) > 4 else "")
    return None
