"""Serving several models, each in its own environment, behind one address: the front process
(uvicorn, the routing app) and the pool of model workers it starts, watches and stops.

The workers' sockets live in a folder of the temporary folder that only this user may enter,
removed when the front stops. With ``--grpc-port``, a gRPC server routes the Open Inference
Protocol's calls to the workers too (``grpc_routing.py``). SIGTERM (or Ctrl-C) drains the
front's in-flight requests, then stops every worker, each draining its own.
"""

from __future__ import annotations

import asyncio
import logging
import math
import shutil
import signal
import socket
import tempfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from modelport.errors import MissingDependency, ModelportError
from modelport.serving.connections import uvicorn_options as uvicorn_limits
from modelport.serving.exposure import warn_if_exposed
from modelport.serving.front.metrics import FrontMetrics
from modelport.serving.front.pool import PoolLimits, WorkerPool
from modelport.serving.front.proxy import create_front_app
from modelport.serving.front.worker import WorkerSpec
from modelport.serving.launch import ServeOptions
from modelport.serving.logs import configure_logging, uvicorn_level
from modelport.serving.sockets import listen

log = logging.getLogger("modelport.serving")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(frozen=True)
class FrontOptions:
    """How the front serves (address, guards, logging) and how many workers may run."""

    serve: ServeOptions
    limits: PoolLimits


def serve_front(
    specs: Sequence[WorkerSpec], options: FrontOptions, *, banner: Sequence[str] = ()
) -> None:
    """Serve ``specs``' models behind one address until SIGTERM or Ctrl-C; the models that
    the limits let run load first, the others on their first request. ModelportError when
    one of those cannot load (after stopping the others)."""
    serving = options.serve
    sock = listen(serving.host, serving.port)
    folder = Path(tempfile.mkdtemp(prefix="modelport-front-"))
    with sock:
        try:
            configure_logging(serving.log_level, serving.log_format)
            pool = WorkerPool(specs, folder, options.limits)
            metrics = FrontMetrics(pool)
            server = uvicorn.Server(_config(pool, metrics, serving))
            warn_if_exposed(serving.host, serving.exposure)
            for line in banner:
                if serving.log_format == "json":
                    log.info("%s", line)
                else:
                    print(line, flush=True)
            first = min(len(specs), options.limits.max_models or len(specs))
            # uvloop where uvicorn finds it, as a model's server
            with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
                runner.run(_serve(server, pool, metrics, sock, first=first, serving=serving))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _config(pool: WorkerPool, metrics: FrontMetrics, serving: ServeOptions) -> uvicorn.Config:
    app = create_front_app(
        pool,
        metrics=metrics,
        max_body_size=serving.max_body_size,
        limits=serving.limits,
        exposure=serving.exposure,
        bound_host=serving.host,
    )
    return uvicorn.Config(
        app,
        log_config=None,
        log_level=uvicorn_level(),
        access_log=False,
        lifespan="off",
        proxy_headers=False,
        server_header=False,
        ws="none",
        timeout_graceful_shutdown=math.ceil(serving.graceful_timeout),
        **uvicorn_limits(serving.limits),
        **serving.exposure.uvicorn_options(),
    )


async def _serve(
    server: uvicorn.Server,
    pool: WorkerPool,
    metrics: FrontMetrics,
    sock: socket.socket,
    *,
    first: int,
    serving: ServeOptions,
) -> None:
    failures: list[ModelportError] = []
    url = serving.base_url

    async def load_first(grpc: str | None) -> None:
        try:
            await pool.start(first)
        except ModelportError as exc:  # as one model's server, stop when a model cannot load
            failures.append(exc)
            server.should_exit = True
            return
        pool.ready = True
        where = f"{url} and {grpc}" if grpc else url
        log.info("ready: %s at %s", ", ".join(pool.workers), where)

    watching = asyncio.create_task(pool.watch())
    # uvicorn raises the signal it stopped on again once drained, for the handler it found
    previous = {signum: signal.signal(signum, _drained) for signum in STOP_SIGNALS}
    try:
        async with _grpc(pool, metrics, serving) as grpc:
            loading = asyncio.create_task(load_first(grpc))
            try:
                await server.serve(sockets=[sock])
            finally:
                loading.cancel()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        watching.cancel()
        await pool.stop_all()
    if failures:
        raise failures[0]


@asynccontextmanager
async def _grpc(
    pool: WorkerPool, metrics: FrontMetrics, serving: ServeOptions
) -> AsyncIterator[str | None]:
    """The front's gRPC server (``grpc_routing.py``) while it serves, when ``--grpc-port`` asks
    for one: its address. Its calls in flight finish before the workers stop."""
    if serving.grpc_port is None:
        yield None
        return
    try:
        from modelport.serving.front.grpc_routing import FrontInferenceService
        from modelport.serving.grpc.server import grpc_server
    except ImportError as exc:
        raise MissingDependency(
            f"--grpc-port needs grpcio and protobuf beside modelport ({exc})",
            hint="install modelport[grpc]",
            field="grpc_port",
        ) from None
    service = FrontInferenceService(pool, metrics.metrics, serving.exposure.tokens)
    try:
        async with grpc_server(
            service.handler(),
            host=serving.host,
            port=serving.grpc_port,
            max_message=serving.max_body_size,
        ) as address:
            yield f"grpc://{address}"
    finally:
        await service.close()


def _drained(signum: int, frame: object) -> None:
    """SIGTERM or SIGINT after uvicorn's graceful shutdown: the workers stop next."""
