"""The runtime's execution policy and its checks on what models return."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import numpy as np
import pyarrow as pa
import pytest

import modelport
from modelport.batch import Batch
from modelport.errors import ModelFailed, ModelNotReady, ModelTimeout, NotFound
from modelport.formats.native.python_model import PythonModelServable
from modelport.schema import Field, Signature
from modelport.servable import ModelCalls, Operation, Servable
from modelport.serving import lanes as lanes_module
from modelport.serving.batching import REQUESTS, BatchingOptions
from modelport.serving.lanes import INLINE_ABANDON_CALLS, INLINE_AFTER_CALLS, size_label
from modelport.serving.problems import problem_of
from modelport.serving.runtime import ModelRuntime

SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])


class _OtherServable(Servable):
    """A kind of model the runtime under test does not serve."""

    def load(self) -> None: ...

    def predict(self, batch: Batch) -> Any: ...


class Timed(modelport.Model):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def predict(self, batch: np.ndarray) -> np.ndarray:
        if self.seconds:
            time.sleep(self.seconds)
        return batch[:, 0] * 2


class Busy(modelport.Model):
    """Uses the CPU (not sleep) for ``seconds`` per call."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def predict(self, batch: np.ndarray) -> np.ndarray:
        end = time.thread_time() + self.seconds
        while time.thread_time() < end:
            pass
        return batch[:, 0] * 2


def _runtime(model: modelport.Model, **options: Any) -> ModelRuntime:
    runtime = ModelRuntime(PythonModelServable(model, name="m", signature=SIGNATURE), **options)
    runtime.load()
    return runtime


def _batch(rows: int = 1) -> Batch:
    return Batch.from_table(pa.table({"x": [1.0] * rows}))


async def _calls(runtime: ModelRuntime, count: int) -> None:
    for _ in range(count):
        result = await runtime.predict(_batch())
        assert result.column("y").to_pylist() == [2.0]


def test_a_fast_model_moves_to_the_event_loop_after_its_timed_calls() -> None:
    runtime = _runtime(Timed(0))
    asyncio.run(_calls(runtime, INLINE_AFTER_CALLS - 1))
    assert not runtime.runs_inline(1)
    asyncio.run(_calls(runtime, 1))
    assert runtime.runs_inline(1)


def test_a_cpu_heavy_model_stays_in_the_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lanes_module, "INLINE_AFTER_CALLS", 4)
    runtime = _runtime(Busy(0.008))
    asyncio.run(_calls(runtime, 4))
    assert not runtime.runs_inline(1)


def test_slow_calls_on_the_loop_send_it_back_until_timed_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(lanes_module, "RELEARN_AFTER_CALLS", 6)
    caplog.set_level(logging.DEBUG, logger="modelport.serving")
    model = Timed(0)
    runtime = _runtime(model)
    asyncio.run(_calls(runtime, INLINE_AFTER_CALLS))
    assert runtime.runs_inline(1)
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "m: calls of 1 row run on the event loop from now on"
    ]
    caplog.clear()
    model.seconds = 0.02
    asyncio.run(_calls(runtime, INLINE_ABANDON_CALLS - 1))
    assert runtime.runs_inline(1), "a slow call or two may be the machine pausing the process"
    assert not caplog.records
    asyncio.run(_calls(runtime, 1))
    assert not runtime.runs_inline(1)
    (moved,) = caplog.records
    assert moved.levelno == logging.INFO
    assert re.fullmatch(
        f"m: calls of 1 row go back to the thread pool: {INLINE_ABANDON_CALLS} of the last "
        f"{INLINE_ABANDON_CALLS} on the event loop held it over 10 ms \\(the model waited or "
        "used the CPU\\); timed again after 6 calls",
        moved.getMessage(),
    ), moved.getMessage()
    model.seconds = 0
    asyncio.run(_calls(runtime, 6 + INLINE_AFTER_CALLS - 1))
    assert not runtime.runs_inline(1), "timed again only after RELEARN_AFTER_CALLS pool calls"
    asyncio.run(_calls(runtime, 1))
    assert runtime.runs_inline(1)


