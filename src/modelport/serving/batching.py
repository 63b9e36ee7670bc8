"""Adaptive batching: concurrent requests' validated rows merged into one predict call.

A model whose ``predict`` takes a batch pays a fixed cost per call besides its per-row cost: the
view it asks for (a DataFrame, above all, costs more to build than a small SVC takes to predict),
the thread hop, the framework's own dispatch. Under concurrency the batcher pays it once for
many requests. It never waits for company it has no reason to expect:

- a request that finds the model idle and no other request in flight or parsed runs alone at
  once, the path it would take without batching (so one client at a time sees no difference).
  Parsed requests count: a loop turn that reads several requests starts their tasks one after
  the other, and a model answering on the event loop would otherwise answer each alone before
  the next one's task began;
- otherwise it joins the queue, and the queue's runner, after one turn of the event loop (every
  request parsed meanwhile joins too), releases up to ``max_batch_size`` rows as one batch:
  *size* when the batch is full, *idle* when no more requests are in flight than queued, and
  *latency* when it waited ``max_latency_ms`` for more and they did not come;
- batches of different columns (a model that takes what is sent, as Qwak's) never merge.

When a merged batch fails, each of its requests is run again alone, so only the request that
broke it gets the error. The answer to each request is its slice of the merged result. The
counts (batch sizes, queue delays, why each batch was released) are kept here and read by the
metrics collector when scraped: nothing is recorded on the request path but integers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import ClientGone

REASONS = ("size", "idle", "latency")
"""Why a batch was released: it was full, nothing more was coming, or it had waited enough."""
SIZE_BUCKETS = tuple(2**power for power in range(15))  # 1 to 16,384 rows
DELAY_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1)


class InFlight:
    """The batcher's hint that company is coming: how many requests this process is answering
    now (the serving middleware counts them), and how many more the HTTP protocol has parsed
    whose handling has not begun (their tasks wait their turn of the event loop)."""

    __slots__ = ("count", "parsed")

    def __init__(self) -> None:
        self.count = 0
        self.parsed = 0


REQUESTS = InFlight()

CLIENT: ContextVar[object | None] = ContextVar("modelport_client", default=None)
"""Whose leaving stops the current call before the model runs it: the HTTP request cycle the
task answers (the serving middleware sets it from uvicorn's ``receive``, a method of the cycle;
uvicorn marks it ``disconnected`` when the client closes), or a merged batch's ``_Clients``. A
request still waiting for the model when its client has gone is not run (``gone``)."""


def gone(client: object | None) -> ClientGone | None:
    """The error for a request whose client has closed its connection, else None."""
    if client is None or not getattr(client, "disconnected", False):
        return None
    return ClientGone("the client closed the connection before its prediction ran")


@dataclass(frozen=True)
class BatchingOptions:
    """How one model's requests are batched."""

    max_batch_size: int | None = None
    """The most rows a merged batch holds (a request with more runs alone); 1 turns batching
    off; None lets the calibration at load decide whether batching pays and how many rows a
    batch holds (``calibration.batch_rows``)."""
    max_latency_ms: float = 0.0
    """How long a batch that is not full may wait for requests in flight to join (0: one turn
    of the event loop)."""


@dataclass
class Histogram:
    """Counts per upper bound (the last bucket is +Inf) and a sum: what Prometheus reads."""

    bounds: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, value: float) -> None:
        for index, bound in enumerate(self.bounds):
            if value <= bound:
                self.counts[index] += 1
                break
        else:
            self.counts[-1] += 1
        self.total += value


@dataclass
class BatchStats:
    """What the batcher did, since the server started."""

    sizes: Histogram = field(default_factory=lambda: Histogram(SIZE_BUCKETS))
    """Rows per merged batch."""
    delays: Histogram = field(default_factory=lambda: Histogram(DELAY_BUCKETS))
    """Seconds each queued request waited before its batch started."""
    released: dict[str, int] = field(default_factory=lambda: dict.fromkeys(REASONS, 0))
    reruns: int = 0
    """Requests run again alone after the batch they were in failed."""
    dropped: int = 0
    """Queued requests not run because their client had closed the connection."""


class _Clients:
    """The clients of a merged batch: gone once every one of them has."""

    __slots__ = ("clients",)

    def __init__(self, clients: list[object | None]) -> None:
        self.clients = clients

    @property
    def disconnected(self) -> bool:
        return all(gone(client) is not None for client in self.clients)


@dataclass(eq=False)
class _Waiting:
    batch: Batch
    answer: asyncio.Future[pa.Table]
    queued: float
    key: tuple[str, ...]
    client: object | None


Predict = Callable[[Batch], Awaitable[pa.Table]]
"""A runtime's one call into the model: a batch in, its checked table (one row per input) out."""


