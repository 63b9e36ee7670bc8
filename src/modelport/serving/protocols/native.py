"""modelport's own routes: ``POST /v1/models/{name}[/versions/{v}]/predict``.

Bodies: JSON (records, split, columns, ``instances``/``inputs``; ``?format=`` or
``Content-Type: application/json; format=pandas-split`` picks an orient), CSV, Arrow IPC stream
or file, Parquet; gzip- or deflate-compressed too (``Content-Encoding``), bounded inflated by
``--max-body-size``. Answers negotiated by ``Accept``: JSON records (default), Arrow IPC stream
or file, CSV; streaming models answer chunk by chunk (server-sent events for
``Accept: text/event-stream``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.codecs.compression import inflate
from modelport.codecs.limits import OFF_LOOP_BYTES, off_loop
from modelport.codecs.negotiation import choose_encoder, decode_rows, parse_media_type
from modelport.decoded import Decoded
from modelport.serving.middleware import limits_of
from modelport.serving.models import ModelSet
from modelport.serving.streaming import stream_response


def routes(models: ModelSet) -> list[BaseRoute]:
    async def predict(request: Request) -> Response:
        params = request.path_params
        runtime = models.get(params["name"], params.get("version"))
        accept = request.headers.get("accept")
        raw = await request.body()
        encoding = request.headers.get("content-encoding")
        media = parse_media_type(request.headers.get("content-type"))
        orient = request.query_params.get("format")
        schema, limits = runtime.validator.decoding_schema, limits_of(request.scope)

        def decode() -> Decoded:
            body = inflate(raw, encoding, limit=limits.max_inflated_bytes)
            return decode_rows(body, media, orient=orient, schema=schema, limits=limits)

        compressed = encoding not in (None, "identity")
        decoded = await off_loop(OFF_LOOP_BYTES if compressed else len(raw), decode)
        batch = runtime.validator.validate(decoded)
        if runtime.streams:
            return stream_response(runtime, batch, accept=accept)
        media_type, encode = choose_encoder(accept)
        result = await runtime.predict(batch)
        return Response(encode(result), media_type=media_type)

    return [
        Route("/v1/models/{name}/predict", predict, methods=["POST"]),
        Route("/v1/models/{name}/versions/{version}/predict", predict, methods=["POST"]),
    ]
