"""The runner with an answerer that answers several chunks at once (a fake pool of two hands):
chunks reported out of order still make the output in the input's order, and a failed chunk is
raised only after the chunks still being answered are noted in the manifest, so a rerun redoes
only what was not finished."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import modelport
from modelport import Field, Signature
from modelport.batch_inference.answering import Finished, answer_chunk
from modelport.batch_inference.chunks import Chunk
from modelport.batch_inference.files import InputFile, find_inputs
from modelport.batch_inference.job import BatchJob
from modelport.batch_inference.manifest import load_manifest
from modelport.batch_inference.plan import plan_job
from modelport.batch_inference.predictor import ChunkPredictor
from modelport.batch_inference.runner import run_job
from modelport.errors import ModelFailed
from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.runtime import ModelRuntime

SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("double", float)])


class Doubler(modelport.Model):
    def predict(self, features: np.ndarray) -> np.ndarray:
        return features[:, 0] * 2


class TwoHands:
    """Holds up to two chunks; handed a third, it reports the oldest it holds (failed when its
    number is in ``failing``), so chunks finish late and a failure finds another in flight."""

    def __init__(self, job: BatchJob, predictor: ChunkPredictor, failing: set[int]) -> None:
        self.job, self.predictor, self.failing = job, predictor, failing
        self.held: list[tuple[int, InputFile, Chunk]] = []
        self.handed: list[int] = []

    def answer(self, number: int, source: InputFile, chunk: Chunk) -> list[Finished]:
        self.handed.append(chunk.number)
        self.held.append((number, source, chunk))
        return [self._finish(self.held.pop(0))] if len(self.held) > 2 else []

    def drain(self) -> list[Finished]:
        finished = [self._finish(held) for held in self.held]
        self.held = []
        return finished

    def _finish(self, held: tuple[int, InputFile, Chunk]) -> Finished:
        number, source, chunk = held
        if chunk.number in self.failing:
            return Finished(number, chunk.number, None, ModelFailed(f"chunk {chunk.number}"))
        done = answer_chunk(self.job, self.predictor, number, source, chunk)
        return Finished(number, chunk.number, done)


@pytest.fixture
def job(tmp_path: Path) -> BatchJob:
    rows = pa.table({"id": range(500), "x": np.arange(500, dtype=np.float64)})
    pq.write_table(rows, tmp_path / "rows.parquet")
    return BatchJob(
        inputs=tuple(find_inputs(tmp_path / "rows.parquet")),
        output=tmp_path / "out.parquet",
        output_format="parquet",
        into_folder=False,
        chunk_rows=100,
        model="sha256:ab",
        keep=("id",),
    )


def doubler() -> ChunkPredictor:
    runtime = ModelRuntime(PythonModelServable(Doubler(), name="doubler", signature=SIGNATURE))
    runtime.load()
    return ChunkPredictor(runtime, keep=("id",))


def test_chunks_finished_out_of_order_are_joined_in_order(job: BatchJob) -> None:
    predictor = doubler()
    summary = run_job(job, plan_job(job, predictor), TwoHands(job, predictor, failing=set()))
    assert (summary.rows, summary.chunks, summary.reused) == (500, 5, 0)
    answers = pq.read_table(job.output)
    assert answers.column("id").to_pylist() == list(range(500))
    assert answers.column("double").to_pylist() == [2.0 * i for i in range(500)]


def test_a_failed_chunk_is_raised_once_those_in_flight_are_noted(job: BatchJob) -> None:
    predictor = doubler()
    hands = TwoHands(job, predictor, failing={1})
    with pytest.raises(ModelFailed, match="chunk 1"):
        run_job(job, plan_job(job, predictor), hands)
    assert hands.handed == [0, 1, 2, 3]  # chunk 1 failed when chunk 3 was handed over
    manifest = load_manifest(job.parts_folder)
    assert manifest is not None and set(manifest.done) == {"0:0", "0:2", "0:3"}
    for chunk in manifest.done.values():
        assert chunk.part is not None and (job.parts_folder / chunk.part).is_file()
