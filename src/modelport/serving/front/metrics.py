"""``/metrics`` of the front: the requests the front answered and every running model worker's
own metrics, in one answer.

The front counts its requests in a ``ServerMetrics`` of its own (``serving/metrics.py``): the
model label is the name the path gives (``(unknown)`` for a name not served), the route label
the front's own route, or ``forwarded`` for a request sent on to a worker (gRPC calls: their
``grpc:<Call>``). A scrape asks each running worker for its ``/metrics`` (all at once, at most
``ASK_SECONDS`` each, over the connections the front keeps to it; a model not running is not
started), reads the text format, adds ``worker="NAME"`` to each of the worker's series and merges
them with the front's own, the way a pool's workers merge theirs (``workers/pool_metrics.merge``:
with the worker label, no two processes' series add up). A worker's answer already adds up its
own pool's processes (``--workers N``). ``modelport_front_workers_scraped`` says how many workers'
metrics the answer holds: one whose event loop is held past ``ASK_SECONDS`` is left out.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import orjson
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelport.serving.front.paths import model_named
from modelport.serving.front.pool import WorkerPool
from modelport.serving.front.worker import ModelWorker
from modelport.serving.metrics import ServerMetrics, render_families
from modelport.serving.workers.pool_metrics import encode, merge

ASK_SECONDS = 1.0
"""How long a scrape waits for each worker's metrics."""
WORKER_LABEL = "worker"
"""The label naming the model whose worker a series comes from."""
SCRAPED = "modelport_front_workers_scraped"
FORWARDED = "forwarded"
"""The route label of the requests the front sent on to a worker."""
CATCH_ALL = "/{path:path}"


class FrontMetrics:
    """The front's request counts (``metrics``), and the scrape merging its workers'."""

    def __init__(self, pool: WorkerPool) -> None:
        self.pool = pool
        self.metrics = ServerMetrics(names=pool.workers)

    async def render(self) -> bytes:
        """The text format: the front's series, then each running worker's, labelled."""
        running = [worker for worker in self.pool.workers.values() if worker.ready]
        texts = await asyncio.gather(*(_ask(worker) for worker in running))
        answered = [(w.name, text) for w, text in zip(running, texts, strict=True) if text]
        return await run_in_threadpool(self._merged, answered)

    def _merged(self, answered: list[tuple[str, str]]) -> bytes:
        own = orjson.loads(encode(self.metrics.registry))
        others = [_labelled(text, name) for name, text in answered]
        scraped = GaugeMetricFamily(
            SCRAPED, "Model workers whose metrics this answer holds", value=len(answered)
        )
        return render_families([*merge(own, others), scraped])


async def _ask(worker: ModelWorker) -> str | None:
    """The worker's ``/metrics`` text, or None when it does not answer in time (or at all)."""
    client = worker.client
    if client is None:
        return None
    with contextlib.suppress(OSError, TimeoutError):
        async with asyncio.timeout(ASK_SECONDS):
            answer = await client.request("GET", "/metrics")
            body = await answer.read()
            if answer.status == 200:
                return body.decode()
    return None


def _labelled(text: str, name: str) -> list[dict[str, Any]]:
    """A worker's families, as ``pool_metrics.encode`` has them, each series labelled with it."""
    return [
        {
            "name": family.name,
            "type": family.type,
            "help": family.documentation,
            "samples": [
                [sample.name, {**sample.labels, WORKER_LABEL: name}, sample.value]
                for sample in family.samples
            ],
        }
        for family in text_string_to_metric_families(text)
    ]


class FrontMetricsMiddleware:
    """Counts each request the front answers, by the model its path names and its route."""

    def __init__(self, app: ASGIApp, *, metrics: ServerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        started = time.perf_counter()
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, noting_status)
        finally:
            self.metrics.in_flight.dec()
            route = getattr(scope.get("route"), "path", "unrouted")
            self.metrics.observe(
                model=model_named(scope["path"]) or "",
                route=FORWARDED if route == CATCH_ALL else route,
                status=status,
                seconds=time.perf_counter() - started,
                rows=None,
            )
