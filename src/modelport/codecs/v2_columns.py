"""Open Inference Protocol V2 tensors as a model's columns, and its output columns as tensors.

How input tensors meet the model's signature: each tensor feeds the input field of its name,
with shape ``[N]`` (or ``[N, 1]``) for a scalar field and ``[N, *field.shape]`` for a tensor
field (``-1`` dimensions, variable-length lists, take any size). BYTES tensors become text,
bytes, or dates and times (ISO-8601) as the field says. As MLServer does, a model whose inputs
are all scalars also takes one tensor of another name shaped ``[N, k]``, ``k`` the number of
inputs: its columns are the inputs in signature order. A free-form model gets each tensor as
a column of its name, BYTES as text where it is UTF-8.

Each output column becomes one output tensor, ``[N]`` or ``[N, *dims]``, its datatype the
declared output field's (or the Arrow type's when the model declares no outputs); the request's
``outputs`` pick which, and ``binary_data``/``binary_data_output`` pick binary or JSON.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import pyarrow as pa

from modelport.codecs.v2_bodies import InferenceRequest
from modelport.codecs.v2_data import DTYPES, Tensor
from modelport.decoded import Columns
from modelport.errors import InvalidInput, ModelFailed
from modelport.schema import Field, Signature
from modelport.schema_mappings import (
    element_type,
    holds_struct,
    numpy_dtype_of,
    tensor_dims,
    to_v2_datatype,
)

_OBJECT = np.dtype(object)


class _Kind:
    """What BYTES elements of a field or output stand for."""

    TEXT = "text"
    BINARY = "binary"
    TIME = "time"
    JSON = "json"
    OTHER = "other"


def _kind(t: pa.DataType) -> str:
    if holds_struct(t):
        return _Kind.JSON
    leaf = element_type(t)
    if pa.types.is_string(leaf) or pa.types.is_large_string(leaf):
        return _Kind.TEXT
    if pa.types.is_binary(leaf) or pa.types.is_large_binary(leaf):
        return _Kind.BINARY
    if pa.types.is_timestamp(leaf) or pa.types.is_date32(leaf):
        return _Kind.TIME
    return _Kind.OTHER


class TensorColumns:
    """How one model's tensors and columns map onto each other, worked out once from its
    signature: input tensors -> the columns the validator takes, output columns -> tensors."""

    def __init__(self, signature: Signature) -> None:
        self.free_form = signature.free_form or not signature.inputs
        self.inputs = {f.name: _InputRule(f) for f in signature.inputs}
        scalar = not self.free_form and all(not r.dims for r in self.inputs.values())
        self.matrix_names = tuple(self.inputs) if scalar else None
        self._outputs = {
            f.name: _OutputRule(f.name, f.arrow_type, to_v2_datatype(f.type))
            for f in signature.outputs
        }
        self._declared = {f.name: f.arrow_type for f in signature.outputs}

    # --- input tensors -> columns -----------------------------------------------------------

    def columns(self, tensors: tuple[Tensor, ...]) -> Columns:
        """The request's tensors as the numpy columns the validator takes."""
        return Columns(self._columns(tensors))

    def _columns(self, tensors: tuple[Tensor, ...]) -> dict[str, np.ndarray]:
        rows = _row_count(tensors)
        if self.free_form:
            return {t.name: _free_form_column(t) for t in tensors}
        if self.matrix_names is not None and len(tensors) == 1:
            only = tensors[0]
            if only.name not in self.inputs and only.data.shape == (rows, len(self.matrix_names)):
                return {
                    name: self.inputs[name].column(only.name, only.data[:, i], rows)
                    for i, name in enumerate(self.matrix_names)
                }
        columns = {}
        for tensor in tensors:
            rule = self.inputs.get(tensor.name)
            columns[tensor.name] = (
                tensor.data if rule is None else rule.column(tensor.name, tensor.data, rows)
            )
        return columns

    # --- output columns -> tensors ----------------------------------------------------------

    def outputs(self, table: pa.Table, request: InferenceRequest) -> list[tuple[Tensor, bool]]:
        """The answer's output tensors, each with whether it goes as binary data."""
        default = request.binary_output
        names = table.column_names
        if request.outputs is None:
            columns = table.columns
            return [(self._tensor(n, c), default) for n, c in zip(names, columns, strict=True)]
        wanted = []
        for output in request.outputs:
            if output.name not in names:
                raise InvalidInput(
                    f"the model has no output {output.name!r}",
                    hint=f"its outputs: {', '.join(table.column_names)}",
                    field=output.name,
                )
            binary = default if output.binary is None else output.binary
            wanted.append((self._tensor(output.name, table.column(output.name)), binary))
        return wanted

    def _tensor(self, name: str, column: pa.ChunkedArray[Any]) -> Tensor:
        rule = self._outputs.get(name)
        if rule is None or rule.arrow_type != column.type:  # a model's types rarely vary
            declared = self._declared.get(name, column.type)
            try:
                datatype = to_v2_datatype(declared)
            except Exception as exc:
                raise ModelFailed(f"output {name!r} of type {declared} is not a tensor") from exc
            rule = self._outputs[name] = _OutputRule(name, column.type, datatype)
        return rule.tensor(column)


