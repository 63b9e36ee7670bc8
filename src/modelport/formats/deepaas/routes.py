"""The DEEPaaS V2 REST API, route for route, for the served DEEPaaS models.

``GET /``, ``GET /v2/``, ``GET /v2/models/``, ``GET /v2/models/{name}/``,
``POST /v2/models/{name}/predict/``, ``POST|GET /v2/models/{name}/train/``,
``GET|DELETE /v2/models/{name}/train/{uuid}``, ``GET /v2/debug/``, ``/swagger.json`` and
Swagger UI at ``/api``. ``/v2/debug/`` answers as DEEPaaS does without its
``--debug-endpoint`` option (its default): 204, no content.

Model routes are made for each DEEPaaS model by name (as DEEPaaS does), so the Open Inference
V2 routes keep answering every other model. For a DEEPaaS model, ``/v2/models/{name}`` is the
DEEPaaS metadata: like DEEPaaS, the path without its trailing slash redirects (308) to it.
Requests and errors take DEEPaaS's shapes (``codec``). Paths DEEPaaS does not know (a
trailing slash after a training's uuid, ``/api/``, an unknown model's ``/v2/models/{name}/``)
are 404s, not redirects.

``accept``: DEEPaaS documents it as filled from the ``Accept`` header; DEEPaaS 2.6.0 reads it
only from the query string or form. Here the argument wins and the header fills it otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from modelport.formats.deepaas.arguments import ANY_TYPE, InvalidArguments
from modelport.formats.deepaas.codec import (
    NOT_FOUND,
    deepaas_body,
    delete_files,
    json_answer,
    read_arguments,
    text_answer,
)
from modelport.formats.deepaas.openapi import ModelApi, swagger_document
from modelport.formats.deepaas.operations import (
    CheckTrains,
    DescribeApi,
    Metadata,
    Predict,
    StartTraining,
)
from modelport.formats.deepaas.training import TrainingJobs
from modelport.formats.deepaas.training_store import TrainingJobStore
from modelport.serving.conventions import Services
from modelport.serving.models import ModelSet
from modelport.serving.openapi.documented import DocumentedRoute
from modelport.serving.problems import answering
from modelport.serving.runtime import ModelRuntime

Handler = Callable[[Request], Awaitable[Response]]
JSON_TYPES = ("application/json", ANY_TYPE)
VERSION = {
    "version": "stable",
    "id": "v2",
    "links": [{"rel": "self", "type": "application/json", "href": "/v2/"}],
}


def deepaas_routes(models: ModelSet, services: Services) -> list[BaseRoute]:
    """The DEEPaaS routes for the DEEPaaS models among ``models``."""
    runtimes = [r for r in models.all() if r.takes(Predict)]
    jobs = TrainingJobs(
        TrainingJobStore.open(services.registry_uri),
        work_dir=services.home / "deepaas-training",
        register=services.register_version,
    )
    apis: dict[str, ModelApi] = {}

    async def api_of(runtime: ModelRuntime) -> ModelApi:
        """The model's arguments, asked once."""
        api = apis.get(runtime.name)
        if api is None:
            api = apis[runtime.name] = await runtime.invoke(DescribeApi())
        return api

    async def root(request: Request) -> Response:
        return JSONResponse(
            {
                "versions": [VERSION],
                "links": [
                    {"rel": "help", "type": "text/html", "href": "/api"},
                    {"rel": "describedby", "type": "application/json", "href": "/swagger.json"},
                ],
            }
        )

    async def version(request: Request) -> Response:
        return JSONResponse(VERSION)

    async def index(request: Request) -> Response:
        return JSONResponse({"models": [await _describe(r) for r in runtimes]})

    async def debug(request: Request) -> Response:
        return Response(status_code=204)

    def model_routes(runtime: ModelRuntime) -> list[BaseRoute]:
        base = f"/v2/models/{runtime.name}"

        async def metadata(request: Request) -> Response:
            return JSONResponse(await _describe(runtime))

        async def predict(request: Request) -> Response:
            arguments = (await api_of(runtime)).predict_arguments
            values, temp_files = await read_arguments(request, arguments)
            try:
                parsed = arguments.parse(values, accept_header=request.headers.get("accept"))
                accept = str(parsed.get("accept", "application/json"))
                raw = accept not in JSON_TYPES
                result = await runtime.invoke(Predict(parsed, raw=raw))
            finally:
                delete_files(temp_files)
            if raw:
                return Response(result, media_type=accept)
            return json_answer(result)

        async def train(request: Request) -> Response:
            await runtime.invoke(CheckTrains())  # 501 when the model cannot train
            arguments = (await api_of(runtime)).train_arguments
            values, temp_files = await read_arguments(request, arguments)
            try:
                parsed = arguments.parse(values)
            except InvalidArguments:
                delete_files(temp_files)
                raise
            started = await runtime.invoke(StartTraining(parsed, jobs))
            return json_answer(started.to_deepaas())

        async def trainings(request: Request) -> Response:
            listed = await anyio.to_thread.run_sync(jobs.list, runtime.name)
            return json_answer([job.to_deepaas() for job in listed])

        async def training(request: Request) -> Response:
            uuid = request.path_params["uuid"]
            return json_answer(
                (await anyio.to_thread.run_sync(jobs.get, runtime.name, uuid)).to_deepaas()
            )

        async def cancel(request: Request) -> Response:
            uuid = request.path_params["uuid"]
            cancelled = await anyio.to_thread.run_sync(jobs.cancel, runtime.name, uuid)
            return json_answer(cancelled.to_deepaas())

        return [
            _route(f"{base}/", {"GET": metadata}),
            _route(f"{base}/predict/", {"POST": predict}),
            _route(f"{base}/train/", {"POST": train, "GET": trainings}),
            _route(f"{base}/train/{{uuid}}", {"GET": training, "DELETE": cancel}),
            _described_redirect(base),
            *(_slash_redirect(f"{base}{p}") for p in ("/predict", "/train")),
        ]

    async def not_found(request: Request) -> Response:
        return text_answer(NOT_FOUND, 404)

    async def metadata_only(request: Request) -> Response:
        """``/v2/models/{name}/``: a served model's metadata answers GET alone (405 otherwise,
        as in DEEPaaS); any other name is not there."""
        if request.path_params["name"] in {r.name for r in runtimes}:
            return text_answer("405: Method Not Allowed", 405, headers={"Allow": "GET"})
        return text_answer(NOT_FOUND, 404)

    async def swagger(request: Request) -> Response:
        return json_answer(swagger_document([await api_of(r) for r in runtimes]))

    async def swagger_ui(request: Request) -> Response:
        return HTMLResponse(SWAGGER_PAGE)

    async def to_api(request: Request) -> Response:
        return RedirectResponse("/api", status_code=302)

    return [
        _route("/", {"GET": root}),
        _route("/v2/", {"GET": version}),
        _route("/v2/models/", {"GET": index}),
        _slash_redirect("/v2/models"),
        _route("/v2/debug/", {"GET": debug}),
        _slash_redirect("/v2/debug"),
        *(route for runtime in runtimes for route in model_routes(runtime)),
        Route(
            "/v2/models/{name}/",
            metadata_only,
            methods=["GET", "POST", "DELETE"],
            include_in_schema=False,
        ),
        *(
            Route(path, not_found, methods=["GET", "POST", "DELETE"], include_in_schema=False)
            for path in ("/v2/models/{name}/train/{uuid}/", "/api/")
        ),
        Route("/swagger.json", swagger, methods=["GET"], include_in_schema=False),
        Route("/api", swagger_ui, methods=["GET"], include_in_schema=False),
        Route("/ui", to_api, methods=["GET"], include_in_schema=False),
    ]


