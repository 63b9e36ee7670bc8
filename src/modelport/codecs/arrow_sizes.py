"""What an Arrow IPC body declares before any of it is decompressed: the rows and the bytes its
record batches will take, read from each message's flatbuffer metadata (and, for compressed
buffers, the 8-byte uncompressed length each starts with).

A few hundred kilobytes of zstd can hold gigabytes; reading these sizes first lets the server
refuse such a body without inflating it. The messages are walked in the body itself (a length,
the metadata, the body the metadata says is next), without copying any of it: this runs on every
Arrow request, and pyarrow's message reader took twice what the rest of a small body's decoding
does.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_U8 = struct.Struct("<B")
_U16 = struct.Struct("<H")
_I32 = struct.Struct("<i")
_U32 = struct.Struct("<I")
_I64 = struct.Struct("<q")
_BUFFER = struct.Struct("<qq")
"""A Buffer struct: offset and length in the message body."""
_BLOCK = struct.Struct("<qi4xq")
"""A file footer's Block struct: the message's offset, its metadata's length, its body's."""
_FILE_MAGIC = b"ARROW1"
_CONTINUATION = -1
"""The marker before each message's length since Arrow 0.15 (older streams start with the
length)."""
_DICTIONARY_BATCH, _RECORD_BATCH = 2, 3
"""Message.header_type values (the MessageHeader union)."""


@dataclass
class Declared:
    """The rows and decompressed bytes a body's record and dictionary batches declare."""

    rows: int = 0
    nbytes: int = 0


def declared_sizes(body: bytes, *, file: bool = False) -> Declared:
    """The sizes an Arrow IPC stream declares, as far as its messages can be read; reading
    stops quietly where they cannot (the decoder then says what is wrong). For a ``file``, the
    blocks its footer lists, each as often as it is listed: its reader reads those, wherever
    they are, and nothing else."""
    found = Declared()
    try:
        if file:
            _add_file_blocks(body, found)
        else:
            position: int | None = 0
            while position is not None:
                position = _read_message(body, position, found)
    except (struct.error, IndexError, ValueError):
        pass
    return found


def _read_message(body: bytes, position: int, found: Declared) -> int | None:
    """Add what the message at ``position`` declares to ``found``; where the next message
    starts, or None at the end of the stream or a message cut short."""
    (length,) = _I32.unpack_from(body, position)
    position += 4
    if length == _CONTINUATION:
        (length,) = _I32.unpack_from(body, position)
        position += 4
    if length <= 0 or position + length > len(body):
        return None
    meta = memoryview(body)[position : position + length]
    position += length
    message = _root(meta)
    body_length = _scalar(meta, message, 3, _I64)  # Message.bodyLength
    if body_length < 0 or position + body_length > len(body):
        return None
    _add_batch(meta, message, found, body, position, body_length)
    return position + body_length


def _add_file_blocks(body: bytes, found: Declared) -> None:
    """Add the batches of every block a file's footer lists (dictionaries and record batches)
    to ``found``. A block's reader decodes every message that starts within its metadata length
    and keeps the last: each of them counts. A block listed again counts again, its messages
    read once (a footer of 24-byte blocks could list one message millions of times), with its
    metadata's length besides (which the reader decodes each time)."""
    read: dict[tuple[int, int], Declared] = {}
    for offset, metadata_length in _file_blocks(body):
        block = read.get((offset, metadata_length))
        if block is None:
            block = read[offset, metadata_length] = Declared()
            position: int | None = offset
            while position is not None and position < offset + metadata_length:
                position = _read_message(body, position, block)
        found.rows += block.rows
        found.nbytes += block.nbytes + max(metadata_length, 0)


