"""Chunks of a fixed number of rows, made from the record batches a file is read in, and how
many rows a chunk holds by default.

Chunk ``n`` of a file always holds its rows ``n * rows`` to ``(n + 1) * rows`` (the last one
fewer), however the file's reader happened to cut its batches: that is what lets a second run
know a chunk by its number. At most one chunk and one read batch are held at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from modelport.schema import Signature

CHUNK_BYTES = 16 * 1024**2
"""What a chunk's inputs should take in memory, by default (the model's row width decides the
rows): large enough that a chunk's fixed costs vanish, small enough for any machine."""
MIN_CHUNK_ROWS = 1_024
MAX_CHUNK_ROWS = 1_048_576
TEXT_BYTES = 64
"""The width assumed for a value of variable size (text, bytes, a list) in a row."""


@dataclass(frozen=True)
class Chunk:
    """Rows ``first_row`` to ``first_row + rows.num_rows`` of one input file."""

    number: int
    first_row: int
    rows: pa.Table

    @property
    def last_row(self) -> int:
        """The number of the chunk's last row (inclusive)."""
        return self.first_row + self.rows.num_rows - 1


def fixed_chunks(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[Chunk]:
    """The rows of ``batches`` in chunks of exactly ``rows`` rows (the last one may hold fewer;
    no chunk is empty)."""
    if rows < 1:
        raise ValueError(f"a chunk needs at least one row, not {rows}")
    pending: list[pa.RecordBatch] = []
    held = 0
    number = 0
    for batch in batches:
        while batch.num_rows:
            take = min(rows - held, batch.num_rows)
            pending.append(batch.slice(0, take))
            held += take
            batch = batch.slice(take)
            if held == rows:
                yield Chunk(number, number * rows, pa.Table.from_batches(pending))
                number += 1
                pending, held = [], 0
    if held:
        yield Chunk(number, number * rows, pa.Table.from_batches(pending))


def default_chunk_rows(signature: Signature) -> int:
    """Rows per chunk for a model whose inputs are ``signature``'s: about :data:`CHUNK_BYTES`
    of input values, a power of two between :data:`MIN_CHUNK_ROWS` and :data:`MAX_CHUNK_ROWS`."""
    width = sum(value_bytes(f.arrow_type) for f in signature.inputs) or TEXT_BYTES
    rows = MIN_CHUNK_ROWS
    while rows * 2 * width <= CHUNK_BYTES and rows < MAX_CHUNK_ROWS:
        rows *= 2
    return rows


def value_bytes(kind: pa.DataType) -> int:
    """About how many bytes one value of ``kind`` takes."""
    if pa.types.is_fixed_size_list(kind):
        return int(kind.list_size) * value_bytes(kind.value_type)
    if pa.types.is_struct(kind):
        return sum(value_bytes(kind.field(i).type) for i in range(kind.num_fields))
    try:
        return max(1, kind.bit_width // 8)
    except ValueError:  # of variable width
        return TEXT_BYTES
