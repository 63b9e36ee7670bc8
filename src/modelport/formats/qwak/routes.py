"""The route a Qwak real-time client calls: ``POST /v1/{model}/predict``.

Bodies: pandas split JSON (``Content-Type: application/json; format=pandas-split``, what the
client sends for a DataFrame), records JSON (a list of row objects) or pandas columns JSON (an
object of columns, each a list or an ``{index: value}`` object). The answer is records JSON of
the model's output frame. Only models built from Qwak projects answer here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from modelport.codecs.json_frames import decode_json, may_hold_booleans, parse_json
from modelport.codecs.negotiation import is_json, parse_media_type
from modelport.errors import NotFound, UnsupportedMediaType
from modelport.formats.qwak.servable import FORMAT_NAME
from modelport.serving.models import ModelSet
from modelport.serving.openapi.components import error_refs
from modelport.serving.openapi.documented import DocumentedRoute, Operation, path_parameter

ORIENTS = {"pandas-split": "split", "pandas-records": "records", "pandas-columns": "columns"}


def qwak_routes(models: ModelSet) -> list[BaseRoute]:
    async def predict(request: Request) -> Response:
        name = request.path_params["name"]
        runtime = models.get(name)
        if runtime.source_format != FORMAT_NAME:
            raise NotFound(
                f"model {name!r} is not a Qwak model",
                hint=f"call POST /v1/models/{name}/predict",
            )
        media = parse_media_type(request.headers.get("content-type"))
        if not is_json(media.essence):
            raise UnsupportedMediaType(
                f"cannot read a {media.essence} body",
                hint="send application/json (records, columns, or format=pandas-split)",
                field="Content-Type",
            )
        body = await request.body()
        format_ = media.params.get("format") or request.query_params.get("format")
        value = parse_json(body)
        decoded = decode_json(
            _index_columns(value) if format_ is None else value,
            orient=ORIENTS.get(format_ or "", format_),
            has_booleans=may_hold_booleans(body),
        )
        batch = runtime.validator.validate(decoded)
        result = await runtime.predict(batch)
        return Response(
            orjson.dumps(result.to_pylist(), option=orjson.OPT_SERIALIZE_NUMPY, default=str),
            media_type="application/json",
        )

    return [DocumentedRoute("/v1/{name}/predict", predict, methods=["POST"], operation=_PREDICT)]


_PREDICT: Operation = {
    "tags": ["qwak"],
    "summary": "Predict with a Qwak model, as its deployed client calls it",
    "description": "JSON rows: pandas' split orient (`Content-Type: application/json; "
    "format=pandas-split`), its columns orient, or a list of records; answered as records.",
    "parameters": [path_parameter("name", "A served Qwak model's name.")],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {}}}},
    "responses": {
        "200": {
            "description": "One record per row.",
            "content": {"application/json": {"schema": {"type": "array"}}},
        },
        **error_refs((400, 404, 413, 415, 422, 500, 504)),
    },
}


def _index_columns(value: Any) -> Any:
    """pandas' columns orient (``{"x": {"0": 1.0, "1": 2.0}}``) as column lists."""
    if not isinstance(value, Mapping) or not value:
        return value
    columns = list(value.values())
    if not all(isinstance(c, Mapping) for c in columns):
        return value
    return {
        name: [column[key] for key in sorted(column, key=_index_key)]
        for name, column in value.items()
    }


def _index_key(key: str) -> Any:
    return (0, int(key), "") if key.lstrip("-").isdigit() else (1, 0, key)
