"""What an Arrow IPC body declares before any of it is decompressed: the rows and the bytes its
record batches will take, read from each message's flatbuffer metadata (and, for compressed
buffers, the 8-byte uncompressed length each starts with).

A few hundred kilobytes of zstd can hold gigabytes; reading these sizes first lets the server
refuse such a body without inflating it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.ipc as ipc

_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_FILE_MAGIC = b"ARROW1"


@dataclass
class Declared:
    """The rows and decompressed bytes a body's record and dictionary batches declare."""

    rows: int = 0
    nbytes: int = 0


def declared_sizes(body: bytes) -> Declared:
    """The sizes an Arrow IPC stream (or file: its messages follow the magic) declares, as far
    as its messages can be read; reading stops quietly where they cannot (the decoder then says
    what is wrong)."""
    start = 8 if body[:6] == _FILE_MAGIC else 0
    found = Declared()
    try:
        for message in ipc.MessageReader.open_stream(pa.py_buffer(body)[start:]):
            if message.type not in ("record batch", "dictionary"):
                continue
            meta = message.metadata.to_pybytes()
            body_bytes = message.body.to_pybytes() if message.body is not None else b""
            batch = _field_offset(meta, _root(meta), 2)  # Message.header
            if batch is None:
                continue
            if message.type == "dictionary":
                batch = _field_offset(meta, batch, 1)  # DictionaryBatch.data
                if batch is None:
                    continue
            else:
                found.rows += _scalar(meta, batch, 0, _I64)  # RecordBatch.length
            found.nbytes += _batch_bytes(meta, batch, body_bytes)
    except (pa.ArrowInvalid, OSError, struct.error, IndexError):
        pass
    return found


def _batch_bytes(meta: bytes, batch: int, body: bytes) -> int:
    """The bytes a RecordBatch's buffers take once decompressed."""
    vector = _field_offset(meta, batch, 2)  # RecordBatch.buffers
    if vector is None:
        return 0
    compressed = _field_offset(meta, batch, 3) is not None  # RecordBatch.compression
    (count,) = _U32.unpack_from(meta, vector)
    total = 0
    for index in range(count):
        offset, length = struct.unpack_from("<qq", meta, vector + 4 + 16 * index)
        if compressed and length >= 8:
            (plain,) = _I64.unpack_from(body, offset)
            total += length - 8 if plain < 0 else plain
        else:
            total += max(length, 0)
    return total


def _root(meta: bytes) -> int:
    (offset,) = _U32.unpack_from(meta, 0)
    return int(offset)


def _field_offset(meta: bytes, table: int, index: int) -> int | None:
    """Where field ``index`` of the table at ``table`` is, following an offset field to its
    target; None when absent."""
    (back,) = _I32.unpack_from(meta, table)
    vtable = table - back
    (size,) = _U16.unpack_from(meta, vtable)
    slot = 4 + 2 * index
    if slot + 2 > size:
        return None
    (relative,) = _U16.unpack_from(meta, vtable + slot)
    if relative == 0:
        return None
    position = int(table + relative)
    (target,) = _U32.unpack_from(meta, position)
    return position + int(target)


def _scalar(meta: bytes, table: int, index: int, kind: struct.Struct) -> int:
    (back,) = _I32.unpack_from(meta, table)
    vtable = table - back
    (size,) = _U16.unpack_from(meta, vtable)
    slot = 4 + 2 * index
    if slot + 2 > size:
        return 0
    (relative,) = _U16.unpack_from(meta, vtable + slot)
    if relative == 0:
        return 0
    (value,) = kind.unpack_from(meta, table + relative)
    return int(value)
