"""Conversions between Arrow tables (modelport's internal batch) and what models take and return,
and from JSON rows to a table.

Every adapter uses these, so a batch crosses from Arrow to pandas, numpy or records in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.errors import InvalidInput, ModelFailed

NUMBER_TYPES = frozenset(
    kind.id
    for kind in (
        *(pa.int8(), pa.int16(), pa.int32(), pa.int64()),
        *(pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()),
        *(pa.float16(), pa.float32(), pa.float64()),
    )
)
"""Arrow type ids (``DataType.id``) of integers and floats: testing a type's id against a set
is a fraction of what the ``pyarrow.types`` predicates cost, on paths run for every request."""
PLAIN_TYPES = NUMBER_TYPES | {
    kind.id
    for kind in (
        pa.bool_(),
        pa.null(),
        pa.string(),
        pa.large_string(),
        pa.binary(),
        pa.large_binary(),
    )
}
"""Type ids of flat columns without a dictionary or dates and times: numbers, booleans, text and
bytes."""


def is_plain(schema: pa.Schema) -> bool:
    """Whether every column of ``schema`` is of a ``PLAIN_TYPES`` type: no column a request or
    an answer of it holds needs ``pyarrow.compute`` (lists, dictionaries, dates and times do)."""
    return all(kind.id in PLAIN_TYPES for kind in schema.types)


def column_to_numpy(column: pa.ChunkedArray[Any]) -> np.ndarray:
    """One column as numpy. A list column whose rows all have one shape (fixed-size lists, or
    variable-size lists that happen to be of equal length, at every level) becomes an
    (rows, *shape) array; ragged rows or a null row leave the rows as objects."""
    array = column.combine_chunks()
    shape: list[int] = []
    flat: Any = array
    while (size := _uniform_size(flat)) is not None:
        shape.append(size)
        flat = flat.flatten()
    if not shape:
        values: np.ndarray = array.to_numpy(zero_copy_only=False)
        return values
    tensors: np.ndarray = flat.to_numpy(zero_copy_only=False).reshape(len(array), *shape)
    return tensors


def _uniform_size(array: Any) -> int | None:
    """The one length of every row of a list array; None when it is no list array, or its rows
    differ in length or hold a null (a fixed-size list always has its one size)."""
    value_type = array.type
    if pa.types.is_fixed_size_list(value_type):
        return int(value_type.list_size)
    if not (pa.types.is_list(value_type) or pa.types.is_large_list(value_type)):
        return None
    if len(array) == 0 or array.null_count:
        return None
    import pyarrow.compute as pc  # imported where needed: see ``imported_by_workers``

    lengths = pc.list_value_length(array)
    smallest, largest = pc.min_max(lengths).values()
    return int(smallest.as_py()) if smallest == largest else None


def numpy_to_array(values: np.ndarray) -> pa.Array[Any]:
    """A numpy column as Arrow; an (rows, *shape) array becomes nested fixed-size lists."""
    if values.ndim <= 1:
        column: pa.Array[Any] = pa.array(values)
        return column
    flat: pa.Array[Any] = pa.array(values.reshape(-1))
    for size in reversed(values.shape[1:]):
        flat = pa.FixedSizeListArray.from_arrays(flat, size)
    return flat


def sample_to_table(sample: Any) -> pa.Table:
    """A sample input given as a DataFrame, records, or a dict of columns, as an Arrow table."""
    if isinstance(sample, list) and all(isinstance(row, Mapping) for row in sample):
        return pa.Table.from_pylist(sample)
    return to_table(sample)


def to_table(result: Any, *, output_names: Sequence[str] = ()) -> pa.Table:
    """A model's return value as an Arrow table.

    A single unnamed column (numpy array, list, Series) is named after the first output field,
    or ``output`` when the model declared none.
    """
    if isinstance(result, pa.Table):
        return result
    if isinstance(result, pa.RecordBatch):
        return pa.Table.from_batches([result])
    module = type(result).__module__
    if module.startswith("pandas"):
        import pandas as pd

        if isinstance(result, pd.DataFrame):
            return _frame_to_table(result)
        if isinstance(result, pd.Series):
            name = str(result.name) if result.name is not None else _single_name(output_names)
            return pa.table({name: pa.array(result.to_numpy())})
    if isinstance(result, Mapping):
        columns = {
            str(k): numpy_to_array(v) if isinstance(v, np.ndarray) else pa.array(v)
            for k, v in result.items()
        }
        return pa.table(columns)
    if isinstance(result, np.ndarray):
        if result.ndim == 2 and len(output_names) == result.shape[1] > 1:
            return pa.table({n: pa.array(result[:, i]) for i, n in enumerate(output_names)})
        if result.ndim == 1:  # pa.table takes a 1-D array faster than pa.array does
            return pa.table({_single_name(output_names): result})  # type: ignore[dict-item]
        return pa.table({_single_name(output_names): numpy_to_array(result)})
    if isinstance(result, list | tuple):
        if result and all(isinstance(row, Mapping) for row in result):
            return pa.Table.from_pylist(list(result))
        return pa.table({_single_name(output_names): pa.array(list(result))})
    raise ModelFailed(
        f"predict returned {type(result).__name__}, which modelport cannot read as rows",
        hint="return a DataFrame, an Arrow table, a dict of columns, "
        "or an array with one value per row",
    )


def _frame_to_table(frame: Any) -> pa.Table:
    """A DataFrame as Arrow: plain numpy columns directly (several times faster than
    ``Table.from_pandas`` on small frames), anything else through pandas' own conversion."""
    columns = {}
    for name, series in frame.items():
        dtype = series.dtype
        if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf":
            return pa.Table.from_pandas(frame, preserve_index=False)
        columns[str(name)] = series.to_numpy()
    return pa.table(columns)


def _single_name(output_names: Sequence[str]) -> str:
    return output_names[0] if output_names else "output"


def json_column(values: list[Any]) -> np.ndarray:
    """One column of JSON values as numpy: numbers and booleans typed (nested lists of numbers
    as one array of a dimension more), anything else (strings, mixed values) as objects."""
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
        width = len(names) or len(rows[0])  # no names (a free-form model): the first row's
        for index, row in enumerate(rows):
            if len(row) != width:
                takes = (
                    f"the model takes {width} ({', '.join(names)})"
                    if names
                    else (f"the first row has {width}")
                )
                raise InvalidInput(
                    f"row {index} has {len(row)} values, {takes}",
                    hint="send every row with the same values, in the same order",
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
