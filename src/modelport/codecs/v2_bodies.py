"""Open Inference Protocol V2 request and response bodies, to and from tensors.

A body is a JSON object whose tensors carry their values either inline or, with the binary
tensor data extension, as raw bytes after the JSON (``v2_data``): the JSON header is then the
first ``Inference-Header-Content-Length`` bytes of the body and each binary tensor says its size
in ``parameters.binary_data_size``.

This module knows tensors and bytes only: no HTTP, no model signatures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from modelport.codecs.limits import UNLIMITED, DecodeLimits
from modelport.codecs.v2_data import (
    DTYPES,
    Tensor,
    decode_binary_data,
    decode_json_data,
    encode_binary_data,
    json_data,
)
from modelport.errors import InvalidInput, MalformedInput

HEADER_LENGTH = "Inference-Header-Content-Length"
"""The HTTP header giving the length of the JSON part of a body with binary tensors."""


_NUMPY_JSON = orjson.OPT_SERIALIZE_NUMPY
MAX_DIMENSIONS = 32
"""The most dimensions a tensor may have: numpy 1's limit (numpy 2's is 64), so that a model
environment with either refuses the same shapes."""


@dataclass(frozen=True, slots=True)
class RequestedOutput:
    """An output a request asks for; ``binary`` is its ``parameters.binary_data`` if given."""

    name: str
    binary: bool | None = None


@dataclass(frozen=True, slots=True)
class InferenceRequest:
    """A decoded inference request."""

    inputs: tuple[Tensor, ...]
    id: str | None = None
    outputs: tuple[RequestedOutput, ...] | None = None
    binary_output: bool = False
    """``parameters.binary_data_output``: every output not asked for otherwise is binary."""
    parameters: dict[str, Any] = field(default_factory=dict)


# --- requests --------------------------------------------------------------------------------


def decode_request(
    body: bytes, header_length: str | int | None = None, limits: DecodeLimits = UNLIMITED
) -> InferenceRequest:
    """A request body (JSON, or JSON plus binary tensors when ``header_length`` is given);
    each tensor's declared shape is checked against ``limits`` and the data present before any
    of it is decoded."""
    header, binary = split_body(body, header_length)
    limits.check_text(len(header), "JSON")
    value = _parse(header)
    if not isinstance(value, dict):
        raise InvalidInput("an inference request is a JSON object", field="inputs")
    raw_inputs = value.get("inputs")
    if not isinstance(raw_inputs, list) or not raw_inputs:
        raise InvalidInput(
            "an inference request needs a non-empty list of input tensors",
            hint='send {"inputs": [{"name": ..., "shape": [...], "datatype": ..., "data": [...]}]}',
            field="inputs",
        )
    parameters = _parameters(value.get("parameters"), "parameters")
    inputs = _decode_inputs(raw_inputs, memoryview(binary), limits)
    request_id = value.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise InvalidInput("the request id must be a string", field="id")
    return InferenceRequest(
        inputs=inputs,
        id=request_id,
        outputs=_requested_outputs(value.get("outputs")),
        binary_output=_flag(parameters, "binary_data_output", "parameters"),
        parameters=parameters,
    )


def split_body(body: bytes, header_length: str | int | None) -> tuple[bytes, bytes]:
    """The JSON header and the binary part of a body; all JSON without a header length."""
    if header_length is None:
        return body, b""
    try:
        length = int(header_length)
    except ValueError:
        length = -1
    if not 0 < length <= len(body):
        raise MalformedInput(
            f"{HEADER_LENGTH} is {header_length!r} for a body of {len(body)} bytes",
            hint="give the length in bytes of the JSON part at the start of the body",
            field=HEADER_LENGTH,
        )
    return body[:length], body[length:]


def _parse(header: bytes) -> Any:
    try:
        return orjson.loads(header)
    except orjson.JSONDecodeError as exc:
        raise MalformedInput(f"malformed JSON: {exc}", hint="send a valid JSON body") from exc


def _decode_inputs(
    raw_inputs: list[Any], binary: memoryview, limits: DecodeLimits
) -> tuple[Tensor, ...]:
    inputs: list[Tensor] = []
    offset = 0
    for index, raw in enumerate(raw_inputs):
        if not isinstance(raw, dict):
            raise InvalidInput(f"input {index} is not a JSON object", field=f"inputs[{index}]")
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise InvalidInput(f"input {index} has no name", field=f"inputs[{index}].name")
        datatype = check_datatype(raw.get("datatype"), name)
        shape = check_shape(raw.get("shape"), name)
        if shape:
            limits.check_rows(shape[0])
        size = _parameters(raw.get("parameters"), name).get("binary_data_size")
        if size is None:
            if "data" not in raw:
                raise InvalidInput(
                    f"input {name!r} has neither data nor parameters.binary_data_size", field=name
                )
            data = decode_json_data(name, datatype, shape, raw["data"])
        else:
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise InvalidInput(f"input {name!r}: binary_data_size {size!r}", field=name)
            if offset + size > len(binary):
                raise MalformedInput(
                    f"input {name!r} needs {size} bytes of binary data, "
                    f"{len(binary) - offset} are left in the body",
                    hint=f"check {HEADER_LENGTH} and each input's binary_data_size",
                    field=name,
                )
            data = decode_binary_data(name, datatype, shape, binary[offset : offset + size])
            offset += size
        inputs.append(Tensor(name, datatype, data))
    if offset != len(binary):
        raise MalformedInput(
            f"the body holds {len(binary) - offset} bytes after the last binary input",
            hint=f"check {HEADER_LENGTH} and each input's binary_data_size",
            field=HEADER_LENGTH,
        )
    return tuple(inputs)


def check_datatype(value: Any, name: str) -> str:
    """The datatype of input ``name``, one of the protocol's (InvalidInput otherwise)."""
    if isinstance(value, str) and value in DTYPES:
        return value
    raise InvalidInput(
        f"input {name!r} has unknown datatype {value!r}",
        hint=f"use one of {', '.join(DTYPES)}",
        field=name,
    )