async def _describe(runtime: ModelRuntime) -> dict[str, Any]:
    """DEEPaaS's model description: id, name and links, updated with the model's metadata."""
    described: dict[str, Any] = {
        "id": runtime.name,
        "name": runtime.name,
        "links": [{"rel": "self", "href": f"/v2/models/{runtime.name}"}],
    }
    metadata: dict[str, Any] = await runtime.invoke(Metadata())
    described.update(metadata)
    return described


def _route(path: str, handlers: dict[str, Handler]) -> Route:
    """A DEEPaaS path and its handler per method (one route, so that another method is told
    every method the path has, in a 405's ``Allow``): described by DEEPaaS's own document
    (``/swagger.json``), which its clients read, not by the server's OpenAPI document."""

    async def by_method(request: Request) -> Response:
        return await handlers["GET" if request.method == "HEAD" else request.method](request)

    answer = answering(deepaas_body, by_method)
    return Route(path, answer, methods=list(handlers), include_in_schema=False)


def _redirect(path: str) -> Callable[[Request], Awaitable[Response]]:
    async def redirect(request: Request) -> Response:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"{path}/{query}", status_code=308)

    return redirect


def _slash_redirect(path: str) -> Route:
    return Route(path, _redirect(path), methods=["GET", "POST"], include_in_schema=False)


def _described_redirect(base: str) -> Route:
    """``/v2/models/{name}`` of a DEEPaaS model, a path the Open Inference V2 metadata route
    shares: the server's document says what it answers for this model (DEEPaaS's metadata,
    through a redirect to the path with a trailing slash)."""
    metadata = {
        "tags": ["deepaas"],
        "summary": "The DEEPaaS model's metadata (redirected to the path with a trailing slash)",
        "responses": {
            "200": {
                "description": "DEEPaaS's description of the model.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "308": {"description": "The same path with a trailing slash."},
        },
    }
    return DocumentedRoute(base, _redirect(base), methods=["GET"], operation=metadata)


SWAGGER_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>DEEPaaS API</title>
<link rel="stylesheet" href="docs/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/static/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "swagger.json", dom_id: "#swagger-ui", validatorUrl: null});
</script>
</body>
</html>
"""
