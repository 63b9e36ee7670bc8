"""The calibration at load: batching turns on for a model whose cost is mostly per call, stays
off for one whose cost is per row, and is skipped (off) for a model with
nothing to try or that fails on the row it is given. The verdicts rest on CPU spent by design,
far from the threshold either way, not on the machine's speed."""

from __future__ import annotations

import time

import numpy as np

import modelport
from modelport import Field, Signature
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.batching import BatchingOptions
from modelport.serving.calibration import ROWS, calibrate
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


class Failing(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        raise RuntimeError("no zeros here")


def _servable(model: modelport.Model, signature: Signature = SIGNATURE) -> PythonModelServable:
    return PythonModelServable(model, name="m", signature=signature)


def _verdict(model: modelport.Model) -> tuple[bool, str]:
    servable = _servable(model)
    runtime = ModelRuntime(servable)
    found = calibrate(servable, runtime.validator)
    return found.pays, found.describe()


def test_a_model_that_costs_per_call_is_batched() -> None:
    pays, said = _verdict(PerCall())
    assert pays, said
    assert said.startswith("batching on: 1 row ") and f"{ROWS} rows" in said


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


def test_the_runtime_batches_when_asked_or_when_it_pays() -> None:
    calibrated = ModelRuntime(_servable(PerCall()), batching=BatchingOptions())
    calibrated.load()
    assert calibrated.batcher is not None and calibrated.batcher.limit == 64
    assert calibrated.calibration is not None and calibrated.calibration.pays
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
