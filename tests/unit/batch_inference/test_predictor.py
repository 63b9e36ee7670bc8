"""The per-chunk function: a chunk through the validator and the runtime, kept columns first,
failing rows found by halving, and models that answer no rows of a table refused."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import modelport
from modelport import Field, Signature
from modelport.batch_inference.predictor import HOPELESS, ChunkPredictor
from modelport.errors import InvalidInput
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.runtime import ModelRuntime

SIGNATURE = Signature(
    inputs=[Field("x", float), Field("y", float)], outputs=[Field("score", float)]
)


class Scorer(modelport.Model):
    def __init__(self) -> None:
        self.calls: list[int] = []

    def predict(self, features: np.ndarray) -> np.ndarray:
        self.calls.append(len(features))
        if np.any(features[:, 0] < 0):  # the model's own failure on some rows
            raise ValueError("negative x")
        return features @ np.array([2.0, -1.0])


def predictor(
    model: modelport.Model, signature: Signature = SIGNATURE, **kw: object
) -> ChunkPredictor:
    runtime = ModelRuntime(PythonModelServable(model, name="scorer", signature=signature))
    runtime.load()
    return ChunkPredictor(runtime, **kw)  # type: ignore[arg-type]


def chunk(xs: list[float], ys: list[float | None]) -> pa.Table:
    return pa.table(
        {"id": pa.array(range(len(xs)), pa.int64()), "x": xs, "y": pa.array(ys, pa.float64())}
    )


def test_a_chunk_is_answered_with_its_kept_columns_first() -> None:
    model = Scorer()
    answer = predictor(model, keep=("id",))(chunk([1.0, 2.0], [1.0, 0.5]))
    assert answer.to_pylist() == [{"id": 0, "score": 1.0}, {"id": 1, "score": 3.5}]
    assert model.calls == [2]  # one call for the chunk


def test_failing_rows_are_found_by_halving_and_the_rest_answered_together() -> None:
    model = Scorer()
    xs = [1.0] * 16
    ys: list[float | None] = [1.0] * 16
    ys[3] = None  # refused by the validator
    xs[12] = -1.0  # refused by the model
    answered = predictor(model, keep=("id",)).answer(chunk(xs, ys), skip_failures=True)
    assert [(f.row, f.field) for f in answered.failures] == [(3, "y"), (12, None)]
    assert answered.answers is not None
    assert answered.answers.column("id").to_pylist() == [i for i in range(16) if i not in (3, 12)]
    assert len(model.calls) < 16  # halves that pass go in one call


def test_a_chunk_without_skipping_fails_whole() -> None:
    with pytest.raises(InvalidInput, match="'y' is null"):
        predictor(Scorer()).answer(chunk([1.0], [None]), skip_failures=False)


def test_rows_that_all_fail_stop_after_hopeless_many() -> None:
    count = HOPELESS + 10
    with pytest.raises(InvalidInput, match=f"each of the first {HOPELESS:,} rows fails"):
        predictor(Scorer()).answer(chunk([1.0] * count, [None] * count), skip_failures=True)


def test_columns_read_are_the_inputs_and_the_kept_ones() -> None:
    scorer = predictor(Scorer(), keep=("id",))
    assert scorer.columns_to_read(["id", "other", "y", "x"]) == ["id", "y", "x"]
    with pytest.raises(InvalidInput, match="--keep id: there is no such column"):
        scorer.columns_to_read(["x", "y"])
    with pytest.raises(InvalidInput, match="missing input column: y"):
        scorer.columns_to_read(["id", "x"])


def test_a_kept_column_the_model_answers_too_is_refused() -> None:
    with pytest.raises(InvalidInput, match="--keep score"):
        predictor(Scorer(), keep=("score",))


def test_a_free_form_model_is_refused() -> None:
    with pytest.raises(InvalidInput, match="free-form JSON"):
        predictor(Scorer(), signature=Signature.free())
