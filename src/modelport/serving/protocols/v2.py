"""Open Inference Protocol V2 over REST, with the binary tensor data extension.

Routes (``[/versions/{v}]`` optional): ``GET /v2/health/live``, ``GET /v2/health/ready``,
``GET /v2`` (server metadata), ``GET /v2/models/{name}[/versions/{v}]`` (model metadata),
``GET .../ready`` (200 once loaded, 503 before) and ``POST .../infer``.

How input tensors meet the model's signature: each tensor feeds the input field of its name,
with shape ``[N]`` (or ``[N, 1]``) for a scalar field and ``[N, *field.shape]`` for a tensor
field (``-1`` dimensions, variable-length lists, take any size). BYTES tensors become text,
bytes, or dates and times (ISO-8601) as the field says. As MLServer does, a model whose inputs
are all scalars also takes one tensor of another name shaped ``[N, k]``, ``k`` the number of
inputs: its columns are the inputs in signature order. A free-form model gets each tensor as
a column of its name, BYTES as text where it is UTF-8.

Each output column becomes one output tensor, ``[N]`` or ``[N, *dims]``, its datatype the
declared output field's (or the Arrow type's when the model declares no outputs); the request's
``outputs`` pick which, and ``binary_data``/``binary_data_output`` pick binary or JSON. The
answer's ``id`` is the request's, or else the server's request id (``x-request-id``). Request
bodies may be gzip- or deflate-compressed (``Content-Encoding``), as tritonclient can send them.
"""

from __future__ import annotations

