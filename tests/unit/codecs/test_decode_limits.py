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

from modelport.codecs.arrow_sizes import declared_sizes
from modelport.codecs.compression import inflate
from modelport.codecs.limits import OFF_LOOP_BYTES, off_loop
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