class Batcher:
    """Merges one model's concurrent batches; ``predict`` is the runtime's single-call path."""

    def __init__(self, predict: Predict, *, limit: int, max_latency_ms: float = 0.0) -> None:
        self._predict = predict
        self.limit = limit
        """The most rows one merged batch holds."""
        self.max_latency = max_latency_ms / 1000
        self.stats = BatchStats()
        self._queue: list[_Waiting] = []
        self._runner: asyncio.Task[None] | None = None
        """The task releasing batches while requests wait (None: none wait)."""
        self._arrived = asyncio.Event()

    async def submit(self, batch: Batch) -> pa.Table:
        """The model's answer to ``batch``, alone or as part of a merged batch."""
        idle = self._runner is None
        alone = idle and REQUESTS.count <= 1 and not REQUESTS.parsed
        if alone or batch.num_rows >= self.limit:
            return await self._predict(batch)
        loop = asyncio.get_running_loop()
        queued = time.perf_counter()
        waiting = _Waiting(batch, loop.create_future(), queued, _key(batch), CLIENT.get())
        self._queue.append(waiting)
        self._arrived.set()
        if self._runner is None:
            self._runner = loop.create_task(self._run())
        return await waiting.answer

    async def _run(self) -> None:
        """Release batches while requests wait; then there is no runner until one queues."""
        CLIENT.set(None)  # this task serves every queued request, not the one that started it
        try:
            while self._queue:
                await asyncio.sleep(0)  # requests parsed in this turn of the loop join
                reason = await self._gather()
                group = self._take()
                self.stats.released[reason] += 1
                await self._answer(group)
        finally:
            self._runner = None

    async def _gather(self) -> str:
        """Wait for company within ``max_latency_ms``; say why the batch goes now."""
        deadline = time.perf_counter() + self.max_latency
        while True:
            if self._rows_of_first_kind() >= self.limit:
                return "size"
            if REQUESTS.count <= len(self._queue) and not REQUESTS.parsed:
                return "idle"
            left = deadline - time.perf_counter()
            if left <= 0:
                return "latency"
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                return "latency"

    def _rows_of_first_kind(self) -> int:
        key = self._queue[0].key
        return sum(w.batch.num_rows for w in self._queue if w.key == key)

    def _take(self) -> list[_Waiting]:
        """The oldest request and those after it with its columns, up to ``max_batch_size``
        rows; once one does not fit, later ones with its columns wait too (answers keep their
        order)."""
        key = self._queue[0].key
        group: list[_Waiting] = []
        rest: list[_Waiting] = []
        rows = 0
        full = False
        for waiting in self._queue:
            count = waiting.batch.num_rows
            if waiting.key == key and not full and (not group or rows + count <= self.limit):
                group.append(waiting)
                rows += count
            else:
                full = full or waiting.key == key
                rest.append(waiting)
        self._queue = rest
        return group

    async def _answer(self, group: list[_Waiting]) -> None:
        started = time.perf_counter()
        for waiting in group:
            self.stats.delays.observe(started - waiting.queued)
        live = [w for w in group if not w.answer.done()]  # a timed-out request left already
        for waiting in live:
            error = gone(waiting.client)
            if error is not None:  # its client closed the connection: nobody would read it
                self.stats.dropped += 1
                _settle(waiting, error=error)
        live = [w for w in live if not w.answer.done()]
        if not live:
            return
        try:
            merged = merge([w.batch for w in live])
        except (ValueError, pa.ArrowInvalid):  # tables whose column types differ
            await self._alone(live, failed=False)
            return
        self.stats.sizes.observe(merged.num_rows)
        clients = _Clients([w.client for w in live]) if len(live) > 1 else live[0].client
        try:
            result = await self._predict_for(merged, clients)
        except ClientGone as error:  # every client had gone by the time a thread was free
            self.stats.dropped += len(live)
            for waiting in live:
                _settle(waiting, error=error)
            return
        except Exception as exc:
            if len(live) == 1:
                _settle(live[0], error=exc)
                return
            await self._alone(live)
            return
        offset = 0
        for waiting in live:
            rows = waiting.batch.num_rows
            _settle(waiting, result=result.slice(offset, rows))
            offset += rows

    async def _alone(self, group: list[_Waiting], *, failed: bool = True) -> None:
        """Each request of a batch run by itself: after the merged batch failed, the one that
        broke it gets its error and the others their answers."""
        if failed:
            self.stats.reruns += len(group)
        for waiting in group:
            try:
                result = await self._predict_for(waiting.batch, waiting.client)
            except Exception as exc:
                self.stats.dropped += isinstance(exc, ClientGone)
                _settle(waiting, error=exc)
            else:
                _settle(waiting, result=result)

    async def _predict_for(self, batch: Batch, client: object | None) -> pa.Table:
        """``predict`` on ``batch``, not run if ``client`` has gone when a thread is free."""
        token = CLIENT.set(client)
        try:
            return await self._predict(batch)
        finally:
            CLIENT.reset(token)


def _settle(
    waiting: _Waiting, *, result: pa.Table | None = None, error: Exception | None = None
) -> None:
    if waiting.answer.done():  # cancelled: the request timed out or its client left
        return
    if result is not None:
        waiting.answer.set_result(result)
    else:
        waiting.answer.set_exception(error or RuntimeError("no answer"))


def _key(batch: Batch) -> tuple[str, ...]:
    """What batches must share to merge: their columns, and how they hold them."""
    kind = batch.held()
    return (kind, *batch.names)


def merge(batches: list[Batch]) -> Batch:
    """One batch of every row of ``batches`` (same columns, held the same way), in order."""
    if len(batches) == 1:
        return batches[0]
    first = batches[0]
    kind = first.held()
    if kind == "matrix":
        matrix = np.concatenate([b.matrix() for b in batches])
        assert first.schema is not None
        return Batch.from_matrix(matrix, first.names, first.schema)
    if kind == "columns":
        columns = {
            name: np.concatenate([b.columns()[name] for b in batches]) for name in first.names
        }
        return Batch.from_columns(columns, first.schema)
    return Batch.from_table(pa.concat_tables([b.table() for b in batches]))
