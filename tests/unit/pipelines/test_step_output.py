"""What steps print goes to the log, one record per line naming the step; stdout keeps only
what the rest of the process writes."""

from __future__ import annotations

import asyncio
import logging
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import modelport
from modelport.batch import Batch
from modelport.formats.native.python_model import PythonModelServable
from modelport.pipelines.definition import Definition, PipelineVersion, Step
from modelport.pipelines.servable import PipelineServable
from modelport.schema import Field, Signature


class Chatty(modelport.Model):
    """Prints as Wallaroo's example steps do (``print(data)``), in a worker thread."""

    def predict(self, batch: np.ndarray) -> np.ndarray:
        print("got rows:", len(batch))
        print("no newline", end="")
        return batch[:, 0] * 2

    def schema(self) -> Signature:
        return Signature([Field("x", float)], [Field("y", float)])


class AsyncChatty(modelport.Model):
    async def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        await asyncio.sleep(0)
        sys.stdout.write("async step\nsaw " + str(df["y"].tolist()) + "\n")
        return pd.DataFrame({"z": df["y"] + 1})

    def schema(self) -> Signature:
        return Signature([Field("y", float)], [Field("z", float)])


def _pipeline() -> PipelineServable:
    models = [Chatty(), AsyncChatty()]
    steps = [
        (f"{type(m).__name__.lower()}:1", PythonModelServable(m, name="s", signature=m.schema()))
        for m in models
    ]
    definition = Definition(tuple(Step(type(m).__name__.lower(), 1) for m in models))
    pipeline = PipelineServable(PipelineVersion("default", "talk", 1, definition), steps)
    pipeline.load()
    return pipeline


def test_prints_of_steps_go_to_the_log_and_not_to_stdout(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = _pipeline()
    with caplog.at_level(logging.INFO, logger="modelport.pipelines.steps"):
        frame = asyncio.run(pipeline.infer(Batch.from_table(pa.table({"x": [1.0, 2.0]}))))
        print("the command's own output")
    assert frame.column("out.z").to_pylist() == [3.0, 5.0]
    assert [r.getMessage() for r in caplog.records] == [
        "step chatty:1 printed: got rows: 2",
        "step chatty:1 printed: no newline",
        "step asyncchatty:1 printed: async step",
        "step asyncchatty:1 printed: saw [2.0, 4.0]",
    ]
    assert capsys.readouterr().out == "the command's own output\n"


def test_concurrent_runs_keep_their_lines_apart(caplog: pytest.LogCaptureFixture) -> None:
    pipeline = _pipeline()

    async def both() -> None:
        batches = [Batch.from_table(pa.table({"x": [float(i)] * (i + 1)})) for i in range(4)]
        await asyncio.gather(*(pipeline.infer(b) for b in batches))

    with caplog.at_level(logging.INFO, logger="modelport.pipelines.steps"):
        asyncio.run(both())
    lines = [r.getMessage() for r in caplog.records if "chatty:1 printed: got" in r.getMessage()]
    assert sorted(lines) == [f"step chatty:1 printed: got rows: {n}" for n in range(1, 5)]
    assert sum("no newline" in r.getMessage() for r in caplog.records) == 4
