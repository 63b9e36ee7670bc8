"""modelport's own routes: ``POST /v1/models/{name}[/versions/{v}]/predict``.

Bodies: JSON (records, split, columns, ``instances``/``inputs``; ``?format=`` or
``Content-Type: application/json; format=pandas-split`` picks an orient), CSV, Arrow IPC stream
or file, Parquet; gzip- or deflate-compressed too (``Content-Encoding``), bounded inflated by
``--max-body-size``. Answers negotiated by ``Accept``: JSON records (default), Arrow IPC stream
or file, CSV; streaming models answer chunk by chunk (server-sent events for
``Accept: text/event-stream``).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from modelport.codecs.compression import inflate
from modelport.codecs.limits import OFF_LOOP_BYTES, off_loop
from modelport.codecs.negotiation import choose_encoder, decode_rows, parse_media_type
from modelport.decoded import Decoded
from modelport.serving.asgi import read_body, request_headers, send_answer
from modelport.serving.middleware import limits_of
from modelport.serving.models import ModelSet
from modelport.serving.streaming import stream_response

READ_HEADERS = (b"accept", b"content-encoding", b"content-type")
"""The request headers the predict routes read."""


class Predict:
    """``POST .../predict`` as a plain ASGI app: Starlette's router calls it as it is, without
    building a Request, its Headers and a Response for each prediction (with them, a fifth of a
    single-row prediction's time at c=64)."""

    def __init__(self, models: ModelSet) -> None:
        self.models = models

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        params = scope["path_params"]
        runtime = self.models.get(params["name"], params.get("version"))
        accept, encoding, content_type = request_headers(scope, READ_HEADERS)
        raw = await read_body(receive)
        media = parse_media_type(content_type)
        orient = _format_of(scope["query_string"])
        schema, limits = runtime.validator.decoding_schema, limits_of(scope)

        def decode() -> Decoded:
            body = inflate(raw, encoding, limit=limits.max_inflated_bytes)
            return decode_rows(body, media, orient=orient, schema=schema, limits=limits)

        compressed = encoding not in (None, "identity")
        decoded = await off_loop(OFF_LOOP_BYTES if compressed else len(raw), decode)
        batch = runtime.validator.validate(decoded)
        if runtime.streams:
            await stream_response(runtime, batch, accept=accept)(scope, receive, send)
            return
        media_type, encode = choose_encoder(accept)
        result = await runtime.predict(batch)
        await send_answer(send, 200, encode(result), media_type)


def routes(models: ModelSet) -> list[BaseRoute]:
    predict = Predict(models)
    return [
        Route("/v1/models/{name}/predict", predict, methods=["POST"]),
        Route("/v1/models/{name}/versions/{version}/predict", predict, methods=["POST"]),
    ]


def _format_of(query: bytes) -> str | None:
    """The ``format`` query parameter (the JSON orient), the last one given as Starlette's."""
    if not query:
        return None
    found = None
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if key == "format":
            found = value
    return found