def test_a_size_class_is_named_by_its_rows() -> None:
    assert [size_label((0).bit_length()), size_label((1).bit_length())] == ["0 rows", "1 row"]
    assert size_label((3).bit_length()) == "2-3 rows"
    assert size_label((1000).bit_length()) == "512-1,023 rows"


def test_with_the_cores_full_calls_of_a_few_milliseconds_run_on_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When the server's workers fill the cores, the pool's thread buys no core: a call of
    2 ms CPU goes on the loop; with a core to spare it stays in the pool."""
    monkeypatch.setattr(lanes_module, "INLINE_AFTER_CALLS", 4)
    full = _runtime(Busy(0.002), spare_cores=False)
    asyncio.run(_calls(full, 4))
    assert full.runs_inline(1)
    spare = _runtime(Busy(0.002))
    asyncio.run(_calls(spare, 4))
    assert not spare.runs_inline(1)
    heavy = _runtime(Busy(0.015), spare_cores=False)
    asyncio.run(_calls(heavy, 4))
    assert not heavy.runs_inline(1), "15 ms a call is too long to hold the loop"


def test_merged_calls_hold_the_loop_as_long_as_a_batch_may_take_when_cores_are_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batcher releases one merged call at a time, so with every core taken by the workers
    the pool would only add its hops: calls of 15 ms CPU of the sizes it merges run on the loop.
    Larger requests (they run alone), a core to spare, batching off, or a timeout too short for
    a call that cannot be cut keep the shorter limits, and 15 ms calls in the pool."""
    monkeypatch.setattr(lanes_module, "INLINE_AFTER_CALLS", 4)
    batched = BatchingOptions(max_batch_size=8)
    full = _runtime(Busy(0.015), spare_cores=False, batching=batched)
    assert full.limits_of((8).bit_length()) is lanes_module.BATCHES_CORES_FULL
    assert full.limits_of((16).bit_length()) is lanes_module.CORES_FULL, "16 rows run alone"
    asyncio.run(_calls(full, 4))
    assert full.runs_inline(1)
    spare = _runtime(Busy(0.015), batching=batched)
    off = _runtime(Busy(0.015), spare_cores=False, batching=BatchingOptions(max_batch_size=1))
    for runtime, limits in ((spare, lanes_module.SPARE_CORES), (off, lanes_module.CORES_FULL)):
        assert runtime.limits_of(1) is limits
        asyncio.run(_calls(runtime, 4))
        assert not runtime.runs_inline(1)
    cut_short = ((60.0, lanes_module.BATCHES_CORES_FULL), (0.5, lanes_module.CORES_FULL))
    for timeout, limits in cut_short:
        timed = _runtime(Busy(0.015), spare_cores=False, batching=batched, timeout=timeout)
        assert timed.limits_of(1) is limits, f"--timeout {timeout}"


def _lane_timed(
    timings: list[float], limits: lanes_module.InlineLimits = lanes_module.CORES_FULL
) -> lanes_module.Lane:
    lane = lanes_module.Lane(True, limits)
    for call in range(INLINE_AFTER_CALLS):
        lane.learn(timings[call % len(timings)])
    assert lane.inline
    return lane


def test_slow_calls_on_the_loop_are_slow_for_their_own_size() -> None:
    """A size whose timed calls reached 9 ms is not sent back to the pool by calls of 15 ms on
    the loop (the machine pausing it), but is by calls far past twice its ninetieth percentile;
    a size of cheap calls is sent back past the fixed 10 ms."""
    lane = _lane_timed([0.003] * 4 + [0.009])
    for _ in range(INLINE_ABANDON_CALLS):
        lane.ran_inline(0.015, None)
    assert lane.inline
    for _ in range(INLINE_ABANDON_CALLS):
        lane.ran_inline(0.030, None)
    assert not lane.inline
    cheap = _lane_timed([0.0001])
    for _ in range(INLINE_ABANDON_CALLS):
        cheap.ran_inline(0.015, None)
    assert not cheap.inline


