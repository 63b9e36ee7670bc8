"""The codecs' bounds on what a body decodes to: inflating within a limit, the sizes an Arrow
IPC body declares (read before anything is decompressed), and large bodies decoded off the
event loop."""

from __future__ import annotations

import gzip
import threading

import anyio
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from modelport.codecs.arrow_ipc import ARROW_FILE
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
    declared = declared_sizes(sink.getvalue().to_pybytes())
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
    declared = declared_sizes(sink.getvalue().to_pybytes())
    assert (declared.rows, declared.nbytes) == (2000, 16_000)


def test_a_body_cut_short_declares_its_whole_messages_only() -> None:
    table = pa.table({"x": pa.array(range(1000), pa.int64())})
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as out:
        out.write_table(table)
        out.write_table(table)
    body = sink.getvalue().to_pybytes()
    assert declared_sizes(body[: len(body) - 100]).rows == 1000


def test_a_file_declares_the_batches_its_footer_lists_wherever_they_are() -> None:
    """A file's reader reads the blocks its footer lists and the schema the footer holds: the
    messages after the magic can end at once (an end marker over the schema message's length)
    and hide a zstd batch of 8 MB, which must still be refused before it is inflated."""
    table = pa.table({"x": pa.array([0.0] * 1_000_000, pa.float64())})
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, table.schema, options=ipc.IpcWriteOptions(compression="zstd")) as out:
        out.write_table(table)
    body = bytearray(sink.getvalue().to_pybytes())
    body[8:16] = b"\xff\xff\xff\xff\x00\x00\x00\x00"
    hiding = bytes(body)
    assert ipc.open_file(pa.py_buffer(hiding)).read_all().num_rows == 1_000_000
    declared = declared_sizes(hiding)
    assert (declared.rows, declared.nbytes) == (1_000_000, 8_000_000)
    limits = DecodeLimits(max_decoded_size=1_000_000)
    with pytest.raises(PayloadTooLarge, match="decodes to over 1,000,000 bytes"):
        decode_rows(hiding, parse_media_type(ARROW_FILE), orient=None, schema=None, limits=limits)


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
