"""JSON bodies: rows read from records, columns, split, ``instances`` and ``inputs``; answers
written as records.

This module reads the body's shape into decoded rows or columns; the validator then checks the
values against the signature and builds the batch (straight into a numpy matrix for numeric
models).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from modelport.codecs.pandas_json import aligned_columns, is_table, table_records
from modelport.decoded import Columns, Decoded, Rows
from modelport.errors import InvalidInput, MalformedInput
from modelport.tables import json_column

ORIENTS = ("records", "split", "columns", "index", "table", "values")
ENVELOPES = ("instances", "inputs", "dataframe_records", "dataframe_split")


def may_hold_booleans(body: bytes) -> bool:
    """Whether a JSON text can hold a boolean (a byte search, far cheaper than a scan of values)."""
    return b"true" in body or b"false" in body


def parse_json(body: bytes) -> Any:
    """The JSON value of ``body``; a 400 naming the parser's reason otherwise."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedInput(f"malformed JSON: {exc}", hint="send a valid JSON body") from exc


def decode_json(value: Any, *, orient: str | None, has_booleans: bool = True) -> Decoded:
    """The rows a JSON value holds (``has_booleans``: see :class:`Rows`).

    ``orient`` forces pandas' records/split/columns/index/table/values reading; otherwise the
    shape decides: a list (records, or lists positional to the inputs), ``{"columns", "data"}``
    (split), ``{"schema", "data"}`` (table), ``{"instances": ...}``/``{"inputs": ...}``, or an
    object of columns, each a list or an object from index label to value (``to_json()``'s
    default orient).
    """
    if orient is not None and orient not in ORIENTS:
        raise InvalidInput(
            f"unknown format {orient!r}", hint=f"use one of: {', '.join(ORIENTS)}", field="format"
        )
    if isinstance(value, list) and orient in (None, "records", "values"):
        return Rows(value, may_hold_booleans=has_booleans)
    if isinstance(value, Mapping):
        if orient is None:
            for envelope in ENVELOPES:
                if envelope in value:
                    return decode_json(value[envelope], orient=None, has_booleans=has_booleans)
        if orient == "table" or (orient is None and is_table(value)):
            if not is_table(value):
                raise InvalidInput(
                    "format table needs a JSON Table Schema: "
                    '{"schema": {"fields": [...]}, "data": [rows]}',
                    hint="send pandas' to_json(orient='table'), or another format",
                    field="format",
                )
            return Rows(table_records(value), may_hold_booleans=has_booleans)
        if orient == "index" and all(isinstance(row, Mapping) for row in value.values()):
            return Rows(list(value.values()), may_hold_booleans=has_booleans)
        if orient == "split" or (orient is None and "data" in value and "columns" in value):
            return Columns(_split_columns(value))
        if orient in (None, "columns"):
            return Columns(_columns(aligned_columns(value)))
    raise InvalidInput(
        f"cannot read rows from a JSON {type(value).__name__}"
        + (f" as {orient}" if orient else ""),
        hint='send a list of records [{"x": 1}], {"instances": [...]}, '
        'or {"columns": [...], "data": [[...]]}',
    )


def _split_columns(value: Mapping[str, Any]) -> dict[str, np.ndarray]:
    columns, data = value.get("columns"), value.get("data")
    if not isinstance(columns, list) or not isinstance(data, list):
        raise InvalidInput('split format needs "columns" and "data" lists', field="columns")
    for index, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(columns):
            raise InvalidInput(
                f"data row {index} does not have {len(columns)} values", field=f"data[{index}]"
            )
    return {str(n): json_column([row[i] for row in data]) for i, n in enumerate(columns)}


def _columns(value: Mapping[str, Any]) -> dict[str, np.ndarray]:
    found = {}
    for name, column in value.items():
        if not isinstance(column, list):
            raise InvalidInput(
                f"column {name!r} is not a list of values",
                hint='give each column as a list, {"x": [1.0, 2.0]}, or as pandas writes it, '
                '{"x": {"0": 1.0, "1": 2.0}}',
                field=str(name),
            )
        found[str(name)] = json_column(column)
    return found


def encode_records(table: pa.Table) -> bytes:
    """The table as a JSON list of records."""
    return orjson.dumps(table.to_pylist(), option=orjson.OPT_SERIALIZE_NUMPY)
