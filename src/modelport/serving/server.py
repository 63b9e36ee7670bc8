"""Running a model set over HTTP with uvicorn, one process.

The port opens at once: liveness answers while the models load in the background, readiness
turns true when every model's ``initialize()`` has finished (the log says so in one "ready" line
with the URL), and a failing ``initialize()`` stops the server with the reason
(:class:`~modelport.errors.ModelFailed`, a non-zero exit in the CLI). SIGTERM drains in-flight
requests, then the process exits 0. The socket it listens on comes bound
(``serving/sockets.py``), so a port in use was refused before the server said anything.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import socket
from collections.abc import Mapping
from typing import Any

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette

from modelport.errors import ModelFailed, ModelportError
from modelport.serving.logs import uvicorn_level
from modelport.serving.models import ModelSet

log = logging.getLogger("modelport.serving")

POLL_SECONDS = 0.01


def run_server(
    app: Starlette,
    models: ModelSet,
    *,
    sock: socket.socket,
    uvicorn_options: Mapping[str, Any] | None = None,
) -> None:
    """Serve on ``sock`` (bound by ``sockets.listen``) until SIGTERM or Ctrl-C; raises
    ModelFailed when a model cannot initialise. ``uvicorn_options`` are more of uvicorn's
    ``Config`` keywords: the connection limits and TLS (``launch``)."""
    host, port = sock.getsockname()[:2]
    uvicorn_options = uvicorn_options or {}
    scheme = "https" if uvicorn_options.get("ssl_certfile") else "http"
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
        **uvicorn_options,
    )
    server = uvicorn.Server(config)
    failures: list[BaseException] = []

    async def load() -> None:
        try:
            await load_models(models)
        except Exception as exc:
            failures.append(exc)
            server.should_exit = True
            return
        while not server.started and not server.should_exit:
            await asyncio.sleep(POLL_SECONDS)  # the port opens at once; a model may load sooner
        if server.started:
            _log_ready(models, f"{scheme}://{host}:{port}")

    async def main() -> None:
        loading = asyncio.create_task(load())
        try:
            await server.serve(sockets=[sock])
        finally:
            loading.cancel()

    # uvicorn re-raises the signal it stopped on once it has drained, for the previous handler
    # to decide; SIGTERM's is set here to do nothing, so a drained stop exits 0.
    previous = signal.signal(signal.SIGTERM, _drained)
    try:
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(main())
    finally:
        signal.signal(signal.SIGTERM, previous)
    if failures:
        failure = failures[0]
        if isinstance(failure, ModelportError):
            raise failure
        raise ModelFailed(
            f"the model failed to initialise: {type(failure).__name__}: {failure}"
        ) from failure


async def load_models(models: ModelSet) -> None:
    """Initialise every model (in a worker thread, so the port answers meanwhile), then freeze
    what the process holds: everything imported and loaded so far lives as long as the process,
    and left to the cyclic collector its full passes would walk every object of the model's
    framework (some 10^5) and stall a request now and then for tens of milliseconds."""
    for runtime in models.all():
        await anyio.to_thread.run_sync(runtime.load)
    gc.collect()  # what loading left as garbage goes now: frozen, it would stay for good
    gc.freeze()


def _log_ready(models: ModelSet, url: str) -> None:
    served = [f"{r.name}:{r.version}" if r.version is not None else r.name for r in models.all()]
    log.info("ready: %s at %s", ", ".join(served), url, extra={"url": url, "models": served})


def _drained(signum: int, frame: object) -> None:
    """SIGTERM after uvicorn's graceful shutdown: nothing left to do."""
