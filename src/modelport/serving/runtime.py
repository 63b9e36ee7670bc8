"""The protocol-neutral data plane: one loaded model; validated batches in, checked tables out,
and a convention's own operations (``Servable`` module) run the same way.

Synchronous ``predict`` runs in a bounded thread pool, so the event loop keeps answering health
checks while it works; ``async def predict`` is awaited directly. Calls of a size whose timed
calls in the pool were cheap run on the event loop itself instead (``serving/lanes.py`` says
when, and when they go back). A call on the loop that outlives its budget is interrupted and
moved to the pool for good when the process runs an inline watchdog (``serving/watchdog.py``, as
every serving process does); without one, models served with a timeout always run in the pool,
where the timeout can abandon them. A pool call abandoned at its timeout is counted
(``OVERRUNS``) until its thread comes back: the process is stuck meanwhile.

Every call into the model, a batch or an operation, goes through one guard: the timeout (504) and
the mapping of what the model raised to :class:`~modelport.errors.ModelFailed`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Literal, ParamSpec, TypeVar, TypeVarTuple, cast

import anyio
import anyio.to_thread
import pyarrow as pa

from modelport._types import JSONObject
from modelport.batch import Batch
from modelport.errors import ModelFailed, ModelNotReady, ModelportError, ModelTimeout, NotFound
from modelport.servable import ModelT, Operation, ResultT, Servable
from modelport.serving.batching import CLIENT, Batcher, BatchingOptions, gone
from modelport.serving.calibration import Calibration, calibrate
from modelport.serving.lanes import (
    BATCHES_CORES_FULL,
    BATCHES_MIN_TIMEOUT,
    CORES_FULL,
    SPARE_CORES,
    InlineLimits,
    Lane,
    size_label,
    thread_usage,
)
from modelport.serving.metrics import note_rows
from modelport.serving.watchdog import OVERRUNS, InlineOverrun, InlineWatchdog, PoolCall
from modelport.validation import InputValidator

log = logging.getLogger("modelport.serving")

P = ParamSpec("P")
R = TypeVar("R")
Ts = TypeVarTuple("Ts")


class ModelRuntime:
    """Serves one Servable: load once, then predict -> check per validated batch. ``inline``:
    whether cheap calls may run on the event loop; ``spare_cores``: whether a call in the thread
    pool gets a core of its own beside the loop (not when the server's worker processes fill
    the cores), which decides how cheap (``serving/lanes.py``)."""

    def __init__(
        self,
        servable: Servable,
        *,
        version: int | None = None,
        digest: str | None = None,
        threads: int = 4,
        timeout: float | None = None,
        inline: bool = True,
        spare_cores: bool = True,
        batching: BatchingOptions | None = None,
    ) -> None:
        self.servable = servable
        self.name = servable.name
        self.version = version
        self.digest = digest
        """The artifact's digest (``sha256:...``), when the server was told it."""
        self.load_seconds: float | None = None
        """How long ``load()`` took, once it has finished."""
        self.signature = servable.signature
        self.validator = InputValidator(servable.signature, typed=servable.checks_input_types)
        self.output_names = tuple(f.name for f in servable.signature.outputs)
        self.ready = False
        self.timeout = timeout
        self._limiter = anyio.CapacityLimiter(threads)
        self._calls = _PoolCalls(self._limiter, timeout)
        self._may_inline = inline and timeout is None and not servable.is_async
        self._inline = inline
        self._watchdog: InlineWatchdog | None = None
        self._lanes: dict[int, Lane] = {}
        self.inline_limits = SPARE_CORES if spare_cores else CORES_FULL
        """What a call on the event loop may take (``serving.lanes``)."""
        self._batching = batching
        self.batcher: Batcher | None = None
        """Merges concurrent batches, once ``load()`` has found it should (``serving.batching``)."""
        self.calibration: Calibration | None = None
        """What the calibration at load measured, when it ran."""

    def watch(self, watchdog: InlineWatchdog) -> None:
        """Calls on the event loop are watched by ``watchdog`` from now on: an overdue one is
        moved to the pool; when the watchdog can interrupt it, calls may run on the loop under
        a timeout too."""
        self._watchdog = watchdog
        bounded = self.timeout is None or watchdog.interrupts
        self._may_inline = self._inline and bounded and not self.servable.is_async

    def load(self) -> None:
        """The model's own initialisation; readiness turns true only after it."""
        started = time.perf_counter()
        self.servable.load()
        self._start_batching()
        self.load_seconds = time.perf_counter() - started
        self.ready = True

    def _start_batching(self) -> None:
        """A batcher when batching was asked for (``max_batch_size`` over 1) or, left to the
        calibration, pays; never for free-form models, whose payloads are not rows."""
        options = self._batching
        if options is None or self.signature.free_form:
            return
        limit = options.max_batch_size
        if limit is None:
            spare_cores = self.inline_limits is SPARE_CORES
            self.calibration = calibrate(self.servable, self.validator, spare_cores=spare_cores)
            limit = self.calibration.batch_rows
            log.info("%s: %s", self.name, self.calibration.describe())
        if limit > 1:
            self.batcher = Batcher(
                self._checked_call, limit=limit, max_latency_ms=options.max_latency_ms
            )

    @property
    def metadata(self) -> JSONObject:
        return self.servable.metadata

    @property
    def example(self) -> list[JSONObject] | None:
        """A few input rows the model gives as its example, when it has any."""
        return self.servable.example

    @property
    def source_format(self) -> str:
        """The convention the model was written to."""
        return self.servable.source_format

    def takes(self, operation: type[Operation[ModelT, ResultT]]) -> bool:
        """Whether the model takes operations of this kind (it is of their ``model_type``)."""
        return isinstance(self.servable, operation.model_type)

    def runs_inline(self, rows: int) -> bool:
        """Whether predictions on ``rows`` rows now run on the event loop (see the module
        docstring)."""
        lane = self._lanes.get(rows.bit_length())
        return lane is not None and lane.inline

    def limits_of(self, size: int) -> InlineLimits:
        """What a call of size class ``size`` (``rows.bit_length()``) may take on the event loop:
        the batcher's merged sizes hold it as long as a batch may take when the workers fill
        every core and no timeout under ``BATCHES_MIN_TIMEOUT`` has to cut the call short
        (``serving.lanes``)."""
        batcher = self.batcher
        if (
            self.inline_limits is CORES_FULL
            and batcher is not None
            and size <= batcher.limit.bit_length()
            and (self.timeout is None or self.timeout >= BATCHES_MIN_TIMEOUT)
        ):
            return BATCHES_CORES_FULL
        return self.inline_limits

    @property
    def streams(self) -> bool:
        return self.servable.is_streaming

    async def predict(self, batch: Batch) -> pa.Table:
        """Run the model on ``batch``; 504 after ``timeout``; the result has one row per input."""
        self._check_ready()
        note_rows(batch.num_rows)
        call = self._checked_call if self.batcher is None else self.batcher.submit
        failures = _ModelFailures(self.timeout, hint=FEWER_ROWS)
        with failures:
            if self.timeout is None:
                return await call(batch)
            async with failures.deadline:  # a third of anyio.fail_after's cost
                return await call(batch)

    def _check_ready(self) -> None:
        """503 (Retry-After) for rows that come while the model is still loading: a server
        answers on its port from the start, and the model is not whole before then. (A
        convention's operations ask for themselves: some, such as Truss's load failure, are
        for a model that is not loaded.)"""
        if not self.ready:
            raise ModelNotReady(
                f"model {self.name!r} is still loading",
                hint="try again in a moment; /v2/health/ready answers 200 once it is loaded",
            )

    async def _checked_call(self, batch: Batch) -> pa.Table:
        return self._check(await self._call(batch), rows=batch.num_rows)

    async def invoke(self, operation: Operation[ModelT, ResultT]) -> ResultT:
        """Run one of a convention's own operations on the model (see ``Servable``): 404 when
        the model does not take it; what it raises mapped as ``predict``'s is, its rows counted.
        The timeout bounds each call it makes into the model (``ModelCalls``), as ``predict``'s
        bounds the one call a batch makes."""
        if not self.takes(type(operation)):
            raise NotFound(
                f"model {self.name!r} does not answer {type(operation).__name__} requests",
                hint=f"it is a {self.servable.source_format} model",
            )
        if operation.rows is not None:
            note_rows(operation.rows)
        model = cast(ModelT, self.servable)  # of the operation's model_type, checked above
        with _ModelFailures(None, hint=LESS):  # each of its calls is bounded (_PoolCalls)
            return await operation.run(model, self._calls)

    async def _call(self, batch: Batch) -> object:
        servable = self.servable
        if servable.is_async:  # its predict is a coroutine function
            return await cast(Awaitable[pa.Table], servable.predict(batch))
        size = batch.num_rows.bit_length()
        lane = self._lanes.get(size)
        if lane is None:
            label = f"{self.name}: calls of {size_label(size)}"
            lane = self._lanes[size] = Lane(self._may_inline, self.limits_of(size), label=label)
        if lane.inline:
            watchdog = self._watchdog
            usage = thread_usage()
            started = time.perf_counter()
            try:
                if watchdog is not None:
                    watchdog.current = (lane, started)
                return servable.predict(batch)
            except InlineOverrun:
                pass  # held the loop past its budget: run again in the pool, below
            finally:  # a slow call that raised held up the loop all the same
                if watchdog is not None:
                    watchdog.current = None
                lane.ran_inline(time.perf_counter() - started, usage)
        client = CLIENT.get()  # the request's; the batcher sets its batch's clients
        result, seconds = await _in_pool(
            _timed, servable.predict, batch, client, limiter=self._limiter
        )
        if lane.may_inline:
            lane.learn(seconds)
        else:
            lane.pooled()
        return result

    def _check(self, result: object, *, rows: int) -> pa.Table:
        if not isinstance(result, pa.Table):
            raise ModelFailed(f"the model returned {type(result).__name__}, not a table")
        if result.num_rows != rows:
            raise ModelFailed(
                f"the model returned {result.num_rows} rows for {rows} input rows",
                hint="predict must return exactly one answer per input row",
            )
        return result

    async def stream(self, batch: Batch) -> AsyncIterator[object]:
        """The model's chunks as they come; a sync generator is advanced in the thread pool."""
        note_rows(batch.num_rows)
        chunks = self.servable.stream(batch)
        if isinstance(chunks, AsyncIterator):
            async for chunk in chunks:
                yield chunk
            return
        iterator = iter(chunks)
        done = object()
        while True:
            chunk = await anyio.to_thread.run_sync(next, iterator, done, limiter=self._limiter)
            if chunk is done:
                return
            yield chunk


