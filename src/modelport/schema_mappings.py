"""Mappings between Arrow data types and every other way modelport spells a type.

One function per direction, each working on a single per-row Arrow type; ``modelport.schema``
builds its Field/Signature-level API on these. The supported types are

    bool, int8..int64, uint8..uint64, float16, float32, float64,
    string, large_string, binary, large_binary, date32,
    timestamp[s|ms|us|ns] (optionally with a time zone),
    list<T>, large_list<T> (variable length) and fixed_size_list<T, n> of any of these,
    struct<name: T, ...> of any of these (records, e.g. Hugging Face speech recognition's
    ``list<struct<text: string, timestamp: list<float32>>>`` chunks).

Choices worth knowing:

- Python ``datetime.datetime`` maps to ``timestamp[us]`` (Python's own precision, and years
  1..9999 fit); numpy/pandas ``datetime64[unit]`` keeps its unit; ``datetime.date`` to ``date32``.
- The names "int" and "float" mean what they mean in Python and numpy: int64 and float64.
- List item fields are rebuilt with Arrow's defaults, so two list types are equal whenever
  their element types are (element nullability is not part of a modelport schema).
- Open Inference Protocol V2 has no date or time datatype: dates and timestamps travel as
  BYTES holding ISO-8601 strings, as MLServer's datetime codec does.
- Struct fields keep their order and names; every struct member is nullable (Arrow's default,
  and what ``pa.struct([("text", pa.string())])`` makes). V2 has no record datatype either: a
  value holding a struct travels as one BYTES element per row, the row's value as JSON text.
"""

from __future__ import annotations

import re
import types
import typing
import warnings
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pyarrow as pa

from modelport.errors import ConfigError, InvalidInput
from modelport.struct_types import members, struct_members, struct_of

if TYPE_CHECKING:
    from pandas.api.extensions import ExtensionDtype

SUPPORTED_HINT = (
    "Use a Python type (float, int, str, bool, bytes, datetime), list[...], a numpy dtype, "
    "a name such as 'float32', 'int64', 'string', 'binary', 'bool', 'datetime64[ns]', "
    "'list<float32>', 'struct<text: string, score: float32>', or a pyarrow type of those kinds."
)

_SCALARS: dict[str, pa.DataType] = {
    "bool": pa.bool_(),
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "uint8": pa.uint8(),
    "uint16": pa.uint16(),
    "uint32": pa.uint32(),
    "uint64": pa.uint64(),
    "float16": pa.float16(),
    "float32": pa.float32(),
    "float64": pa.float64(),
    "string": pa.string(),
    "large_string": pa.large_string(),
    "binary": pa.binary(),
    "large_binary": pa.large_binary(),
    "date32": pa.date32(),
}
_NAME_OF: dict[pa.DataType, str] = {t: name for name, t in _SCALARS.items()}

_ALIASES: dict[str, str] = {
    "boolean": "bool",
    "int": "int64",
    "float": "float64",
    "double": "float64",
    "halffloat": "float16",
    "str": "string",
    "utf8": "string",
    "string[python]": "string",
    "string[pyarrow]": "string",
    "large_utf8": "large_string",
    "bytes": "binary",
    "date32[day]": "date32",
    # pandas' nullable extension dtypes: nullability is a property of the Field
    **{n: n.lower() for n in ("Int8", "Int16", "Int32", "Int64", "Float32", "Float64")},
    **{n: n.lower() for n in ("UInt8", "UInt16", "UInt32", "UInt64")},
}

_PYTHON: dict[type, pa.DataType] = {
    bool: pa.bool_(),
    int: pa.int64(),
    float: pa.float64(),
    str: pa.string(),
    bytes: pa.binary(),
    datetime: pa.timestamp("us"),
    date: pa.date32(),
}

_UNITS = "s|ms|us|ns"
_TIMESTAMP = re.compile(rf"timestamp\[({_UNITS})(?:,\s*tz=([^\]]+))?\]")
_DATETIME64 = re.compile(rf"(?:datetime64|M8|<M8)\[({_UNITS}|D)(?:,\s*([^\]]+))?\]")
_FIXED_SIZE = re.compile(r"fixed_size_list<(.+),\s*(\d+)>")

