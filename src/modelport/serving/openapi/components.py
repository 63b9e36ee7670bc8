"""Reusable parts of the OpenAPI document: the problem-details error responses, the health and
metadata bodies every server shares, and each model's Open Inference Protocol V2 tensors."""

from __future__ import annotations

from typing import Any

from modelport.schema import Field, Signature, to_v2_tensor_metadata
from modelport.serving.problems import PROBLEM_JSON

BINARY: dict[str, Any] = {"type": "string", "format": "binary"}
V2_DATATYPES = [
    "BOOL",
    *(f"{kind}{bits}" for kind in ("UINT", "INT") for bits in (8, 16, 32, 64)),
    "FP16",
    "FP32",
    "FP64",
    "BYTES",
]
_STRING = {"type": "string"}
_OBJECT = {"type": "object"}


def ref(name: str) -> dict[str, str]:
    """A reference to the component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


PROBLEM: dict[str, Any] = {
    "title": "Problem",
    "description": "An error, as RFC 9457 problem details.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "default": "about:blank"},
        "title": {"type": "string", "description": "The kind of error, e.g. InvalidInput."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong and what to do about it."},
        "instance": {"type": "string", "format": "uri-reference"},
        "field": {
            "type": "string",
            "description": "The input field, row, header or parameter at fault, when there is one.",
        },
    },
    "required": ["type", "title", "status"],
}

_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("MalformedInput", "The body does not parse (JSON, CSV, Arrow or Parquet).", None),
    404: ("NotFound", "No such model or version is served here.", None),
    406: ("NotAcceptable", "None of the media types in Accept can be produced.", "Accept"),
    413: ("PayloadTooLarge", "The body is over the server's size limit.", None),
    415: ("UnsupportedMediaType", "The route cannot read a body of this type.", "Content-Type"),
    422: ("InvalidInput", "The body does not match the model's inputs.", "x"),
    500: ("ModelFailed", "The model raised, or broke its contract.", None),
    504: ("ModelTimeout", "The model did not answer in time.", None),
}


def _error_response(status: int) -> dict[str, Any]:
    title, description, culprit = _ERRORS[status]
    example: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    example["detail"] = description
    if culprit is not None:
        example["field"] = culprit
    return {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": ref("Problem"), "example": example}},
    }


ERROR_RESPONSES: dict[str, Any] = {_ERRORS[s][0]: _error_response(s) for s in _ERRORS}
"""``components.responses``: one problem-details response per error status, named by title."""


def error_refs(statuses: tuple[int, ...]) -> dict[str, Any]:
    """The ``responses`` entries of these error statuses, as references."""
    return {str(s): {"$ref": f"#/components/responses/{_ERRORS[s][0]}"} for s in statuses}


_TENSOR_METADATA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": _STRING,
        "datatype": {"type": "string", "enum": V2_DATATYPES},
        "shape": {
            "type": "array",
            "items": {"type": "integer", "minimum": -1},
            "description": "-1 for the batch dimension and for variable-length dimensions.",
        },
    },
    "required": ["name", "datatype", "shape"],
}

_TENSOR: dict[str, Any] = {
    "title": "V2Tensor",
    "type": "object",
    "properties": {
        "name": _STRING,
        "datatype": {"type": "string", "enum": V2_DATATYPES},
        "shape": {"type": "array", "items": {"type": "integer", "minimum": 0}},
        "parameters": _OBJECT,
        "data": {"type": "array", "description": "The values in row-major order."},
    },
    "required": ["name", "datatype", "shape", "data"],
}

SHARED_SCHEMAS: dict[str, Any] = {
    "Problem": PROBLEM,
    "Liveness": {
        "type": "object",
        "properties": {"live": {"type": "boolean"}},
        "required": ["live"],
    },
    "Readiness": {
        "type": "object",
        "properties": {"ready": {"type": "boolean"}},
        "required": ["ready"],
    },
    "ModelReadiness": {
        "type": "object",
        "properties": {"name": _STRING, "ready": {"type": "boolean"}},
    },
    "V2ServerMetadata": {
        "type": "object",
        "properties": {
            "name": _STRING,
            "version": _STRING,
            "extensions": {"type": "array", "items": _STRING},
        },
        "required": ["name", "version", "extensions"],
    },
    "V2TensorMetadata": _TENSOR_METADATA,
    "V2ModelMetadata": {
        "type": "object",
        "properties": {
            "name": _STRING,
            "versions": {"type": "array", "items": _STRING},
            "platform": _STRING,
            "inputs": {"type": "array", "items": ref("V2TensorMetadata")},
            "outputs": {"type": "array", "items": ref("V2TensorMetadata")},
        },
        "required": ["name", "platform", "inputs", "outputs"],
    },
    "V2Tensor": _TENSOR,
}
"""``components.schemas`` every document holds, whatever the models."""

_V2_ELEMENTS: dict[str, dict[str, str]] = {
    "BOOL": {"type": "boolean"},
    "BYTES": _STRING,
    "FP16": {"type": "number"},
    "FP32": {"type": "number"},
    "FP64": {"type": "number"},
}


def v2_tensor(f: Field) -> dict[str, Any]:
    """The JSON Schema of the V2 tensor carrying field ``f`` (its metadata from
    ``schema.to_v2_tensor_metadata``)."""
    metadata = to_v2_tensor_metadata(f)
    datatype = metadata["datatype"]
    element = _V2_ELEMENTS.get(datatype, {"type": "integer"})
    shape = metadata["shape"]
    return {
        "title": f.name,
        "type": "object",
        "properties": {
            "name": {"const": f.name},
            "datatype": {"const": datatype},
            "shape": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "minItems": len(shape),
                "maxItems": len(shape) + 1 if len(shape) == 1 else len(shape),
                "description": f"{shape}: the number of rows, then the dimensions of one "
                "row's value ([N] or [N, 1] for a scalar).",
            },
            "parameters": _OBJECT,
            "data": {
                "type": "array",
                "items": {"anyOf": [element, {"type": "array"}]},
                "minItems": 1,  # no empty batch (422)
                "description": "The values in row-major order, flat or nested.",
            },
        },
        "required": ["name", "datatype", "shape", "data"],
    }


def _tensors(fields: tuple[Field, ...], free_form: bool) -> dict[str, Any]:
    if free_form or not fields:
        return ref("V2Tensor")
    return {"oneOf": [v2_tensor(f) for f in fields]}


def v2_inference_request(signature: Signature) -> dict[str, Any]:
    """The JSON Schema of an Open Inference Protocol V2 inference request to this model."""
    inputs: dict[str, Any] = {
        "type": "array",
        "items": _tensors(signature.inputs, signature.free_form),
        "minItems": 1,
    }
    required = [f.name for f in signature.inputs if not f.nullable]
    if required:
        inputs["allOf"] = [
            {"contains": {"type": "object", "properties": {"name": {"const": name}}}}
            for name in required
        ]
    output_name: dict[str, Any] = {"type": "string"}
    if signature.outputs:
        output_name["enum"] = [f.name for f in signature.outputs]
    requested = {
        "type": "object",
        "properties": {"name": output_name, "parameters": _OBJECT},
        "required": ["name"],
    }
    return {
        "title": "V2InferenceRequest",
        "type": "object",
        "properties": {
            "id": _STRING,
            "parameters": _OBJECT,
            "inputs": inputs,
            "outputs": {"type": "array", "items": requested},
        },
        "required": ["inputs"],
    }


def v2_inference_response(signature: Signature) -> dict[str, Any]:
    """The JSON Schema of this model's Open Inference Protocol V2 inference response."""
    return {
        "title": "V2InferenceResponse",
        "type": "object",
        "properties": {
            "model_name": _STRING,
            "model_version": _STRING,
            "id": _STRING,
            "parameters": _OBJECT,
            "outputs": {
                "type": "array",
                "items": _tensors(signature.outputs, signature.free_form),
            },
        },
        "required": ["model_name", "outputs"],
    }
