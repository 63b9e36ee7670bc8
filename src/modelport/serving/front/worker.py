"""One model's worker behind a front process: ``python -m modelport.serving ROOT --uds PATH``
run by the interpreter of the model's own environment, started on demand, stopped when the
front needs its room, and started again when it dies.

The worker is a whole modelport server (decoding, validation, batching, the model's convention
and its routes) listening on a Unix socket in a folder only this user may enter; the front
reaches it over HTTP/1.1 on that socket (``upstream.py``: kept-alive connections per worker).
Starting is shared: concurrent requests for a model that is not running wait for the one start,
and each sees its outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from modelport.errors import ModelFailed
from modelport.serving.front.upstream import Upstream
from modelport.tether import tethered

log = logging.getLogger("modelport.serving")

READY_POLL_SECONDS = 0.05
"""How often a starting worker's readiness is asked."""
DEFAULT_LOAD_TIMEOUT = 600.0
"""Seconds a worker may take to load its model before the start counts as failed."""


@dataclass(frozen=True)
class WorkerSpec:
    """A model to serve through a worker: the name requests use, and the serving command
    (``python -m modelport.serving ROOT ...``) the worker runs, less the socket to listen on."""

    name: str
    command: tuple[str, ...]
    version: str = "1"
    """The version the repository index names (the registry's, or 1 as a model's server says)."""
    grpc: bool = False
    """The worker serves gRPC too, on a Unix socket beside its HTTP one (the front's
    ``--grpc-port`` routes there)."""


class ModelWorker:
    """The process serving one model on a Unix socket, and an HTTP client of it."""

    def __init__(
        self, spec: WorkerSpec, socket_path: Path, *, load_timeout: float = DEFAULT_LOAD_TIMEOUT
    ) -> None:
        self.spec = spec
        self.socket_path = socket_path
        self.load_timeout = load_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.client: Upstream | None = None
        self.last_used = 0.0
        """``time.monotonic()`` of the last request routed here (least recently used goes)."""
        self.in_flight = 0
        self.starts = 0
        self._exits: dict[int, int] = {}
        """The exit status of each start's process, once replaced (a call's cause of failure)."""
        """How many times the worker process was started (a restart counts)."""
        self._starting: asyncio.Task[None] | None = None
        self.stopped = False
        """Stopped on purpose (to make room, or at the end), not dead."""
        self._death_seen = False

    @property
    def grpc_path(self) -> Path | None:
        """The Unix socket of the worker's gRPC server, when it has one."""
        return self.socket_path.with_suffix(".grpc") if self.spec.grpc else None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def ready(self) -> bool:
        return self.running and self._starting is None and self.client is not None

    async def ensure_started(self) -> Upstream:
        """The client of a running, ready worker: started first when it is not running; the
        starts of concurrent callers are one. ModelFailed when the model cannot load."""
        self.last_used = time.monotonic()
        if self.ready:
            assert self.client is not None
            return self.client
        if self._starting is None:
            self._starting = asyncio.create_task(self._start())
            self._starting.add_done_callback(self._started)
        await asyncio.shield(self._starting)
        assert self.client is not None
        return self.client

    def _started(self, task: asyncio.Task[None]) -> None:
        self._starting = None
        if not task.cancelled() and task.exception() is not None:
            task.exception()  # seen by the callers awaiting it; marked retrieved here

    async def _start(self) -> None:
        self._close_client()
        for left in (self.socket_path, self.grpc_path):  # left by a worker that died
            if left is not None:
                left.unlink(missing_ok=True)
        python, *args = self.spec.command
        args += ["--uds", str(self.socket_path)]
        if self.grpc_path is not None:
            args += ["--grpc-uds", str(self.grpc_path)]
        argv = tethered(python, args)  # dies with the front
        log.info("%s: starting its worker", self.name)
        self.stopped = self._death_seen = False
        if self.process is not None and self.process.poll() is not None:
            self._exits[self.starts] = self.process.returncode
        # a session of its own: a terminal's Ctrl-C reaches the front, which stops it
        self.process = subprocess.Popen(argv, start_new_session=True)
        self.starts += 1
        began = time.monotonic()
        client = Upstream(str(self.socket_path))
        try:
            await self._wait_ready(client, began)
        except BaseException:
            client.close()
            await self.stop()
            raise
        self.client = client
        log.info("%s: worker ready (pid %d)", self.name, self.process.pid)

    async def _wait_ready(self, client: Upstream, began: float) -> None:
        assert self.process is not None
        while True:
            code = self.process.poll()
            if code is not None:
                raise ModelFailed(
                    f"the worker of model {self.name} stopped while loading ({exit_cause(code)})",
                    hint="its log above says why",
                )
            if time.monotonic() - began > self.load_timeout:
                raise ModelFailed(
                    f"the worker of model {self.name} did not load within {self.load_timeout:g} s"
                )
            if self.socket_path.exists():
                with contextlib.suppress(OSError):  # not listening yet
                    answer = await client.request("GET", "/v2/health/ready")
                    await answer.read()
                    if answer.status == 200:
                        return
            await asyncio.sleep(READY_POLL_SECONDS)

    async def stop(self, *, grace: float = 20.0) -> None:
        """SIGTERM (its in-flight requests drain), then SIGKILL after ``grace`` seconds."""
        self.stopped = True
        process = self.process
        self._close_client()
        if process is None or process.poll() is not None:
            return
        log.info("%s: stopping its worker (pid %d)", self.name, process.pid)
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(READY_POLL_SECONDS)
        if process.poll() is None:
            process.kill()
            await asyncio.to_thread(process.wait)

    def mark_dead(self) -> None:
        """The death :meth:`died` answered has been seen (and a restart is under way)."""
        self._death_seen = True

    def died(self) -> int | None:
        """The exit status of a worker that ended without being asked to (else None)."""
        if self.stopped or self._death_seen or self._starting is not None or self.process is None:
            return None
        return self.process.poll()

    async def exit_cause(self, start: int | None = None, wait: float = 1.0) -> str:
        """Why the worker of its ``start``-th start (default: the current one) ended, waiting
        up to ``wait`` seconds for it to be reaped; "" while it runs. A call names the start
        it was sent to: the pool may have replaced a dead worker before the call's error is
        read, and the new one runs."""
        if start is not None and start != self.starts:
            code = self._exits.get(start)
            return "its worker was replaced" if code is None else exit_cause(code)
        process = self.process
        if process is None:
            return "not started"
        deadline = time.monotonic() + wait
        while process.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        code = process.poll()
        return "" if code is None else exit_cause(code)

    def _close_client(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            client.close()


def exit_cause(code: int) -> str:
    """``exit code 1`` or ``killed by SIGKILL``, from a Popen return code."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