def _row_count(tensors: tuple[Tensor, ...]) -> int:
    rows: int | None = None
    for tensor in tensors:
        shape = tensor.data.shape
        if not shape:
            raise InvalidInput(
                f"input {tensor.name!r} has shape [], with no batch dimension",
                hint="give the number of rows first, e.g. [1] for one value",
                field=tensor.name,
            )
        if rows is None:
            rows = shape[0]
        elif shape[0] != rows:
            raise InvalidInput(
                f"input {tensor.name!r} has {shape[0]} rows, {tensors[0].name!r} has {rows}",
                hint="give every input the same batch size (first dimension)",
                field=tensor.name,
            )
    return rows or 0


def _free_form_column(tensor: Tensor) -> np.ndarray:
    if tensor.datatype != "BYTES":
        return tensor.data
    return _map_bytes(tensor.data, _text_if_utf8)


def _text_if_utf8(item: Any) -> Any:
    if isinstance(item, bytes):
        try:
            return item.decode()
        except UnicodeDecodeError:
            return item
    return item


def _map_bytes(data: np.ndarray, convert: Any) -> np.ndarray:
    out = np.empty(data.shape, dtype=object)
    flat = out.reshape(-1)
    flat[:] = [convert(item) for item in data.reshape(-1)]
    return out


class _InputRule:
    """How a tensor becomes the column of one input field."""

    def __init__(self, field: Field) -> None:
        self.name = field.name
        self.dims = tuple(tensor_dims(field.arrow_type))
        self.kind = _kind(field.arrow_type)
        self.time_dtype = numpy_dtype_of(field.type) if self.kind == _Kind.TIME else None

    def column(self, tensor: str, data: np.ndarray, rows: int) -> np.ndarray:
        per_row = data.shape[1:]
        if not self.dims and per_row == (1,):
            data = data.reshape(rows)
        elif len(per_row) != len(self.dims) or any(
            want not in (-1, got) for want, got in zip(self.dims, per_row, strict=True)
        ):
            expected = ", ".join(str(d) for d in ("N", *self.dims))
            raise InvalidInput(
                f"input {tensor!r} has shape {list(data.shape)}; the model takes [{expected}]",
                hint="the first dimension is the batch, the rest the shape of one row",
                field=tensor,
            )
        if data.dtype != np.dtype(object):
            return data
        if self.kind == _Kind.TEXT:
            return _map_bytes(data, lambda item: _text(tensor, item))
        if self.kind == _Kind.BINARY:
            return _map_bytes(data, lambda item: item.encode() if isinstance(item, str) else item)
        if self.kind == _Kind.TIME:
            return self._times(tensor, data)
        if self.kind == _Kind.JSON:
            return _json_values(tensor, data)
        return data

    def _times(self, tensor: str, data: np.ndarray) -> np.ndarray:
        text = _map_bytes(data, lambda item: _text(tensor, item)).astype(str)
        try:
            with warnings.catch_warnings():  # numpy warns of, and reads as UTC, a zone offset
                warnings.simplefilter("ignore")
                return text.astype(self.time_dtype)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(
                f"input {tensor!r} holds a value that is not an ISO-8601 date or time: {exc}",
                field=tensor,
            ) from None


