"""Chunks of a fixed number of rows, whatever batches a file's reader cuts."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelport.batch_inference.chunks import (
    MAX_CHUNK_ROWS,
    MIN_CHUNK_ROWS,
    default_chunk_rows,
    fixed_chunks,
)
from modelport.schema import Field, Signature


def batches_of(sizes: list[int]) -> list[pa.RecordBatch]:
    start = 0
    out = []
    for size in sizes:
        out.append(pa.record_batch({"x": pa.array(range(start, start + size), pa.int64())}))
        start += size
    return out


@settings(deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=40), max_size=12),
    rows=st.integers(min_value=1, max_value=25),
)
def test_chunk_n_holds_rows_n_times_size_on_whatever_the_batches(
    sizes: list[int], rows: int
) -> None:
    chunks = list(fixed_chunks(batches_of(sizes), rows))
    total = sum(sizes)
    assert [c.number for c in chunks] == list(range(len(chunks)))
    assert sum(c.rows.num_rows for c in chunks) == total
    for chunk in chunks:
        assert chunk.first_row == chunk.number * rows
        assert 0 < chunk.rows.num_rows <= rows
        assert chunk.rows.column("x").to_pylist() == list(
            range(chunk.first_row, chunk.last_row + 1)
        )
    assert all(c.rows.num_rows == rows for c in chunks[:-1])


def test_no_rows_make_no_chunk() -> None:
    assert list(fixed_chunks(batches_of([0, 0]), 5)) == []


def test_a_chunk_needs_a_row() -> None:
    with pytest.raises(ValueError, match="at least one row"):
        list(fixed_chunks(batches_of([3]), 0))


def test_default_rows_follow_the_row_width() -> None:
    narrow = Signature(inputs=[Field("x", float)], outputs=[Field("y", float)])
    wide = Signature(
        inputs=[Field(f"f{i}", float) for i in range(256)], outputs=[Field("y", float)]
    )
    texts = Signature(inputs=[Field("t", str)], outputs=[Field("y", float)])
    assert default_chunk_rows(narrow) == MAX_CHUNK_ROWS  # 8 bytes a row: capped
    assert default_chunk_rows(wide) == 8_192  # 2 KiB a row: 16 MiB / 2 KiB
    assert MIN_CHUNK_ROWS <= default_chunk_rows(texts) < MAX_CHUNK_ROWS
