"""Wallaroo's data rules, each refused with its own clear error.

Inputs: every column has the same number of rows (equal rows); every value of a tensor column
has one shape (no ragged tensors; the first ragged row is named); every element of a tensor has
one data type (no floats mixed with strings). Outputs: as many rows as the input (else a 500,
since the model broke the rule), and the columns and types of the output schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.codecs.json_frames import ENVELOPES
from modelport.errors import InvalidInput, ModelFailed
from modelport.nested_values import check_values
from modelport.schema_mappings import holds_struct

_RULES = "Wallaroo's data rules: equal rows, one shape per tensor, one data type per tensor"


def check_json_input(value: Any, *, orient: str | None = None) -> None:
    """Apply the input rules to a JSON body before it is read into typed columns: rows (pandas
    records, also inside an ``instances``-like envelope) or an object of column lists, read as
    ``codecs.json_frames.decode_json`` reads them. Other shapes are left to that reader."""
    if isinstance(value, Mapping) and orient is None:
        for envelope in ENVELOPES:
            if envelope in value:
                check_json_input(value[envelope])
                return
    if isinstance(value, list) and orient in (None, "records"):
        if value and all(isinstance(row, Mapping) for row in value):
            names = list(dict.fromkeys(name for row in value for name in row))
            check_input_columns({name: [row.get(name) for row in value] for name in names})
    elif (
        isinstance(value, Mapping)
        and orient in (None, "columns")
        and "data" not in value
        and all(isinstance(column, list) for column in value.values())
    ):
        check_input_columns(value)


def check_input_columns(columns: Mapping[str, Any]) -> None:
    """InvalidInput for the first input rule the columns (lists or numpy arrays) break."""
    check_equal_rows(columns)
    for name, values in columns.items():
        check_tensor_column(name, values)


def check_equal_rows(columns: Mapping[str, Any]) -> None:
    """InvalidInput naming a column whose number of rows differs from the first column's."""
    counts = {name: len(values) for name, values in columns.items()}
    if not counts:
        return
    first, rows = next(iter(counts.items()))
    for name, count in counts.items():
        if count != rows:
            raise InvalidInput(
                f"input columns have different numbers of rows: {first!r} has {rows}, "
                f"{name!r} has {count}",
                hint=f"send one value per row in every column ({_RULES})",
                field=name,
            )


def check_tensor_column(name: str, values: Any) -> None:
    """InvalidInput naming the first row where a column's values differ in shape or data type.
    A column of records (JSON objects, in lists or not: a struct field) is no tensor; the
    model's schema checks it."""
    if isinstance(values, np.ndarray) and values.dtype != object:
        return
    rows = list(values)
    if any(_holds_record(row) for row in rows):
        return
    shape: tuple[int, ...] | None = None
    kinds: set[str] = set()
    for index, row in enumerate(rows):
        row_shape = _shape(row)
        if row_shape is None or (shape is not None and row_shape != shape):
            described = (
                "holds lists of different lengths"
                if row_shape is None
                else f"has shape {row_shape} where row 0 has {shape}"
            )
            raise InvalidInput(
                f"input {name!r} is a ragged tensor: row {index} {described}",
                hint=f"give every row of a tensor column the same shape ({_RULES}); "
                "a model that needs ragged data can be a BYOP model",
                field=f"{name}[{index}]",
            )
        shape = row_shape
        row_kinds = _kinds(row)
        if len(kinds | row_kinds) > 1:
            raise InvalidInput(
                f"input {name!r} mixes data types ({' and '.join(sorted(kinds | row_kinds))}) "
                f"at row {index}",
                hint=f"use one data type within a tensor column ({_RULES})",
                field=f"{name}[{index}]",
            )
        kinds |= row_kinds


def as_tensor(values: np.ndarray, dtype: np.dtype[Any], column: str) -> np.ndarray:
    """A column as one tensor of ``dtype`` (rows first); rows of unequal shapes cannot be one."""
    if values.dtype.kind == "O" and dtype.kind != "O":
        try:
            values = np.stack(list(values))
        except (ValueError, TypeError) as exc:
            raise InvalidInput(
                f"input {column!r} is a ragged tensor: its rows differ in shape",
                hint="send rows of one shape (Wallaroo's rule: no ragged tensors)",
                field=column,
            ) from exc
    return np.asarray(values, dtype=dtype)