_V2_NAMES: dict[pa.DataType, str] = {
    pa.bool_(): "BOOL",
    **{getattr(pa, f"int{b}")(): f"INT{b}" for b in (8, 16, 32, 64)},
    **{getattr(pa, f"uint{b}")(): f"UINT{b}" for b in (8, 16, 32, 64)},
    pa.float16(): "FP16",
    pa.float32(): "FP32",
    pa.float64(): "FP64",
}
_FROM_V2: dict[str, pa.DataType] = {name: t for t, name in _V2_NAMES.items()} | {
    "BYTES": pa.binary()
}


def _unsupported(what: object) -> ConfigError:
    if isinstance(what, type):
        shown = what.__qualname__
    elif isinstance(what, np.dtype):
        shown = f"numpy dtype {what}"
    elif isinstance(what, pa.DataType):
        shown = f"Arrow type {what}"
    else:
        shown = repr(what)
    return ConfigError(f"unsupported type {shown}", hint=SUPPORTED_HINT)


def arrow_type_of(t: Any) -> pa.DataType:
    """The canonical Arrow type for ``t``: a Python type, ``list[X]``, a numpy or pandas dtype,
    a type name (see ``arrow_type_name``) or a pyarrow type; ConfigError naming ``t`` otherwise."""
    if isinstance(t, pa.DataType):
        return _canonical(t)
    if isinstance(t, str):
        return _from_name(t)
    if isinstance(t, type) and t in _PYTHON:
        return _PYTHON[t]
    if t is list:
        raise ConfigError("type 'list' needs an element type", hint="Write e.g. list[float].")
    if isinstance(t, types.UnionType) or typing.get_origin(t) is typing.Union:
        raise ConfigError(
            f"type {t} is a union", hint="Give one type, and nullable=True for missing values."
        )
    if typing.get_origin(t) is list and len(typing.get_args(t)) == 1:
        return pa.list_(arrow_type_of(typing.get_args(t)[0]))
    if isinstance(t, np.dtype) or (isinstance(t, type) and issubclass(t, np.generic)):
        return _from_numpy(np.dtype(t))
    if type(t).__module__.startswith("pandas"):  # a pandas dtype object such as Int64Dtype()
        return _from_name(str(t))
    raise _unsupported(t)


def _canonical(t: pa.DataType) -> pa.DataType:
    """Check ``t`` is supported and rebuild its list types with Arrow's default item field."""
    if pa.types.is_fixed_size_list(t):
        fixed: pa.DataType = pa.list_(_canonical(_child(t)), t.list_size)
        return fixed
    if pa.types.is_list(t):
        return pa.list_(_canonical(_child(t)))
    if pa.types.is_large_list(t):
        return pa.large_list(_canonical(_child(t)))
    if pa.types.is_struct(t):
        return struct_of([(m.name, _canonical(m.type)) for m in members(t)])
    if pa.types.is_timestamp(t) or t in _NAME_OF:
        return t
    raise _unsupported(t)


def _from_numpy(dt: np.dtype[Any]) -> pa.DataType:
    if dt.kind in "biuf" and dt.name in _SCALARS:
        return _SCALARS[dt.name]
    if dt.kind == "U":
        return pa.string()
    if dt.kind == "S":
        return pa.binary()
    if dt.kind == "M":
        unit = np.datetime_data(dt)[0]
        if unit == "D":
            return pa.date32()
        if unit in _UNITS.split("|"):
            return pa.timestamp(cast(Any, unit))
    if dt.kind == "O":
        raise ConfigError(
            "numpy dtype 'object' does not say what the values are",
            hint="Name the element type instead, e.g. 'string' or 'binary'.",
        )
    raise _unsupported(dt)


