"""Wallaroo's result frame: ``time``, ``in.<column>``, ``out.<column>``, ``check_failures``.

In Arrow, ``time`` is a UTC timestamp in milliseconds; in pandas-records JSON it is the number
of milliseconds since the Unix epoch, as Wallaroo's own API answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from modelport.codecs.json_frames import encode_records

TIME = pa.timestamp("ms", tz="UTC")


def result_frame(
    when: datetime, inputs: pa.Table, outputs: pa.Table, check_failures: np.ndarray
) -> pa.Table:
    """One row per input row: its time, its inputs, the last step's outputs, its failures."""
    rows = inputs.num_rows
    names = ["time"]
    columns: list[pa.Array[Any] | pa.ChunkedArray[Any]] = [pa.array([when] * rows, type=TIME)]
    for name in inputs.column_names:
        names.append(f"in.{name}")
        columns.append(inputs.column(name))
    for name in outputs.column_names:
        names.append(f"out.{name}")
        columns.append(outputs.column(name))
    names.append("check_failures")
    columns.append(pa.array(check_failures, type=pa.int32()))
    return pa.Table.from_arrays(columns, names=names)


def encode_pandas_records(frame: pa.Table) -> bytes:
    """The frame as pandas-records JSON, ``time`` as epoch milliseconds."""
    if "time" in frame.column_names:
        index = frame.column_names.index("time")
        millis = pc.cast(frame.column(index), pa.int64())
        frame = frame.set_column(index, "time", millis)
    return encode_records(frame)
