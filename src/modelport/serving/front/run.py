"""Serving several models, each in its own environment, behind one address: the front process
(uvicorn, the routing app) and the pool of model workers it starts, watches and stops.

The workers' sockets live in a folder of the temporary folder that only this user may enter,
removed when the front stops. SIGTERM (or Ctrl-C) drains the front's in-flight requests, then
stops every worker, each draining its own.
"""

from __future__ import annotations

import asyncio
import logging
import math
import shutil
import signal
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from modelport.errors import ModelportError
from modelport.serving.connections import uvicorn_options as uvicorn_limits
from modelport.serving.exposure import warn_if_exposed
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
            server = uvicorn.Server(_config(pool, serving))
            warn_if_exposed(serving.host, serving.exposure)
            for line in banner:
                if serving.log_format == "json":
                    log.info("%s", line)
                else:
                    print(line, flush=True)
            first = min(len(specs), options.limits.max_models or len(specs))
            # uvloop where uvicorn finds it, as a model's server
            with asyncio.Runner(loop_factory=server.config.get_loop_factory()) as runner:
                runner.run(_serve(server, pool, sock, first=first, url=serving.base_url))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def _config(pool: WorkerPool, serving: ServeOptions) -> uvicorn.Config:
    app = create_front_app(
        pool,
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
    server: uvicorn.Server, pool: WorkerPool, sock: socket.socket, *, first: int, url: str
) -> None:
    failures: list[ModelportError] = []

    async def load_first() -> None:
        try:
            await pool.start(first)
        except ModelportError as exc:  # as one model's server, stop when a model cannot load
            failures.append(exc)
            server.should_exit = True
            return
        pool.ready = True
        log.info("ready: %s at %s", ", ".join(pool.workers), url)

    watching = asyncio.create_task(pool.watch())
    loading = asyncio.create_task(load_first())
    # uvicorn raises the signal it stopped on again once drained, for the handler it found
    previous = {signum: signal.signal(signum, _drained) for signum in STOP_SIGNALS}
    try:
        await server.serve(sockets=[sock])
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for task in (watching, loading):
            task.cancel()
        await pool.stop_all()
    if failures:
        raise failures[0]


def _drained(signum: int, frame: object) -> None:
    """SIGTERM or SIGINT after uvicorn's graceful shutdown: the workers stop next."""
