"""Wallaroo's pipeline route: ``POST /v1/pipelines/{name}/infer``.

Bodies: ``application/json; format=pandas-records`` (also the other JSON orients, CSV and
Parquet modelport reads everywhere) or Arrow IPC, as a stream or as a file (Wallaroo's clients
send ``application/vnd.apache.arrow.file``). The answer is the pipeline's result frame
(``time``, ``in.*``, ``out.*``, ``check_failures``) as pandas-records JSON (the default,
``time`` in epoch milliseconds) or Arrow IPC stream or file, as ``Accept`` asks. The route
exists only while a pipeline is served; the same pipeline answers the generic routes (Open
Inference V2, native) under its name with its last step's output.

A JSON body is first held to Wallaroo's input rules (``data_rules``: equal rows, one shape and
one data type per tensor column), each broken rule a 422 naming the column (and the row); an
Arrow body cannot break the last one, and its ragged rows are refused by the pipeline's input
validation.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.codecs.json_frames import parse_json
from modelport.codecs.negotiation import (
    JSON,
    choose_encoder,
    decode_rows,
    is_json,
    parse_media_type,
)
from modelport.decoded import Decoded
from modelport.errors import NotFound
from modelport.formats.wallaroo.data_rules import check_json_input
from modelport.formats.wallaroo.frames import encode_pandas_records
from modelport.formats.wallaroo.pipeline import InferFrame
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime

PANDAS_RECORDS = f"{JSON}; format=pandas-records"


def wallaroo_routes(models: ModelSet) -> list[BaseRoute]:
    if not any(r.takes(InferFrame) for r in models.all()):
        return []

    async def infer(request: Request) -> Response:
        name = request.path_params["name"]
        runtime = models.get(name)
        if not runtime.takes(InferFrame):
            raise NotFound(
                f"{name!r} is a model, not a pipeline",
                hint=f"send its rows to /v1/models/{name}/predict",
                field="name",
            )
        media_type, encode = choose_encoder(request.headers.get("accept"))
        if media_type == JSON:
            media_type, encode = PANDAS_RECORDS, encode_pandas_records
        batch = runtime.validator.validate(await _decode(request, runtime))
        frame = await runtime.invoke(InferFrame(batch))
        return Response(encode(frame), media_type=media_type)

    return [Route("/v1/pipelines/{name}/infer", infer, methods=["POST"])]


async def _decode(request: Request, runtime: ModelRuntime) -> Decoded:
    """The request's rows, a JSON body checked against Wallaroo's input rules first."""
    body = await request.body()
    media = parse_media_type(request.headers.get("content-type"))
    orient = request.query_params.get("format")
    if is_json(media.essence):
        given = orient or media.params.get("format")
        check_json_input(parse_json(body), orient=given.removeprefix("pandas-") if given else None)
    return decode_rows(body, media, orient=orient, schema=runtime.validator.decoding_schema)
