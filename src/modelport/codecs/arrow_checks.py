"""What every record batch read from a client's Arrow IPC or Parquet body is checked for before it
goes on: its buffers in full (offsets within the data, strings UTF-8, times of day under 24 hours:
what Arrow's readers leave unchecked), and its dates, timestamps and durations within what
Python's ``datetime`` and ``timedelta`` hold, which is what a JSON answer turns them into. A
dictionary-encoded column whose dictionary holds a value twice (which Arrow allows and pandas
refuses) is encoded again with each value once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from modelport.errors import InvalidInput
from modelport.tables import is_plain

__all__ = ["checked_batches"]


def checked_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Each batch once checked: ArrowInvalid for damaged buffers, InvalidInput (422) naming the
    column for a date or time out of range. The batches share one schema (they come from one
    body): when it holds only plain columns, their buffers are all there is to check."""
    plain: bool | None = None
    for batch in batches:
        batch.validate(full=True)
        if plain is None:
            plain = is_plain(batch.schema)
        if plain:
            yield batch
            continue
        columns = batch.columns
        recoded = False
        for index, (name, column) in enumerate(zip(batch.schema.names, columns, strict=True)):
            _check_temporal(name, column)
            unique = _unique_dictionary(column)
            if unique is not column:
                columns[index], recoded = unique, True
        yield pa.RecordBatch.from_arrays(columns, schema=batch.schema) if recoded else batch


def _unique_dictionary(array: pa.Array[Any]) -> pa.Array[Any]:
    if not isinstance(array, pa.DictionaryArray):
        return array
    import pyarrow.compute as pc

    if len(pc.unique(array.dictionary)) == len(array.dictionary):
        return array
    recoded = array.dictionary_decode().dictionary_encode()
    return recoded.cast(array.type)  # the index type the body declared


def _check_temporal(name: str, array: pa.Array[Any]) -> None:
    if isinstance(array, pa.DictionaryArray):
        _check_temporal(name, array.dictionary)
    elif isinstance(array, pa.StructArray):
        for index, field in enumerate(array.type):
            _check_temporal(f"{name}.{field.name}", array.field(index))
    elif isinstance(array, pa.MapArray):
        _check_temporal(name, array.keys)
        _check_temporal(name, array.items)
    elif isinstance(array, (pa.ListArray, pa.LargeListArray, pa.FixedSizeListArray)):
        _check_temporal(name, array.flatten())
    elif _is_temporal(array.type) and array.null_count < len(array):
        _check_bounds(name, array)


def _is_temporal(kind: pa.DataType) -> bool:
    return pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_duration(kind)


def _check_bounds(name: str, array: pa.Array[Any]) -> None:
    """The least and the greatest value as Python objects: every value between them converts
    when both do, the conversion keeping order."""
    import pyarrow.compute as pc

    width = pa.int32() if array.type.bit_width == 32 else pa.int64()
    extremes = pc.min_max(array.view(width))
    for bound in (extremes["min"], extremes["max"]):
        try:
            pa.array([bound.as_py()], width).view(array.type)[0].as_py()
        except (OverflowError, ValueError) as exc:
            raise InvalidInput(
                f"column {name!r} holds a {array.type} value out of range ({exc})",
                hint="send dates between the years 1 and 9999",
                field=name,
            ) from None
