"""Damaged Arrow IPC and Parquet bodies are refused as malformed (400) when decoded, before a
model or an encoder meets them: what a mutation fuzzer of request bodies found."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from modelport.codecs.arrow_ipc import decode_arrow, decode_arrow_file, decode_parquet, encode_arrow
from modelport.errors import InvalidInput, MalformedInput


def _not_utf8() -> pa.Table:
    """One string value whose bytes are not UTF-8 (Arrow builds it unchecked)."""
    offsets = pa.py_buffer((0).to_bytes(4, "little") + (3).to_bytes(4, "little"))
    text = pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(b"a\xffb")])
    return pa.table({"label": text})


def _stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _file(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


@pytest.mark.parametrize(
    ("encode", "decode"),
    [(_stream, decode_arrow), (_file, decode_arrow_file), (_parquet, decode_parquet)],
)
def test_a_string_column_that_is_not_utf8_is_malformed(
    encode: Callable[[pa.Table], bytes], decode: Callable[[bytes], pa.Table]
) -> None:
    with pytest.raises(MalformedInput, match="UTF8"):
        decode(encode(_not_utf8()))


@pytest.mark.parametrize(
    "column",
    [
        pa.array([0, 2**62], pa.int64()).view(pa.timestamp("us")),
        pa.array([-(2**31)], pa.int32()).view(pa.date32()),
        pa.array([2**62], pa.int64()).view(pa.duration("s")),
        pa.array([[2**62]], pa.list_(pa.int64())).cast(pa.list_(pa.timestamp("s"))),
        pa.array([2**62], pa.int64()).view(pa.timestamp("s")).dictionary_encode(),
    ],
)
def test_a_date_or_time_python_cannot_hold_is_refused_naming_its_column(
    column: pa.Array[Any],
) -> None:
    for encode, decode in ((_stream, decode_arrow), (_file, decode_arrow_file)):
        with pytest.raises(InvalidInput, match="column 'when'") as refused:
            decode(encode(pa.table({"when": column})))
        assert refused.value.field == "when"


def test_dates_and_times_python_holds_are_decoded() -> None:
    table = pa.table(
        {
            "ts": pa.array([None, 0, 253402300799], pa.timestamp("s", tz="UTC")),
            "date": pa.array([-719162, 2932896], pa.int32()).view(pa.date32())[:2].take([0, 1, 1]),
            "time": pa.array([0, None, 86399999999], pa.time64("us")),
        }
    )
    assert decode_arrow(_stream(table)).equals(table)


def test_a_dictionary_holding_a_value_twice_is_encoded_again_with_each_value_once() -> None:
    indices = pa.array([0, 1, 2, 1], pa.int8())
    column = pa.DictionaryArray.from_arrays(indices, pa.array(["a", "b", "a"]))
    decoded = decode_arrow(_stream(pa.table({"d": column})))
    assert decoded.column("d").to_pylist() == ["a", "b", "a", "b"]
    assert decoded.schema.field("d").type == column.type
    assert list(decoded.to_pandas()["d"].cat.categories) == ["a", "b"]


@pytest.mark.parametrize(
    "table",
    [
        pa.table({"species": pa.array(range(1000), pa.int64())}),
        pa.table({"label": ["a", None], "score": [0.5, 1.0], "ok": [True, False]}),
        pa.table({"x": pa.array([], pa.float32())}),
        pa.table({"label": pa.array(["a", "b", "a"]).dictionary_encode()}),
        pa.table({"when": pa.array([0, 1], pa.timestamp("ms")), "v": [[1, 2], [3]]}),
    ],
    ids=["numbers", "plain", "empty", "dictionary", "nested"],
)
def test_an_answer_is_the_stream_pyarrow_s_writer_writes(table: pa.Table) -> None:
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    assert encode_arrow(table) == sink.getvalue().to_pybytes()
    assert decode_arrow(encode_arrow(table)).equals(table)
