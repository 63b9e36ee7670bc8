"""The Swagger 2.0 document of the DEEPaaS routes (what DEEPaaS serves at ``/swagger.json``),
with each model's predict and train arguments as parameters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from marshmallow import fields as mfields
from marshmallow import validate as mvalidate

import modelport
from modelport.formats.deepaas.arguments import (
    ACCEPT,
    Arguments,
    choices_of,
    field_info,
    is_file,
)

_TYPES: tuple[tuple[type[mfields.Field[Any]], str, str | None], ...] = (
    (mfields.Boolean, "boolean", None),
    (mfields.Integer, "integer", None),
    (mfields.Float, "number", None),
    (mfields.Decimal, "number", None),
    (mfields.DateTime, "string", "date-time"),
    (mfields.Url, "string", "url"),
    (mfields.String, "string", None),
    (mfields.List, "array", None),
    (mfields.Dict, "object", None),
)


@dataclass(frozen=True)
class ModelApi:
    """What one model's API takes."""

    name: str
    predict_arguments: Arguments
    train_arguments: Arguments


def swagger_document(models: Iterable[ModelApi]) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/": _get("versions", "Get available API versions"),
        "/v2/": _get("versions", "Get V2 API version information"),
        "/v2/models/": _get("models", "Return loaded models and its information"),
        "/v2/debug/": {
            "get": {
                "tags": ["debug"],
                "summary": "Return debug information if enabled by API.",
                "responses": {"204": {"description": "Debug endpoint not enabled"}},
            }
        },
    }
    for model in models:
        base = f"/v2/models/{model.name}"
        predict_args = model.predict_arguments
        paths[f"{base}/"] = _get("models", "Return model's metadata")
        predict: dict[str, Any] = {
            "tags": ["models"],
            "summary": "Make a prediction given the input data",
            "parameters": parameters(predict_args),
            "responses": {"200": {"description": "The prediction"}, **_errors(_CALL_ERRORS)},
        }
        if predict_args.accept_choices:
            predict["produces"] = predict_args.accept_choices
        if predict_args.file_names:
            predict["consumes"] = ["multipart/form-data"]
        paths[f"{base}/predict/"] = {"post": predict}
        paths[f"{base}/train/"] = {
            "post": {
                "tags": ["models"],
                "summary": "Retrain model with available data",
                "parameters": parameters(model.train_arguments),
                "responses": {
                    "200": {"description": "The training job"},
                    **_errors({**_CALL_ERRORS, 501: "The model cannot train."}),
                },
            },
            **_get("models", "Get a list of trainings (running or completed)"),
        }
        uuid_parameter = {"in": "path", "name": "uuid", "required": True, "type": "string"}
        paths[f"{base}/train/{{uuid}}"] = {
            method: {
                "tags": ["models"],
                "summary": summary,
                "parameters": [uuid_parameter],
                "responses": {
                    "200": {"description": "The training job"},
                    **_errors({404: "No training of this uuid."}),
                },
            }
            for method, summary in (
                ("get", "Get status of a training"),
                ("delete", "Cancel a running training"),
            )
        }
    return {
        "swagger": "2.0",
        "info": {"title": "DEEP as a Service API endpoint", "version": modelport.__version__},
        "paths": paths,
    }


def parameters(arguments: Arguments) -> list[dict[str, Any]]:
    """One Swagger parameter per argument (files in the form, ``accept`` in the headers)."""
    found = []
    for name, declared in arguments.fields.items():
        parameter: dict[str, Any] = {"name": name, "required": bool(declared.required)}
        if is_file(declared):
            parameter.update({"in": "formData", "type": "file"})
        elif name == ACCEPT:
            parameter.update({"in": "header", "type": "string"})
            parameter["enum"] = arguments.accept_choices
        else:
            parameter.update({"in": "query", **_schema(declared)})
        description = field_info(declared, "description")
        if description:
            parameter["description"] = str(description)
        # ``load_default`` since marshmallow 3.13 (reading ``missing`` there warns)
        if hasattr(declared, "load_default"):
            default = declared.load_default
        else:
            default = getattr(declared, "missing", None)
        if isinstance(default, str | int | float | bool):
            parameter["default"] = default
        found.append(parameter)
    return found


def _schema(declared: mfields.Field[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for field_class, type_name, format_name in _TYPES:
        if isinstance(declared, field_class):
            schema = {"type": type_name, **({"format": format_name} if format_name else {})}
            break
    if isinstance(declared, mfields.List):
        schema["items"] = _schema(declared.inner)
        schema["collectionFormat"] = "multi"
    choices = choices_of(declared)
    if choices:
        schema["enum"] = choices
    for validator in declared.validators:
        if isinstance(validator, mvalidate.Range):
            schema.update(_bounds(validator.min, validator.max, "minimum", "maximum"))
        if isinstance(validator, mvalidate.Length):
            schema.update(_bounds(validator.min, validator.max, "minLength", "maxLength"))
    return schema


def _bounds(low: Any, high: Any, low_key: str, high_key: str) -> dict[str, Any]:
    found = {}
    if low is not None:
        found[low_key] = low
    if high is not None:
        found[high_key] = high
    return found


_CALL_ERRORS = {
    400: "The body does not parse.",
    413: "The body is over the server's size limit.",
    415: "The body is of a media type the route cannot read.",
    422: "An argument is missing or invalid: its messages, by argument name.",
    500: "The model raised.",
    504: "The model did not answer in time.",
}
"""What DEEPaaS's own document leaves out: the errors its routes answer (text, or JSON
messages by argument for invalid arguments)."""


def _errors(errors: dict[int, str]) -> dict[str, Any]:
    return {str(status): {"description": errors[status]} for status in sorted(errors)}


def _get(tag: str, summary: str) -> dict[str, Any]:
    return {
        "get": {
            "tags": [tag],
            "summary": summary,
            "responses": {"200": {"description": summary}},
        }
    }
