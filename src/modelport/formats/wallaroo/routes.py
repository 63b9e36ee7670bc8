"""Wallaroo's inference routes, as its SDK and its users' notebooks call them:

- ``POST /v1/api/pipelines/infer/{pipeline}-{id}/{pipeline}``: the cluster's inference URL
  (``deployment.url()``, what ``pipeline.infer()`` posts to);
- ``POST /v1/api/pipelines/infer/{pipeline}-{id}``: the external URL
  (``pipeline.get_external_url()``);
- ``POST /pipelines/{pipeline}``: the in-cluster URL (``engine-lb...:29502/pipelines/{pipeline}``)
  and an edge deployment's;
- ``POST /infer``: an edge deployment's one pipeline;
- ``GET /pipelines`` and ``GET /models``: what an edge deployment serves;
- ``POST /v1/pipelines/{pipeline}/infer``: modelport's own, kept as an alias.

Bodies: ``application/json; format=pandas-records`` (also ``format=wallaroo``, the other JSON
orients, CSV and Parquet modelport reads everywhere) or Arrow IPC, as a file (what the SDK
sends) or a stream. The answer is the pipeline's result frame (``frames``), its groups and shape
chosen by the query string (``answers``): nested JSON records by default, flat columns when the
SDK asks (``dataset.separator=.``), Arrow when ``Accept`` asks. modelport's alias answers as
``pipeline.infer()`` gets it by default: flat, without metadata. Errors answer Wallaroo's
``{"code", "status", "error", "source"}`` (plus ``detail`` and ``field``).

A JSON body is first held to Wallaroo's input rules (``data_rules``: equal rows, one shape and
one data type per tensor column), each broken rule a 422 naming the column (and the row); an
Arrow body cannot break the last one, and its ragged rows are refused by the pipeline's input
validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.codecs.arrow_ipc import ARROW_FILE, ARROW_STREAM, PARQUET
from modelport.codecs.json_frames import parse_json
from modelport.codecs.limits import off_loop
from modelport.codecs.negotiation import (
    JSON,
    MediaType,
    choose_encoder,
    decode_rows,
    is_json,
)
from modelport.codecs.negotiation import parse_media_type as media_type_of
from modelport.decoded import Decoded
from modelport.errors import Conflict, NotFound
from modelport.formats.wallaroo.answers import (
    ENGINE_DEFAULT,
    SDK_DEFAULT,
    Datasets,
    arrow_frame,
    encode_json,
)
from modelport.formats.wallaroo.data_rules import check_json_input
from modelport.formats.wallaroo.pipeline import InferFrame
from modelport.serving.middleware import limits_of
from modelport.serving.models import ModelSet
from modelport.serving.openapi.documented import (
    DocumentedRoute,
    Operation,
    operation,
    path_parameter,
)
from modelport.serving.problems import Endpoint, Problem, answering
from modelport.serving.runtime import ModelRuntime

PANDAS_RECORDS = f"{JSON}; format=pandas-records"
_DEPLOYMENT_ID = re.compile(r"-\d+$")
_WALLAROO_JSON = ("wallaroo", "custom-json")
"""``format`` values of JSON bodies in Wallaroo's own JSON (columns or records, read by shape)."""


def wallaroo_body(problem: Problem) -> Response:
    """Wallaroo's error answer (what its SDK's ``InferenceError`` reads), with modelport's
    ``detail`` and ``field`` beside it."""
    body: dict[str, object] = {
        "code": problem.status,
        "status": "error",
        "error": problem.detail,
        "source": "engine",
        "detail": problem.detail,
    }
    if problem.field is not None:
        body["field"] = problem.field
    return Response(orjson.dumps(body), problem.status, media_type=JSON)