def _from_name(text: str) -> pa.DataType:
    name = text.strip()
    name = _ALIASES.get(name, name)
    if name in _SCALARS:
        return _SCALARS[name]
    if match := _TIMESTAMP.fullmatch(name):
        return pa.timestamp(cast(Any, match[1]), tz=match[2])
    if match := _DATETIME64.fullmatch(name):
        return pa.date32() if match[1] == "D" else pa.timestamp(cast(Any, match[1]), tz=match[2])
    if name.startswith("list<") and name.endswith(">"):
        return pa.list_(_from_name(name[5:-1]))
    if name.startswith("large_list<") and name.endswith(">"):
        return pa.large_list(_from_name(name[11:-1]))
    if name.startswith("struct<") and name.endswith(">"):
        return struct_of(struct_members(text, name[7:-1], _from_name))
    if match := _FIXED_SIZE.fullmatch(name):
        size = int(match[2])
        if size < 1:
            raise ConfigError(f"type {text!r} has size 0", hint="Sizes start at 1.")
        return pa.list_(_from_name(match[1]), size)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            dt = np.dtype(name)
    except (TypeError, ValueError, Warning):
        raise ConfigError(f"unknown type name {text!r}", hint=SUPPORTED_HINT) from None
    return _from_numpy(dt)


def arrow_type_name(t: pa.DataType) -> str:
    """The name of ``t`` that ``arrow_type_of`` parses back to exactly ``t`` (for YAML/JSON)."""
    if pa.types.is_fixed_size_list(t):
        return f"fixed_size_list<{arrow_type_name(_child(t))}, {t.list_size}>"
    if pa.types.is_list(t):
        return f"list<{arrow_type_name(_child(t))}>"
    if pa.types.is_large_list(t):
        return f"large_list<{arrow_type_name(_child(t))}>"
    if pa.types.is_struct(t):
        named = (f"{m.name}: {arrow_type_name(m.type)}" for m in members(t))
        return f"struct<{', '.join(named)}>"
    if pa.types.is_timestamp(t):
        return f"timestamp[{t.unit}, tz={t.tz}]" if t.tz else f"timestamp[{t.unit}]"
    if t in _NAME_OF:
        return _NAME_OF[t]
    raise _unsupported(t)


def _child(t: Any) -> pa.DataType:
    """The element type of a list type."""
    return cast(pa.DataType, t.value_type)


def _is_list(t: pa.DataType) -> bool:
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t))


def element_type(t: pa.DataType) -> pa.DataType:
    """The innermost (leaf) type of ``t``, through every level of list."""
    while _is_list(t):
        t = _child(t)
    return t


def holds_struct(t: pa.DataType) -> bool:
    """Whether a value of ``t`` holds records (a struct at any level of list)."""
    return bool(pa.types.is_struct(element_type(t)))


def tensor_dims(t: pa.DataType) -> list[int]:
    """The dimensions of one value of ``t``: a fixed size per fixed-size list, -1 per variable
    list, ``[]`` for a scalar and for a value holding a struct (one JSON element)."""
    dims: list[int] = []
    if holds_struct(t):
        return dims
    while _is_list(t):
        dims.append(t.list_size if pa.types.is_fixed_size_list(t) else -1)
        t = _child(t)
    return dims


def _is_text_or_time(t: pa.DataType) -> bool:
    kinds = (pa.types.is_string, pa.types.is_large_string, pa.types.is_binary)
    more = (pa.types.is_large_binary, pa.types.is_date32, pa.types.is_timestamp)
    return any(check(t) for check in kinds + more)


def to_v2_datatype(t: pa.DataType) -> str:
    """The Open Inference Protocol V2 datatype of ``t``'s elements (lists are tensor dims)."""
    leaf = element_type(t)
    if _is_text_or_time(leaf) or pa.types.is_struct(leaf):
        return "BYTES"
    if leaf in _V2_NAMES:
        return _V2_NAMES[leaf]
    raise ConfigError(f"type {t} has no Open Inference Protocol datatype", hint=SUPPORTED_HINT)


def from_v2_datatype(name: str) -> pa.DataType:
    """The Arrow type of an Open Inference Protocol V2 datatype (BYTES -> binary)."""
    if isinstance(name, str) and name in _FROM_V2:
        return _FROM_V2[name]
    raise InvalidInput(
        f"unknown tensor datatype {name!r}", hint=f"Use one of {', '.join(_FROM_V2)}."
    )


