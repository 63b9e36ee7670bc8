"""Running a model set over HTTP with uvicorn, one process.

The port opens at once: liveness answers while the models load in the background, readiness
turns true when every model's ``initialize()`` has finished (the log says so in one "ready" line
with the URL), and a failing ``initialize()`` stops the server with the reason
(:class:`~modelport.errors.ModelFailed`, a non-zero exit in the CLI). SIGTERM drains in-flight
requests for at most ``graceful_timeout`` seconds, then the process exits 0, at once even when a
model call abandoned at its timeout still runs in a thread (``serving/watchdog.py``). The socket
it listens on comes bound (``serving/sockets.py``), so a port in use was refused before the
server said anything. A worker of a pool (``serving/workers``) runs the same server on models its
supervisor loaded.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from modelport.codecs.limits import DecodeLimits
from modelport.errors import MissingDependency, ModelFailed, ModelportError
from modelport.serving.heap import freeze_loaded_heap
from modelport.serving.logs import defer_access_lines, uvicorn_level
from modelport.serving.models import ModelSet
from modelport.serving.sockets import url_of
from modelport.serving.watchdog import OVERRUNS, InlineWatchdog

log = logging.getLogger("modelport.serving")

POLL_SECONDS = 0.01
DEFAULT_GRACEFUL_TIMEOUT = 20.0
"""Seconds SIGTERM waits for in-flight requests before the server stops regardless."""


def run_server(
    app: Starlette,
    models: ModelSet,
    *,
    sock: socket.socket,
    graceful_timeout: float = DEFAULT_GRACEFUL_TIMEOUT,
    loaded: bool = False,
    beside: Callable[[], Coroutine[Any, Any, None]] | None = None,
    wrap_protocol: Callable[[type[asyncio.Protocol]], type[asyncio.Protocol]] | None = None,
    grpc_port: int | None = None,
    grpc_uds: str | None = None,
    uvicorn_options: Mapping[str, Any] | None = None,
    make_server: Callable[[uvicorn.Config], uvicorn.Server] = uvicorn.Server,
) -> None:
    """Serve on ``sock`` (bound by ``sockets.listen``) until SIGTERM or Ctrl-C, and the Open
    Inference Protocol over gRPC on ``grpc_port`` of the same host when given; raises
    ModelFailed when a model cannot initialise, ConfigError when the gRPC port cannot be had
    (``grpc_uds``: on that Unix socket instead, a front's worker).
    ``loaded``: the models were loaded before (by a pool's supervisor), readiness follows at
    once, and the gRPC port is shared with the pool's other workers; ``beside`` runs alongside
    the server (a worker's heartbeat); ``wrap_protocol`` wraps uvicorn's HTTP protocol class (a
    pool's worker hands each connection to its supervisor: ``serving/workers/guard.py``);
    ``uvicorn_options`` are more of uvicorn's ``Config`` keywords: the connection limits (their
    ``http`` protocol class, which ``wrap_protocol`` then wraps) and TLS (``launch``);
    ``make_server`` makes the uvicorn server (a pool's worker accepts its share of the
    connections: ``serving/workers/accepting.py``)."""
    options = dict(uvicorn_options or {})
    scheme = "https" if options.get("ssl_certfile") else "http"
    url = url_of(sock, scheme)
    unix = sock.family == socket.AF_UNIX  # a front's worker (``serving/front``)
    host, port = ("localhost", 0) if unix else sock.getsockname()[:2]
    protocol: Any = options.pop("http", None) or AutoHTTPProtocol
    if wrap_protocol is not None:
        protocol = wrap_protocol(protocol)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # uvicorn's records go through the server's log (serving.logs)...
        log_level=uvicorn_level(),
        access_log=False,  # ...except its access lines: the middleware writes ours
        lifespan="off",
        proxy_headers=False,  # nothing here reads the client address; skip the rewrite
        server_header=False,
        ws="none",  # no protocol here speaks WebSocket: the websockets package stays unloaded
        timeout_graceful_shutdown=math.ceil(graceful_timeout),
        **{**options, "http": protocol},
    )
    server = make_server(config)
    failures: list[BaseException] = []

    async def load(addresses: list[str]) -> None:
        try:
            if not loaded:
                await load_models(models)
        except Exception as exc:
            failures.append(exc)
            server.should_exit = True
            return
        while not server.started and not server.should_exit:
            await asyncio.sleep(POLL_SECONDS)  # the port opens at once; a model may load sooner
        if server.started and not loaded:
            log_ready(models, url, grpc=addresses[0] if addresses else None)

    async def main() -> None:
        where = f"unix:{grpc_uds}" if grpc_uds is not None else grpc_port
        defer_access_lines(asyncio.get_running_loop())
        try:
            async with _grpc(app, models, host, where, shared=loaded) as addresses:
                loading = asyncio.create_task(load(addresses))
                alongside = asyncio.create_task(beside()) if beside is not None else None
                try:
                    await server.serve(sockets=[sock])
                finally:
                    loading.cancel()
                    if alongside is not None:
                        alongside.cancel()
        finally:
            defer_access_lines(None)

    watchdog = InlineWatchdog()
    watchdog.start()
    for runtime in models.all():
        runtime.watch(watchdog)
    if models.able is None:  # one process: ready while no thread is stuck in the model
        models.able = _no_overruns

    # uvicorn re-raises the signal it stopped on once it has drained, for the previous handler
    # to decide; SIGTERM's is set here to do nothing, so a drained stop exits 0.
    previous = signal.signal(signal.SIGTERM, _drained)
    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(main())
    finally:
        watchdog.stop()
        signal.signal(signal.SIGTERM, previous)
    if OVERRUNS.running and not failures:
        _exit_leaving_overruns()
    if failures:
        failure = failures[0]
        if isinstance(failure, ModelportError):
            raise failure
        raise ModelFailed(
            f"the model failed to initialise: {type(failure).__name__}: {failure}"
        ) from failure


async def load_models(models: ModelSet) -> None:
    """Initialise every model (in a worker thread, so the port answers meanwhile), then freeze
    what the process holds (``serving/heap.py``)."""
    for runtime in models.all():
        await anyio.to_thread.run_sync(runtime.load)  # it logs its calibration's verdict
    freeze_loaded_heap()


@asynccontextmanager
async def _grpc(
    app: Starlette, models: ModelSet, host: str, port: int | str | None, *, shared: bool
) -> AsyncIterator[list[str]]:
    """The gRPC server's address while it serves (none when no port is asked for; a ``unix:``
    address instead of a port for a front's worker): its module, and grpcio, are imported only
    then (in a pool, only in the workers, after the fork, as gRPC requires). ``shared``: the
    pool's workers each serve the one port."""
    if port is None:
        yield []
        return
    try:
        from modelport.serving.grpc.server import grpc_serving
    except ImportError as exc:
        raise MissingDependency(
            f"--grpc-port needs grpcio and protobuf where the model runs ({exc})",
            hint="install modelport[grpc] there, or build the model again with this modelport",
            field="grpc_port",
        ) from None

    limits: DecodeLimits = app.state.decode_limits
    async with grpc_serving(
        models,
        host=host,
        port=port,
        limits=limits,
        metrics=app.state.metrics,
        tokens=app.state.tokens,
        shared=shared,
    ) as address:
        yield [f"grpc://{address}"]


def log_ready(models: ModelSet, url: str, *, grpc: str | None = None) -> None:
    served = [f"{r.name}:{r.version}" if r.version is not None else r.name for r in models.all()]
    extra = {"url": url, "models": served}
    where = url
    if grpc is not None:
        extra["grpc"] = grpc
        where = f"{url} and {grpc}"
    log.info("ready: %s at %s", ", ".join(served), where, extra=extra)


def _no_overruns() -> bool:
    return OVERRUNS.running == 0


def _exit_leaving_overruns() -> None:
    """Stopped, while model calls abandoned at their timeout still run: the interpreter would
    wait for their threads at exit, for ever perhaps; exit now instead."""
    log.warning("stopping with %d model call(s) still running past the timeout", OVERRUNS.running)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _drained(signum: int, frame: object) -> None:
    """SIGTERM after uvicorn's graceful shutdown: nothing left to do."""
