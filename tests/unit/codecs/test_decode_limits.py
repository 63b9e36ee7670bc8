"""The codecs' bounds on what a body decodes to: inflating within a limit, the sizes an Arrow
IPC body declares (read before anything is decompressed), and large bodies decoded off the
event loop."""

from __future__ import annotations

import gzip
import struct
import threading

import anyio
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from modelport.codecs import arrow_sizes
from modelport.codecs.arrow_ipc import ARROW_FILE, ARROW_STREAM
from modelport.codecs.arrow_sizes import declared_sizes
from modelport.codecs.compression import inflate
from modelport.codecs.limits import OFF_LOOP_BYTES, DecodeLimits, decoded_bound, off_loop
from modelport.codecs.negotiation import decode_rows, parse_media_type
from modelport.decoded import Decoded, Rows
from modelport.errors import PayloadTooLarge


def test_inflating_stops_at_the_limit() -> None:
    body = gzip.compress(b"a" * 10_001)
    assert inflate(body, "gzip", limit=10_001) == b"a" * 10_001
    with pytest.raises(PayloadTooLarge, match="10,000 bytes") as refused:
        inflate(body, "gzip", limit=10_000)
    assert refused.value.hint is not None and "--max-body-size" in refused.value.hint


@pytest.mark.parametrize("compression", [None, "zstd", "lz4"])
@pytest.mark.parametrize("writer", [ipc.new_stream, ipc.new_file])
def test_declared_sizes_are_what_the_body_decodes_to(
    compression: str | None, writer: object
) -> None:
    table = pa.table(
        {"x": pa.array(range(1000), pa.int64()), "s": pa.array(["ab"] * 1000).dictionary_encode()}
    )
    sink = pa.BufferOutputStream()
    options = ipc.IpcWriteOptions(compression=compression)
    with writer(sink, table.schema, options=options) as out:  # type: ignore[operator]
        out.write_table(table)
        out.write_table(table)
    declared = declared_sizes(sink.getvalue().to_pybytes(), file=writer is ipc.new_file)
    assert declared.rows == 2000
    assert declared.nbytes >= 2 * table.column("x").nbytes


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("compression", [None, "zstd", "lz4"])
@pytest.mark.parametrize("writer", [ipc.new_stream, ipc.new_file])
def test_declared_sizes_count_every_buffer_of_every_batch(
    legacy: bool, compression: str | None, writer: object
) -> None:
    """Two batches of 1,000 int64 values and no nulls: 8,000 bytes of values each (the validity
    buffer is empty), whatever the compression, with or without the continuation markers that
    streams written before Arrow 0.15 lack."""
    table = pa.table({"x": pa.array(range(1000), pa.int64())})
    sink = pa.BufferOutputStream()
    options = ipc.IpcWriteOptions(compression=compression, use_legacy_format=legacy)
    with writer(sink, table.schema, options=options) as out:  # type: ignore[operator]
        out.write_table(table)
        out.write_table(table)
    body = sink.getvalue().to_pybytes()
    declared = declared_sizes(body, file=writer is ipc.new_file)
    assert declared.rows == 2000
    if writer is ipc.new_file:  # and the metadata of each block, which its reader decodes
        metadata = sum(length for _, length in arrow_sizes._file_blocks(body))
        assert metadata > 0 and declared.nbytes == 16_000 + metadata
    else:
        assert declared.nbytes == 16_000


def test_a_body_cut_short_declares_its_whole_messages_only() -> None:
    table = pa.table({"x": pa.array(range(1000), pa.int64())})
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as out:
        out.write_table(table)
        out.write_table(table)
    body = sink.getvalue().to_pybytes()
    assert declared_sizes(body[: len(body) - 100]).rows == 1000


def _zstd_file(rows: int) -> bytes:
    """An Arrow IPC file of one zstd batch of ``rows`` zeros (8 bytes each): a few KB."""
    table = pa.table({"x": pa.array([0] * rows, pa.int64())})
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema, options=ipc.IpcWriteOptions(compression="zstd")) as out:
        out.write_table(table)
    return sink.getvalue().to_pybytes()


