"""Wallaroo's pipeline route: ``POST /v1/pipelines/{name}/infer``.

Bodies: ``application/json; format=pandas-records`` (also the other JSON orients, CSV and
Parquet modelport reads everywhere) or Arrow IPC, as a stream or as a file (Wallaroo's clients
send ``application/vnd.apache.arrow.file``). The answer is the pipeline's result frame
(``time``, ``in.*``, ``out.*``, ``check_failures``) as pandas-records JSON (the default,
``time`` in epoch milliseconds) or Arrow IPC stream or file, as ``Accept`` asks. The routes
exist only while a pipeline is served; the same pipeline answers the generic routes (Open
Inference V2, native) under its name with its last step's output.

A JSON body is first held to Wallaroo's input rules (``formats.wallaroo.data_rules``: equal
rows, one shape and one data type per tensor column), each broken rule a 422 naming the column
(and the row); an Arrow body cannot break the last one, and its ragged rows are refused by the
pipeline's input validation.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.batch import Batch
from modelport.codecs.json_frames import parse_json
from modelport.codecs.negotiation import JSON, choose_encoder, is_json, parse_media_type
from modelport.errors import NotFound
from modelport.serving.metrics import note_rows
from modelport.serving.models import ModelSet
from modelport.serving.protocols.native import decode_request
from modelport.serving.runtime import ModelRuntime

PANDAS_RECORDS = f"{JSON}; format=pandas-records"


def routes(models: ModelSet) -> list[BaseRoute]:
    if not any(r.servable.source_format == "pipeline" for r in models.all()):
        return []
    # pipelines' code (and the registry it logs to) only in servers of pipelines
    from modelport.pipelines.frames import encode_pandas_records
    from modelport.pipelines.servable import PipelineServable

    async def infer(request: Request) -> Response:
        name = request.path_params["name"]
        runtime = models.get(name)
        pipeline = runtime.servable
        if not isinstance(pipeline, PipelineServable):
            raise NotFound(
                f"{name!r} is a model, not a pipeline",
                hint=f"send its rows to /v1/models/{name}/predict",
                field="name",
            )
        media_type, encode = choose_encoder(request.headers.get("accept"))
        if media_type == JSON:
            media_type, encode = PANDAS_RECORDS, encode_pandas_records
        batch = await _decode(request, runtime)
        note_rows(batch.num_rows)
        frame = await runtime.call(pipeline.infer, batch)
        return Response(encode(frame), media_type=media_type)

    return [Route("/v1/pipelines/{name}/infer", infer, methods=["POST"])]


async def _decode(request: Request, runtime: ModelRuntime) -> Batch:
    """The request's rows, a JSON body checked against Wallaroo's input rules first."""
    from modelport.formats.wallaroo.data_rules import check_json_input

    media = parse_media_type(request.headers.get("content-type"))
    if is_json(media.essence):
        orient = request.query_params.get("format") or media.params.get("format")
        check_json_input(
            parse_json(await request.body()),
            orient=orient.removeprefix("pandas-") if orient else None,
        )
    return await decode_request(request, runtime)
