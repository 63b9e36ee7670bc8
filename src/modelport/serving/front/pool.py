"""The workers behind a front: one per model, started on demand, the least recently used
stopped to stay within ``--max-models`` and ``--max-models-memory``, and a worker that died
started again while the others keep serving."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from modelport.errors import ConfigError, ModelportError, NotFound
from modelport.serving.front.upstream import Upstream
from modelport.serving.front.worker import ModelWorker, WorkerSpec, exit_cause
from modelport.serving.workers.supervisor import resident_bytes

log = logging.getLogger("modelport.serving")

WATCH_SECONDS = 0.1
"""How often the pool looks for workers that died."""


@dataclass(frozen=True)
class PoolLimits:
    """How many models may run at once, and how much memory their workers may hold together
    (None: no bound); past either, the least recently used model's worker is stopped."""

    max_models: int | None = None
    max_memory: int | None = None
    grace: float = 20.0
    """Seconds a stopped worker's in-flight requests may take (SIGKILL after)."""


class WorkerPool:
    """One :class:`ModelWorker` per model name, each on a socket in ``folder``."""

    def __init__(self, specs: Sequence[WorkerSpec], folder: Path, limits: PoolLimits) -> None:
        names = [spec.name for spec in specs]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ConfigError(
                f"two targets serve the same model name: {', '.join(twice)}",
                hint="serve one version of each model per front",
                field="TARGET",
            )
        if limits.max_models is not None and limits.max_models < 1:
            raise ConfigError("--max-models must be 1 or more", field="--max-models")
        self.limits = limits
        self.workers = {
            spec.name: ModelWorker(spec, folder / f"model-{index}.sock")
            for index, spec in enumerate(specs)
        }
        self.ready = False
        """The models loaded at start are (the front's readiness)."""
        self._room = asyncio.Lock()
        self._restarts: set[asyncio.Task[None]] = set()

    def get(self, name: str) -> ModelWorker:
        try:
            return self.workers[name]
        except KeyError:
            raise NotFound(
                f"no model named {name!r} is served here",
                hint=f"served: {', '.join(self.workers)}",
                field="name",
            ) from None

    async def client_of(self, worker: ModelWorker) -> Upstream:
        """A client of ``worker``'s server, started first (other models stopped to make room)
        when it is not running; requests that arrive meanwhile wait for the same start."""
        worker.last_used = time.monotonic()
        if worker.ready and worker.client is not None:
            return worker.client
        async with self._room:  # one start at a time: the limits hold while models load
            if not worker.ready:
                await self._make_room(keep=worker)
            client = await worker.ensure_started()
            await self._within_memory(keep=worker)
            return client

    async def start(self, count: int) -> None:
        """Load the first ``count`` models (as many as the limits let run) before serving."""
        for worker in list(self.workers.values())[:count]:
            await self.client_of(worker)

    async def _make_room(self, *, keep: ModelWorker) -> None:
        """Stop the least recently used until ``keep`` may start within ``--max-models``."""
        if self.limits.max_models is None:
            return
        running = [w for w in self.workers.values() if w is not keep and w.running]
        while running and len(running) + 1 > self.limits.max_models:
            await self._stop_least_used(running)

    async def _within_memory(self, *, keep: ModelWorker) -> None:
        if self.limits.max_memory is None:
            return
        running = [w for w in self.workers.values() if w is not keep and w.running]
        while running and self.resident() > self.limits.max_memory:
            await self._stop_least_used(running)

    async def _stop_least_used(self, running: list[ModelWorker]) -> None:
        victim = min(running, key=lambda w: (w.in_flight > 0, w.last_used))
        running.remove(victim)
        log.info("%s: least recently used, its worker stops to make room", victim.name)
        await victim.stop(grace=self.limits.grace)

    def resident(self) -> int:
        """The resident memory of the running workers together."""
        return sum(
            resident_bytes(w.process.pid)
            for w in self.workers.values()
            if w.running and w.process is not None
        )

    async def watch(self) -> None:
        """Start again, at once, each worker that died (the others serve on), until cancelled."""
        while True:
            for worker in self.workers.values():
                code = worker.died()
                if code is not None:
                    worker.mark_dead()
                    log.warning(
                        "%s: its worker died (%s); starting it again", worker.name, exit_cause(code)
                    )
                    task = asyncio.create_task(self._restart(worker))
                    self._restarts.add(task)
                    task.add_done_callback(self._restarts.discard)
            await asyncio.sleep(WATCH_SECONDS)

    async def _restart(self, worker: ModelWorker) -> None:
        try:
            await self.client_of(worker)
        except ModelportError as exc:  # the next request for it tries again
            log.error("%s: its worker could not start again: %s", worker.name, exc)

    async def stop_all(self) -> None:
        """Stop every worker, each draining its in-flight requests (SIGTERM), together."""
        for task in list(self._restarts):
            task.cancel()
        await asyncio.gather(*(w.stop(grace=self.limits.grace) for w in self.workers.values()))
