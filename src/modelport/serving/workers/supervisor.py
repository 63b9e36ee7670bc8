"""The supervisor of a worker pool: loads once, forks the workers, keeps their number, drains.

It loads the models in its own process (a thread answers liveness on the port meanwhile,
``loading.py``), freezes the heap, then forks the workers, which share the loaded
weights copy-on-write and accept on the one listening socket they inherit. Afterwards it waits
for signals, and every ``TICK_SECONDS`` looks at its workers:

- a worker that died (a segfault, ``os._exit``, the kernel's out-of-memory killer) is logged
  with its exit code or signal and replaced at once, while the others keep serving; the requests
  it was answering get a 500 problem from the supervisor, which holds a copy of each of its
  connections (``guard.py``);
- a worker holding a model call abandoned at its timeout, one whose event loop has been held by
  a model call for longer than the timeout (silence while the whole pool was stopped, by
  SIGSTOP or a frozen container, does not count), and one whose resident memory passed
  ``max_worker_memory`` are *recycled*: a new worker starts first, then the old one gets SIGTERM,
  finishes its in-flight requests and exits (SIGKILL after ``graceful_timeout``);
- SIGTERM or Ctrl-C: every worker gets SIGTERM and drains; those still there after
  ``graceful_timeout`` get SIGKILL; the supervisor exits 0.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import os
import resource
import select
import signal
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from modelport.errors import ModelFailed, ModelportError
from modelport.serving.heap import freeze_loaded_heap
from modelport.serving.models import ModelSet
from modelport.serving.server import log_ready
from modelport.serving.sockets import url_of
from modelport.serving.workers.guard import (
    ConnectionStates,
    Guard,
    HeldConnections,
    channel_pair,
)
from modelport.serving.workers.loading import LoadingResponder
from modelport.serving.workers.pool_metrics import make_directory, remove_directory
from modelport.serving.workers.table import WorkerTable
from modelport.serving.workers.worker import run_worker
from modelport.tether import tether

TICK_SECONDS = 0.05
"""How often the supervisor looks at its workers when no signal wakes it sooner."""
MEMORY_CHECK_SECONDS = 0.5
"""How often it reads its workers' resident memory."""
READY_WAIT_SECONDS = 10.0
"""How long the first workers have to start before the ready line is logged regardless."""
QUICK_DEATH_SECONDS = 1.0
"""A worker dying sooner than this after it started makes the next start wait (doubling)..."""
MAX_RESTART_DELAY = 1.0
"""...up to this, so a model that kills every worker at once does not make the pool spin."""
KILL_MARGIN_SECONDS = 1.0
"""Time past ``graceful_timeout`` before a retiring worker gets SIGKILL."""
STOPPED_AFTER_SECONDS = 1.0
"""A gap this long between two of the supervisor's looks means the pool was stopped (SIGSTOP,
Ctrl-Z, a frozen container): its workers' silence is counted from when it runs again."""
BACKLOG = 2048
WATCHED = {signal.SIGCHLD, signal.SIGTERM, signal.SIGINT}

log = logging.getLogger("modelport.serving")


@dataclass(frozen=True)
class PoolOptions:
    """How many workers, and when one is recycled."""

    workers: int
    graceful_timeout: float
    hung_after: float | None = None
    """Seconds a worker's event loop may be held by one call before it is recycled (the
    prediction timeout; None: never)."""
    max_worker_memory: int | None = None
    """Resident bytes past which a worker is recycled (None: no bound)."""
    grpc_port: int | None = None
    """Where every worker also serves Open Inference V2 over gRPC (None: nowhere)."""
    uvicorn_options: Mapping[str, Any] = field(default_factory=dict)
    """More of uvicorn's ``Config`` keywords for every worker: connection limits and TLS."""


@dataclass
class _Worker:
    pid: int
    slot: int
    started: float
    connections: HeldConnections
    retiring_since: float | None = None
    reason: str = ""


