"""Arrow IPC streams, Arrow IPC files and Parquet files to and from Arrow tables.

Decoding reads batch by batch (row group by row group for Parquet) and stops as soon as the
table outgrows the request's :class:`~modelport.codecs.limits.DecodeLimits`: a small compressed
file can declare gigabytes. Each batch is checked as it is read (``arrow_checks``): Arrow's
readers check a batch's structure only, so a damaged body could otherwise hand on text that is
not text, or dates no Python ``datetime`` holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.ipc as ipc

from modelport.codecs.arrow_checks import checked_batches
from modelport.codecs.arrow_sizes import declared_sizes
from modelport.codecs.limits import UNLIMITED, DecodeLimits
from modelport.errors import InvalidInput, MalformedInput, PayloadTooLarge
from modelport.tables import is_plain

ARROW_STREAM = "application/vnd.apache.arrow.stream"
ARROW_FILE = "application/vnd.apache.arrow.file"
PARQUET = "application/vnd.apache.parquet"
_END_OF_STREAM = b"\xff\xff\xff\xff\x00\x00\x00\x00"
"""The continuation marker and a zero length: what ends an Arrow IPC stream."""


@contextmanager
def arrow_errors(what: str, hint: str) -> Iterator[None]:
    """Arrow's errors while reading a body, as 4xx answers naming ``what`` was read."""
    try:
        yield
    except pa.ArrowMemoryError as exc:
        raise PayloadTooLarge(
            f"the {what} needs more memory than the server has: {exc}",
            hint="send fewer rows per request",
        ) from None
    except pa.ArrowNotImplementedError as exc:
        raise InvalidInput(
            f"the {what} uses what this server cannot read: {exc}",
            hint="send plain types, uncompressed or compressed with zstd or lz4",
        ) from None
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowKeyError, OSError, ValueError) as exc:
        raise MalformedInput(f"malformed {what}: {exc}", hint=hint) from None


def _check_declared(body: bytes, limits: DecodeLimits, *, file: bool = False) -> None:
    declared = declared_sizes(body, file=file)
    limits.check_rows(declared.rows)
    limits.check_decoded(declared.nbytes)


def decode_arrow(body: bytes, limits: DecodeLimits = UNLIMITED) -> pa.Table:
    """An Arrow IPC stream body as a table; a 400 with Arrow's reason when it is not one.

    A stream of plain columns is read as it declared itself; one with dictionaries is bounded
    batch by batch too, since each delta to a dictionary makes a new one, old values and all."""
    _check_declared(body, limits)
    hint = f"send the bytes of an Arrow IPC stream ({ARROW_STREAM})"
    with arrow_errors("Arrow IPC stream", hint), ipc.open_stream(pa.py_buffer(body)) as reader:
        schema = reader.schema
        plain = is_plain(schema)
        return limits.collect(checked_batches(reader), schema, sized=plain)


def encode_arrow(table: pa.Table) -> bytes:
    """``table`` as an Arrow IPC stream. A table of plain columns (no dictionary to write
    first) is its schema's message, each batch's and the end marker: the bytes pyarrow's stream
    writer writes, in a third of its time."""
    schema = table.schema
    if is_plain(schema):
        messages = [schema.serialize(), *(batch.serialize() for batch in table.to_batches())]
        return b"".join([*messages, _END_OF_STREAM])
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode_arrow_file(body: bytes, limits: DecodeLimits = UNLIMITED) -> pa.Table:
    """An Arrow IPC file body as a table; a 400 with Arrow's reason when it is not one."""
    _check_declared(body, limits, file=True)
    hint = f"send the bytes of a whole Arrow IPC file ({ARROW_FILE})"
    with arrow_errors("Arrow IPC file", hint), ipc.open_file(pa.py_buffer(body)) as reader:
        batches = _each(reader.num_record_batches, reader.get_batch)
        return limits.collect(checked_batches(batches), reader.schema)


def encode_arrow_file(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode_parquet(body: bytes, limits: DecodeLimits = UNLIMITED) -> pa.Table:
    """A Parquet file body as a table; its declared rows and sizes are checked before reading.

    A row group's declared size is its encoded size: a million zeros, run-length encoded, declare
    a few bytes, so the rows times each column's width bounds the decoded size from below too."""
    import pyarrow.parquet as pq  # with its S3 client library: 13 ms of every server's start

    with arrow_errors("Parquet file", f"send a whole Parquet file ({PARQUET})"):
        parquet = pq.ParquetFile(pa.BufferReader(body))
        meta = parquet.metadata
        limits.check_rows(meta.num_rows)
        encoded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        limits.check_decoded(max(encoded, meta.num_rows * _row_bytes(parquet.schema_arrow)))
        batches = _each(parquet.num_row_groups, parquet.read_row_group)
        return limits.collect(checked_batches(batches), parquet.schema_arrow)


def _row_bytes(schema: pa.Schema) -> int:
    """The fewest bytes a row of ``schema`` takes decoded: each fixed-width column's width, and
    the 4-byte offset of each variable-width one (text, lists)."""
    total = 0
    for field in schema:
        try:
            total += field.type.bit_width // 8
        except ValueError:  # not fixed-width
            total += 4
    return total


def _each(count: int, get: Callable[[int], pa.Table | pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    for index in range(count):
        item = get(index)
        if isinstance(item, pa.Table):
            yield from item.to_batches()
        else:
            yield item