def test_merged_calls_are_slow_only_past_what_a_batch_may_take() -> None:
    """Merged calls of 20 ms on the loop are what their limits allow: calls of 50 ms (the
    machine busy, say) leave them there; calls of a quarter of a second send them back."""
    lane = _lane_timed([0.02], lanes_module.BATCHES_CORES_FULL)
    for _ in range(INLINE_ABANDON_CALLS):
        lane.ran_inline(0.05, None)
    assert lane.inline
    for _ in range(INLINE_ABANDON_CALLS):
        lane.ran_inline(0.25, None)
    assert not lane.inline


@contextlib.contextmanager
def _core_shared_with_busy_processes(count: int) -> Iterator[None]:
    """This process pinned to one core, with ``count`` busy loops in other processes pinned to
    it as well: the kernel takes the core away from calls in turns (preemption, no waiting)."""
    allowed = os.sched_getaffinity(0)
    core = {min(allowed)}
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        for process in busy:
            os.sched_setaffinity(process.pid, core)
        os.sched_setaffinity(0, core)
        yield
    finally:
        os.sched_setaffinity(0, allowed)
        for process in busy:
            process.kill()
            process.wait()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_calls_slowed_only_by_other_processes_on_the_core_leave_it_on_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker sharing its core (other workers, the load, other work on the machine) sees calls
    of 2 ms CPU take tens of milliseconds: the model did not hold the loop, the kernel did."""
    monkeypatch.setattr(lanes_module, "INLINE_AFTER_CALLS", 4)
    runtime = _runtime(Busy(0.002), spare_cores=False)
    asyncio.run(_calls(runtime, 4))
    assert runtime.runs_inline(1)
    walls: list[float] = []

    async def timed_calls() -> None:
        for _ in range(30):
            started = time.perf_counter()
            await runtime.predict(_batch())
            walls.append(time.perf_counter() - started)

    with _core_shared_with_busy_processes(6):
        asyncio.run(timed_calls())
    slow = sum(wall > lanes_module.INLINE_ABANDON_SECONDS for wall in walls)
    assert slow >= INLINE_ABANDON_CALLS, f"the busy processes slowed only {slow} calls: {walls}"
    assert runtime.runs_inline(1)


def test_calls_slow_of_their_own_cpu_send_it_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model that grew slow without waiting (say, on larger inputs) holds the loop all the
    same: its calls count by their own CPU time."""
    monkeypatch.setattr(lanes_module, "INLINE_AFTER_CALLS", 4)
    model = Busy(0.0005)
    runtime = _runtime(model, spare_cores=False)
    asyncio.run(_calls(runtime, 4))
    assert runtime.runs_inline(1)
    model.seconds = 0.02
    asyncio.run(_calls(runtime, INLINE_ABANDON_CALLS - 1))
    assert runtime.runs_inline(1)
    asyncio.run(_calls(runtime, 1))
    assert not runtime.runs_inline(1)


class SlowThenBroken(modelport.Model):
    def __init__(self) -> None:
        self.broken = False

    def predict(self, batch: np.ndarray) -> np.ndarray:
        if self.broken:
            time.sleep(0.02)
            raise ValueError("lost the connection")
        return batch[:, 0] * 2


def test_slow_calls_that_raise_on_the_loop_count_all_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lanes_module, "INLINE_ABANDON_CALLS", 1)
    model = SlowThenBroken()
    runtime = _runtime(model)
    asyncio.run(_calls(runtime, INLINE_AFTER_CALLS))
    assert runtime.runs_inline(1)
    model.broken = True
    with pytest.raises(ModelFailed, match="lost the connection"):
        asyncio.run(runtime.predict(_batch()))
    assert not runtime.runs_inline(1)


