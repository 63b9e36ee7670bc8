"""Whether batching pays for a model, measured once when it loads.

Costs are the process's CPU time, not wall time: a machine busy with other work stretches wall
time at random (seen here: 32 rows timed at 28 times one row on a loaded machine, for a model
whose cost is nearly all per call), while the CPU a call uses stays put; and the process's, not
the thread's, since a framework may compute in threads of its own.

The model predicts a one-row batch and a ``ROWS``-row batch of the same row in turns (the row is
the model's own example, or else one made from its signature: zeros, false and empty text); when
the larger batch costs less than half as much per row, merging concurrent requests halves what
the model costs them, and batching is turned on. The same two timings size the batch: they part
the model's cost into a cost per call and a cost per row, and a merged batch may grow until its
call's share is no more than ``CALL_SHARE`` of it (``FEWEST_ROWS`` to ``MOST_ROWS``, a power of
two), as long as it would take no more than ``BATCH_SECONDS`` and hold no more than
``BATCH_BYTES`` of inputs. A model that costs mostly per call (a DataFrame to build, a
framework's dispatch) merges many requests; an SVC that costs 0.1 ms a call and 1.4 µs a row
merges up to 4,096 rows, so two or three concurrent 1,000-row requests share one call. Batches
grow past ``FEWEST_ROWS`` only in a process with no spare core (a pool of one worker per core):
the batcher runs one merged call at a time, and with spare cores, requests of ``FEWEST_ROWS``
rows or more run alone, side by side in the thread pool, where a model that releases the GIL
uses those cores. The whole measurement stays within
``BUDGET_SECONDS``; a model with no row to try, or one that fails on it, is served without
batching (its answers would be the same; only their cost differs). The calibration calls the
model's ``predict`` a few times before the server turns ready, so a model whose predictions have
side effects should be served with ``--max-batch-size`` given (1: off), which skips it.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from modelport._types import JSONObject
from modelport.batch import Batch
from modelport.decoded import Rows
from modelport.schema import Signature
from modelport.servable import Servable
from modelport.serving.lanes import BATCHES_CORES_FULL
from modelport.validation import InputValidator

ROWS = 32
"""The rows of the larger batch."""
ROUNDS = 5
"""Pairs of calls timed (after one warm-up pair), unless the budget runs out first."""
BUDGET_SECONDS = 2.0
PAYS_BELOW = 0.5
"""The per-row cost of the larger batch, as a share of the one-row cost, under which batching
is on."""
CALL_SHARE = 1 / 32
"""The share of a full merged batch's cost that its call's own cost may be."""
FEWEST_ROWS = 64
"""The least rows a calibrated batch holds."""
MOST_ROWS = 16_384
"""The most rows a calibrated batch holds, however little a row costs: merged rows are copied
once more, and the requests of a batch are all answered when its call ends."""
BATCH_SECONDS = BATCHES_CORES_FULL.typical
"""The longest a calibrated batch past ``FEWEST_ROWS`` may take, by the two timings: the first
request of a batch waits for the last one's rows. Merged calls of that cost run on the event
loop (``serving.lanes``)."""
BATCH_BYTES = 4 * 1024 * 1024
"""The most input bytes a calibrated batch past ``FEWEST_ROWS`` may hold, by the trial row's
size: merging copies them, on the event loop."""


@dataclass(frozen=True)
class Calibration:
    """What was measured (seconds per call), and the verdict."""

    one_row: float | None
    many_rows: float | None
    pays: bool
    reason: str
    batch_rows: int = 1
    """The most rows a merged batch holds (1: batching is off)."""

    def describe(self) -> str:
        if self.one_row is None or self.many_rows is None:
            return f"batching off: {self.reason}"
        verdict = f"on, up to {self.batch_rows:,} rows a batch" if self.pays else "off"
        return (
            f"batching {verdict}: 1 row {self.one_row * 1e3:.2f} ms, {ROWS} rows "
            f"{self.many_rows * 1e3:.2f} ms ({self.reason})"
        )


def calibrate(
    servable: Servable, validator: InputValidator, *, spare_cores: bool = True
) -> Calibration:
    """Time the model on one row and on ``ROWS`` rows; the verdict on batching, and the rows a
    batch holds (no more than ``FEWEST_ROWS`` when the process has ``spare_cores``)."""
    if servable.is_async:
        return Calibration(None, None, False, "an async predict is not timed at load")
    if not servable.batches_rows:
        return Calibration(None, None, False, "the model answers one row at a time")
    row = _sample_row(servable.example, servable.signature)
    if row is None:
        return Calibration(None, None, False, "no example row, and inputs a row cannot be made for")
    try:
        one = validator.validate(Rows([row]))
        many = validator.validate(Rows([row] * ROWS))
        row_bytes = many.table().nbytes / ROWS
        timings = _time(servable, one, many)
    except Exception as exc:  # the model's own failure: serving finds and reports it
        return Calibration(None, None, False, f"the trial prediction failed: {exc}")
    one_row, many_rows = (statistics.median(t) for t in timings)
    pays = one_row > 0 and many_rows / ROWS < PAYS_BELOW * one_row
    share = many_rows / ROWS / one_row if one_row > 0 else 0.0
    reason = f"{share:.0%} of the one-row cost per row"
    if not pays:
        return Calibration(one_row, many_rows, pays, reason)
    if spare_cores:
        rows = FEWEST_ROWS
        reason += "; larger requests run alone, side by side, on the spare cores"
    else:
        rows = batch_rows(one_row, many_rows, row_bytes)
    return Calibration(one_row, many_rows, pays, reason, rows)


def batch_rows(one_row: float, many_rows: float, row_bytes: float = 0.0) -> int:
    """The most rows a merged batch should hold, from the seconds a call of one row and of
    ``ROWS`` rows took (and the bytes of a row): the fewest (a power of two) at which the
    call's own cost is no more than ``CALL_SHARE`` of the batch's, within ``FEWEST_ROWS`` and
    ``MOST_ROWS``, and within ``BATCH_SECONDS`` and ``BATCH_BYTES``."""
    per_row = max((many_rows - one_row) / (ROWS - 1), 0.0)
    per_call = one_row - per_row
    wanted = per_call * (1 - CALL_SHARE) / (CALL_SHARE * per_row) if per_row else MOST_ROWS
    rows = FEWEST_ROWS
    while rows < wanted and rows < MOST_ROWS:
        more = rows * 2
        if per_call + more * per_row > BATCH_SECONDS or more * row_bytes > BATCH_BYTES:
            break
        rows = more
    return rows


def _time(servable: Servable, one: Batch, many: Batch) -> tuple[list[float], list[float]]:
    singles: list[float] = []
    batches: list[float] = []
    deadline = time.perf_counter() + BUDGET_SECONDS
    for round_number in range(ROUNDS + 1):
        single = _seconds(servable, one)
        batch = _seconds(servable, many)
        if round_number:  # the first pair warms caches and lazy imports
            singles.append(single)
            batches.append(batch)
        if time.perf_counter() > deadline and singles:
            break
    if not singles:  # one pair outlasted the budget: its figures are what there is
        singles.append(single)
        batches.append(batch)
    return singles, batches


def _seconds(servable: Servable, batch: Batch) -> float:
    fresh = batch.unviewed()  # each call pays for its own view, as each request does
    started = time.process_time()
    result = servable.predict(fresh)
    seconds = time.process_time() - started
    if isinstance(result, pa.Table) and result.num_rows != batch.num_rows:
        raise ValueError(f"{result.num_rows} rows answered for {batch.num_rows}")
    return seconds


def _sample_row(example: list[JSONObject] | None, signature: Signature) -> JSONObject | None:
    """The model's first example row, or one of neutral values for its inputs (None when an
    input has a type no neutral value is obvious for)."""
    if example:
        return example[0]
    if signature.free_form or not signature.inputs:
        return None
    row: dict[str, Any] = {}
    for field in signature.inputs:
        value = _neutral(field.arrow_type)
        if value is None or field.shape:
            return None
        row[field.name] = value
    return row


def _neutral(arrow_type: pa.DataType) -> object:
    if pa.types.is_boolean(arrow_type):
        return False
    if pa.types.is_integer(arrow_type):
        return 0
    if pa.types.is_floating(arrow_type):
        return 0.0
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return ""
    return None
