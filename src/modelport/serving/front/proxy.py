"""The front's ASGI app: each request goes, as it came, to the worker of the model its path
names; the routes about the server as a whole (liveness, readiness, its metadata, the
repository index, ``/metrics``: ``metrics.py``, ``/openapi.json`` and ``/docs``: ``openapi.py``)
are answered here, for every model.

A model is named by the generic protocols' paths (``/v1/models/NAME/predict``,
``/v1/models/NAME:predict``, ``/v2/models/NAME/...``) and by the conventions' paths of that
shape; with one model served, every other path goes to it too. The body is passed through
undecoded: decoding and validation belong to the worker, which runs the model's own pyarrow,
pandas and convention, and a byte copy over a Unix socket costs less than decoding twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from modelport.errors import ModelFailed, NotFound, PayloadTooLarge
from modelport.serving.admission import AdmissionMiddleware
from modelport.serving.exposure import Exposure, ExposureMiddleware
from modelport.serving.front.metrics import CATCH_ALL, FrontMetrics, FrontMetricsMiddleware
from modelport.serving.front.openapi import FrontDocument
from modelport.serving.front.paths import model_named
from modelport.serving.front.pool import WorkerPool
from modelport.serving.front.upstream import Answer
from modelport.serving.front.worker import ModelWorker
from modelport.serving.limits import ConnectionLimits
from modelport.serving.problems import EXCEPTION_HANDLERS
from modelport.serving.protocols.docs import swagger_ui_routes
from modelport.serving.protocols.v2 import SERVER_METADATA, asks_ready_only

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
"""Headers about one connection, never passed on (RFC 9110, 7.6.1)."""

HOP_BY_HOP_BYTES = frozenset(name.encode() for name in HOP_BY_HOP)

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_front_app(
    pool: WorkerPool,
    *,
    metrics: FrontMetrics,
    max_body_size: int,
    limits: ConnectionLimits,
    exposure: Exposure,
    bound_host: str | None,
) -> Starlette:
    """The app routing by model name to ``pool``'s workers."""

    async def live(request: Request) -> Response:
        return _json({"live": True})

    async def ready(request: Request) -> Response:
        return _json({"ready": pool.ready}, status=200 if pool.ready else 503)

    async def server_metadata(request: Request) -> Response:
        return _json(SERVER_METADATA)

    async def repository_index(request: Request) -> Response:
        ready_only = asks_ready_only(await request.body())
        index = [
            _index_entry(worker)
            for worker in pool.workers.values()
            if worker.ready or not ready_only
        ]
        return _json(index)

    document = FrontDocument(pool)

    async def openapi(request: Request) -> Response:
        return Response(await document.body(), media_type="application/json")

    async def render_metrics(request: Request) -> Response:
        return Response(await metrics.render(), media_type=metrics.metrics.content_type)

    async def forward(request: Request) -> Response:
        methods = allowed.get(request.url.path)
        if methods is not None:
            raise HTTPException(405, headers={"Allow": ", ".join(sorted(methods))})
        worker = _worker_for(pool, request.url.path)
        body = await _bounded_body(request, max_body_size)
        answer = await _send(pool, worker, request, body)
        response = StreamingResponse(_relay(answer, worker), status_code=answer.status)
        response.raw_headers = [
            (name.lower(), value)
            for name, value in answer.headers
            if name.lower() not in HOP_BY_HOP_BYTES
        ]
        return response

    own: list[BaseRoute] = [
        Route("/v2/health/live", live, methods=["GET"]),
        Route("/v2/health/ready", ready, methods=["GET"]),
        Route("/v2", server_metadata, methods=["GET"]),
        Route("/v2/repository/index", repository_index, methods=["POST"]),
        Route("/metrics", render_metrics, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        *swagger_ui_routes("modelport"),
    ]
    allowed = {r.path: r.methods or set() for r in own if isinstance(r, Route)}
    """The methods of each route the front answers itself: any other is 405, not forwarded."""
    return Starlette(
        routes=[*own, Route(CATCH_ALL, forward, methods=METHODS)],
        middleware=[
            Middleware(FrontMetricsMiddleware, metrics=metrics.metrics),
            Middleware(ExposureMiddleware, exposure=exposure, bound_host=bound_host),
            Middleware(AdmissionMiddleware, limits=limits),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
    )


async def _send(pool: WorkerPool, worker: ModelWorker, request: Request, body: bytes) -> Answer:
    """The worker's answer to ``request``, once its headers are in; ModelFailed (500) when the
    worker ended under it."""
    try:
        return await _send_once(pool, worker, request, body)
    except OSError as exc:  # UpstreamError too
        if not worker.stopped:
            raise await _ended(worker, exc) from exc
    try:  # stopped to make room just as it went, it was not read: to the worker started anew
        return await _send_once(pool, worker, request, body)
    except OSError as exc:
        raise await _ended(worker, exc) from exc


async def _send_once(
    pool: WorkerPool, worker: ModelWorker, request: Request, body: bytes
) -> Answer:
    client = await pool.client_of(worker)
    worker.in_flight += 1  # until its body has been relayed
    try:
        return await client.request(request.method, _target(request), _headers(request), body)
    except BaseException:
        worker.in_flight -= 1
        raise


async def _ended(worker: ModelWorker, error: OSError) -> ModelFailed:
    cause = await worker.exit_cause()
    return ModelFailed(
        f"the worker of model {worker.name} ended during this request "
        f"({cause or type(error).__name__}); it is starting again",
        hint="send the request again",
    )


def _worker_for(pool: WorkerPool, path: str) -> ModelWorker:
    name = model_named(path)
    if name is not None:
        return pool.get(name)
    if len(pool.workers) == 1:
        return next(iter(pool.workers.values()))
    raise NotFound(
        f"{path} names no model, and several are served here",
        hint="name one: /v2/models/NAME/infer, /v1/models/NAME/predict or /v1/models/NAME:predict"
        f" (served: {', '.join(pool.workers)})",
    )


async def _bounded_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"the request body is over {limit} bytes", hint="raise --max-body-size"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _target(request: Request) -> str:
    """The request's path and query as it was sent (percent-encoding kept)."""
    path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    query: bytes = request.scope.get("query_string", b"")
    return (path + (b"?" + query if query else b"")).decode("latin-1")


def _headers(request: Request) -> list[tuple[bytes, bytes]]:
    """The request's headers for the worker: the same, less those about this connection, those
    the upstream connection sets itself (host, content-length) and ``expect`` (the front has
    read the body already: no ``100 Continue`` to wait for)."""
    return [
        (name, value)
        for name, value in request.headers.raw
        if name not in HOP_BY_HOP_BYTES and name not in (b"host", b"content-length", b"expect")
    ]


async def _relay(answer: Answer, worker: ModelWorker) -> AsyncIterator[bytes]:
    try:
        async for chunk in answer.body:
            yield chunk
    finally:
        worker.in_flight -= 1


def _index_entry(worker: ModelWorker) -> dict[str, str]:
    entry = {"name": worker.name, "version": worker.spec.version}
    if worker.ready:
        return {**entry, "state": "READY"}
    return {**entry, "state": "UNAVAILABLE", "reason": "loads on its first request"}


def _json(content: object, status: int = 200) -> Response:
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")