def test_slow_calls_far_apart_leave_it_on_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lanes_module, "INLINE_WINDOW_CALLS", 8)
    model = Timed(0)
    runtime = _runtime(model)
    asyncio.run(_calls(runtime, INLINE_AFTER_CALLS))
    for _ in range(3):  # two slow calls in each window of 8: never three in one
        model.seconds = 0.02
        asyncio.run(_calls(runtime, 2))
        model.seconds = 0
        asyncio.run(_calls(runtime, 6))
        assert runtime.runs_inline(1)


class BusyPerRow(modelport.Model):
    """Uses ``seconds_per_row`` of CPU per input row: fast on one row, slow on many."""

    def __init__(self, seconds_per_row: float) -> None:
        self.seconds_per_row = seconds_per_row

    def predict(self, batch: np.ndarray) -> np.ndarray:
        end = time.thread_time() + self.seconds_per_row * len(batch)
        while time.thread_time() < end:
            pass
        return batch[:, 0] * 2


async def _sized_calls(runtime: ModelRuntime, rows: int, count: int) -> None:
    for _ in range(count):
        result = await runtime.predict(_batch(rows))
        assert result.column("y").to_pylist() == [2.0] * rows


@pytest.mark.parametrize("sizes", [(1, 1000), (1000, 1)])
def test_each_size_of_call_is_placed_on_its_own(
    monkeypatch: pytest.MonkeyPatch, sizes: tuple[int, int]
) -> None:
    """One row inline, a thousand in the pool, whichever size came first."""
    monkeypatch.setattr(lanes_module, "INLINE_AFTER_CALLS", 4)
    runtime = _runtime(BusyPerRow(0.00001))  # 10 µs a row: 10 ms for 1,000 rows
    first, second = sizes
    asyncio.run(_sized_calls(runtime, first, 4))
    assert not runtime.runs_inline(second), "a size not timed yet starts in the pool"
    asyncio.run(_sized_calls(runtime, second, 4))
    assert runtime.runs_inline(1)
    assert not runtime.runs_inline(1000)
    assert not runtime.runs_inline(2), "2-3 rows are another size, not timed yet"


def test_sizes_within_a_power_of_two_share_what_was_learned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lanes_module, "INLINE_AFTER_CALLS", 4)
    runtime = _runtime(Timed(0))
    asyncio.run(_sized_calls(runtime, 1000, 4))
    assert runtime.runs_inline(1000)
    assert runtime.runs_inline(512) and runtime.runs_inline(1023), "512-1,023 rows: one size"
    assert not runtime.runs_inline(511) and not runtime.runs_inline(1024)


def test_slow_calls_on_the_loop_send_back_only_their_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(lanes_module, "INLINE_AFTER_CALLS", 4)
    model = Timed(0)
    runtime = _runtime(model)
    asyncio.run(_sized_calls(runtime, 1, 4))
    asyncio.run(_sized_calls(runtime, 8, 4))
    assert runtime.runs_inline(1) and runtime.runs_inline(8)
    model.seconds = 0.02
    asyncio.run(_sized_calls(runtime, 8, INLINE_ABANDON_CALLS))
    model.seconds = 0
    assert not runtime.runs_inline(8)
    assert runtime.runs_inline(1)


def test_a_model_served_with_a_timeout_never_runs_on_the_loop() -> None:
    runtime = _runtime(Timed(0), timeout=5)
    asyncio.run(_calls(runtime, INLINE_AFTER_CALLS + 1))
    assert not runtime.runs_inline(1)


def test_timeouts_abandon_the_call() -> None:
    runtime = _runtime(Timed(5.0), timeout=0.1)
    started = time.monotonic()
    with pytest.raises(ModelTimeout, match=r"within 0\.1 s"):
        asyncio.run(runtime.predict(_batch()))
    assert time.monotonic() - started < 4, "the timeout waited for the model"


