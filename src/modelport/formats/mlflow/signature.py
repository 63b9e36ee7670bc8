"""An MLflow model signature (``MLmodel``'s ``signature``) as a modelport Signature.

MLflow writes each side as JSON text: a list of column specs (``{"type": "double", "name":
"x", "required": true}``; ``array`` types with their ``items``) or of tensor specs
(``{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}``, the first
dimension the batch's). Unnamed specs take the names MLflow's own scoring server answers with:
``predictions`` for a single output, ``inputs`` for a single input tensor.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from modelport.errors import ConfigError
from modelport.schema import Field, Signature

INPUT_NAME = "inputs"
OUTPUT_NAME = "predictions"

COLUMN_TYPES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(),
    "integer": pa.int32(),
    "long": pa.int64(),
    "float": pa.float32(),
    "double": pa.float64(),
    "string": pa.string(),
    "binary": pa.binary(),
    "datetime": pa.timestamp("ns"),
}
"""MLflow's DataType names and the Arrow types of the pandas columns MLflow checks for."""

TENSOR_DTYPES: dict[str, pa.DataType] = {
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
    "str": pa.string(),
    "object": pa.string(),
}


def is_tensor_signature(signature: dict[str, Any] | None) -> bool:
    """Whether the model's inputs are tensor specs (the model then takes numpy arrays)."""
    specs = _specs(signature, "inputs") if signature else []
    return bool(specs) and all(spec.get("type") == "tensor" for spec in specs)


def read_signature(signature: dict[str, Any]) -> Signature:
    """The modelport Signature of an MLmodel's ``signature``; ConfigError naming the field for
    a spec modelport cannot serve."""
    inputs = _fields(_specs(signature, "inputs"), side="inputs", default=INPUT_NAME)
    outputs = _fields(_specs(signature, "outputs"), side="outputs", default=OUTPUT_NAME)
    return Signature(inputs=inputs, outputs=outputs)


def _specs(signature: dict[str, Any], side: str) -> list[dict[str, Any]]:
    raw = signature.get(side)
    if raw in (None, "", "null"):
        return []
    try:
        specs = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        raise ConfigError(
            f"the MLmodel signature's {side} are not JSON ({exc})",
            hint="log the model again with mlflow.models.infer_signature",
            field=f"signature.{side}",
        ) from None
    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
        raise ConfigError(
            f"the MLmodel signature's {side} are not a list of specs",
            hint="log the model again with mlflow.models.infer_signature",
            field=f"signature.{side}",
        )
    return specs


def _fields(specs: list[dict[str, Any]], *, side: str, default: str) -> list[Field]:
    fields = []
    for index, spec in enumerate(specs):
        name = spec.get("name") or (default if len(specs) == 1 else f"{default}_{index}")
        where = f"signature.{side}.{name}"
        if spec.get("type") == "tensor":
            fields.append(_tensor_field(str(name), spec.get("tensor-spec"), where))
        else:
            nullable = spec.get("required") is False
            fields.append(Field(str(name), _column_type(spec, where), nullable=nullable))
    return fields


def _column_type(spec: dict[str, Any], where: str) -> pa.DataType:
    kind = spec.get("type")
    if isinstance(kind, str) and kind in COLUMN_TYPES:
        return COLUMN_TYPES[kind]
    if kind == "array" and isinstance(spec.get("items"), dict):
        return pa.list_(_column_type(spec["items"], where))
    raise ConfigError(
        f"{where}: MLflow type {kind!r} has no Arrow column modelport serves",
        hint="give the model's schemas yourself (--input-schema/--output-schema), or log it "
        "with scalar, array or tensor columns",
        field=where,
    )


def _tensor_field(name: str, spec: Any, where: str) -> Field:
    if not isinstance(spec, dict) or str(spec.get("dtype")) not in TENSOR_DTYPES:
        dtype = spec.get("dtype") if isinstance(spec, dict) else None
        raise ConfigError(
            f"{where}: tensor dtype {dtype!r} is not one modelport serves",
            hint=f"use one of {', '.join(TENSOR_DTYPES)}",
            field=where,
        )
    element: pa.DataType = TENSOR_DTYPES[str(spec["dtype"])]
    shape = [int(size) for size in spec.get("shape") or [-1]][1:]  # the first is the batch's
    fixed = [size for size in shape if size > 0]
    if len(fixed) == len(shape):
        return Field(name, element, shape=tuple(fixed) or None)
    for _ in shape:  # a dimension of any size: lists, however deep
        element = pa.list_(element)
    return Field(name, element)