class Supervisor:
    """Runs a pool on ``sock`` for ``app`` and ``models`` (see the module docstring)."""

    def __init__(
        self, app: Starlette, models: ModelSet, sock: socket.socket, options: PoolOptions
    ) -> None:
        self.app = app
        self.models = models
        self.sock = sock
        self.options = options
        self.table = WorkerTable(2 * options.workers)
        self.states = ConnectionStates(2 * options.workers)
        self.workers: dict[int, _Worker] = {}
        self._restart_delay = 0.0
        self._memory_checked = 0.0
        self._looked_at = self._running_since = time.monotonic()
        self._stopping = False
        self.metrics_directory: Path | None = None

    def run(self) -> None:
        """Load, fork, supervise until SIGTERM or Ctrl-C, drain; ModelFailed when a model cannot
        initialise (no worker was forked then)."""
        _raise_open_files_limit()  # it holds a copy of every connection of every worker
        self.sock.listen(BACKLOG)
        stop_loading = signal.signal(signal.SIGTERM, _stop_while_loading)
        try:
            with LoadingResponder(self.sock):
                self._load()
        except BaseException:
            signal.signal(signal.SIGTERM, stop_loading)
            raise
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED)  # from now on they wait
        # ...for sigtimedwait, in order. A thread started before the mask was set (a library's,
        # an idle worker thread of the loading) may still take a process-wide SIGTERM: its
        # handler notes it for the loop below, where the default would end the process.
        signal.signal(signal.SIGTERM, self._note_stop)
        interrupt = signal.signal(signal.SIGINT, self._note_stop)
        self.metrics_directory = make_directory()
        try:
            for _ in range(self.options.workers):
                self._fork()
            self._log_ready()
            self._supervise()
            self._drain()
        finally:
            remove_directory(self.metrics_directory)
            self.metrics_directory = None
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
            signal.signal(signal.SIGTERM, stop_loading)
            signal.signal(signal.SIGINT, interrupt)

    def _note_stop(self, signum: int, frame: object) -> None:
        """SIGTERM or SIGINT taken by a thread other than this one: stop as if waited for."""
        self._stopping = True

    def _load(self) -> None:
        try:
            for runtime in self.models.all():
                runtime.load()
        except ModelportError:
            raise
        except Exception as exc:
            raise ModelFailed(
                f"the model failed to initialise: {type(exc).__name__}: {exc}"
            ) from exc
        for module in self._imported_by_workers():
            try:
                importlib.import_module(module)
            except ImportError:
                if module != "pandas":  # pyarrow goes on without a pandas that fails to import
                    raise
        freeze_loaded_heap()  # shared by every worker, untouched

    def _imported_by_workers(self) -> list[str]:
        """What every worker would import as it starts serving, imported here before the forks
        so that its modules are shared instead of copied into each worker: the event loop
        (uvloop, when installed), anyio's backend (imported at the first call into a thread;
        about 1 MiB), pandas when installed (pyarrow imports it with the first array it makes:
        200 ms and 50 MiB), ``pyarrow.compute`` when a model's columns need it (``Signature.plain``;
        50 ms and 9 MiB, which pandas imports too) and, with ``--grpc-port``, grpc and protobuf
        (about 7 MiB of each worker's own memory). Importing grpc starts none of its threads:
        forking after it is safe, where forking after a gRPC server or channel was made is
        not."""
        modules = ["anyio._backends._asyncio"]
        for module in ("uvloop", "pandas"):
            if importlib.util.find_spec(module) is not None:
                modules.append(module)
        if not all(runtime.signature.plain for runtime in self.models.all()):
            modules.append("pyarrow.compute")
        if self.options.grpc_port is not None:
            modules.append("modelport.serving.grpc.server")
        return modules

    def _fork(self) -> None:
        assert self.metrics_directory is not None, "made before the first fork"
        directory = self.metrics_directory
        slot = self.table.claim()
        self.states.clear(slot)
        supervisor_end, worker_end = channel_pair()
        supervisor = os.getpid()
        pid = os.fork()
        if pid == 0:  # the worker: never returns
            tether(supervisor)  # a supervisor killed outright takes its workers along
            supervisor_end.close()
            for other in self.workers.values():
                other.connections.close_in_child()
            run_worker(
                self.app,
                self.models,
                sock=self.sock,
                table=self.table,
                slot=slot,
                guard=Guard(worker_end, self.states.of(slot)),
                graceful_timeout=self.options.graceful_timeout,
                metrics_directory=directory,
                grpc_port=self.options.grpc_port,
                uvicorn_options=self.options.uvicorn_options,
            )
        worker_end.close()
        connections = HeldConnections(supervisor_end)
        self.workers[pid] = _Worker(pid, slot, time.monotonic(), connections)

    def _log_ready(self) -> None:
        deadline = time.monotonic() + READY_WAIT_SECONDS
        slots = [worker.slot for worker in self.workers.values()]
        while time.monotonic() < deadline and not all(map(self.table.has_beaten, slots)):
            time.sleep(0.01)
        pids = ", ".join(str(pid) for pid in self.workers)
        log.info("%d workers serving (pids %s)", len(self.workers), pids)
        grpc_port = self.options.grpc_port
        grpc = None
        if grpc_port is not None:
            grpc = f"grpc://{self.sock.getsockname()[0]}:{grpc_port}"
        scheme = "https" if self.options.uvicorn_options.get("ssl_certfile") else "http"
        log_ready(self.models, url_of(self.sock, scheme), grpc=grpc)

    def _supervise(self) -> None:
        while not self._stopping:
            self._receive(TICK_SECONDS)
            while (received := signal.sigtimedwait(WATCHED, 0)) is not None:
                if received.si_signo in (signal.SIGTERM, signal.SIGINT):
                    return
            self._reap()
            self._recycle_overdue()

    def _receive(self, timeout: float) -> None:
        """Wait up to ``timeout`` for the workers' word about their connections; take it."""
        poll = select.poll()
        by_descriptor = {}
        for worker in self.workers.values():
            channel = worker.connections.channel
            poll.register(channel, select.POLLIN)
            by_descriptor[channel.fileno()] = worker
        for descriptor, _ in poll.poll(timeout * 1000):
            by_descriptor[descriptor].connections.receive()

    def _reap(self, *, replace: bool = True) -> None:
        """Collect exited workers, answering what they left unanswered; replace those that were
        not retiring (unless stopping)."""
        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            worker = self.workers.pop(pid, None)
            if worker is None:
                continue
            cause = describe_exit(status)
            answered = worker.connections.answer_and_close(self.states.of(worker.slot), cause)
            self.table.release(worker.slot)
            if answered:
                log.warning("answered %d request(s) of worker pid %d with 500", answered, pid)
            if not replace:
                continue
            if worker.retiring_since is not None:
                log.info("worker pid %d recycled (%s)", pid, worker.reason)
                continue
            log.error("worker pid %d died: %s; a new worker replaces it", pid, cause)
            self._replace_after(time.monotonic() - worker.started)

    def _replace_after(self, lived: float) -> None:
        if lived < QUICK_DEATH_SECONDS:
            self._restart_delay = min(max(self._restart_delay * 2, 0.05), MAX_RESTART_DELAY)
            time.sleep(self._restart_delay)
        else:
            self._restart_delay = 0.0
        self._fork()

    def _recycle_overdue(self) -> None:
        now = time.monotonic()
        if now - self._looked_at > STOPPED_AFTER_SECONDS:
            self._running_since = now  # stopped with its workers, which could not beat
        self._looked_at = now
        check_memory = (
            self.options.max_worker_memory is not None
            and now - self._memory_checked >= MEMORY_CHECK_SECONDS
        )
        if check_memory:
            self._memory_checked = now
        for worker in list(self.workers.values()):
            if worker.retiring_since is not None:
                if (
                    now - worker.retiring_since
                    > self.options.graceful_timeout + KILL_MARGIN_SECONDS
                ):
                    _signal(worker.pid, signal.SIGKILL)
                continue
            reason = self._why_recycle(worker, now, check_memory)
            if reason and self.table.has_free():  # else: once a retiring worker has gone
                log.warning("worker pid %d is recycled: %s", worker.pid, reason)
                self._fork()  # the new worker first: the pool never runs short
                worker.retiring_since, worker.reason = now, reason
                _signal(worker.pid, signal.SIGTERM)

    def _why_recycle(self, worker: _Worker, now: float, check_memory: bool) -> str:
        overruns = self.table.overruns(worker.slot)
        if overruns:
            return f"{overruns} model call(s) still running past the timeout"
        hung_after = self.options.hung_after
        silent = min(self.table.silent_for(worker.slot, now), now - self._running_since)
        if hung_after is not None and silent > hung_after:
            return f"a model call has held its event loop for {silent:.0f} s"
        limit = self.options.max_worker_memory
        if check_memory and limit is not None:
            resident = resident_bytes(worker.pid)
            if resident > limit:
                return f"resident memory {resident / 2**20:.0f} MiB is over --max-worker-memory"
        return ""

    def _drain(self) -> None:
        """SIGTERM to every worker, SIGKILL to those still there after the grace period."""
        log.info("stopping: draining %d worker(s)", len(self.workers))
        self.sock.close()  # once the workers close theirs, new connections are refused
        for worker in self.workers.values():
            _signal(worker.pid, signal.SIGTERM)
        deadline = time.monotonic() + self.options.graceful_timeout + KILL_MARGIN_SECONDS
        while self.workers and time.monotonic() < deadline:
            self._receive(TICK_SECONDS)
            self._reap(replace=False)
        for worker in self.workers.values():
            log.warning("worker pid %d did not stop in time: killed", worker.pid)
            _signal(worker.pid, signal.SIGKILL)
        while self.workers:
            self._receive(TICK_SECONDS)
            self._reap(replace=False)


def describe_exit(status: int) -> str:
    """A worker's end in words: its exit code, or the signal that killed it."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            known = signal.Signals(number)
        except ValueError:
            return f"killed by signal {number}"
        cause = SIGNAL_CAUSES.get(known, "")
        return f"killed by {known.name}" + (f" ({cause})" if cause else "")
    return f"exited with code {os.WEXITSTATUS(status)}"


SIGNAL_CAUSES = {
    signal.SIGSEGV: "a segmentation fault in native code; its traceback is above",
    signal.SIGBUS: "a bus error in native code; its traceback is above",
    signal.SIGABRT: "aborted by native code; its traceback is above",
    signal.SIGKILL: "the kernel's out-of-memory killer sends it, as does kill -9",
}


def resident_bytes(pid: int) -> int:
    """A process's resident memory (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _stop_while_loading(signum: int, frame: object) -> None:
    """SIGTERM before any worker exists: nothing to drain, stop loading and exit 0."""
    raise SystemExit(0)


def _raise_open_files_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it has just exited
        os.kill(pid, signum)