class CallsAway(modelport.Model):
    """A model whose own call out (a socket, an HTTP client) timed out: ``socket.timeout`` is
    ``TimeoutError``."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        raise TimeoutError("the feature store did not answer")


class CallsAwayAsync(modelport.Model):
    async def predict(self, batch: np.ndarray) -> np.ndarray:
        async with asyncio.timeout(0.01):  # its own bound on a call of its own
            await asyncio.sleep(1)
        return batch[:, 0]


@pytest.mark.parametrize("model", [CallsAway(), CallsAwayAsync()])
@pytest.mark.parametrize("batching", [None, 8])
def test_a_timeout_the_model_raises_itself_is_its_failure_not_the_servers_timeout(
    model: modelport.Model, batching: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """504 "did not answer within 60 s" would send its caller after --timeout, where the
    model's own call is what timed out: it is a failure of the model's (500) naming it; in a
    merged batch too (three requests in flight, as the middleware counts them, queue and merge;
    the batch failing, each is run again alone and fails so)."""
    options: dict[str, Any] = {"timeout": 60.0}
    if batching is not None:
        options["batching"] = BatchingOptions(max_batch_size=batching, max_latency_ms=0.0)
        monkeypatch.setattr(REQUESTS, "count", 3)
    runtime = _runtime(model, **options)
    assert (runtime.batcher is not None) is (batching is not None)

    async def three() -> list[BaseException | pa.Table]:
        calls = (runtime.predict(_batch()) for _ in range(3))
        return await asyncio.gather(*calls, return_exceptions=True)

    started = time.monotonic()
    for answer in asyncio.run(three()):
        assert isinstance(answer, ModelFailed) and not isinstance(answer, ModelTimeout), answer
        assert "TimeoutError" in str(answer)
    assert time.monotonic() - started < 30


def test_an_operation_whose_own_call_timed_out_fails_as_the_model() -> None:
    runtime = _runtime(Timed(0), timeout=60.0)
    with pytest.raises(ModelFailed, match="TimeoutError: the feature store") as failed:
        anyio.run(runtime.invoke, OwnTimeout())
    assert not isinstance(failed.value, ModelTimeout)


@dataclass(frozen=True)
class OwnTimeout(Operation[PythonModelServable, int]):
    model_type = PythonModelServable

    async def run(self, model: PythonModelServable, calls: ModelCalls) -> int:
        return await calls.blocking(_own_timeout)


def _own_timeout() -> int:
    raise TimeoutError("the feature store did not answer")


class Extra(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return np.zeros(len(batch) + 1)


class Broken(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        raise KeyError("weights")


class TimesOut(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        raise TimeoutError("the feature store did not answer")


def test_row_count_and_exceptions_become_model_failures() -> None:
    with pytest.raises(ModelFailed, match="returned 3 rows for 2 input rows") as caught:
        asyncio.run(_runtime(Extra()).predict(_batch(2)))
    assert caught.value.__cause__ is None
    with pytest.raises(ModelFailed, match="KeyError: 'weights'") as caught:
        asyncio.run(_runtime(Broken()).predict(_batch()))
    assert isinstance(caught.value.__cause__, KeyError)
    # a model's own TimeoutError, served without --timeout, is a failure of the model's
    with pytest.raises(ModelFailed, match="TimeoutError: the feature store did not answer"):
        asyncio.run(_runtime(TimesOut()).predict(_batch()))


def test_a_model_found_too_slow_is_timed_again_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lanes_module, "INLINE_AFTER_CALLS", 4)
    monkeypatch.setattr(lanes_module, "RELEARN_AFTER_CALLS", 6)
    model = Busy(0.008)
    runtime = _runtime(model)
    asyncio.run(_calls(runtime, 4))
    assert not runtime.runs_inline(1)
    model.seconds = 0
    asyncio.run(_calls(runtime, 6 + 3))
    assert not runtime.runs_inline(1), "timed again only after RELEARN_AFTER_CALLS"
    asyncio.run(_calls(runtime, 1))
    assert runtime.runs_inline(1)


@dataclass(frozen=True)
class Scale(Operation[PythonModelServable, int]):
    """An operation a convention's routes could hand to ``ModelRuntime.invoke``: its model's
    synchronous work goes to the pool, the rest runs on the loop."""

    model_type = PythonModelServable
    value: int
    times: int = 2
    pause: float = 0.0

    async def run(self, model: PythonModelServable, calls: ModelCalls) -> int:
        scaled = await calls.blocking(_scale, self.value, times=self.times, pause=self.pause)
        await anyio.sleep(0)
        return scaled


@dataclass(frozen=True)
class Elsewhere(Operation[PythonModelServable, None]):
    """An operation only another kind of model takes."""

    model_type = _OtherServable

    async def run(self, model: PythonModelServable, calls: ModelCalls) -> None:
        raise AssertionError("never run on another kind of model")


def _scale(value: int, *, times: int, pause: float) -> int:
    if value < 0:
        raise ValueError(f"bad value {value}")
    time.sleep(pause)
    return value * times


def test_invoke_runs_an_operation_with_its_arguments_in_the_pool() -> None:
    runtime = _runtime(Timed(0))
    assert anyio.run(runtime.invoke, Scale(3, times=3)) == 9
    assert runtime.takes(Scale)


def test_invoke_maps_what_the_model_raised_to_model_failed() -> None:
    runtime = _runtime(Timed(0))
    with pytest.raises(ModelFailed, match="ValueError: bad value -5"):
        anyio.run(runtime.invoke, Scale(-5))


def test_invoke_times_out_with_model_timeout() -> None:
    runtime = _runtime(Timed(0), timeout=0.05)
    with pytest.raises(ModelTimeout, match=r"within 0\.05 s"):
        anyio.run(runtime.invoke, Scale(1, pause=1.0))


@dataclass(frozen=True)
class ThreeCalls(Operation[PythonModelServable, list[int]]):
    """Three calls into the model, each under the timeout, together over it."""

    model_type = PythonModelServable
    pause: float

    async def run(self, model: PythonModelServable, calls: ModelCalls) -> list[int]:
        first = await calls.blocking(_scale, 1, times=1, pause=self.pause)
        second = await calls.awaiting(_scale_later(2, pause=self.pause))
        third = await calls.blocking(_scale, 3, times=1, pause=self.pause)
        return [first, second, third]


async def _scale_later(value: int, *, pause: float) -> int:
    await anyio.sleep(pause)
    return value


def test_the_timeout_bounds_each_call_an_operation_makes() -> None:
    runtime = _runtime(Timed(0), timeout=1.0)
    assert anyio.run(runtime.invoke, ThreeCalls(0.5)) == [1, 2, 3]  # 1.5 s in all
    with pytest.raises(ModelTimeout):
        anyio.run(runtime.invoke, ThreeCalls(1.5))


def test_invoke_refuses_an_operation_of_another_kind_of_model() -> None:
    runtime = _runtime(Timed(0))
    assert not runtime.takes(Elsewhere)
    with pytest.raises(NotFound, match="does not answer Elsewhere requests"):
        anyio.run(runtime.invoke, Elsewhere())


def test_a_request_while_the_model_loads_is_told_to_come_back() -> None:
    """The port answers from the start; a prediction before ``load`` ends is a 503 with
    Retry-After, never the half-made model's own error."""
    runtime = ModelRuntime(PythonModelServable(Timed(0), name="m", signature=SIGNATURE))
    batch = Batch.from_table(pa.table({"x": [1.0]}))
    with pytest.raises(ModelNotReady, match="still loading") as refused:
        asyncio.run(runtime.predict(batch))
    problem = problem_of(refused.value)
    assert problem.status == 503 and problem.headers == {"Retry-After": "1"}
    runtime.load()
    assert asyncio.run(runtime.predict(batch)).column("y").to_pylist() == [2.0]