def check_shape(value: Any, name: str) -> tuple[int, ...]:
    """The shape of input ``name``: sizes of zero or more, at most MAX_DIMENSIONS of them."""
    if isinstance(value, list) and all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in value
    ):
        if len(value) > MAX_DIMENSIONS:
            raise InvalidInput(
                f"input {name!r} has {len(value)} dimensions, over the limit of {MAX_DIMENSIONS}",
                hint="give the shape as a list of sizes, batch first, e.g. [2, 4]",
                field=name,
            )
        return tuple(value)
    raise InvalidInput(
        f"input {name!r} has shape {value!r}",
        hint="give the shape as a list of sizes, batch first, e.g. [2, 4]",
        field=name,
    )


def _parameters(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    raise InvalidInput(f"{where}: parameters must be a JSON object", field=where)


def _flag(parameters: dict[str, Any], key: str, where: str) -> bool:
    value = parameters.get(key, False)
    if isinstance(value, bool):
        return value
    raise InvalidInput(f"{where}: {key} must be true or false, not {value!r}", field=where)


def _requested_outputs(value: Any) -> tuple[RequestedOutput, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidInput("outputs must be a list of {name, parameters}", field="outputs")
    wanted = []
    for index, raw in enumerate(value):
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str):
            raise InvalidInput(f"output {index} has no name", field=f"outputs[{index}]")
        parameters = _parameters(raw.get("parameters"), name)
        binary = _flag(parameters, "binary_data", name) if "binary_data" in parameters else None
        wanted.append(RequestedOutput(name, binary))
    return tuple(wanted)


# --- bodies --------------------------------------------------------------------------------


def encode_response(
    header: dict[str, Any], outputs: Sequence[tuple[Tensor, bool]]
) -> tuple[bytes, int | None]:
    """The body of a response holding ``header`` plus ``"outputs"``, each given with whether
    it goes as binary data; and the JSON header's length when any does (None: all JSON)."""
    described, chunks = _tensors(outputs)
    return _body({**header, "outputs": described}, chunks)


def encode_request(
    inputs: Sequence[tuple[Tensor, bool]],
    *,
    outputs: Sequence[RequestedOutput] | None = None,
    parameters: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> tuple[bytes, int | None]:
    """A request body for ``inputs`` (each with whether it goes as binary data), and the JSON
    header's length when any input is binary: the inverse of ``decode_request``."""
    described, chunks = _tensors(inputs)
    value: dict[str, Any] = {"inputs": described}
    if request_id is not None:
        value["id"] = request_id
    if parameters:
        value["parameters"] = parameters
    if outputs is not None:
        value["outputs"] = [_requested(output) for output in outputs]
    return _body(value, chunks)


def _tensors(tensors: Sequence[tuple[Tensor, bool]]) -> tuple[list[dict[str, Any]], list[bytes]]:
    described: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    for tensor, binary in tensors:
        item: dict[str, Any] = {
            "name": tensor.name,
            "datatype": tensor.datatype,
            "shape": tensor.shape,
        }
        if binary:
            chunk = encode_binary_data(tensor)
            item["parameters"] = {"binary_data_size": len(chunk)}
            chunks.append(chunk)
        else:
            item["data"] = json_data(tensor)
        described.append(item)
    return described, chunks


def _requested(output: RequestedOutput) -> dict[str, Any]:
    if output.binary is None:
        return {"name": output.name}
    return {"name": output.name, "parameters": {"binary_data": output.binary}}


def _body(header: dict[str, Any], chunks: list[bytes]) -> tuple[bytes, int | None]:
    head = orjson.dumps(header, option=_NUMPY_JSON)
    if not chunks:
        return head, None
    return b"".join([head, *chunks]), len(head)