class _PoolCalls:
    """``ModelCalls`` on a runtime's thread pool: each call within the runtime's timeout, what
    it raises mapped as ``predict``'s is."""

    __slots__ = ("_limiter", "_timeout")

    def __init__(self, limiter: anyio.CapacityLimiter, timeout: float | None) -> None:
        self._limiter = limiter
        self._timeout = timeout

    async def blocking(self, function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        failures = _ModelFailures(self._timeout, hint=LESS)
        with failures:
            async with failures.deadline:
                return await _in_pool(
                    _untimed, functools.partial(function, *args, **kwargs), limiter=self._limiter
                )

    async def awaiting(self, call: Awaitable[R]) -> R:
        failures = _ModelFailures(self._timeout, hint=LESS)
        with failures:
            async with failures.deadline:
                return await call


FEWER_ROWS = "send fewer rows, or raise --timeout"
LESS = "send less, or raise --timeout"


class _ModelFailures:
    """What model code raised, as modelport's errors: its ``deadline`` (``timeout`` seconds,
    entered by the caller around the call) passing as ModelTimeout (504), anything else as
    ModelFailed (500) caused by it, a TimeoutError the model raised itself too: a call of its
    own that timed out is no timeout of the server's (a class: a ``contextmanager`` cost 1% a
    prediction)."""

    __slots__ = ("deadline", "hint", "timeout")

    def __init__(self, timeout: float | None, *, hint: str) -> None:
        self.timeout = timeout
        self.deadline = asyncio.timeout(timeout)
        self.hint = hint

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> Literal[False]:
        if not isinstance(exc, Exception) or isinstance(exc, ModelportError):
            return False
        if isinstance(exc, TimeoutError) and self.deadline.expired():
            raise ModelTimeout(
                f"the model did not answer within {self.timeout:g} s", hint=self.hint
            ) from exc
        raise ModelFailed(f"{type(exc).__name__}: {exc}") from exc


async def _in_pool(
    function: Callable[[PoolCall, *Ts], R],
    *args: *Ts,
    limiter: anyio.CapacityLimiter,
) -> R:
    """``function(call, *args)`` in a thread of the pool; when the caller stops waiting (its
    timeout) before the thread is done, the call counts as an overrun until it is."""
    call = PoolCall()
    try:
        return await anyio.to_thread.run_sync(
            function, call, *args, limiter=limiter, abandon_on_cancel=True
        )
    except BaseException:
        OVERRUNS.abandoned(call)  # nothing when the thread is done (the model raised)
        raise


def _timed(
    call: PoolCall, predict: Callable[[Batch], object], batch: Batch, client: object | None
) -> tuple[object, float]:
    """Run ``predict`` (in a worker thread) and say how much CPU time the model itself used;
    not when the request's client closed its connection while it waited for the thread."""
    try:
        error = gone(client)
        if error is not None:
            raise error
        started = time.thread_time()
        result = predict(batch)
        return result, time.thread_time() - started
    finally:
        OVERRUNS.finished(call)


def _untimed(call: PoolCall, function: Callable[[], R]) -> R:
    try:
        return function()
    finally:
        OVERRUNS.finished(call)
