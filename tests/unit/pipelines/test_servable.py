"""A pipeline of in-process models: steps in order, the result frame, checks, logs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pytest

import modelport
from modelport.batch import Batch
from modelport.errors import ConfigError, InvalidInput, ModelFailed
from modelport.formats.native.python_model import PythonModelServable
from modelport.formats.wallaroo.frames import encode_pandas_records
from modelport.pipelines.definition import Definition, PipelineVersion, Step, Validation
from modelport.pipelines.logs import InferenceLog, parse_since
from modelport.pipelines.servable import PipelineServable
from modelport.schema import Field, Signature
from modelport.servable import Servable
from modelport.serving.runtime import ModelRuntime


class Double(modelport.Model):
    def predict(self, batch: np.ndarray) -> np.ndarray:
        return batch[:, 0] * 2

    def schema(self) -> Signature:
        return Signature([Field("x", float)], [Field("y", float)])


class AddOne(modelport.Model):
    """Asynchronous, and returns a column the next step does not take."""

    async def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        await asyncio.sleep(0)
        return pd.DataFrame({"z": df["y"] + 1, "note": ["added"] * len(df)})

    def schema(self) -> Signature:
        return Signature([Field("y", float)], [Field("z", float), Field("note", str)])


class Describe(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"label": ["big" if z > 5 else "small" for z in df["z"]], "z": df["z"]})

    def schema(self) -> Signature:
        return Signature([Field("z", float)], [Field("label", str), Field("z", float)])


class Texts(modelport.Model):
    def predict(self, batch: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame({"y": [str(v) for v in batch[:, 0]]})

    def schema(self) -> Signature:
        return Signature([Field("x", float)], [Field("y", str)])


class Raises(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        raise ValueError("no luck today")

    def schema(self) -> Signature:
        return Signature([Field("y", float)], [Field("z", float)])


class ExtraRow(modelport.Model):
    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"z": [0.0] * (len(df) + 1)})

    def schema(self) -> Signature:
        return Signature([Field("y", float)], [Field("z", float)])


class Streams(modelport.Model):
    def predict(self, df: pd.DataFrame) -> Iterator[dict[str, float]]:
        yield {"z": 1.0}

    def schema(self) -> Signature:
        return Signature([Field("y", float)], [Field("z", float)])


def _servable(model: modelport.Model) -> Servable:
    return PythonModelServable(model, name=type(model).__name__.lower(), signature=model.schema())


def _pipeline(
    *models: modelport.Model,
    validations: tuple[Validation, ...] = (),
    log: InferenceLog | None = None,
) -> PipelineServable:
    steps = [(f"{type(m).__name__.lower()}:1", _servable(m)) for m in models]
    definition = Definition(tuple(Step(label.split(":")[0], 1) for label, _ in steps), validations)
    pipeline = PipelineServable(PipelineVersion("default", "demo", 4, definition), steps, log=log)
    pipeline.load()
    return pipeline


def _batch(*xs: float) -> Batch:
    return Batch.from_table(pa.table({"x": list(xs)}))


def _infer(pipeline: PipelineServable, batch: Batch) -> pa.Table:
    return asyncio.run(pipeline.infer(batch))


def test_three_steps_answer_with_the_result_frame() -> None:
    pipeline = _pipeline(
        Double(), AddOne(), Describe(), validations=(Validation("small", "out.z < 6"),)
    )
    frame = _infer(pipeline, _batch(1.0, 3.0))
    assert frame.column_names[:6] == [
        "time",
        "in.x",
        "out.label",
        "out.z",
        "anomaly.count",
        "anomaly.small",
    ]
    assert frame.schema.field("time").type == pa.timestamp("ms", tz="UTC")
    assert frame.column("in.x").to_pylist() == [1.0, 3.0]
    assert frame.column("out.z").to_pylist() == [3.0, 7.0]
    assert frame.column("out.label").to_pylist() == ["small", "big"]
    assert frame.column("anomaly.count").to_pylist() == [0, 1]
    assert frame.column("anomaly.small").to_pylist() == [False, True]
    assert len(set(frame.column("time").to_pylist())) == 1
    [elapsed] = set(map(tuple, frame.column("metadata.elapsed").to_pylist()))
    assert len(elapsed) == 4 and all(ns >= 0 for ns in elapsed)  # the input, then each step
    assert set(frame.column("metadata.pipeline_version").to_pylist()) == {"4"}
    assert orjson.loads(frame.column("metadata.last_model")[0].as_py())["model_name"] == "describe"


def test_the_signature_is_the_first_inputs_and_the_last_outputs() -> None:
    pipeline = _pipeline(Double(), AddOne(), Describe())
    assert [f.name for f in pipeline.signature.inputs] == ["x"]
    assert [f.name for f in pipeline.signature.outputs] == ["label", "z"]
    assert pipeline.metadata["steps"] == ["double:1", "addone:1", "describe:1"]
    assert pipeline.metadata["models"][0] == {"name": "double", "version": "1", "sha": ""}


def test_served_by_a_runtime_it_answers_with_the_last_outputs() -> None:
    runtime = ModelRuntime(_pipeline(Double(), AddOne(), Describe()), version=4)
    runtime.load()
    batch = runtime.validator.validate(pa.table({"x": [2.0]}))
    table = asyncio.run(runtime.predict(batch))
    assert table.to_pylist() == [{"label": "small", "z": 5.0}]


def test_pandas_records_carry_time_as_epoch_milliseconds() -> None:
    frame = _infer(_pipeline(Double()), _batch(1.0))
    [record] = orjson.loads(encode_pandas_records(frame))
    assert isinstance(record["time"], int)
    assert abs(record["time"] / 1000 - datetime.now(UTC).timestamp()) < 600
    assert record["in.x"] == 1.0 and record["out.y"] == 2.0 and record["anomaly.count"] == 0


def test_a_step_whose_input_the_previous_step_lacks_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"step 2 \(describe:1\) takes column 'z', which step 1"):
        _pipeline(Double(), Describe())


def test_a_column_of_another_type_is_refused() -> None:
    with pytest.raises(
        InvalidInput, match=r"takes 'y' as double, but step 1 .* returns it as string"
    ):
        _pipeline(Texts(), AddOne())


class Scores(modelport.Model):
    """Like an ONNX classifier: one probability per row, as a float32 tensor of shape [1]."""

    def predict(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        return {"dense_1": (batch[:, :1] / 10).astype(np.float32)}

    def schema(self) -> Signature:
        return Signature([Field("x", float)], [Field("dense_1", "float32", shape=(1,))])


class Flags(modelport.Model):
    """Like a Wallaroo python step declared with ``pa.list_(pa.float64())``."""

    def predict(self, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"fraud": columns["dense_1"][:, 0] > 0.5}

    def schema(self) -> Signature:
        return Signature(
            [Field.from_arrow(pa.field("dense_1", pa.list_(pa.float64())))], [Field("fraud", bool)]
        )


def test_an_output_of_shape_one_feeds_a_list_input_as_wallaroo_links_steps() -> None:
    frame = _infer(_pipeline(Scores(), Flags()), _batch(2.0, 8.0))
    assert frame.column("out.fraud").to_pylist() == [False, True]


def test_a_validation_of_a_column_the_last_step_lacks_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"reads out\.nope"):
        _pipeline(Double(), validations=(Validation("v", "out.nope > 1"),))


def test_a_failing_step_is_named() -> None:
    with pytest.raises(ModelFailed, match=r"step 2 \(raises:1\) failed: ValueError: no luck today"):
        _infer(_pipeline(Double(), Raises()), _batch(1.0))


def test_a_step_must_answer_one_row_per_row() -> None:
    with pytest.raises(
        ModelFailed, match=r"step 2 \(extrarow:1\) returned 2 rows for 1 input rows"
    ):
        _infer(_pipeline(Double(), ExtraRow()), _batch(1.0))


def test_streaming_steps_and_empty_pipelines_are_refused() -> None:
    with pytest.raises(ConfigError, match="streams"):
        _pipeline(Double(), Streams())
    with pytest.raises(ConfigError, match="has no steps"):
        _pipeline()


def test_inferences_are_logged_and_read_back_since_a_time(tmp_path: Path) -> None:
    log = InferenceLog(tmp_path / "logs")
    pipeline = _pipeline(Double(), log=log)
    _infer(pipeline, _batch(1.0, 2.0))
    middle = datetime.now(UTC) + timedelta(milliseconds=5)
    while datetime.now(UTC) < middle + timedelta(milliseconds=5):
        pass
    _infer(pipeline, _batch(3.0))
    everything = log.read()
    assert everything.column("in.x").to_pylist() == [1.0, 2.0, 3.0]
    assert everything.column("pipeline_version").to_pylist() == [4, 4, 4]
    assert log.read(since=middle).column("in.x").to_pylist() == [3.0]
    assert log.read(limit=2).column("in.x").to_pylist() == [2.0, 3.0]
    assert not list((tmp_path / "logs").glob(".*partial"))


def test_an_empty_log_reads_as_no_rows(tmp_path: Path) -> None:
    assert InferenceLog(tmp_path / "none").read().num_rows == 0


def test_since_takes_a_time_ago_or_a_date() -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert parse_since("10m", now=now) == now - timedelta(minutes=10)
    assert parse_since("2d", now=now) == now - timedelta(days=2)
    assert parse_since("2026-12-01T08:30:00") == datetime(2026, 12, 1, 8, 30, tzinfo=UTC)
    with pytest.raises(InvalidInput, match="neither a time ago nor a date"):
        parse_since("yesterday")