import warnings
import zlib
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import modelport
from modelport.codecs.v2_tensors import (
    DTYPES,
    HEADER_LENGTH,
    InferenceRequest,
    Tensor,
    decode_request,
    encode_response,
)
from modelport.errors import (
    InvalidInput,
    MalformedInput,
    ModelFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from modelport.schema import Field, to_v2_tensor_metadata
from modelport.schema_mappings import element_type, numpy_dtype_of, tensor_dims, to_v2_datatype
from modelport.serving.middleware import REQUEST_ID
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime

SERVER_METADATA = {
    "name": "modelport",
    "version": modelport.__version__,
    "extensions": ["binary_tensor_data"],
}
JSON = "application/json"
OCTETS = "application/octet-stream"
MAX_INFLATED = 1024**3
"""The largest body a compressed request (Content-Encoding gzip or deflate) may inflate to."""
_OBJECT = np.dtype(object)
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


def routes(models: ModelSet) -> list[BaseRoute]:
    plans: dict[ModelRuntime, ModelTensors] = {}

    def plan_of(request: Request) -> ModelTensors:
        params = request.path_params
        runtime = models.get(params["name"], params.get("version"))
        plan = plans.get(runtime)
        if plan is None:
            plan = plans[runtime] = ModelTensors(runtime)
        return plan

    async def live(request: Request) -> Response:
        return _json({"live": True})

    async def ready(request: Request) -> Response:
        is_ready = models.ready
        return _json({"ready": is_ready}, status=200 if is_ready else 503)

    async def server_metadata(request: Request) -> Response:
        return _json(SERVER_METADATA)

    async def model_metadata(request: Request) -> Response:
        plan = plan_of(request)
        name = plan.runtime.name
        versions = [_version(r) for r in models.all() if r.name == name]
        return _json({"name": name, "versions": versions, **plan.metadata})

    async def model_ready(request: Request) -> Response:
        runtime = plan_of(request).runtime
        body = {"name": runtime.name, "ready": runtime.ready}
        return _json(body, status=200 if runtime.ready else 503)

    async def infer(request: Request) -> Response:
        plan = plan_of(request)
        body = _inflated(await request.body(), request.headers.get("content-encoding"))
        decoded = decode_request(body, request.headers.get(HEADER_LENGTH))
        runtime = plan.runtime
        batch = runtime.validator.columns(plan.columns(decoded.inputs))
        result = await runtime.predict(batch)
        header = {
            "model_name": runtime.name,
            "model_version": plan.version,
            "id": decoded.id if decoded.id is not None else request.scope.get(REQUEST_ID, ""),
        }
        content, length = encode_response(header, plan.outputs(result, decoded))
        if length is None:
            return Response(content, media_type=JSON)
        return Response(content, media_type=OCTETS, headers={HEADER_LENGTH: str(length)})

    model = "/v2/models/{name}"
    versioned = "/v2/models/{name}/versions/{version}"
    return [
        Route("/v2/health/live", live, methods=["GET"]),
        Route("/v2/health/ready", ready, methods=["GET"]),
        Route("/v2", server_metadata, methods=["GET"]),
        *(Route(base, model_metadata, methods=["GET"]) for base in (model, versioned)),
        *(Route(f"{base}/ready", model_ready, methods=["GET"]) for base in (model, versioned)),
        *(Route(f"{base}/infer", infer, methods=["POST"]) for base in (model, versioned)),
    ]


def _json(value: Any, *, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type=JSON)


def _version(runtime: ModelRuntime) -> str:
    return str(runtime.version) if runtime.version is not None else "1"


def _inflated(body: bytes, encoding: str | None) -> bytes:
    """The body, decompressed when tritonclient sent it gzip- or deflate-compressed."""
    if encoding is None or encoding == "identity":
        return body
    if encoding not in _WBITS:
        raise UnsupportedMediaType(
            f"cannot read a body with Content-Encoding {encoding}",
            hint="send it uncompressed, or as gzip or deflate",
            field="Content-Encoding",
        )
    inflater = zlib.decompressobj(_WBITS[encoding])
    try:
        inflated = inflater.decompress(body, MAX_INFLATED)
    except zlib.error as exc:
        raise MalformedInput(
            f"the {encoding} body is corrupt: {exc}", field="Content-Encoding"
        ) from None
    if inflater.unconsumed_tail:
        raise PayloadTooLarge(f"the request body inflates to over {MAX_INFLATED:,} bytes")
    return inflated


class _Kind:
    """What BYTES elements of a field or output stand for."""

    TEXT = "text"
    BINARY = "binary"
    TIME = "time"
    OTHER = "other"


def _kind(t: pa.DataType) -> str:
    leaf = element_type(t)
    if pa.types.is_string(leaf) or pa.types.is_large_string(leaf):
        return _Kind.TEXT
    if pa.types.is_binary(leaf) or pa.types.is_large_binary(leaf):
        return _Kind.BINARY
    if pa.types.is_timestamp(leaf) or pa.types.is_date32(leaf):
        return _Kind.TIME
    return _Kind.OTHER


class ModelTensors:
    """What the V2 protocol needs of one model, worked out once when first asked for: its
    metadata, how input tensors become its input columns, and how its output columns become
    tensors."""

    def __init__(self, runtime: ModelRuntime) -> None:
        self.runtime = runtime
        self.version = _version(runtime)
        signature = runtime.signature
        self.free_form = signature.free_form or not signature.inputs
        self.metadata = {
            "platform": "modelport",
            "inputs": [to_v2_tensor_metadata(f) for f in signature.inputs],
            "outputs": [to_v2_tensor_metadata(f) for f in signature.outputs],
        }
        self.inputs = {f.name: _InputRule(f) for f in signature.inputs}
        scalar = not self.free_form and all(not r.dims for r in self.inputs.values())
        self.matrix_names = tuple(self.inputs) if scalar else None
        self._outputs = {
            f.name: _OutputRule(f.name, f.arrow_type, to_v2_datatype(f.type))
            for f in signature.outputs
        }
        self._declared = {f.name: f.arrow_type for f in signature.outputs}

    # --- input tensors -> columns -----------------------------------------------------------

    def columns(self, tensors: tuple[Tensor, ...]) -> dict[str, np.ndarray]:
        """The request's tensors as the numpy columns the validator takes."""
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

    def _tensor(self, name: str, column: pa.ChunkedArray) -> Tensor:
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
        self.kind = _kind(field.type)
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

    def tensor(self, column: pa.ChunkedArray) -> Tensor:
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
            values = pc.strftime(values, format=self.time_format)
        if values.null_count and not self.floating:
            self._no_nulls(values)
        array = values.to_numpy(zero_copy_only=False)
        return Tensor(self.name, self.datatype, self._cast(array).reshape(rows, *dims))

    def _cast(self, array: np.ndarray) -> np.ndarray:
        if self.dtype == _OBJECT or array.dtype == self.dtype:
            return array
        return array.astype(self.dtype)

    def _no_nulls(self, values: pa.Array | pa.ChunkedArray) -> None:
        if values.null_count:
            raise ModelFailed(
                f"output {self.name!r} holds nulls, which a {self.datatype} tensor cannot",
                hint="return a value for every row (NaN for a missing float)",
            )
