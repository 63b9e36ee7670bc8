"""gRPC inference messages to and from the tensors the REST route decodes to.

A ``ModelInferRequest`` becomes the same ``InferenceRequest`` that a REST body does
(``codecs.v2_bodies``), so the model plan, validation and runtime that follow are the REST
route's. Inputs arrive as typed ``contents`` or, as tritonclient sends them, as
``raw_input_contents`` in the binary extension's layout (``codecs.v2_data``). Each declared
shape is checked against the rows limit and the values present before anything is allocated;
the message itself is bounded by gRPC's receive limit, which the server sets to
``--max-body-size``. Outputs always go back raw: every client of the protocol reads them, and
they cost no per-element conversion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from modelport.codecs.limits import DecodeLimits
from modelport.codecs.v2_bodies import (
    InferenceRequest,
    RequestedOutput,
    check_datatype,
    check_shape,
)
from modelport.codecs.v2_data import DTYPES, Tensor, decode_binary_data, encode_binary_data
from modelport.errors import InvalidInput
from modelport.serving.grpc import messages

CONTENTS = {
    "BOOL": "bool_contents",
    "INT8": "int_contents",
    "INT16": "int_contents",
    "INT32": "int_contents",
    "INT64": "int64_contents",
    "UINT8": "uint_contents",
    "UINT16": "uint_contents",
    "UINT32": "uint_contents",
    "UINT64": "uint64_contents",
    "FP32": "fp32_contents",
    "FP64": "fp64_contents",
    "BYTES": "bytes_contents",
}
"""The ``InferTensorContents`` field holding each datatype's values (FP16 has none: raw only)."""


def decode_infer_request(request: Any, limits: DecodeLimits) -> InferenceRequest:
    """The tensors, id, requested outputs and parameters of a ``ModelInferRequest``."""
    if not request.inputs:
        raise InvalidInput(
            "an inference request needs at least one input tensor",
            hint="add inputs (name, datatype, shape, and contents or raw_input_contents)",
            field="inputs",
        )
    raw = request.raw_input_contents
    if raw and len(raw) != len(request.inputs):
        raise InvalidInput(
            f"the request has {len(request.inputs)} inputs and {len(raw)} raw_input_contents",
            hint="send one raw_input_contents entry per input, in order, or none",
            field="raw_input_contents",
        )
    inputs = tuple(
        _input(tensor, raw[index] if raw else None, limits)
        for index, tensor in enumerate(request.inputs)
    )
    outputs = tuple(RequestedOutput(output.name) for output in request.outputs)
    return InferenceRequest(
        inputs=inputs,
        id=request.id or None,
        outputs=outputs or None,
        parameters=parameters_of(request.parameters),
    )


def _input(tensor: Any, raw: bytes | None, limits: DecodeLimits) -> Tensor:
    name = tensor.name
    if not name:
        raise InvalidInput("an input has no name", field="inputs.name")
    datatype = check_datatype(tensor.datatype, name)
    shape = check_shape(list(tensor.shape), name)
    if shape:
        limits.check_rows(shape[0])
    if raw is not None:
        return Tensor(name, datatype, decode_binary_data(name, datatype, shape, raw))
    field = CONTENTS.get(datatype)
    if field is None:
        raise InvalidInput(
            f"input {name!r} is {datatype}, which has no typed contents",
            hint="send its values in raw_input_contents",
            field=name,
        )
    values = getattr(tensor.contents, field)
    count = math.prod(shape)
    if len(values) != count:
        raise InvalidInput(
            f"input {name!r} has {len(values)} values in contents.{field} for shape "
            f"{list(shape)} ({count} values)",
            field=name,
        )
    return Tensor(name, datatype, _array(name, datatype, values).reshape(shape))


def _array(name: str, datatype: str, values: Sequence[Any]) -> np.ndarray:
    dtype = DTYPES[datatype]
    if datatype == "BYTES":
        array = np.empty(len(values), dtype=object)
        array[:] = list(values)
        return array
    wide = np.array(values)
    if dtype.kind in "iu" and wide.size and wide.dtype != dtype:
        info = np.iinfo(dtype)
        if wide.min() < info.min or wide.max() > info.max:
            raise InvalidInput(f"input {name!r} has a value outside {datatype}", field=name)
    return wide.astype(dtype, copy=False)


def parameters_of(parameters: Any) -> dict[str, Any]:
    """A parameters map as plain values (each ``InferParameter`` holds one)."""
    return {key: _value(value) for key, value in parameters.items()}


def _value(parameter: Any) -> Any:
    choice = parameter.WhichOneof("parameter_choice")
    return None if choice is None else getattr(parameter, choice)


def set_parameters(target: Any, values: dict[str, Any]) -> None:
    """Fill a parameters map from plain values (text for anything not bool, int or float)."""
    for key, value in values.items():
        parameter = target[key]
        if isinstance(value, bool):
            parameter.bool_param = value
        elif isinstance(value, int):
            parameter.int64_param = value
        elif isinstance(value, float):
            parameter.double_param = value
        else:
            parameter.string_param = str(value)


def infer_response(header: dict[str, str], outputs: Sequence[Tensor]) -> Any:
    """A ``ModelInferResponse`` holding ``outputs``, their values as raw output contents."""
    response = messages.ModelInferResponse(**header)
    for tensor in outputs:
        described = response.outputs.add()
        described.name = tensor.name
        described.datatype = tensor.datatype
        described.shape.extend(tensor.shape)
        response.raw_output_contents.append(encode_binary_data(tensor))
    return response
