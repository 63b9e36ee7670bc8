"""Open Inference Protocol V2 tensor values on the wire, to and from numpy.

A tensor's values travel inline as JSON (``"data"``: row-major, flattened or nested lists) or,
with the binary tensor data extension, as raw bytes: little-endian and unpadded; BOOL is one byte
per element; a BYTES element is a 4-byte little-endian length followed by its bytes. BYTES
elements decode to ``bytes`` from binary data and to ``str`` from JSON (JSON has only text).
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelport.errors import InvalidInput, NotAcceptable

DTYPES: dict[str, np.dtype[Any]] = {
    "BOOL": np.dtype(np.bool_),
    "INT8": np.dtype(np.int8),
    "INT16": np.dtype(np.int16),
    "INT32": np.dtype(np.int32),
    "INT64": np.dtype(np.int64),
    "UINT8": np.dtype(np.uint8),
    "UINT16": np.dtype(np.uint16),
    "UINT32": np.dtype(np.uint32),
    "UINT64": np.dtype(np.uint64),
    "FP16": np.dtype(np.float16),
    "FP32": np.dtype(np.float32),
    "FP64": np.dtype(np.float64),
    "BYTES": np.dtype(object),
}
"""The numpy dtype each V2 datatype decodes to."""

_WIRE: dict[str, np.dtype[Any]] = {
    name: dt.newbyteorder("<") for name, dt in DTYPES.items() if name != "BYTES"
}
_JSON_KINDS = {"b": "b", "i": "iu", "u": "iu", "f": "iuf"}
"""For a datatype's numpy kind, the kinds JSON values may arrive as."""
_LENGTH = struct.Struct("<I")


@dataclass(frozen=True, slots=True)
class Tensor:
    """One named tensor: its V2 datatype and its values as a numpy array of its shape."""

    name: str
    datatype: str
    data: np.ndarray

    @property
    def shape(self) -> list[int]:
        return list(self.data.shape)


def decode_json_data(name: str, datatype: str, shape: Sequence[int], data: Any) -> np.ndarray:
    """JSON ``data`` (row-major, flattened or nested) as an array of ``shape``."""
    count = math.prod(shape)
    if not isinstance(data, list):
        data = [data]
    if datatype == "BYTES":
        values = _flat_strings(name, data)
        array = np.empty(len(values), dtype=object)
        array[:] = values
    else:
        array = _numbers(name, datatype, data)
    if array.size != count:
        raise InvalidInput(
            f"input {name!r} has {array.size} values for shape {list(shape)} ({count} values)",
            field=name,
        )
    return array.reshape(shape)


def _numbers(name: str, datatype: str, data: list[Any]) -> np.ndarray:
    dtype = DTYPES[datatype]
    try:
        found = np.array(data)
    except (ValueError, OverflowError) as exc:  # ragged nesting, or out of every range
        raise InvalidInput(
            f"input {name!r} data is ragged or not numbers: {exc}", field=name
        ) from None
    if found.size == 0:
        return np.empty(0, dtype=dtype)
    if dtype.kind in "iu" and found.dtype.kind == "f":
        return _whole_numbers(name, datatype, data, found)
    if found.dtype.kind not in _JSON_KINDS[dtype.kind]:
        kind = "true/false" if dtype.kind == "b" else "numbers"
        raise InvalidInput(
            f"input {name!r} is {datatype} but its data holds {_kind_of(found)}",
            hint=f"send {kind} only",
            field=name,
        )
    if dtype.kind in "iu" and found.size and found.dtype != dtype:
        info = np.iinfo(dtype)
        if found.min() < info.min or found.max() > info.max:
            raise InvalidInput(f"input {name!r} has a value outside {datatype}", field=name)
    if dtype.kind == "f" and found.dtype.itemsize > dtype.itemsize:
        return _narrow_floats(name, datatype, found)
    return found.astype(dtype, copy=False)


def _narrow_floats(name: str, datatype: str, found: np.ndarray) -> np.ndarray:
    """Floats cast to a narrower float type; a value too large for it (which would become an
    infinity) is refused, naming the type's largest value."""
    dtype = DTYPES[datatype]
    with np.errstate(over="ignore"):
        narrowed = found.astype(dtype)
    if not np.all(np.isfinite(narrowed) | ~np.isfinite(found)):
        raise InvalidInput(
            f"input {name!r} has a value outside {datatype}",
            hint=f"send values within ±{float(np.finfo(dtype).max):g}",
            field=name,
        )
    return narrowed