def _file_blocks(body: bytes) -> list[tuple[int, int]]:
    """The offset and metadata length of each block an Arrow IPC file's footer lists (the
    file's last bytes: the footer, the footer's length, the magic)."""
    end = len(body) - len(_FILE_MAGIC) - 4
    (length,) = _I32.unpack_from(body, end)
    if body[end + 4 :] != _FILE_MAGIC or not 0 < length <= end:
        raise ValueError("no footer")
    footer = memoryview(body)[end - length : end]
    root = _root(footer)
    blocks = []
    for index in (2, 3):  # Footer.dictionaries, Footer.recordBatches: vectors of Block structs
        vector = _field_offset(footer, root, index)
        if vector is None:
            continue
        (count,) = _U32.unpack_from(footer, vector)
        if vector + 4 + _BLOCK.size * count > len(footer):
            raise ValueError("the blocks run past the footer")
        listed = footer[vector + 4 :][: _BLOCK.size * count]
        blocks += [(offset, metadata) for offset, metadata, _ in _BLOCK.iter_unpack(listed)]
    return blocks


def _add_batch(
    meta: memoryview, message: int, found: Declared, body: bytes, start: int, body_length: int
) -> None:
    """Add what one message declares to ``found`` when it holds a batch (``start``: where the
    message's body begins in ``body``)."""
    kind = _scalar(meta, message, 1, _U8)  # Message.header_type
    if kind not in (_RECORD_BATCH, _DICTIONARY_BATCH):
        return
    batch = _field_offset(meta, message, 2)  # Message.header
    if batch is not None and kind == _DICTIONARY_BATCH:
        batch = _field_offset(meta, batch, 1)  # DictionaryBatch.data
    if batch is None:
        return
    if kind == _RECORD_BATCH:
        found.rows += _scalar(meta, batch, 0, _I64)  # RecordBatch.length
    found.nbytes += _batch_bytes(meta, batch, body, start, body_length)


def _batch_bytes(meta: memoryview, batch: int, body: bytes, start: int, body_length: int) -> int:
    """The bytes a RecordBatch's buffers take once decompressed (``start``: where the message's
    body begins in ``body``)."""
    vector = _field_offset(meta, batch, 2)  # RecordBatch.buffers
    if vector is None:
        return 0
    (count,) = _U32.unpack_from(meta, vector)
    vector += 4
    if vector + _BUFFER.size * count > len(meta):
        raise ValueError("the buffers run past the metadata")
    buffers = _BUFFER.iter_unpack(meta[vector : vector + _BUFFER.size * count])
    if _field_offset(meta, batch, 3) is None:  # RecordBatch.compression: none
        return sum(max(length, 0) for _, length in buffers)
    total = 0
    for offset, length in buffers:
        if length >= 8 and 0 <= offset <= body_length - 8:
            (plain,) = _I64.unpack_from(body, start + offset)
            total += length - 8 if plain < 0 else plain
        else:
            total += max(length, 0)
    return total


def _root(meta: memoryview) -> int:
    (offset,) = _U32.unpack_from(meta, 0)
    return int(offset)


def _field_offset(meta: memoryview, table: int, index: int) -> int | None:
    """Where field ``index`` of the table at ``table`` is, following an offset field to its
    target; None when absent."""
    relative = _slot(meta, table, index)
    if relative == 0:
        return None
    position = table + relative
    (target,) = _U32.unpack_from(meta, position)
    return position + int(target)


def _scalar(meta: memoryview, table: int, index: int, kind: struct.Struct) -> int:
    """Scalar field ``index`` of the table at ``table``; 0 (the flatbuffer default) when
    absent."""
    relative = _slot(meta, table, index)
    if relative == 0:
        return 0
    (value,) = kind.unpack_from(meta, table + relative)
    return int(value)


def _slot(meta: memoryview, table: int, index: int) -> int:
    """Where field ``index`` of the table at ``table`` is, relative to the table; 0 when the
    table has no such field."""
    (back,) = _I32.unpack_from(meta, table)
    vtable = table - back
    (size,) = _U16.unpack_from(meta, vtable)
    slot = 4 + 2 * index
    if slot + 2 > size:
        return 0
    (relative,) = _U16.unpack_from(meta, vtable + slot)
    return int(relative)