def _refused_as_a_file(body: bytes, max_decoded_size: int) -> None:
    limits = DecodeLimits(max_decoded_size=max_decoded_size)
    with pytest.raises(PayloadTooLarge, match=f"decodes to over {max_decoded_size:,} bytes"):
        decode_rows(body, parse_media_type(ARROW_FILE), orient=None, schema=None, limits=limits)


def test_a_file_declares_the_batches_its_footer_lists_wherever_they_are() -> None:
    """A file's reader reads the blocks its footer lists and the schema the footer holds: the
    messages after the magic can end at once (an end marker over the schema message's length)
    and hide a zstd batch of 8 MB, which must still be refused before it is inflated."""
    body = bytearray(_zstd_file(1_000_000))
    body[8:16] = b"\xff\xff\xff\xff\x00\x00\x00\x00"
    hiding = bytes(body)
    assert ipc.open_file(pa.py_buffer(hiding)).read_all().num_rows == 1_000_000
    declared = declared_sizes(hiding, file=True)
    assert declared.rows == 1_000_000 and declared.nbytes >= 8_000_000
    _refused_as_a_file(hiding, 1_000_000)


def test_a_file_without_its_leading_magic_is_sized_as_a_file() -> None:
    """pyarrow's file reader looks for the magic at the end only."""
    body = b"XXXXXXXX" + _zstd_file(1_000_000)[8:]
    assert ipc.open_file(pa.py_buffer(body)).read_all().num_rows == 1_000_000
    assert declared_sizes(body, file=True).rows == 1_000_000
    _refused_as_a_file(body, 1_000_000)


def test_every_message_within_a_block_s_metadata_length_counts() -> None:
    """The reader decodes every message that starts within a block's metadata length and keeps
    the last: a block at the schema message whose metadata length reaches over the batch's
    metadata reads the batch."""
    body = bytearray(_zstd_file(1_000_000))
    (schema_length,) = struct.unpack_from("<i", body, 12)
    batch_at = 8 + 8 + schema_length
    (batch_length,) = struct.unpack_from("<i", body, batch_at + 4)
    block = struct.pack("<qi", batch_at, 8 + batch_length)
    listed = bytes(body).rindex(block)
    struct.pack_into("<qi", body, listed, 8, 8 + schema_length + 8 + batch_length)
    stretched = bytes(body)
    assert ipc.open_file(pa.py_buffer(stretched)).get_batch(0).num_rows == 1_000_000
    assert declared_sizes(stretched, file=True).rows == 1_000_000
    _refused_as_a_file(stretched, 1_000_000)


