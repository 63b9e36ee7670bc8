"""Wallaroo's result frame, one row per input row, its columns in groups:

- ``time``: when the inference ran (a UTC timestamp in milliseconds);
- ``in.<column>``: the pipeline's inputs;
- ``out.<column>``: the last step's outputs;
- ``anomaly.count``: how many of the pipeline's validations the row failed, and
  ``anomaly.<label>`` (true where it failed) for each validation;
- ``metadata.last_model`` (JSON text ``{"model_name", "model_sha"}``),
  ``metadata.pipeline_version``, ``metadata.elapsed`` (nanoseconds: taking the input, then each
  step), ``metadata.dropped`` and ``metadata.partition`` (the process that answered).

What a client gets of it (which groups, flat or nested, JSON or Arrow) is chosen by
``formats.wallaroo.answers``; this module only builds the frame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from modelport.codecs.json_frames import encode_records

TIME = pa.timestamp("ms", tz="UTC")
GROUPS = ("time", "in", "out", "anomaly", "metadata")


@dataclass(frozen=True)
class RunMetadata:
    """What Wallaroo's engine reports about one run of a pipeline."""

    model_name: str
    model_sha: str
    pipeline_version: str
    elapsed_ns: Sequence[int]
    partition: str

    @property
    def last_model(self) -> str:
        """As Wallaroo's engine writes it: JSON text, not an object."""
        return json.dumps(
            {"model_name": self.model_name, "model_sha": self.model_sha}, separators=(",", ":")
        )


def result_frame(
    when: datetime,
    inputs: pa.Table,
    outputs: pa.Table,
    anomalies: Mapping[str, np.ndarray],
    run: RunMetadata,
) -> pa.Table:
    """The frame of one run: ``anomalies`` holds, per validation label, where rows failed it."""
    rows = inputs.num_rows
    columns: dict[str, pa.Array[Any] | pa.ChunkedArray[Any]] = {
        "time": pa.array([when] * rows, type=TIME)
    }
    for name in inputs.column_names:
        columns[f"in.{name}"] = inputs.column(name)
    for name in outputs.column_names:
        columns[f"out.{name}"] = outputs.column(name)
    count = np.zeros(rows, dtype=np.int64)
    for failed in anomalies.values():
        count += failed
    columns["anomaly.count"] = pa.array(count, type=pa.int64())
    for label, failed in anomalies.items():
        columns[f"anomaly.{label}"] = pa.array(failed, type=pa.bool_())
    columns["metadata.last_model"] = pa.array([run.last_model] * rows, type=pa.string())
    columns["metadata.pipeline_version"] = pa.array([run.pipeline_version] * rows, type=pa.string())
    columns["metadata.elapsed"] = pa.array([list(run.elapsed_ns)] * rows, pa.list_(pa.int64()))
    columns["metadata.dropped"] = pa.array([[]] * rows, type=pa.list_(pa.string()))
    columns["metadata.partition"] = pa.array([run.partition] * rows, type=pa.string())
    return pa.Table.from_pydict(columns)


def epoch_millis(frame: pa.Table) -> pa.Table:
    """The frame with ``time`` as milliseconds since the Unix epoch (int64), as Wallaroo's
    engine sends it (its SDK turns it back into a datetime with ``unit="ms"``)."""
    if "time" not in frame.column_names:
        return frame
    index = frame.column_names.index("time")
    column = frame.column(index)
    if not pa.types.is_timestamp(column.type):
        return frame
    return frame.set_column(index, "time", pc.cast(column.cast(TIME), pa.int64()))


def encode_pandas_records(frame: pa.Table) -> bytes:
    """The frame as flat pandas-records JSON, ``time`` as epoch milliseconds."""
    return encode_records(epoch_millis(frame))