def json_schema_of(t: pa.DataType) -> dict[str, Any]:
    """The JSON Schema of one non-null value of Arrow type ``t``."""
    if pa.types.is_fixed_size_list(t):
        n = t.list_size
        return {
            "type": "array",
            "items": json_schema_of(_child(t)),
            "minItems": n,
            "maxItems": n,
        }
    if _is_list(t):
        return {"type": "array", "items": json_schema_of(_child(t))}
    if pa.types.is_struct(t):
        return {
            "type": "object",
            "properties": {
                m.name: {"anyOf": [json_schema_of(m.type), {"type": "null"}]} for m in members(t)
            },
            "additionalProperties": False,
        }
    if pa.types.is_boolean(t):
        return {"type": "boolean"}
    if pa.types.is_integer(t):
        info = np.iinfo(_NAME_OF[t])
        schema: dict[str, Any] = {"type": "integer", "minimum": int(info.min)}
        schema["maximum"] = int(info.max)
        if t in (pa.int32(), pa.int64()):
            schema["format"] = str(t)
        return schema
    if pa.types.is_floating(t):
        formats = {pa.float32(): {"format": "float"}, pa.float64(): {"format": "double"}}
        return {"type": "number", **formats.get(t, {})}
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return {"type": "string", "contentEncoding": "base64"}
    if pa.types.is_date32(t):
        return {"type": "string", "format": "date"}
    if pa.types.is_timestamp(t):
        return {"type": "string", "format": "date-time"}
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return {"type": "string"}
    raise _unsupported(t)


def numpy_dtype_of(t: pa.DataType) -> np.dtype[Any]:
    """The numpy dtype of ``t``'s elements: object for text and bytes, datetime64 for times
    (a time zone is dropped: numpy holds UTC instants), datetime64[D] for dates."""
    leaf = element_type(t)
    if pa.types.is_timestamp(leaf):
        return np.dtype(f"datetime64[{leaf.unit}]")
    if pa.types.is_date32(leaf):
        return np.dtype("datetime64[D]")
    if _is_text_or_time(leaf) or pa.types.is_struct(leaf):
        return np.dtype(object)
    if leaf in _NAME_OF:
        return np.dtype(_NAME_OF[leaf])
    raise _unsupported(t)


def pandas_dtype_of(t: pa.DataType, *, nullable: bool) -> np.dtype[Any] | ExtensionDtype:
    """The dtype a DataFrame column of ``t`` should hold (it compares equal to its name).

    - lists, tensors and structs: object (each cell holds a list, numpy array or dict);
    - integers: int64 etc., or pandas' masked Int64 etc. when nullable (so nulls survive);
    - bool: bool, or pandas' "boolean" when nullable;
    - floats: float32/float64 either way (null is NaN);
    - strings and bytes: object, what pandas 1.x and 2.x produce by default and what models
      written for those conventions expect (pandas 3's "str" columns convert to it losslessly);
    - date32: object holding ``datetime.date``, as ``pyarrow.Table.to_pandas`` gives;
    - timestamps: datetime64[unit], or datetime64[unit, tz] with a time zone.
    """
    from pandas.api.types import pandas_dtype

    return pandas_dtype(_pandas_dtype_name(t, nullable))


def _pandas_dtype_name(t: pa.DataType, nullable: bool) -> str:
    if pa.types.is_timestamp(t):
        return f"datetime64[{t.unit}, {t.tz}]" if t.tz else f"datetime64[{t.unit}]"
    if _is_list(t) or _is_text_or_time(t) or pa.types.is_struct(t):
        return "object"
    if pa.types.is_boolean(t):
        return "boolean" if nullable else "bool"
    name = _NAME_OF.get(t)
    if name is None:
        raise _unsupported(t)
    if nullable and pa.types.is_integer(t):
        return name.replace("uint", "UInt").replace("int", "Int")
    return name


def plain_type(t: pa.DataType) -> pa.DataType:
    """The supported type that data read as ``t`` holds: a dictionary's values, plain forms of
    large strings, binaries and lists, date32 for date64; ConfigError when there is none."""
    if pa.types.is_dictionary(t):
        t = cast(Any, t).value_type
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(plain_type(_child(t)))
    if pa.types.is_fixed_size_list(t):
        fixed: pa.DataType = pa.list_(plain_type(_child(t)), cast(Any, t).list_size)
        return fixed
    if pa.types.is_struct(t):
        return struct_of([(m.name, plain_type(m.type)) for m in members(t)])
    plain: dict[pa.DataType, pa.DataType] = {pa.large_string(): pa.string()}
    plain[pa.large_binary()] = pa.binary()
    return _canonical(plain.get(t, pa.date32() if pa.types.is_date64(t) else t))
