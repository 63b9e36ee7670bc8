"""CSV bodies (a header row, then one row per input) to and from Arrow tables."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv

from modelport.codecs.arrow_ipc import arrow_errors
from modelport.codecs.limits import UNLIMITED, DecodeLimits

CSV = "text/csv"


def decode_csv(
    body: bytes, *, schema: pa.Schema | None = None, limits: DecodeLimits = UNLIMITED
) -> pa.Table:
    """Parse CSV, reading the declared inputs with their declared types when known."""
    convert = pacsv.ConvertOptions(
        column_types={f.name: f.type for f in schema} if schema is not None else None,
        strings_can_be_null=False,
    )
    with arrow_errors("CSV", "send a header row, then one row per input"):
        table = pacsv.read_csv(io.BytesIO(body), convert_options=convert)
    return limits.check_table(table)


def encode_csv(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink)
    return sink.getvalue().to_pybytes()