def check_output(result: Mapping[str, Any], *, rows: int, schema: pa.Schema | None) -> pa.Table:
    """A model's output columns as a table typed by ``schema``; ModelFailed (500) when the
    output breaks the equal-rows rule or does not match the output schema."""
    if not isinstance(result, Mapping):
        raise ModelFailed(
            f"the model returned {type(result).__name__}, not a dict of column name to array",
            hint="return InferenceData: a dict of column name to numpy array",
        )
    arrays: dict[str, pa.Array[Any]] = {}
    for name, values in result.items():
        count = len(values)
        if count != rows:
            raise ModelFailed(
                f"output {name!r} has {count} rows for {rows} input rows",
                hint="return exactly one output row per input row (Wallaroo's equal-rows rule)",
                field=str(name),
            )
        arrays[str(name)] = _output_array(str(name), values, schema)
    if schema is not None:
        _check_output_names(list(arrays), schema)
    return pa.table(arrays)


def _check_output_names(names: list[str], schema: pa.Schema) -> None:
    missing = [n for n in schema.names if n not in names]
    extra = [n for n in names if n not in schema.names]
    if missing or extra:
        said = []
        if missing:
            said.append(f"missing {missing}")
        if extra:
            said.append(f"not in the schema {extra}")
        raise ModelFailed(
            f"the output does not match the output schema: {'; '.join(said)}",
            hint=f"return the columns of the output schema: {schema.names}",
            field=(missing or extra)[0],
        )


def _output_array(name: str, values: Any, schema: pa.Schema | None) -> pa.Array[Any]:
    target = schema.field(name).type if schema is not None and name in schema.names else None
    data = values.tolist() if isinstance(values, np.ndarray) else list(values)
    try:
        array: pa.Array[Any] = pa.array(data, type=target)
        return array
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
        if target is not None and holds_struct(target):
            _name_wrong_member(name, data, target)
        expected = f"{target}" if target is not None else "one Arrow type"
        raise ModelFailed(
            f"output {name!r} does not match the output schema: expected {expected} ({exc})",
            hint="return values of the type the output schema declares",
            field=name,
        ) from None


def _name_wrong_member(name: str, data: list[Any], target: pa.DataType) -> None:
    """ModelFailed naming the row and path of the first member of a record-holding output
    that does not fit ``target``; return when the checks find none."""
    try:
        check_values(name, data, target)
    except InvalidInput as exc:
        raise ModelFailed(
            f"output {exc.message} (the output schema's type)",
            hint="return values of the type the output schema declares",
            field=exc.field,
        ) from None


def _shape(value: Any) -> tuple[int, ...] | None:
    """The shape of a nested list value; None when its own elements differ in shape."""
    if isinstance(value, np.ndarray):
        return tuple(value.shape) if value.dtype != object else _shape(value.tolist())
    if isinstance(value, list | tuple):
        inner = {_shape(item) for item in value}
        if None in inner or len(inner) > 1:
            return None
        item_shape: tuple[int, ...] = inner.pop() or () if inner else ()
        return (len(value), *item_shape)
    return ()


def _kinds(value: Any) -> set[str]:
    """The data kinds of the elements of a (nested) value: number, string, bool, null."""
    if isinstance(value, np.ndarray):
        if value.dtype != object:
            return {_numpy_kind(value.dtype)}
        value = value.tolist()
    if isinstance(value, list | tuple):
        found: set[str] = set()
        for item in value:
            found |= _kinds(item)
        return found
    if value is None:
        return set()
    if isinstance(value, bool | np.bool_):
        return {"bool"}
    if isinstance(value, int | float | np.number):
        return {"number"}
    if isinstance(value, str | bytes):
        return {"string"}
    return {type(value).__name__}


def _holds_record(value: Any) -> bool:
    """Whether a (nested) value holds a JSON object; only the first item of a list is looked
    at, since a list of records is all records or wrong for its schema."""
    while isinstance(value, list | tuple) and value:
        value = value[0]
    return isinstance(value, Mapping)


def _numpy_kind(dtype: np.dtype[Any]) -> str:
    if dtype.kind == "b":
        return "bool"
    if dtype.kind in "iuf":
        return "number"
    return "string"
