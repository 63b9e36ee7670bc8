"""The OpenAPI operations of the Truss routes (``routes``), for the server's document: any JSON
(or msgpack) in, the model's value out, errors as ``{"error": "..."}`` (``codec.truss_error``)."""

from __future__ import annotations

from typing import Any

from modelport.serving.openapi.components import error_refs, ref
from modelport.serving.openapi.documented import Operation, json_error
from modelport.serving.problems import PROBLEM_JSON

_TAG = "truss"
_ANY: dict[str, Any] = {}
_BINARY = {"type": "string", "format": "binary"}
_ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}
_ERRORS = {
    400: "The body does not parse, or the model refused it.",
    404: "The model has no such method, or no schema.",
    413: "The body is over the server's size limit.",
    415: "The route cannot read a body of this type.",
    500: "The model raised.",
    503: "The model is not ready (loading, failed to load, or unhealthy).",
    504: "The model did not answer in time.",
}
_HEADERS = {
    "x-baseten-error-source": {"schema": {"type": "string"}},
    "x-baseten-error-code": {"schema": {"type": "string"}},
}
NAME_PARAMETER: dict[str, Any] = {
    "name": "name",
    "in": "path",
    "required": True,
    "description": "Truss ignores the name: any name is the Truss served here (another "
    "convention's model served here answers in KServe V1 terms).",
    "schema": {"type": "string"},
}


def _errors(*statuses: int) -> dict[str, Any]:
    return {
        str(s): {**json_error(_ERRORS[s], _ERROR), "headers": _HEADERS} for s in sorted(statuses)
    }


def predict(summary: str, *, named: bool = True) -> Operation:
    """A call of the model (``predict``, or an LLM client route's method of its name)."""
    return {
        "tags": [_TAG],
        "summary": summary,
        "description": "Any JSON value (or msgpack, as application/octet-stream) is the model's "
        "input; its answer comes back in the same encoding.",
        "parameters": [NAME_PARAMETER] if named else [],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _ANY},
                "application/octet-stream": {"schema": _BINARY},
            },
        },
        "responses": {
            "200": {
                "description": "The model's answer (a stream of chunks or server-sent events "
                "for a streaming model).",
                "content": {
                    "application/json": {"schema": _ANY},
                    "application/octet-stream": {"schema": _BINARY},
                    "text/event-stream": {"schema": {"type": "string"}},
                },
            },
            **_errors(400, 404, 413, 415, 500, 503, 504),
        },
    }


def server_value(summary: str, schema: dict[str, Any], *, named: bool = False) -> Operation:
    """A GET the server answers itself (``/``, readiness, ``/loaded``, ``/schema``)."""
    return {
        "tags": [_TAG],
        "summary": summary,
        "parameters": [NAME_PARAMETER] if named else [],
        "responses": {
            "200": {"description": "OK.", "content": {"application/json": {"schema": schema}}},
            **_errors(404, 503),
        },
    }


def readiness() -> Operation:
    """``GET /v1/models/{name}``, which KServe V1 shares: ``{}`` for the Truss, KServe's
    readiness for another convention's model; 405 for a name ending in a predict route's verb
    (``GET /v1/models/echo:predict``)."""
    either = {"anyOf": [_ERROR, ref("ModelReadiness")]}
    operation = server_value(
        "Whether the model is ready (Truss, or KServe V1)", ref("ModelReadiness"), named=True
    )
    operation["responses"].update(
        {
            "503": json_error(_ERRORS[503], either),
            "405": {
                "description": "A predict route asked with GET.",
                "content": {PROBLEM_JSON: {"schema": ref("Problem")}},
            },
        }
    )
    operation["responses"].update(error_refs((404,)))
    return operation


EMPTY: dict[str, Any] = {"type": "object", "maxProperties": 0}
TRUE: dict[str, Any] = {"type": "boolean", "const": True}
ANY = _ANY
