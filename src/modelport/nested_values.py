"""Values of fields that hold records (Arrow structs, at any level of list), checked member by
member so a wrong value is named by its path, e.g. ``chunks[0].timestamp``.

Arrow's own conversion of such values says only that a column failed; these checks say where.
A member left out of a record is null (struct members are nullable); a member the type does
not name is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from modelport.errors import InvalidInput
from modelport.schema_mappings import arrow_type_name
from modelport.struct_types import members


def nested_array(name: str, values: Sequence[Any], t: pa.DataType) -> pa.Array[Any]:
    """The Arrow array of type ``t`` holding ``values`` (one per row, null for a null row);
    InvalidInput naming the row and path of the first value that does not fit."""
    check_values(name, values, t)
    try:
        array: pa.Array[Any] = pa.array(list(values), type=t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise InvalidInput(f"{name} does not fit {arrow_type_name(t)}: {exc}", field=name) from exc
    return array


def check_values(name: str, values: Sequence[Any], t: pa.DataType) -> None:
    """InvalidInput naming the row and path of the first of ``values`` (the rows' values of the
    field ``name``, of type ``t``) that does not fit; a null row fits."""
    for row, value in enumerate(values):
        if value is None:
            continue
        try:
            check_value(value, t, name)
        except InvalidInput as exc:
            raise InvalidInput(
                f"row {row}: {exc.message}", hint=exc.hint, field=exc.field
            ) from None


def check_value(value: Any, t: pa.DataType, path: str) -> None:
    """Raise InvalidInput naming ``path`` where ``value`` (non-null) is not a value of ``t``."""
    if pa.types.is_struct(t):
        _check_record(value, t, path)
    elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        _check_list(value, t, path)
    elif not _is_scalar_of(value, t):
        raise _wrong(value, t, path)


def _check_record(value: Any, t: pa.DataType, path: str) -> None:
    if not isinstance(value, Mapping):
        raise _wrong(value, t, path)
    types = {member.name: member.type for member in members(t)}
    unknown = [key for key in value if key not in types]
    if unknown:
        raise InvalidInput(
            f"{path}.{unknown[0]} is not a member of {arrow_type_name(t)}",
            hint=f"a {path} record has only: {', '.join(types)}",
            field=f"{path}.{unknown[0]}",
        )
    for key, member in types.items():
        if value.get(key) is not None:
            check_value(value[key], member, f"{path}.{key}")


def _check_list(value: Any, t: Any, path: str) -> None:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise _wrong(value, t, path)
    if pa.types.is_fixed_size_list(t) and len(value) != t.list_size:
        raise InvalidInput(
            f"{path} has {len(value)} items where {arrow_type_name(t)} takes {t.list_size}",
            field=path,
        )
    for index, item in enumerate(value):
        if item is not None:
            check_value(item, t.value_type, f"{path}[{index}]")


def _is_scalar_of(value: Any, t: pa.DataType) -> bool:
    if pa.types.is_boolean(t):
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if pa.types.is_integer(t):
        return isinstance(value, int)
    if pa.types.is_floating(t):
        return isinstance(value, int | float)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return isinstance(value, str)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return isinstance(value, bytes | str)
    return True  # dates and times: Arrow's conversion judges them


def _wrong(value: Any, t: pa.DataType, path: str) -> InvalidInput:
    shown = repr(value) if len(repr(value)) <= 60 else f"{repr(value)[:57]}..."
    return InvalidInput(
        f"{path} should be {arrow_type_name(t)}, got {type(value).__name__} {shown}",
        hint="send each record as a JSON object of its members, each list as a JSON array",
        field=path,
    )