def test_a_block_listed_again_counts_again_and_is_read_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each listing is a batch the reader reads; the message behind it is walked once however
    often it is listed (a footer of 24-byte blocks can list one message millions of times)."""
    message = pa.record_batch({"x": pa.array(range(1000), pa.int64())}).serialize().to_pybytes()
    (length,) = struct.unpack_from("<i", message, 4)
    block = struct.pack("<qi4xq", 8, 8 + length, len(message) - 8 - length)
    count = 1000
    vtable = struct.pack("<HHHHHH", 12, 8, 0, 0, 0, 4)  # Footer.recordBatches only
    footer = struct.pack("<I", 16) + vtable + struct.pack("<iII", 12, 4, count) + block * count
    body = b"ARROW1\0\0" + message + footer + struct.pack("<i", len(footer)) + b"ARROW1"
    walked: list[int] = []
    read_message = arrow_sizes._read_message

    def counting(data: bytes, position: int, found: arrow_sizes.Declared) -> int | None:
        walked.append(position)
        return read_message(data, position, found)

    monkeypatch.setattr(arrow_sizes, "_read_message", counting)
    assert declared_sizes(body, file=True).rows == 1000 * count
    assert walked.count(8) == 1


def test_a_stream_of_dictionary_deltas_is_bounded_batch_by_batch() -> None:
    """Each delta makes a new dictionary holding every value so far: 200 deltas of one 10 KB
    value declare 2 MB and decode to 200 MB. Such a stream is bounded as it is read."""
    schema = pa.schema([("d", pa.dictionary(pa.int32(), pa.string()))])
    sink = pa.BufferOutputStream()
    options = ipc.IpcWriteOptions(emit_dictionary_deltas=True, compression="zstd")
    with ipc.new_stream(sink, schema, options=options) as out:
        values: list[str] = []
        for index in range(200):
            values.append(str(index).rjust(10_000, "x"))
            indices = pa.array([index], pa.int32())
            column = pa.DictionaryArray.from_arrays(indices, pa.array(values))
            out.write_batch(pa.record_batch([column], schema=schema))
    body = sink.getvalue().to_pybytes()
    declared = declared_sizes(body)
    assert declared.nbytes < 3_000_000
    limits = DecodeLimits(max_decoded_size=5 * declared.nbytes)
    with pytest.raises(PayloadTooLarge):
        decode_rows(body, parse_media_type(ARROW_STREAM), orient=None, schema=None, limits=limits)


def test_declared_sizes_of_what_is_not_arrow_are_nothing() -> None:
    declared = declared_sizes(b"not arrow at all")
    assert (declared.rows, declared.nbytes) == (0, 0)


def test_large_bodies_are_decoded_in_a_worker_thread() -> None:
    async def where(size: int) -> int:
        return await off_loop(size, threading.get_ident)

    async def main() -> tuple[int, int, int]:
        return threading.get_ident(), await where(100), await where(OFF_LOOP_BYTES)

    loop_thread, small, large = anyio.run(main)
    assert small == loop_thread
    assert large != loop_thread


MIB = 1024**2
JSON = parse_media_type("application/json")
CSV = parse_media_type("text/csv")


def test_without_a_memory_limit_a_request_decodes_to_ten_times_the_body_limit() -> None:
    assert decoded_bound(100 * MIB, None, workers=2) == 1000 * MIB


def test_a_memory_limit_is_shared_by_the_workers_four_requests_deep() -> None:
    assert decoded_bound(100 * MIB, 1024 * MIB, workers=2) == 128 * MIB
    assert decoded_bound(100 * MIB, 1024 * MIB, workers=1) == 256 * MIB
    assert decoded_bound(8 * MIB, 1024 * MIB, workers=1) == 80 * MIB  # the body's bound is less


def test_max_decoded_size_replaces_the_derived_bound() -> None:
    assert DecodeLimits(max_body_size=MIB).max_decoded_bytes == 10 * MIB
    assert DecodeLimits(max_body_size=MIB, max_decoded_size=3 * MIB).max_decoded_bytes == 3 * MIB


def test_the_decoded_bound_refusal_names_the_options() -> None:
    with pytest.raises(PayloadTooLarge, match="--max-decoded-size") as refused:
        DecodeLimits(max_decoded_size=MIB).check_decoded(MIB + 1)
    assert "1,048,576 bytes" in str(refused.value)
    assert refused.value.hint is not None and "memory" in refused.value.hint


def test_a_json_body_counts_eight_times_its_size_before_it_is_parsed() -> None:
    limits = DecodeLimits(max_decoded_size=8 * 1000)

    def decode(rows: int) -> Decoded:
        body = b"[" + b",".join([b"[1.5]"] * rows) + b"]"  # 6 bytes a row, plus 1
        return decode_rows(body, JSON, orient=None, schema=None, limits=limits)

    assert decode(166) == Rows([[1.5]] * 166, may_hold_booleans=False)  # 997 bytes
    with pytest.raises(
        PayloadTooLarge, match="JSON body of 1,003 bytes may parse to 8 times"
    ) as refused:
        decode(167)
    assert "1,000 bytes" in str(refused.value)
    assert refused.value.hint is not None and "--max-decoded-size" in refused.value.hint


def test_a_csv_body_counts_eight_times_its_size_too() -> None:
    limits = DecodeLimits(max_decoded_size=8 * 1000)
    with pytest.raises(PayloadTooLarge, match="CSV body of 1,002 bytes"):
        decode_rows(b"x\n" + b"1\n" * 500, CSV, orient=None, schema=None, limits=limits)


def test_a_compressed_body_inflates_to_text_s_share_of_the_decoded_bound() -> None:
    under_memory = DecodeLimits(max_body_size=100 * MIB, max_decoded_size=128 * MIB)
    assert under_memory.max_inflated_bytes == 16 * MIB
    assert DecodeLimits(max_body_size=100 * MIB).max_inflated_bytes == 100 * MIB
