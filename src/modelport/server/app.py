"""The ``modelport server`` ASGI app: the registry's REST API under ``/api/v1``, its OpenAPI
document and docs page, the web UI at ``/ui/`` (``server/ui``), Wallaroo's model-registry API
under ``/v1/api/models/`` (external registries such as MLflow,
``server/wallaroo_registries.py``), liveness at ``/healthz``, all
behind the serving middleware (request ids, the body size bound, the access log, problem JSON
for whatever no route answered)."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from importlib.metadata import version
from typing import Any

import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from modelport.connections.store import RegistryConnections
from modelport.registry.rest.wire import API_PREFIX
from modelport.registry.uris import open_store
from modelport.server import (
    account_routes,
    deployment_routes,
    manifest_routes,
    pipeline_routes,
    playground_routes,
    registry_routes,
    secret_routes,
    serving_routes,
    training_routes,
)
from modelport.server.access import Authenticator, authenticate, authorize
from modelport.server.openapi import build_document
from modelport.server.playground import Playground
from modelport.server.routing import Operation, answer, api_routes
from modelport.server.state import ServerState
from modelport.server.ui import ui_routes
from modelport.server.wallaroo_registries import wallaroo_registry_routes
from modelport.serving.metrics import ServerMetrics
from modelport.serving.middleware import ServingMiddleware
from modelport.serving.problems import EXCEPTION_HANDLERS, answer_error, problem_json
from modelport.serving.protocols.docs import swagger_ui_dir

OPERATIONS: list[Operation] = [
    *registry_routes.OPERATIONS,
    *manifest_routes.OPERATIONS,
    *playground_routes.OPERATIONS,
    *serving_routes.OPERATIONS,
    *deployment_routes.OPERATIONS,
    *pipeline_routes.OPERATIONS,
    *training_routes.OPERATIONS,
    *secret_routes.OPERATIONS,
    *account_routes.OPERATIONS,
]
"""Every route of the API: the OpenAPI document and the access checks are made from it."""

_UPLOAD_OVERHEAD = 8 * 1024 * 1024
"""What an upload's body may hold beyond its artifact: the registration and multipart framing.
The routes bound their bodies more closely (``uploads.py``, ``routing.json_body``), with errors
naming what to change; the middleware's bound is the backstop."""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="docs/static/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/static/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{url: "openapi.json", dom_id: "#swagger-ui", validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis], layout: "BaseLayout"}});
</script>
</body>
</html>
"""


def _signed_in(endpoint: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
    """``endpoint`` answering 401 to a request without a valid token before it reads the body
    (the Wallaroo routes check each workspace they touch themselves)."""

    async def guarded(request: Request) -> Response:
        try:
            await anyio.to_thread.run_sync(authenticate, request)
        except Exception as error:
            return answer_error(request, error, problem_json)
        return await endpoint(request)

    return guarded


def create_server_app(state: ServerState) -> Starlette:
    """The server's app over ``state`` (authentication on unless ``state.accounts`` is None)."""
    document = orjson.dumps(build_document(OPERATIONS, version=version("modelport")))

    async def openapi(request: Request) -> Response:
        return Response(document, media_type="application/json")

    async def docs(request: Request) -> Response:
        return HTMLResponse(_PAGE.format(title=html.escape("modelport registry API")))

    async def healthz(request: Request) -> Response:
        return answer({"status": "ok"})

    routes: list[BaseRoute] = [
        *api_routes(OPERATIONS),
        *(
            Route(route.path, _signed_in(route.endpoint), methods=["POST"])
            for route in wallaroo_registry_routes(
                authorize=authorize,
                open_connections=lambda: RegistryConnections.open(
                    state.registry_uri, settings=state.settings
                ),
                open_store=lambda: open_store(state.registry_uri, settings=state.settings),
                settings=state.settings,
            )
            if isinstance(route, Route)
        ),
        Route(f"{API_PREFIX}/openapi.json", openapi, methods=["GET"]),
        Route(f"{API_PREFIX}/docs", docs, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        *ui_routes(),
    ]
    static = swagger_ui_dir()
    if static is not None:
        routes.append(Mount(f"{API_PREFIX}/docs/static", app=StaticFiles(directory=static)))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                ServingMiddleware,
                metrics=ServerMetrics(),
                max_body_size=state.max_upload_bytes + _UPLOAD_OVERHEAD,
            )
        ],
        exception_handlers=dict(EXCEPTION_HANDLERS),
    )
    app.state.modelport = state
    app.state.authenticator = Authenticator(state.accounts)
    app.state.playground = Playground(registry_uri=state.registry_uri, settings=state.settings)
    return app
