"""CSV bodies (a header row, then one row per input) to and from Arrow tables."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.csv as pacsv

from modelport.errors import MalformedInput

CSV = "text/csv"


def decode_csv(body: bytes, *, schema: pa.Schema | None = None) -> pa.Table:
    """Parse CSV, reading the declared inputs with their declared types when known."""
    convert = pacsv.ConvertOptions(
        column_types={f.name: f.type for f in schema} if schema is not None else None,
        strings_can_be_null=False,
    )
    try:
        return pacsv.read_csv(io.BytesIO(body), convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise MalformedInput(
            f"malformed CSV: {exc}", hint="send a header row, then one row per input"
        ) from exc


def encode_csv(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink)
    return sink.getvalue().to_pybytes()
