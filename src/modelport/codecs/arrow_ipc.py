"""Arrow IPC streams, Arrow IPC files and Parquet files to and from Arrow tables."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from modelport.errors import MalformedInput

ARROW_STREAM = "application/vnd.apache.arrow.stream"
ARROW_FILE = "application/vnd.apache.arrow.file"
PARQUET = "application/vnd.apache.parquet"


def decode_arrow(body: bytes) -> pa.Table:
    """An Arrow IPC stream body as a table; a 400 with Arrow's reason when it is not one."""
    try:
        with ipc.open_stream(pa.py_buffer(body)) as reader:
            return reader.read_all()
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise MalformedInput(
            f"malformed Arrow IPC stream: {exc}",
            hint=f"send the bytes of an Arrow IPC stream ({ARROW_STREAM})",
        ) from exc


def encode_arrow(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode_arrow_file(body: bytes) -> pa.Table:
    """An Arrow IPC file body as a table; a 400 with Arrow's reason when it is not one."""
    try:
        with ipc.open_file(pa.py_buffer(body)) as reader:
            return reader.read_all()
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise MalformedInput(
            f"malformed Arrow IPC file: {exc}",
            hint=f"send the bytes of a whole Arrow IPC file ({ARROW_FILE})",
        ) from exc


def encode_arrow_file(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode_parquet(body: bytes) -> pa.Table:
    try:
        return pq.read_table(pa.BufferReader(body))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise MalformedInput(
            f"malformed Parquet file: {exc}", hint=f"send a whole Parquet file ({PARQUET})"
        ) from exc
