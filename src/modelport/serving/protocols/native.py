"""modelport's own routes: ``POST /v1/models/{name}[/versions/{v}]/predict``.

Bodies: JSON (records, split, columns, ``instances``/``inputs``; ``?format=`` or
``Content-Type: application/json; format=pandas-split`` picks an orient), CSV, Arrow IPC stream
or file, Parquet. Answers negotiated by ``Accept``: JSON records (default), Arrow IPC stream or
file, CSV; streaming models answer chunk by chunk (server-sent events for
``Accept: text/event-stream``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.batch import Batch
from modelport.codecs.arrow_ipc import (
    ARROW_FILE,
    ARROW_STREAM,
    PARQUET,
    decode_arrow,
    decode_arrow_file,
    decode_parquet,
)
from modelport.codecs.csv import CSV, decode_csv
from modelport.codecs.json_frames import decode_json, may_hold_booleans, parse_json
from modelport.codecs.negotiation import choose_encoder, is_json, parse_media_type
from modelport.errors import UnsupportedMediaType
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.serving.streaming import stream_response

ACCEPTED = ("application/json", CSV, ARROW_STREAM, ARROW_FILE, PARQUET)
FORM = "application/x-www-form-urlencoded"


async def decode_request(request: Request, runtime: ModelRuntime) -> Batch:
    """The request body as a validated batch, by its Content-Type."""
    media = parse_media_type(request.headers.get("content-type"))
    body = await request.body()
    validator = runtime.validator
    if is_json(media.essence) or media.essence == FORM:  # curl's default type, with a JSON body
        orient = request.query_params.get("format") or media.params.get("format")
        if orient and orient.startswith("pandas-"):
            orient = orient.removeprefix("pandas-")
        return decode_json(
            parse_json(body),
            orient=orient,
            validator=validator,
            has_booleans=may_hold_booleans(body),
        )
    if media.essence == ARROW_STREAM:
        return validator.table(decode_arrow(body))
    if media.essence == ARROW_FILE:
        return validator.table(decode_arrow_file(body))
    if media.essence == CSV:
        return validator.table(
            decode_csv(body, schema=None if validator.free_form else validator.schema)
        )
    if media.essence == PARQUET:
        return validator.table(decode_parquet(body))
    raise UnsupportedMediaType(
        f"cannot read a {media.essence} body",
        hint=f"send one of: {', '.join(ACCEPTED)}",
        field="Content-Type",
    )


def routes(models: ModelSet) -> list[BaseRoute]:
    async def predict(request: Request) -> Response:
        params = request.path_params
        runtime = models.get(params["name"], params.get("version"))
        accept = request.headers.get("accept")
        batch = await decode_request(request, runtime)
        if runtime.streams:
            return stream_response(runtime, batch, accept=accept)
        media_type, encode = choose_encoder(accept)
        result = await runtime.predict(batch)
        return Response(encode(result), media_type=media_type)

    return [
        Route("/v1/models/{name}/predict", predict, methods=["POST"]),
        Route("/v1/models/{name}/versions/{version}/predict", predict, methods=["POST"]),
    ]
