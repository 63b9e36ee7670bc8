"""Example bodies for the OpenAPI document: a model's own example rows, or rows made up from
its signature, in every form a route takes (records, split, columns, CSV, V2 tensors).

Every value made up here is valid for its field's JSON Schema (``schema.to_json_schema``), so a
documented example always passes the server's validation.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.schema import Field, Signature, to_v2_tensor_metadata
from modelport.schema_mappings import holds_struct
from modelport.struct_types import members

Record = dict[str, Any]

_LIST_ITEMS = 2
"""How many items a made-up variable-length list holds."""


def example_value(t: pa.DataType) -> Any:
    """A plausible JSON value of Arrow type ``t`` (nested lists for fixed shapes and lists,
    an object for a struct)."""
    if pa.types.is_struct(t):
        return {member.name: example_value(member.type) for member in members(t)}
    if pa.types.is_fixed_size_list(t):
        return [example_value(t.value_type) for _ in range(t.list_size)]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [example_value(t.value_type) for _ in range(_LIST_ITEMS)]
    if pa.types.is_boolean(t):
        return True
    if pa.types.is_integer(t):
        return 1
    if pa.types.is_floating(t):
        return 0.5
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return base64.b64encode(b"example").decode()
    if pa.types.is_date32(t):
        return "2024-01-31"
    if pa.types.is_timestamp(t):
        return "2024-01-31T12:00:00Z" if t.tz else "2024-01-31T12:00:00"
    return "text"


def example_row(fields: Sequence[Field]) -> Record:
    """One made-up record holding a value for every field."""
    return {f.name: example_value(f.arrow_type) for f in fields}


def jsonable(value: Any) -> Any:
    """``value`` with what JSON cannot hold turned into what the server reads: numpy values
    as Python ones, bytes as base64, dates and times as ISO-8601, NaN as null."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def input_rows(signature: Signature, given: Sequence[Mapping[str, Any]] | None) -> list[Record]:
    """The model's own example rows when it has some, else one made-up row (none for a
    free-form model without an example)."""
    if given:
        return [jsonable(row) for row in given]
    if signature.free_form or not signature.inputs:
        return []
    return [example_row(signature.inputs)]


def output_rows(signature: Signature, count: int) -> list[Record]:
    """``count`` made-up answer records (none when the outputs are not declared)."""
    if signature.free_form or not signature.outputs:
        return []
    return [example_row(signature.outputs) for _ in range(max(count, 1))]


def split_form(rows: Sequence[Record], names: Sequence[str]) -> dict[str, Any]:
    """Rows in pandas' split orientation: ``{"columns": [...], "data": [[...], ...]}``."""
    return {"columns": list(names), "data": [[row.get(n) for n in names] for row in rows]}


def columns_form(rows: Sequence[Record], names: Sequence[str]) -> dict[str, list[Any]]:
    """Rows in pandas' columns orientation: ``{"column": [values, ...], ...}``."""
    return {n: [row.get(n) for row in rows] for n in names}


def csv_text(rows: Sequence[Record], fields: Sequence[Field]) -> str | None:
    """The rows as a CSV body, or None when a field (a list or tensor, bytes) has no CSV form."""
    if not rows or not all(_csv_scalar(f.type) and not f.shape for f in fields):
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.name for f in fields])
    for row in rows:
        writer.writerow([_csv_cell(row.get(f.name)) for f in fields])
    return out.getvalue()


def _csv_scalar(t: pa.DataType) -> bool:
    nested = pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)
    binary = pa.types.is_binary(t) or pa.types.is_large_binary(t)
    return not (nested or binary or pa.types.is_struct(t))


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def v2_tensors(rows: Sequence[Record], fields: Sequence[Field]) -> list[dict[str, Any]] | None:
    """The rows as Open Inference Protocol V2 tensors (row-major, flattened data), one per
    field (a field holding records: one JSON text per row); None when a column is ragged or
    holds a null, which V2 tensors cannot carry."""
    if not rows or not fields:
        return None
    tensors = []
    for f in fields:
        values = [row.get(f.name) for row in rows]
        if holds_struct(f.arrow_type):
            values = [json.dumps(value) for value in values]
        shape = _rectangular_shape(values)
        if shape is None:
            return None
        metadata = to_v2_tensor_metadata(f)
        tensors.append(
            {
                "name": f.name,
                "datatype": metadata["datatype"],
                "shape": shape,
                "data": _flatten(values),
            }
        )
    return tensors


def _rectangular_shape(values: Any) -> list[int] | None:
    """The shape of nested lists when every level is even and no value is null, else None."""
    if values is None:
        return None
    if not isinstance(values, list):
        return []
    shapes = [_rectangular_shape(v) for v in values]
    if any(s is None for s in shapes) or any(s != shapes[0] for s in shapes):
        return None
    inner = shapes[0] if shapes else []
    assert inner is not None
    return [len(values), *inner]


def _flatten(values: Any) -> list[Any]:
    if not isinstance(values, list):
        return [values]
    return [leaf for v in values for leaf in _flatten(v)]
