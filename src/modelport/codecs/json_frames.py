"""JSON bodies to and from Arrow tables: records, columns, split, ``instances`` and ``inputs``.

Decoding produces a table with the columns the body names; checking it against the model's
signature is the validator's job, not this module's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import pyarrow as pa

from modelport.errors import InvalidInput

ORIENTS = ("records", "split", "columns")


def parse_json(body: bytes) -> Any:
    """The JSON value of ``body``; a 400 naming the parser's reason otherwise."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc}", hint="send a valid JSON body") from exc


def decode_rows(value: Any, *, orient: str | None, input_names: Sequence[str]) -> pa.Table:
    """A JSON value holding rows, as an Arrow table.

    ``orient`` forces pandas' records/split/columns reading; otherwise the shape decides:
    a list (records, or lists positional to ``input_names``), ``{"columns", "data"}`` (split),
    ``{"instances": ...}``/``{"inputs": ...}``, or an object of equal-length column lists.
    """
    if orient is not None and orient not in ORIENTS:
        raise InvalidInput(
            f"unknown format {orient!r}", hint=f"use one of: {', '.join(ORIENTS)}", field="format"
        )
    if isinstance(value, Mapping):
        for envelope in ("instances", "inputs", "dataframe_records", "dataframe_split"):
            if envelope in value and orient is None:
                return decode_rows(value[envelope], orient=None, input_names=input_names)
        if orient == "split" or (orient is None and "data" in value and "columns" in value):
            return _split(value)
        if orient in (None, "columns"):
            return _columns(value)
    if isinstance(value, list) and orient in (None, "records"):
        return _records(value, input_names)
    raise InvalidInput(
        f"cannot read rows from a JSON {type(value).__name__}"
        + (f" as {orient}" if orient else ""),
        hint='send a list of records [{"x": 1}], {"instances": [...]}, '
        'or {"columns": [...], "data": [[...]]}',
    )


def _records(rows: list[Any], input_names: Sequence[str]) -> pa.Table:
    if not rows:
        return pa.table({name: pa.array([]) for name in input_names})
    if all(isinstance(row, Mapping) for row in rows):
        return _table(lambda: pa.Table.from_pylist(rows))
    if all(isinstance(row, list) for row in rows):
        width = len(input_names)
        for index, row in enumerate(rows):
            if width and len(row) != width:
                raise InvalidInput(
                    f"row {index} has {len(row)} values, the model takes {width} "
                    f"({', '.join(input_names)})",
                    field=f"[{index}]",
                )
        names = list(input_names) or [str(i) for i in range(len(rows[0]))]
        return _table(lambda: pa.table({n: [row[i] for row in rows] for i, n in enumerate(names)}))
    raise InvalidInput(
        "rows must all be objects or all be lists", hint="send one JSON object per row"
    )


def _split(value: Mapping[str, Any]) -> pa.Table:
    columns, data = value.get("columns"), value.get("data")
    if not isinstance(columns, list) or not isinstance(data, list):
        raise InvalidInput('split format needs "columns" and "data" lists', field="columns")
    for index, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(columns):
            raise InvalidInput(
                f"data row {index} does not have {len(columns)} values", field=f"data[{index}]"
            )
    names = [str(c) for c in columns]
    return _table(lambda: pa.table({n: [row[i] for row in data] for i, n in enumerate(names)}))


def _columns(value: Mapping[str, Any]) -> pa.Table:
    lengths = {name: len(col) for name, col in value.items() if isinstance(col, list)}
    if len(lengths) != len(value):
        bad = next(name for name in value if name not in lengths)
        raise InvalidInput(f"column {bad!r} is not a list of values", field=str(bad))
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name}: {n}" for name, n in lengths.items())
        raise InvalidInput(f"columns have unequal row counts ({detail})")
    return _table(lambda: pa.table(dict(value)))


def _table(make: Any) -> pa.Table:
    try:
        table: pa.Table = make()
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InvalidInput(f"values of mixed or unsupported types: {exc}") from exc
    return table


def encode_records(table: pa.Table) -> bytes:
    """The table as a JSON list of records."""
    return orjson.dumps(table.to_pylist(), option=orjson.OPT_SERIALIZE_NUMPY)
