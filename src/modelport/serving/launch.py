"""The one composition root of a server: loaded models in, a running HTTP server out.

``python -m modelport.serving`` (what ``modelport serve`` becomes), ``modelport serve --deepaas``
and ``modelport serve PIPELINE`` all end here: each model gets its runtime, the set its app (with
the services the conventions' routes may use), and uvicorn serves it until SIGTERM: in this
process, or in a pool of worker processes forked after the models loaded (``serving/workers``)
when ``workers`` is above 1 or a worker memory bound is set.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field

from modelport.codecs.limits import DEFAULT_MAX_BODY, DEFAULT_MAX_ROWS, decoded_bound
from modelport.errors import ConfigError
from modelport.servable import Servable
from modelport.serving.app import AppOptions, create_app
from modelport.serving.batching import BatchingOptions
from modelport.serving.connections import uvicorn_options as uvicorn_limits
from modelport.serving.conventions import Services
from modelport.serving.exposure import Exposure, warn_if_exposed
from modelport.serving.limits import ConnectionLimits
from modelport.serving.logs import DEFAULT_LEVEL, LogFormat, configure_logging, redact_output
from modelport.serving.memory_limit import memory_limit
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.serving.server import DEFAULT_GRACEFUL_TIMEOUT, run_server
from modelport.serving.sockets import listen

DEFAULT_TIMEOUT = 60.0
"""Seconds a prediction may take by default (``--timeout``)."""


@dataclass(frozen=True)
class ServeOptions:
    """How a server runs: where it listens and how it treats requests."""

    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 4
    """Threads running synchronous model code, per model (and, with one worker, the most a
    model's own kernels may use: :func:`kernel_threads`)."""
    timeout: float | None = DEFAULT_TIMEOUT
    """Seconds a prediction may take (504 after; None: no bound)."""
    workers: int = 1
    """Processes answering requests: 1 serves in this process; more fork a pool after the
    models load (``serving/workers``)."""
    graceful_timeout: float = DEFAULT_GRACEFUL_TIMEOUT
    """Seconds SIGTERM waits for in-flight requests before stopping regardless."""
    max_worker_memory: int | None = None
    """Resident bytes past which a worker is replaced after its in-flight requests (a pool
    even with one worker)."""
    max_body_size: int = DEFAULT_MAX_BODY
    """The largest request body in bytes, before and after inflating (413 above)."""
    max_rows: int = DEFAULT_MAX_ROWS
    """The most rows one request may hold or declare (413 above)."""
    max_decoded_size: int | None = None
    """The most bytes one request may decode to (413 above; None: derived at start from
    ``max_body_size``, the memory limit and the workers, ``codecs.limits.decoded_bound``)."""
    debug: bool = False
    """Tracebacks of server errors in the log (and of unforeseen ones in the answers)."""
    log_level: str = DEFAULT_LEVEL
    log_format: LogFormat = "text"
    """``text`` lines, or ``json``: one JSON object per line (``serving.logs``)."""
    grpc_port: int | None = None
    """Where the Open Inference Protocol is served over gRPC too (None: not at all)."""
    grpc_uds: str | None = None
    """The Unix socket a front's worker serves gRPC on (the front's ``--grpc-port`` routes
    there); one process only, as a Unix socket cannot be shared by a pool's workers."""
    max_batch_size: int | None = None
    """Rows per merged batch of concurrent requests (1: no batching; None: the calibration at
    load decides, ``serving.batching``)."""
    max_latency_ms: float = 0.0
    """How long a batch that is not full may wait for requests in flight to join."""
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    """Connections, requests in flight and their deadlines (``serving.limits``)."""
    exposure: Exposure = field(default_factory=Exposure)
    """Tokens, allowed host names and TLS (``serving.exposure``)."""

    @property
    def base_url(self) -> str:
        return f"{self.exposure.scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class Served:
    """One model to serve, and the registry version it is (None: not a registered version)."""

    servable: Servable
    version: int | None = None
    digest: str | None = None
    """The artifact's digest (``sha256:...``), for the model's info metric."""


__all__ = ["ServeOptions", "Served", "configure_logging", "kernel_threads", "model_set", "serve"]


def model_set(served: Sequence[Served], options: ServeOptions) -> ModelSet:
    """A runtime for each model, as ``options`` run it: a call on the event loop is given the
    budget of a server with a core to spare unless its workers fill every core; each model's
    kernels sized before any load (a session's pool is sized when it opens)."""
    for one in served:
        one.servable.kernel_threads = kernel_threads(options)
    return ModelSet(
        [
            ModelRuntime(
                one.servable,
                version=one.version,
                digest=one.digest,
                threads=options.threads,
                timeout=options.timeout,
                spare_cores=options.workers < usable_cores(),
                batching=BatchingOptions(options.max_batch_size, options.max_latency_ms),
            )
            for one in served
        ]
    )


log = logging.getLogger("modelport.serving")


def serve(
    served: Sequence[Served],
    options: ServeOptions,
    services: Services,
    *,
    banner: Sequence[str] = (),
    sock: socket.socket | None = None,
) -> None:
    """Serve ``served`` on ``sock`` (default: bound here to the options' address) until SIGTERM or
    Ctrl-C, after printing ``banner`` (logged instead, as JSON lines, under ``--log-format
    json``); raises ConfigError, before printing anything, when the address cannot be had, and
    ModelFailed when a model cannot initialise."""
    listening = listen(options.host, options.port) if sock is None else sock
    with listening:  # closed however serving ends
        configure_logging(options.log_level, options.log_format)
        redact_output()
        models = model_set(served, options)
        app_options = AppOptions(
            max_body_size=options.max_body_size,
            max_rows=options.max_rows,
            max_decoded_size=options.max_decoded_size
            or decoded_bound(options.max_body_size, memory_limit(), options.workers),
            debug=options.debug,
            limits=options.limits,
            exposure=options.exposure,
            bound_host=options.host,
        )
        app = create_app(models, app_options, services)
        warn_if_exposed(options.host, options.exposure)
        for line in banner:
            if options.log_format == "json":
                log.info("%s", line)
            else:
                print(line, flush=True)
        uvicorn_options = {**uvicorn_limits(options.limits), **options.exposure.uvicorn_options()}
        if options.workers > 1 or options.max_worker_memory is not None:
            if options.grpc_uds is not None:
                raise ConfigError(
                    "gRPC behind a front needs one process per model",
                    hint="leave out --workers and --max-worker-memory, or --grpc-port",
                    field="--workers",
                )
            from modelport.serving.workers import PoolOptions, Supervisor

            pool = PoolOptions(
                workers=options.workers,
                graceful_timeout=options.graceful_timeout,
                hung_after=options.timeout,
                max_worker_memory=options.max_worker_memory,
                grpc_port=options.grpc_port,
                uvicorn_options=uvicorn_options,
            )
            Supervisor(app, models, listening, pool).run()
        else:
            run_server(
                app,
                models,
                sock=listening,
                graceful_timeout=options.graceful_timeout,
                grpc_port=options.grpc_port,
                grpc_uds=options.grpc_uds,
                uvicorn_options=uvicorn_options,
            )


def kernel_threads(options: ServeOptions) -> int:
    """Threads a model's own kernels may use in each process: one when the models are served
    by forked workers (several share the cores out already, and a pool of threads made
    before the fork would not survive it); else ``--threads``, at most the cores this process
    may use, so a converted model answering a large batch leaves the server's loop a core."""
    if options.workers > 1 or options.max_worker_memory is not None:
        return 1
    return max(1, min(options.threads, usable_cores()))


def usable_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0))
