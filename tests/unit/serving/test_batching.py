"""The adaptive batcher, in-process: concurrent batches merge and each gets its own rows back,
one request at a time runs alone at once, a failed batch is re-run request by request, batches
of different columns never merge, and the size and latency bounds release batches."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pytest

from modelport.batch import Batch
from modelport.serving.batching import REQUESTS, Batcher, merge

SCHEMA = pa.schema([("x", pa.float64())])


def rows(*values: float) -> Batch:
    return Batch.from_matrix(np.array([[v] for v in values]), ("x",), SCHEMA)


class Model:
    """Doubles x; raises on a negative x; records the rows of every call."""

    def __init__(self, pause: float = 0.0) -> None:
        self.calls: list[int] = []
        self.pause = pause

    async def predict(self, batch: Batch) -> pa.Table:
        self.calls.append(batch.num_rows)
        if self.pause:
            await asyncio.sleep(self.pause)
        values = batch.matrix()[:, 0]
        if (values < 0).any():
            raise ValueError("negative x")
        return pa.table({"y": values * 2})


@pytest.fixture
def in_flight() -> Iterator[None]:
    """As the middleware counts them: many requests in flight."""
    REQUESTS.count += 100
    yield
    REQUESTS.count -= 100


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_one_request_at_a_time_runs_alone_without_queueing() -> None:
    model = Model()
    batcher = Batcher(model.predict, limit=64)

    async def main() -> list[float]:
        answer = await batcher.submit(rows(1.0, 2.0))
        return answer.column("y").to_pylist()

    assert run(main()) == [2.0, 4.0]
    assert model.calls == [2]
    assert sum(batcher.stats.released.values()) == 0


def test_concurrent_requests_merge_and_get_their_own_rows(in_flight: None) -> None:
    model = Model()
    batcher = Batcher(model.predict, limit=64)

    async def main() -> list[list[float]]:
        answers = await asyncio.gather(*(batcher.submit(rows(i, i + 0.5)) for i in range(8)))
        return [a.column("y").to_pylist() for a in answers]

    assert run(main()) == [[2.0 * i, 2.0 * i + 1.0] for i in range(8)]
    assert model.calls == [16]
    assert batcher.stats.sizes.counts[batcher.stats.sizes.bounds.index(16)] == 1


def test_a_request_parsed_but_not_yet_started_is_waited_for() -> None:
    """As the protocol and the middleware count them: a request whose task has not begun yet
    keeps the first from running alone; it joins the batch when its turn comes."""
    model = Model()
    batcher = Batcher(model.predict, limit=64)

    async def request(values: tuple[float, ...]) -> list[float]:
        REQUESTS.parsed -= 1  # the middleware, as the request's task starts
        REQUESTS.count += 1
        try:
            answer = await batcher.submit(rows(*values))
        finally:
            REQUESTS.count -= 1
        return answer.column("y").to_pylist()

    async def main() -> list[list[float]]:
        REQUESTS.parsed += 2  # one loop turn read both requests
        return await asyncio.gather(request((1.0,)), request((2.0, 3.0)))

    assert run(main()) == [[2.0], [4.0, 6.0]]
    assert model.calls == [3]
    assert batcher.stats.released["idle"] == 1
    assert REQUESTS.parsed == 0


def test_a_parsed_request_that_never_starts_delays_nobody_past_the_latency() -> None:
    model = Model()
    batcher = Batcher(model.predict, limit=64)
    REQUESTS.parsed += 1  # its connection went away before its task began
    try:
        answer = run(batcher.submit(rows(1.0)))
    finally:
        REQUESTS.parsed -= 1
    assert answer.column("y").to_pylist() == [2.0]  # type: ignore[attr-defined]
    assert batcher.stats.released["latency"] == 1


def test_requests_arriving_while_the_model_works_form_the_next_batch() -> None:
    model = Model(pause=0.05)
    batcher = Batcher(model.predict, limit=64)

    async def main() -> None:
        first = asyncio.ensure_future(batcher.submit(rows(1.0)))  # runs alone: nothing else yet
        await asyncio.sleep(0.01)
        REQUESTS.count += 5
        try:
            await asyncio.gather(first, *(batcher.submit(rows(float(i))) for i in range(5)))
        finally:
            REQUESTS.count -= 5

    run(main())
    assert model.calls == [1, 5]
    assert batcher.stats.released["idle"] == 1


def test_a_failed_batch_is_run_again_request_by_request(in_flight: None) -> None:
    model = Model()
    batcher = Batcher(model.predict, limit=64)

    async def main() -> list[object]:
        sent = [rows(1.0), rows(-1.0), rows(3.0)]
        return await asyncio.gather(*(batcher.submit(b) for b in sent), return_exceptions=True)

    first, second, third = run(main())  # type: ignore[misc]
    assert isinstance(first, pa.Table) and first.column("y").to_pylist() == [2.0]
    assert isinstance(second, ValueError)
    assert isinstance(third, pa.Table) and third.column("y").to_pylist() == [6.0]
    assert model.calls == [3, 1, 1, 1]
    assert batcher.stats.reruns == 3


def test_batches_hold_at_most_the_limit_and_keep_order(in_flight: None) -> None:
    model = Model()
    batcher = Batcher(model.predict, limit=10)

    async def main() -> list[list[float]]:
        answers = await asyncio.gather(*(batcher.submit(rows(*[i] * 4)) for i in range(6)))
        return [a.column("y").to_pylist() for a in answers]

    assert run(main()) == [[2.0 * i] * 4 for i in range(6)]
    assert model.calls == [8, 8, 8]
    assert batcher.stats.released == {"size": 2, "idle": 0, "latency": 1}


def test_a_request_over_the_limit_runs_alone(in_flight: None) -> None:
    model = Model()
    batcher = Batcher(model.predict, limit=4)
    run(batcher.submit(rows(*range(6))))
    assert model.calls == [6]


def test_batches_of_different_columns_do_not_merge(in_flight: None) -> None:
    seen: list[tuple[str, ...]] = []

    async def predict(batch: Batch) -> pa.Table:
        seen.append(batch.names)
        return pa.table({"y": [0] * batch.num_rows})

    batcher = Batcher(predict, limit=64)
    other = Batch.from_table(pa.table({"z": [1.0]}))

    async def main() -> None:
        await asyncio.gather(
            batcher.submit(rows(1.0)), batcher.submit(other), batcher.submit(rows(2.0))
        )

    run(main())
    assert sorted(seen) == [("x",), ("z",)]


def test_a_batch_that_is_not_full_waits_at_most_the_latency(in_flight: None) -> None:
    model = Model()
    batcher = Batcher(model.predict, limit=64, max_latency_ms=30)

    async def main() -> None:
        await asyncio.wait_for(batcher.submit(rows(1.0)), timeout=5)

    run(main())
    assert batcher.stats.released["latency"] == 1
    assert model.calls == [1]


def test_a_request_that_left_does_not_spoil_the_others(in_flight: None) -> None:
    model = Model(pause=0.02)
    batcher = Batcher(model.predict, limit=64)

    async def main() -> list[float]:
        leaving = asyncio.ensure_future(batcher.submit(rows(5.0)))
        staying = asyncio.ensure_future(batcher.submit(rows(7.0)))
        await asyncio.sleep(0)
        leaving.cancel()
        return (await staying).column("y").to_pylist()

    assert run(main()) == [14.0]


@pytest.mark.parametrize("kind", ["matrix", "columns", "table"])
def test_merge_keeps_how_the_rows_are_held(kind: str) -> None:
    if kind == "matrix":
        parts = [rows(1.0), rows(2.0, 3.0)]
    elif kind == "columns":
        parts = [
            Batch.from_columns({"x": np.array([1.0])}),
            Batch.from_columns({"x": np.array([2.0, 3.0])}),
        ]
    else:
        parts = [
            Batch.from_table(pa.table({"x": [1.0]})),
            Batch.from_table(pa.table({"x": [2.0, 3.0]})),
        ]
    merged = merge(parts)
    assert merged.held() == kind
    assert merged.num_rows == 3
    assert merged.columns()["x"].tolist() == [1.0, 2.0, 3.0]
