"""The Swagger description Odahu's model server answered on ``GET /api/model/info``, built from
the entrypoint's ``get_info()`` (kept as the model's signature and example row). As Odahu's
packager writes it, the request body's schema is inlined in the invoke operation's parameter,
its ``columns`` and ``data`` carrying the input names and a row of examples."""

from __future__ import annotations

from typing import Any

from modelport.schema import Field, Signature, to_json_schema

INVOKE_ERRORS = {
    400: "The body is not JSON.",
    409: "Several Odahu models are served here.",
    413: "The body is over the server's size limit.",
    422: "The body does not match the model's inputs.",
    500: "The model raised.",
    503: "The model is not ready.",
    504: "The model did not answer in time.",
}
"""The errors the routes answer, ``{"message": ...}`` (Odahu's packager documents none)."""
_ERROR = {"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}


def _errors(errors: dict[int, str]) -> dict[str, Any]:
    error = {"$ref": "#/definitions/Error"}
    return {str(s): {"description": errors[s], "schema": error} for s in sorted(errors)}


def model_api_description(
    *, name: str, version: str, signature: Signature, example: dict[str, Any] | None
) -> dict[str, Any]:
    """Swagger 2.0 for ``/api/model/invoke`` and ``/api/model/info`` of one model."""
    input_names = [f.name for f in signature.inputs]
    request: dict[str, Any] = {
        "type": "object",
        "properties": {
            "columns": {"type": "array", "items": {"type": "string"}, "example": input_names},
            "data": {
                "type": "array",
                "items": {"type": "array", "items": _row_items(signature.inputs)},
                "example": [[example[n] for n in input_names]] if example else [],
            },
        },
        "required": ["data"],
    }
    response: dict[str, Any] = {
        "type": "object",
        "properties": {
            "prediction": {
                "type": "array",
                "items": {"type": "array", "items": _row_items(signature.outputs)},
            },
            "columns": {
                "type": "array",
                "items": {"type": "string"},
                "example": [f.name for f in signature.outputs],
            },
        },
    }
    json_response = {"produces": ["application/json"]}
    return {
        "swagger": "2.0",
        "info": {"title": name, "version": version},
        "paths": {
            "/api/model/invoke": {
                "post": {
                    **json_response,
                    "consumes": ["application/json"],
                    "summary": f"Predict with {name} {version}",
                    "parameters": [
                        {
                            "in": "body",
                            "name": "PredictionParameters",
                            "required": True,
                            "schema": request,
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "the prediction",
                            "schema": {"$ref": "#/definitions/PredictionResponse"},
                        },
                        **_errors(INVOKE_ERRORS),
                    },
                }
            },
            "/api/model/info": {
                "get": {
                    **json_response,
                    "summary": "This description",
                    "responses": {
                        "200": {"description": "Swagger 2.0"},
                        **_errors({409: INVOKE_ERRORS[409], 500: INVOKE_ERRORS[500]}),
                    },
                }
            },
        },
        "definitions": {
            "PredictionResponse": response,
            "Error": _ERROR,
            "Inputs": to_json_schema(signature, side="inputs"),
            "Outputs": to_json_schema(signature, side="outputs"),
        },
    }


def _row_items(fields: tuple[Field, ...]) -> dict[str, Any]:
    """The JSON type shared by every value of a row, when they share one."""
    types = {str(to_json_schema(f).get("type")) for f in fields}
    return {"type": types.pop()} if len(types) == 1 and not fields[0].nullable else {}