def wallaroo_routes(models: ModelSet) -> list[BaseRoute]:
    served = [r for r in models.all() if r.takes(InferFrame)]
    if not served:
        return []

    def pipeline(name: str) -> ModelRuntime:
        runtime = models.get(name)
        if not runtime.takes(InferFrame):
            raise NotFound(
                f"{name!r} is a model, not a pipeline",
                hint=f"send its rows to /v1/models/{name}/predict",
                field="name",
            )
        return runtime

    def by_name(request: Request) -> ModelRuntime:
        return pipeline(request.path_params["name"])

    def by_deployment(request: Request) -> ModelRuntime:
        """The pipeline of a deployment name, ``{pipeline}-{id}`` (or the bare pipeline)."""
        deployment = request.path_params["deployment"]
        names = {r.name for r in served}
        bare = _DEPLOYMENT_ID.sub("", deployment)
        return pipeline(bare if bare in names or deployment not in names else deployment)

    def the_one(request: Request) -> ModelRuntime:
        names = sorted({r.name for r in served})
        if len(names) > 1:
            raise Conflict(
                f"several pipelines are served here ({', '.join(names)})",
                hint="post to /pipelines/NAME",
            )
        return pipeline(names[0])

    def inference(find: Callable[[Request], ModelRuntime], default: Datasets) -> Endpoint:
        async def infer(request: Request) -> Response:
            runtime = find(request)
            datasets = Datasets.from_query(request.query_params, default=default)
            media_type, encode = choose_encoder(request.headers.get("accept"))
            batch = runtime.validator.validate(await _decode(request, runtime))
            frame = await runtime.invoke(InferFrame(batch))
            if media_type == JSON:
                flat = datasets.separator is not None
                return Response(encode_json(frame, datasets), media_type=_json_type(flat))
            return Response(encode(arrow_frame(frame, datasets)), media_type=media_type)

        return answering(wallaroo_body, infer)

    async def list_pipelines(request: Request) -> Response:
        names = sorted({r.name for r in served})
        status = {n: all(r.ready for r in served if r.name == n) for n in names}
        found = [{"id": n, "status": "Running" if status[n] else "Error"} for n in names]
        return Response(orjson.dumps({"pipelines": found}), media_type=JSON)

    async def list_models(request: Request) -> Response:
        found: dict[tuple[str, str], dict[str, str]] = {}
        for runtime in served:
            for model in runtime.metadata.get("models", []):
                status = "Running" if runtime.ready else "Error"
                found[model["name"], model["version"]] = {**model, "status": status}
        return Response(orjson.dumps({"models": list(found.values())}), media_type=JSON)

    names = sorted({r.name for r in served})
    path_parameters = [
        {**path_parameter("name", "A served pipeline's name."), "schema": {"enum": names}},
        {
            **path_parameter("deployment", "A deployment: `{pipeline}-{id}`, or a pipeline."),
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.-]+$"},
        },
    ]

    def infer_route(path: str, endpoint: Endpoint) -> Route:
        parameters = [p for p in path_parameters if "{" + p["name"] + "}" in path]
        described = _operation("Infer with a pipeline", parameters, infer=True)
        return DocumentedRoute(path, endpoint, methods=["POST"], operation=described)

    def listing(path: str, endpoint: Endpoint, summary: str) -> Route:
        return DocumentedRoute(path, endpoint, methods=["GET"], operation=_operation(summary, []))

    engine = "/v1/api/pipelines/infer/{deployment}"
    return [
        infer_route(engine + "/{name}", inference(by_name, ENGINE_DEFAULT)),
        infer_route(engine, inference(by_deployment, ENGINE_DEFAULT)),
        infer_route("/pipelines/{name}", inference(by_name, ENGINE_DEFAULT)),
        infer_route("/infer", inference(the_one, ENGINE_DEFAULT)),
        infer_route("/v1/pipelines/{name}/infer", inference(by_name, SDK_DEFAULT)),
        listing("/pipelines", list_pipelines, "The pipelines served here"),
        listing("/models", list_models, "The models of the pipelines served here"),
    ]  # fmt: skip


_ERRORS = {
    400: "The body does not parse.",
    404: "No such pipeline is served here.",
    406: "None of the media types in Accept can be produced.",
    409: "Several pipelines are served here: name one.",
    413: "The body is over the server's size limit.",
    415: "The route cannot read a body of this type.",
    422: "The body does not match the pipeline's inputs.",
    500: "A step raised.",
    504: "A step did not answer in time.",
}
_ERROR = {
    "type": "object",
    "properties": {
        "code": {"type": "integer"},
        "status": {"type": "string"},
        "error": {"type": "string"},
        "source": {"type": "string"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
    },
    "required": ["code", "status", "error"],
}
_TABLES = (ARROW_FILE, ARROW_STREAM, PARQUET)


def _operation(summary: str, parameters: list[dict[str, Any]], *, infer: bool = False) -> Operation:
    """Wallaroo's answers: records as JSON (or Arrow), errors as its SDK reads them."""
    if not infer:
        return operation(
            tag="wallaroo",
            summary=summary,
            answers={JSON: {"type": "object"}},
            errors={},
            error_schema=_ERROR,
        )
    binary = {"type": "string", "format": "binary"}
    return operation(
        tag="wallaroo",
        summary=summary,
        parameters=parameters,
        request={JSON: {}, **dict.fromkeys(_TABLES, binary)},
        answers={JSON: {}, **dict.fromkeys(_TABLES, binary)},
        errors=_ERRORS,
        error_schema=_ERROR,
    )


def _json_type(flat: bool) -> str:
    return PANDAS_RECORDS if flat else JSON


async def _decode(request: Request, runtime: ModelRuntime) -> Decoded:
    """The request's rows, a JSON body checked against Wallaroo's input rules first."""
    body = await request.body()
    media = media_type_of(request.headers.get("content-type"))
    orient = request.query_params.get("format") or media.params.get("format")
    if orient in _WALLAROO_JSON:
        orient = None
    orient = orient.removeprefix("pandas-") if orient else None
    media = MediaType(media.essence, {k: v for k, v in media.params.items() if k != "format"})
    schema, limits = runtime.validator.decoding_schema, limits_of(request.scope)

    def decode() -> Decoded:
        if is_json(media.essence):
            check_json_input(parse_json(body), orient=orient)
        return decode_rows(body, media, orient=orient, schema=schema, limits=limits)

    return await off_loop(len(body), decode)
