"""JSON bodies to and from batches: records, columns, split, ``instances`` and ``inputs``.

This module reads the body's shape; the validator checks the values against the signature and
builds the batch (straight into a numpy matrix for numeric models).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from modelport.batch import Batch
from modelport.errors import InvalidInput, MalformedInput
from modelport.validation import InputValidator

ORIENTS = ("records", "split", "columns")
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


def decode_json(
    value: Any, *, orient: str | None, validator: InputValidator, has_booleans: bool = True
) -> Batch:
    """A JSON value holding rows, as a validated batch.

    ``orient`` forces pandas' records/split/columns reading; otherwise the shape decides:
    a list (records, or lists positional to the inputs), ``{"columns", "data"}`` (split),
    ``{"instances": ...}``/``{"inputs": ...}``, or an object of equal-length column lists.
    """
    if orient is not None and orient not in ORIENTS:
        raise InvalidInput(
            f"unknown format {orient!r}", hint=f"use one of: {', '.join(ORIENTS)}", field="format"
        )
    if isinstance(value, list) and orient in (None, "records"):
        return validator.rows(value, has_booleans=has_booleans)
    if isinstance(value, Mapping):
        if orient is None:
            for envelope in ENVELOPES:
                if envelope in value:
                    return decode_json(
                        value[envelope], orient=None, validator=validator, has_booleans=has_booleans
                    )
        if orient == "split" or (orient is None and "data" in value and "columns" in value):
            return validator.columns(_split_columns(value))
        if orient in (None, "columns"):
            return validator.columns(_columns(value))
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
    return {str(n): _column(str(n), [row[i] for row in data]) for i, n in enumerate(columns)}


def _columns(value: Mapping[str, Any]) -> dict[str, np.ndarray]:
    found = {}
    for name, column in value.items():
        if not isinstance(column, list):
            raise InvalidInput(f"column {name!r} is not a list of values", field=str(name))
        found[str(name)] = _column(str(name), column)
    return found


def _column(name: str, values: list[Any]) -> np.ndarray:
    """One JSON column as numpy: numbers and booleans typed, anything else as objects."""
    try:
        array = np.asarray(values)
    except ValueError:
        array = np.empty(len(values), dtype=object)
        array[:] = values
    if array.dtype.kind in "US" or (array.ndim > 1 and array.dtype.kind not in "biuf"):
        array = np.empty(len(values), dtype=object)
        array[:] = values
    return array


def rows_to_table(rows: Sequence[Any], names: Sequence[str]) -> pa.Table:
    """JSON rows (objects, or lists positional to ``names``) as an Arrow table."""
    if not rows:
        return pa.table({name: pa.array([]) for name in names})
    if all(isinstance(row, Mapping) for row in rows):
        return _table(lambda: pa.Table.from_pylist(list(rows)), lambda: _record_columns(rows))
    if all(isinstance(row, list) for row in rows):
        width = len(names)
        for index, row in enumerate(rows):
            if width and len(row) != width:
                raise InvalidInput(
                    f"row {index} has {len(row)} values, the model takes {width} "
                    f"({', '.join(names)})",
                    field=f"[{index}]",
                )
        cols = list(names) or [str(i) for i in range(len(rows[0]))]
        columns = {n: [row[i] for row in rows] for i, n in enumerate(cols)}
        return _table(lambda: pa.table(columns), lambda: columns)
    raise InvalidInput("rows must all be objects or all be lists", hint="send one object per row")


def _table(make: Any, columns: Callable[[], Mapping[str, list[Any]]]) -> pa.Table:
    """The table ``make`` builds; InvalidInput naming the first column (of ``columns``, made
    only then) whose values do not make one Arrow array."""
    try:
        table: pa.Table = make()
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        bad = next((name for name, values in columns().items() if not _converts(values)), None)
        where = f" in column {bad!r}" if bad is not None else ""
        raise InvalidInput(
            f"values of mixed or unsupported types{where}: {exc}",
            hint="give all the values of a column one type",
            field=bad,
        ) from exc
    return table


def _record_columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    names = dict.fromkeys(name for row in rows for name in row)
    return {name: [row.get(name) for row in rows] for name in names}


def _converts(values: list[Any]) -> bool:
    """Whether one column's values make one Arrow array."""
    try:
        pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return False
    return True


def encode_records(table: pa.Table) -> bytes:
    """The table as a JSON list of records."""
    return orjson.dumps(table.to_pylist(), option=orjson.OPT_SERIALIZE_NUMPY)
