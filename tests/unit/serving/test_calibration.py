"""The calibration at load: batching turns on for a model whose cost is mostly per call, stays
off for one whose cost is per row, and is skipped (off) for a model with
nothing to try or that fails on the row it is given; a batch holds more rows the more a call
costs against a row. The verdicts rest on CPU spent by design, far from the thresholds either
way, not on the machine's speed."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

import modelport
from modelport import Field, Signature
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.batching import BatchingOptions
from modelport.serving.calibration import FEWEST_ROWS, MOST_ROWS, ROWS, batch_rows, calibrate
from modelport.serving.runtime import ModelRuntime

SIGNATURE = Signature([Field("x", "float64"), Field("label", "string")], [Field("y", "float64")])


def _spin(seconds: float) -> None:
    """Use ``seconds`` of CPU (the calibration counts CPU time, not wall time)."""
    until = time.process_time() + seconds
    while time.process_time() < until:
        pass


class PerCall(modelport.Model):
    """Costs 3 ms of CPU a call, whatever the rows."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        _spin(0.003)
        return np.zeros(len(batch))


class PerRow(modelport.Model):
    """Costs 1 ms of CPU a row."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        _spin(0.001 * len(batch))
        return np.zeros(len(batch))


class PerCallAndRow(modelport.Model):
    """Costs 2 ms of CPU a call and 0.01 ms a row: the call is 1/32 of a batch of 6,200 rows,
    but 4,096 rows take 43 ms and 8,192 take 84."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        _spin(0.002 + 0.00001 * len(batch))
        return np.zeros(len(batch))


class Failing(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        raise RuntimeError("no zeros here")


def _servable(model: modelport.Model, signature: Signature = SIGNATURE) -> PythonModelServable:
    return PythonModelServable(model, name="m", signature=signature)


def _verdict(model: modelport.Model) -> tuple[bool, str]:
    servable = _servable(model)
    runtime = ModelRuntime(servable)
    found = calibrate(servable, runtime.validator, spare_cores=False)
    return found.pays, found.describe()


def test_a_model_that_costs_per_call_is_batched() -> None:
    pays, said = _verdict(PerCall())
    assert pays, said
    assert said.startswith(f"batching on, up to {MOST_ROWS:,} rows a batch: 1 row "), said
    assert f"{ROWS} rows" in said


def test_a_batch_holds_rows_until_the_call_is_a_32nd_of_its_cost_or_it_takes_too_long() -> None:
    servable = _servable(PerCallAndRow())
    found = calibrate(servable, ModelRuntime(servable).validator, spare_cores=False)
    assert found.pays and found.batch_rows == 4096, found.describe()
    assert found.describe().startswith("batching on, up to 4,096 rows a batch: 1 row ")


def test_with_spare_cores_larger_requests_run_alone() -> None:
    servable = _servable(PerCall())
    found = calibrate(servable, ModelRuntime(servable).validator, spare_cores=True)
    assert found.pays and found.batch_rows == FEWEST_ROWS, found.describe()
    assert found.describe().startswith("batching on, up to 64 rows a batch: 1 row ")
    assert found.describe().endswith("larger requests run alone, side by side, on the spare cores)")


def test_batch_rows_from_the_two_timings() -> None:
    # the bench's iris SVC: 0.1 ms a call, 1.4 µs a row: the call is 1/32 of 2,214 rows
    assert batch_rows(0.0001014, 0.0001448) == 4096
    # the rows cost nothing measurable (or the larger batch timed faster): only the call counts
    assert batch_rows(0.001, 0.001) == MOST_ROWS
    assert batch_rows(0.001, 0.0009) == MOST_ROWS
    # no longer than BATCH_SECONDS: 1 ms a row stops at the least, a call of 60 ms too
    assert batch_rows(0.1, 0.1 + 31 * 0.001) == FEWEST_ROWS
    assert batch_rows(0.06, 0.06) == FEWEST_ROWS
    # no more than BATCH_BYTES of inputs: rows of 1 KiB stop at 4,096
    assert batch_rows(0.001, 0.001, row_bytes=1024) == 4096
    assert batch_rows(0.001, 0.001, row_bytes=32) == MOST_ROWS
    # a call worth a few rows: never fewer than the least
    assert batch_rows(0.000_1, 0.000_1 + 31 * 0.000_05) == FEWEST_ROWS
    # a call worth a row a thousand times over: never more than the most
    assert batch_rows(0.01, 0.01 + 31 * 0.000_001) == MOST_ROWS
    # just past a power of two, the next one
    per_row = 0.000_001
    per_call = 128 / 31 * per_row * 1.01  # wants 129.3 rows
    assert batch_rows(per_call + per_row, per_call + ROWS * per_row) == 256


def test_a_model_that_costs_per_row_is_not() -> None:
    pays, said = _verdict(PerRow())
    assert not pays, said
    assert said.startswith("batching off: 1 row ")


def test_a_model_that_fails_on_the_trial_row_is_served_unbatched() -> None:
    pays, said = _verdict(Failing())
    assert not pays
    assert "the trial prediction failed" in said and "no zeros here" in said


def test_a_model_that_answers_row_by_row_is_not_timed() -> None:
    class Counted(PerCall):
        calls = 0

        def predict(self, batch: np.ndarray) -> np.ndarray:
            Counted.calls += 1
            return super().predict(batch)

    servable = _servable(Counted())
    servable.batches_rows = False
    found = calibrate(servable, ModelRuntime(servable).validator)
    assert not found.pays
    assert found.describe() == "batching off: the model answers one row at a time"
    assert Counted.calls == 0


def test_a_model_with_no_row_to_try_is_served_unbatched() -> None:
    signature = Signature([Field("when", "timestamp[ms]")], [Field("y", "float64")])
    servable = _servable(PerCall(), signature)
    found = calibrate(servable, ModelRuntime(servable).validator)
    assert not found.pays
    assert "no example row" in found.describe()


def test_the_runtime_batches_when_asked_or_when_it_pays(caplog: pytest.LogCaptureFixture) -> None:
    calibrated = ModelRuntime(_servable(PerCall()), spare_cores=False, batching=BatchingOptions())
    with caplog.at_level(logging.INFO, logger="modelport.serving"):
        calibrated.load()  # in the one serving process and in a pool's supervisor alike
    assert calibrated.calibration is not None and calibrated.calibration.pays
    assert calibrated.batcher is not None and calibrated.batcher.limit == MOST_ROWS
    said = [r.getMessage() for r in caplog.records if r.name == "modelport.serving"]
    assert said == [f"m: {calibrated.calibration.describe()}"]
    off = ModelRuntime(_servable(PerCall()), batching=BatchingOptions(max_batch_size=1))
    off.load()
    assert off.batcher is None and off.calibration is None
    asked = ModelRuntime(_servable(PerRow()), batching=BatchingOptions(max_batch_size=8))
    asked.load()
    assert asked.batcher is not None and asked.batcher.limit == 8
    assert asked.calibration is None
    unasked = ModelRuntime(_servable(PerCall()))
    unasked.load()
    assert unasked.batcher is None