def _is_list(t: pa.DataType) -> bool:
    return bool(pa.types.is_fixed_size_list(t) or pa.types.is_list(t) or pa.types.is_large_list(t))


def _time_format(leaf: pa.DataType) -> str | None:
    """The ISO-8601 format dates or times of type ``leaf`` travel in (None: not a time)."""
    if pa.types.is_date32(leaf):
        return "%Y-%m-%d"
    if pa.types.is_timestamp(leaf):
        return "%Y-%m-%dT%H:%M:%S%z" if getattr(leaf, "tz", None) else "%Y-%m-%dT%H:%M:%S"
    return None


def _text(tensor: str, item: Any) -> str:
    if isinstance(item, bytes):
        try:
            return item.decode()
        except UnicodeDecodeError:
            raise InvalidInput(
                f"input {tensor!r} holds bytes that are not UTF-8", field=tensor
            ) from None
    return str(item)


def _json_values(tensor: str, data: np.ndarray) -> np.ndarray:
    """A BYTES tensor of one JSON text per row as the rows' values (dicts, lists)."""
    values = np.empty(len(data), dtype=object)
    for row, item in enumerate(data.reshape(-1)):
        try:
            values[row] = json.loads(_text(tensor, item))
        except ValueError as exc:
            raise InvalidInput(
                f"input {tensor!r} row {row} is not JSON text: {exc}",
                hint="send each row's records as one JSON text",
                field=tensor,
            ) from None
    return values


class _OutputRule:
    """How one output column of one Arrow type becomes a tensor of one datatype."""

    def __init__(self, name: str, arrow_type: pa.DataType, datatype: str) -> None:
        self.name = name
        self.arrow_type = arrow_type
        self.datatype = datatype
        self.dtype = DTYPES[datatype]
        self.leaf = element_type(arrow_type)
        self.time_format = _time_format(self.leaf)
        self.plain = self.leaf == arrow_type and self.time_format is None
        self.floating = pa.types.is_floating(self.leaf)
        self.records = holds_struct(arrow_type)

    def tensor(self, column: pa.ChunkedArray[Any]) -> Tensor:
        if self.records:  # one JSON text per row; a null row is the text "null"
            texts = [json.dumps(value) for value in column.to_pylist()]
            return Tensor(self.name, self.datatype, np.array(texts, dtype=object))
        if self.plain:  # the common case, without combining chunks
            if column.null_count and not self.floating:
                self._no_nulls(column)
            return Tensor(self.name, self.datatype, self._cast(column.to_numpy()))
        values: Any = column.combine_chunks()
        rows = len(values)
        dims: list[int] = []
        while _is_list(values.type):
            self._no_nulls(values)
            if pa.types.is_fixed_size_list(values.type):
                size = values.type.list_size
            else:
                import pyarrow.compute as pc

                lengths = pc.list_value_length(values)
                size = pc.min(lengths).as_py() or 0
                if size != (pc.max(lengths).as_py() or 0):
                    raise ModelFailed(
                        f"output {self.name!r} holds lists of different lengths, "
                        "which a tensor cannot",
                        hint="return lists of one length per output",
                    )
            dims.append(size)
            values = values.flatten()
        if self.time_format is not None:
            import pyarrow.compute as pc

            values = pc.strftime(values, format=self.time_format)
        if values.null_count and not self.floating:
            self._no_nulls(values)
        array = values.to_numpy(zero_copy_only=False)
        return Tensor(self.name, self.datatype, self._cast(array).reshape(rows, *dims))

    def _cast(self, array: np.ndarray) -> np.ndarray:
        if self.dtype == _OBJECT or array.dtype == self.dtype:
            return array
        return array.astype(self.dtype)

    def _no_nulls(self, values: pa.Array[Any] | pa.ChunkedArray[Any]) -> None:
        if values.null_count:
            raise ModelFailed(
                f"output {self.name!r} holds nulls, which a {self.datatype} tensor cannot",
                hint="return a value for every row (NaN for a missing float)",
            )
