"""How much a request may decode to: the server's bounds on inflated bytes, rows and decoded
bytes, checked while decoding (before allocating where the body declares a size), and the
checks every decoded table gets (column names unique and readable).

A body's bytes are bounded by ``--max-body-size`` before decoding; these bound what it decodes
to, since a few kilobytes of gzip, Parquet or compressed Arrow can declare gigabytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import anyio.to_thread
import pyarrow as pa

from modelport.errors import InvalidInput, MalformedInput, PayloadTooLarge

DEFAULT_MAX_BODY = 100 * 1024**2
DEFAULT_MAX_ROWS = 1_000_000
DECODED_PER_BODY_BYTE = 10
"""A decoded table may hold this many bytes per byte of ``--max-body-size``."""
OFF_LOOP_BYTES = 256 * 1024
"""Bodies this large are inflated and decoded in a worker thread, off the event loop."""

T = TypeVar("T")


@dataclass(frozen=True)
class DecodeLimits:
    """The bounds on one request: ``max_body_size`` bytes before and after inflating,
    ``max_rows`` rows, and ``DECODED_PER_BODY_BYTE`` times the body limit in decoded bytes."""

    max_body_size: int = DEFAULT_MAX_BODY
    max_rows: int = DEFAULT_MAX_ROWS

    @property
    def max_decoded_bytes(self) -> int:
        return self.max_body_size * DECODED_PER_BODY_BYTE

    def check_rows(self, rows: int) -> None:
        """413 naming ``--max-rows`` when a request holds (or declares) more rows than it."""
        if rows > self.max_rows:
            raise PayloadTooLarge(
                f"the request holds {rows:,} rows, over the limit of {self.max_rows:,}",
                hint="send fewer rows per request, or start the server with a larger --max-rows",
            )

    def check_decoded(self, nbytes: int) -> None:
        """413 when decoded data outgrows ``max_decoded_bytes``."""
        if nbytes > self.max_decoded_bytes:
            raise PayloadTooLarge(
                f"the request decodes to over {self.max_decoded_bytes:,} bytes "
                f"({DECODED_PER_BODY_BYTE} times --max-body-size)",
                hint="send less per request, or start the server with a larger --max-body-size",
            )

    def check_table(self, table: pa.Table) -> pa.Table:
        """A decoded table within the bounds, its column names unique UTF-8 text."""
        check_names(table.schema)  # first: reading the size reads the names
        self.check_rows(table.num_rows)
        self.check_decoded(table.nbytes)
        return table

    def collect(self, batches: Iterable[pa.RecordBatch], schema: pa.Schema) -> pa.Table:
        """The table of ``batches``, stopped as soon as they outgrow the bounds."""
        check_names(schema)
        kept: list[pa.RecordBatch] = []
        rows = nbytes = 0
        for batch in batches:
            rows += batch.num_rows
            nbytes += batch.nbytes
            self.check_rows(rows)
            self.check_decoded(nbytes)
            kept.append(batch)
        return pa.Table.from_batches(kept, schema=schema)


UNLIMITED = DecodeLimits(max_body_size=2**62 // DECODED_PER_BODY_BYTE, max_rows=2**62)
"""No bounds: for decoding what a client received or read from a file it chose."""


def check_names(schema: pa.Schema) -> None:
    """400 for column names that are not UTF-8, 422 naming a column sent twice."""
    try:
        names = schema.names
    except UnicodeDecodeError as exc:
        raise MalformedInput(
            f"a column name is not UTF-8 text: {exc}", hint="name every column in UTF-8"
        ) from None
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise InvalidInput(
            f"column {repeated[0]!r} appears more than once",
            hint="send each column once",
            field=repeated[0],
        )


async def off_loop(size: int, function: Callable[[], T]) -> T:
    """``function()`` (inflating or decoding a body of ``size`` bytes): in a worker thread for
    large bodies, so the event loop keeps answering meanwhile; inline for small ones, where the
    thread hop costs more than the work."""
    if size < OFF_LOOP_BYTES:
        return function()
    return await anyio.to_thread.run_sync(function)
