"""Casting a decoded input column to its field's Arrow type, with an error naming the field
when it does not cast safely (the last step of ``validation.InputValidator`` on a table)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from modelport.errors import InvalidInput


def cast_column(column: pa.ChunkedArray[Any], field: pa.Field[Any]) -> pa.ChunkedArray[Any]:
    """``column`` as ``field``'s type (nulls of a nullable field kept); a column that does not
    cast safely (text for numbers, a ragged tensor, an overflow) is refused naming the field."""
    if column.type == field.type:
        return column
    if pa.types.is_null(column.type):  # null in every row, which a nullable field allows
        return column.cast(field.type)
    if _is_text(column.type) != _is_text(field.type) or (
        pa.types.is_boolean(column.type) != pa.types.is_boolean(field.type)
    ):
        raise InvalidInput(
            f"input {field.name!r} should be {field.type}, got {column.type}", field=field.name
        )
    try:
        return column.cast(field.type, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        _check_tensor_rows(column, field)
        raise InvalidInput(
            f"input {field.name!r} should be {field.type}, got {column.type}: {exc}",
            field=field.name,
        ) from exc


def _check_tensor_rows(column: pa.ChunkedArray[Any], field: pa.Field[Any]) -> None:
    """Name the first row of a list column whose length a fixed-size tensor field refuses."""
    if not (pa.types.is_fixed_size_list(field.type) and pa.types.is_list(column.type)):
        return
    import pyarrow.compute as pc

    size = field.type.list_size
    lengths = pc.list_value_length(column)
    row = pc.index(pc.not_equal(lengths, size), True).as_py()
    if row >= 0:
        raise InvalidInput(
            f"input {field.name!r} is a ragged tensor: row {row} has "
            f"{lengths[row].as_py()} values where every row needs {size}",
            hint="give every row of a tensor the same shape",
            field=field.name,
        )


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)
