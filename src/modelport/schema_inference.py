"""Signatures read off sample data (``infer_signature``, ``infer_schema``), for models that
declare none: ``infer_schema`` lists the samples it reads."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.errors import ConfigError, InvalidInput
from modelport.schema import Field, Signature, signature_from_arrow
from modelport.schema_mappings import plain_type


def infer_signature(sample_input: Any, sample_output: Any | None = None) -> Signature:
    """The signature of these samples (see ``infer_schema``), marked ``inferred``."""
    outputs = infer_schema(sample_output) if sample_output is not None else None
    return signature_from_arrow(infer_schema(sample_input), outputs, inferred=True)


def infer_schema(sample: Any) -> pa.Schema:
    """The Arrow schema of sample data, one field per column.

    Samples: a pandas DataFrame; a pyarrow Table or RecordBatch; a mapping of column name to
    values (numpy array, list, Series, Arrow array); a list of record dicts (a key missing from
    some records makes the field nullable); a 2-D numpy array (columns "0", "1", ...); a 1-D
    array, list or Arrow array (one column "output"; a Series keeps its name when it has one);
    an N-D (N > 2) numpy array (one tensor column "0"). A numpy column of shape (rows, *shape),
    or a column whose values are numpy arrays of one shape, becomes a fixed-shape tensor.

    A field is nullable when the sample holds a null (or NaN) in it. Categorical columns take
    their values' type; large strings, binaries and lists become their plain forms.
    """
    columns = _sample_columns(sample)
    lengths = {name: _length(name, values) for name, values in columns.items()}
    if len(set(lengths.values())) > 1:
        raise InvalidInput(
            f"sample columns differ in length: {lengths}",
            hint="Give every column one value per row.",
        )
    return pa.schema([_infer_field(name, values) for name, values in columns.items()])


def _sample_columns(sample: Any) -> dict[str, Any]:
    if isinstance(sample, pa.Table | pa.RecordBatch):
        return _unique(sample.column_names, sample.columns)
    pandas = sys.modules.get("pandas")  # a DataFrame sample means pandas is imported already
    if pandas is not None and isinstance(sample, pandas.DataFrame):
        names = [str(c) for c in sample.columns]
        return _unique(names, [sample.iloc[:, i] for i in range(len(names))])
    if pandas is not None and isinstance(sample, pandas.Series):
        return {sample.name if isinstance(sample.name, str) and sample.name else "output": sample}
    if isinstance(sample, np.ndarray) and sample.ndim > 0:
        if sample.ndim == 2:
            return {str(i): sample[:, i] for i in range(sample.shape[1])}
        return {"output" if sample.ndim == 1 else "0": sample}
    if isinstance(sample, Mapping):
        if not all(isinstance(key, str) for key in sample):
            raise InvalidInput("sample column names must be strings", hint=f"Got {list(sample)}.")
        return dict(sample)
    if isinstance(sample, list) and sample and all(isinstance(r, Mapping) for r in sample):
        names = list(dict.fromkeys(key for record in sample for key in record))
        return {str(key): [record.get(key) for record in sample] for key in names}
    if isinstance(sample, list | tuple | pa.Array | pa.ChunkedArray) and len(sample):
        return {"output": sample}
    raise InvalidInput(
        f"cannot infer a schema from {type(sample).__name__}",
        hint="Give a pandas DataFrame, a pyarrow Table, a dict of column -> values, "
        "a list of record dicts or a numpy array, holding at least one row.",
    )


def _unique(names: list[str], values: Sequence[Any]) -> dict[str, Any]:
    if len(set(names)) != len(names):
        raise InvalidInput(f"sample has duplicate column names: {names}")
    return dict(zip(names, values, strict=True))


def _length(name: str, values: Any) -> int:
    try:
        return len(values)
    except TypeError:
        raise InvalidInput(
            f"sample column {name!r} is a single {type(values).__name__}, not a column of values",
            hint="Give a list or array with one value per row.",
            field=name,
        ) from None


def _infer_field(name: str, values: Any) -> pa.Field[Any]:
    if isinstance(values, np.ndarray) and values.ndim > 1:
        return _tensor_field(name, values, nullable=False)
    if isinstance(values, list | tuple) or getattr(values, "dtype", None) == np.dtype(object):
        present = [v for v in values if v is not None]
        arrays = all(isinstance(v, np.ndarray) and v.ndim > 0 for v in present)
        if present and arrays and len({(v.shape, v.dtype) for v in present}) == 1:
            return _tensor_field(name, np.stack(present), len(present) < len(values))
    array = values if isinstance(values, pa.Array | pa.ChunkedArray) else _array(name, values)
    return pa.field(name, _inferred_type(name, array.type), nullable=array.null_count > 0)


def _array(name: str, values: Any) -> pa.Array[Any]:
    try:
        array: pa.Array[Any] = pa.array(values, from_pandas=True)
        return array
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as error:
        raise InvalidInput(
            f"cannot infer the type of sample column {name!r}: {error}",
            hint="Convert the column, or declare the signature.",
            field=name,
        ) from None


def _tensor_field(name: str, stacked: np.ndarray, nullable: bool) -> pa.Field[Any]:
    if 0 in stacked.shape[1:]:
        raise InvalidInput(f"sample column {name!r} has an empty dimension", field=name)
    element = _inferred_type(name, _array(name, stacked.reshape(-1)).type)
    return Field(name, element, shape=stacked.shape[1:], nullable=nullable).to_arrow()


def _inferred_type(name: str, t: pa.DataType) -> pa.DataType:
    if pa.types.is_null(t):
        raise InvalidInput(
            f"sample column {name!r} holds only nulls, so its type is unknown",
            hint="Give at least one value, or declare the signature.",
            field=name,
        )
    try:
        return plain_type(t)
    except ConfigError:
        raise InvalidInput(
            f"sample column {name!r} has type {t}, which modelport schemas do not support",
            hint="Convert the column, or declare the signature.",
            field=name,
        ) from None
