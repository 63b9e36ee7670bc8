"""One worker of a pool: the forked child's whole life, from fork to ``os._exit``.

It serves the app its supervisor built, on the listening socket it inherited (taking its share of
the pool's connections, ``accepting.py``), with the models
the supervisor loaded (shared copy-on-write with every other worker, the heap frozen before the
fork), hands each connection it accepts to the supervisor as well (``guard.py``), and beats in
its slot of the shared table every ``BEAT_SECONDS`` from its event loop. A
crash in native code prints the Python traceback of every thread on stderr (``faulthandler``)
before the process dies, so the server's log says where the model was. It never returns into
the supervisor's code: it ends with ``os._exit``.
"""

from __future__ import annotations

import asyncio
import faulthandler
import logging
import os
import signal
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from modelport.serving.models import ModelSet
from modelport.serving.server import run_server
from modelport.serving.watchdog import OVERRUNS
from modelport.serving.workers.accepting import BalancedServer
from modelport.serving.workers.guard import Guard, guarded
from modelport.serving.workers.pool_metrics import PoolScrape
from modelport.serving.workers.table import WorkerTable

BEAT_SECONDS = 0.1
"""How often a worker's event loop says it is turning."""

log = logging.getLogger("modelport.serving")


def run_worker(
    app: Starlette,
    models: ModelSet,
    *,
    sock: socket.socket,
    table: WorkerTable,
    slot: int,
    guard: Guard,
    graceful_timeout: float,
    metrics_directory: Path,
    grpc_port: int | None = None,
    uvicorn_options: Mapping[str, Any] | None = None,
) -> None:
    """Serve until SIGTERM (drained within ``graceful_timeout``), then exit the process; each
    connection is handed to the supervisor through ``guard`` as it opens; ``/metrics`` answers
    for every worker of the pool, through their sockets in ``metrics_directory``."""
    code = 0
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, set())  # the supervisor blocks its signals
        if sys.__stderr__ is not None:
            faulthandler.enable(file=sys.__stderr__, all_threads=True)
        models.able = table.any_able

        scrape = PoolScrape(metrics_directory, app.state.metrics.registry)
        app.state.metrics.gather = scrape.collect

        async def heartbeat() -> None:
            pid = os.getpid()
            while True:
                table.beat(slot, pid, OVERRUNS.running)
                await asyncio.sleep(BEAT_SECONDS)

        async def beside() -> None:
            await asyncio.gather(heartbeat(), scrape.serve())

        run_server(
            app,
            models,
            sock=sock,
            graceful_timeout=graceful_timeout,
            loaded=True,
            beside=beside,
            wrap_protocol=lambda base: guarded(base, guard),
            make_server=lambda config: BalancedServer(config, table=table, slot=slot),
            uvicorn_options=uvicorn_options,
            grpc_port=grpc_port,
        )
    except KeyboardInterrupt:
        pass  # Ctrl-C reached the whole process group: drained, as SIGTERM
    except BaseException:
        log.exception("worker %d stopped on an error", slot)
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
