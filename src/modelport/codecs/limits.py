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
MEMORY_SHARE = 4
"""Under a memory limit, one request may decode to the limit divided by this times the workers:
a worker's share holds its model, the body, the decoded table and the batch built from it, and
other requests in flight meanwhile."""
TEXT_EXPANSION = 8
"""Parsed JSON takes about this many bytes of Python objects per byte of text (a float: 24
bytes of object and an 8-byte pointer for 3 to 4 characters), and CSV up to about as much in
Arrow columns and the parser's buffers (a one-digit integer: 2 bytes of text, 8 of int64); so a
text body, and an inflated body, counts this many times its size against the decoded bound,
before it is parsed."""
OFF_LOOP_BYTES = 256 * 1024
"""Bodies this large are inflated and decoded in a worker thread, off the event loop."""

T = TypeVar("T")


@dataclass(frozen=True)
class DecodeLimits:
    """The bounds on one request: ``max_body_size`` bytes before and after inflating,
    ``max_rows`` rows, and ``max_decoded_size`` decoded bytes (None: ``DECODED_PER_BODY_BYTE``
    times the body limit; the server derives it from its memory limit, ``decoded_bound``)."""

    max_body_size: int = DEFAULT_MAX_BODY
    max_rows: int = DEFAULT_MAX_ROWS
    max_decoded_size: int | None = None

    @property
    def max_decoded_bytes(self) -> int:
        if self.max_decoded_size is not None:
            return self.max_decoded_size
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
                f"the request decodes to over {self.max_decoded_bytes:,} bytes, the server's "
                "--max-decoded-size (by default the lesser of 10 x --max-body-size and a share "
                "of the server's memory limit)",
                hint="send fewer rows per request, or give the server more memory or a larger "
                "--max-decoded-size",
            )

    def check_text(self, size: int, kind: str) -> None:
        """413 before parsing a ``kind`` (JSON or CSV) text of ``size`` bytes that may parse to
        more than ``max_decoded_bytes`` (``TEXT_EXPANSION`` bytes per byte of text)."""
        if size > self.max_text_bytes:
            raise PayloadTooLarge(
                f"the {kind} body of {size:,} bytes may parse to {TEXT_EXPANSION} times that, "
                f"over the server's --max-decoded-size of {self.max_decoded_bytes:,} bytes "
                f"({kind} bodies may be 1/{TEXT_EXPANSION} of it: {self.max_text_bytes:,} "
                "bytes; the bound follows --max-body-size and the server's memory limit)",
                hint="send fewer rows per request, or send Arrow or Parquet, or give the server "
                "more memory or a larger --max-decoded-size",
            )

    @property
    def max_text_bytes(self) -> int:
        """The largest JSON or CSV body, and inflated body, that fits the decoded bound."""
        return self.max_decoded_bytes // TEXT_EXPANSION

    @property
    def max_inflated_bytes(self) -> int:
        """What a compressed body may inflate to: within ``max_body_size``, and text's share of
        the decoded bound (most compressed bodies are JSON or CSV)."""
        return min(self.max_body_size, self.max_text_bytes)

    def check_table(self, table: pa.Table) -> pa.Table:
        """A decoded table within the bounds, its column names unique UTF-8 text."""
        check_names(table.schema)  # first: reading the size reads the names
        self.check_rows(table.num_rows)
        self.check_decoded(table.nbytes)
        return table

    def collect(
        self, batches: Iterable[pa.RecordBatch], schema: pa.Schema, *, sized: bool = False
    ) -> pa.Table:
        """The table of ``batches``, stopped as soon as they outgrow the bounds; ``sized``: the
        rows and bytes of every batch were checked before any was read (what an Arrow stream
        declares is what its reader reads; a batch's ``nbytes`` costs as much as reading it)."""
        check_names(schema)
        if sized:
            return pa.Table.from_batches(list(batches), schema=schema)
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


def decoded_bound(max_body_size: int, memory_limit: int | None, workers: int) -> int:
    """The bytes one request may decode to: ``DECODED_PER_BODY_BYTE`` times the body limit, and
    under a memory limit (shared by ``workers`` processes) at most ``1 / (MEMORY_SHARE x
    workers)`` of it."""
    bound = max_body_size * DECODED_PER_BODY_BYTE
    if memory_limit is None:
        return bound
    return min(bound, memory_limit // (MEMORY_SHARE * max(workers, 1)))


def check_names(schema: pa.Schema) -> None:
    """400 for column names that are not UTF-8, 422 naming a column sent twice."""
    try:
        names = schema.names
    except UnicodeDecodeError as exc:
        raise MalformedInput(
            f"a column name is not UTF-8 text: {exc}", hint="name every column in UTF-8"
        ) from None
    if len(set(names)) == len(names):
        return
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
