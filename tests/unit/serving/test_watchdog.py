"""The watchdog of calls on the event loop, and the count of calls abandoned at their timeout."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pytest

import modelport
from modelport.batch import Batch
from modelport.errors import ModelTimeout
from modelport.formats.native.python_model import PythonModelServable
from modelport.schema import Field, Signature
from modelport.serving.lanes import INLINE_AFTER_CALLS, RELEARN_AFTER_CALLS
from modelport.serving.runtime import ModelRuntime
from modelport.serving.watchdog import INTERRUPT_SIGNAL, OVERRUNS, InlineOverrun, InlineWatchdog

SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])


class SleepsOnce(modelport.Model):
    """Answers at once, except the one call after ``sleep_next`` is set."""

    def __init__(self) -> None:
        self.sleep_next = 0.0
        self.calls = 0

    def predict(self, batch: np.ndarray) -> np.ndarray:
        self.calls += 1
        seconds, self.sleep_next = self.sleep_next, 0.0
        time.sleep(seconds)
        return batch[:, 0] * 2


class Lane:
    def __init__(self) -> None:
        self.evicted = False

    def evict(self) -> None:
        self.evicted = True


@pytest.fixture
def watchdog() -> Iterator[InlineWatchdog]:
    previous = signal.getsignal(INTERRUPT_SIGNAL)
    watching = InlineWatchdog(budget=0.2)
    watching.start()
    yield watching
    watching.stop()
    signal.signal(INTERRUPT_SIGNAL, previous)


def _batch() -> Batch:
    return Batch.from_table(pa.table({"x": [1.0]}))


def test_an_overdue_call_is_interrupted_and_its_lane_evicted(watchdog: InlineWatchdog) -> None:
    lane = Lane()
    started = time.monotonic()
    with pytest.raises(InlineOverrun):
        watchdog.current = (lane, time.perf_counter())
        try:
            time.sleep(5)
        finally:
            watchdog.current = None
    assert time.monotonic() - started < 2
    assert lane.evicted


def test_a_call_within_its_budget_is_left_alone(watchdog: InlineWatchdog) -> None:
    lane = Lane()
    watchdog.current = (lane, time.perf_counter())
    time.sleep(0.1)
    watchdog.current = None
    time.sleep(0.2)  # the watchdog looked meanwhile
    assert not lane.evicted


def test_a_hung_call_on_the_loop_runs_again_in_the_pool_and_its_size_stays_there(
    watchdog: InlineWatchdog,
) -> None:
    model = SleepsOnce()
    runtime = ModelRuntime(PythonModelServable(model, name="m", signature=SIGNATURE), timeout=5)
    runtime.load()
    runtime.watch(watchdog)  # watched: calls may run on the loop under a timeout

    async def calls(count: int) -> None:
        for _ in range(count):
            assert (await runtime.predict(_batch())).column("y").to_pylist() == [2.0]

    asyncio.run(calls(INLINE_AFTER_CALLS))
    assert runtime.runs_inline(1)
    model.sleep_next, before, started = 30.0, model.calls, time.monotonic()
    asyncio.run(calls(1))
    assert time.monotonic() - started < 3  # interrupted on the loop, answered from the pool
    assert model.calls == before + 2
    assert not runtime.runs_inline(1)
    asyncio.run(calls(RELEARN_AFTER_CALLS + INLINE_AFTER_CALLS))
    assert not runtime.runs_inline(1)  # for good


def _wait_for_no_overruns() -> None:
    deadline = time.monotonic() + 10
    while OVERRUNS.running:
        assert time.monotonic() < deadline, "an abandoned call never came back"
        time.sleep(0.05)


class Slow(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        time.sleep(0.6)
        return batch[:, 0] * 2


def test_a_call_abandoned_at_its_timeout_counts_until_its_thread_returns() -> None:
    runtime = ModelRuntime(PythonModelServable(Slow(), name="m", signature=SIGNATURE), timeout=0.1)
    runtime.load()
    _wait_for_no_overruns()  # another test's abandoned call may still be finishing
    before = OVERRUNS.running
    with pytest.raises(ModelTimeout):
        asyncio.run(runtime.predict(_batch()))
    assert OVERRUNS.running == before + 1
    deadline = time.monotonic() + 5
    while OVERRUNS.running > before:
        assert time.monotonic() < deadline
        time.sleep(0.05)