def _whole_numbers(name: str, datatype: str, data: list[Any], found: np.ndarray) -> np.ndarray:
    """Integers for an integer tensor that numpy read as floats: whole-number floats, or
    int64 and uint64 values mixed (read exactly again, straight as ``datatype``)."""
    if not np.all(np.isfinite(found) & (np.floor(found) == found)):
        raise InvalidInput(
            f"input {name!r} is {datatype} but its data holds fractions",
            hint="send whole numbers only",
            field=name,
        )
    try:
        return np.array(data, dtype=DTYPES[datatype])
    except (ValueError, OverflowError):
        raise InvalidInput(f"input {name!r} has a value outside {datatype}", field=name) from None


def _kind_of(found: np.ndarray) -> str:
    kinds = {"U": "text", "O": "nulls, nested lists or mixed values", "b": "booleans"}
    return kinds.get(found.dtype.kind, f"{found.dtype} values")


def _flat_strings(name: str, data: list[Any]) -> list[Any]:
    if all(isinstance(item, str) for item in data):
        return data
    flat: list[Any] = []
    depth: set[int] = set()

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            elif isinstance(item, str):
                depth.add(level)
                flat.append(item)
            else:
                raise InvalidInput(
                    f"input {name!r} is BYTES but its data holds {type(item).__name__} {item!r}",
                    hint="send BYTES values as JSON strings (or as binary data)",
                    field=name,
                )

    walk(data, 0)
    if len(depth) > 1:
        raise InvalidInput(f"input {name!r} data is ragged (nested unevenly)", field=name)
    return flat


def decode_binary_data(name: str, datatype: str, shape: Sequence[int], raw: Any) -> np.ndarray:
    """Binary tensor data (bytes or a memoryview) as an array of ``shape``."""
    count = math.prod(shape)
    if datatype == "BYTES":
        return _bytes_elements(name, raw, count).reshape(shape)
    wire = _WIRE[datatype]
    if len(raw) != count * wire.itemsize:
        raise InvalidInput(
            f"input {name!r} has {len(raw)} bytes of binary data; shape {list(shape)} of "
            f"{datatype} needs {count * wire.itemsize}",
            field=name,
        )
    if datatype == "BOOL":
        flags: np.ndarray = np.frombuffer(raw, dtype=np.uint8) != 0
        return flags.reshape(shape)
    array: np.ndarray = np.frombuffer(raw, dtype=wire).astype(DTYPES[datatype], copy=False)
    return array.reshape(shape)


def _bytes_elements(name: str, raw: Any, count: int) -> np.ndarray:
    view = memoryview(raw)
    if count * _LENGTH.size > len(view):  # before allocating: each element takes 4 bytes or more
        raise InvalidInput(
            f"input {name!r} declares {count:,} BYTES elements; its {len(view):,} bytes of "
            f"binary data hold at most {len(view) // _LENGTH.size:,}",
            hint="give the shape of the elements sent (4-byte length, then the bytes, each)",
            field=name,
        )
    elements = np.empty(count, dtype=object)
    offset, end = 0, len(view)
    for index in range(count):
        if offset + 4 > end:
            break
        (length,) = _LENGTH.unpack_from(view, offset)
        offset += 4
        if offset + length > end:
            break
        elements[index] = bytes(view[offset : offset + length])
        offset += length
    else:
        if offset == end:
            return elements
    raise InvalidInput(
        f"input {name!r}: its BYTES binary data does not hold exactly {count} "
        "length-prefixed elements",
        hint="each element is a 4-byte little-endian length followed by that many bytes",
        field=name,
    )


def encode_binary_data(tensor: Tensor) -> bytes:
    """A tensor's values as binary tensor data."""
    if tensor.datatype == "BYTES":
        parts: list[bytes] = []
        for item in tensor.data.reshape(-1):
            value = item if isinstance(item, bytes) else str(item).encode()
            parts.append(_LENGTH.pack(len(value)))
            parts.append(value)
        return b"".join(parts)
    return np.ascontiguousarray(tensor.data, dtype=_WIRE[tensor.datatype]).tobytes()


def json_data(tensor: Tensor) -> Any:
    """A tensor's values for ``"data"``: a flat row-major array or list (BYTES as text)."""
    flat = tensor.data.reshape(-1)
    if tensor.datatype != "BYTES":
        return np.ascontiguousarray(flat, dtype=DTYPES[tensor.datatype])
    values = flat.tolist()
    for index, item in enumerate(values):
        if isinstance(item, bytes):
            try:
                values[index] = item.decode()
            except UnicodeDecodeError:
                raise NotAcceptable(
                    f"output {tensor.name!r} holds bytes that are not UTF-8 text, "
                    "which JSON cannot carry",
                    hint="ask for it as binary data (parameters.binary_data: true)",
                    field=tensor.name,
                ) from None
        elif not isinstance(item, str):
            values[index] = str(item)
    return values
