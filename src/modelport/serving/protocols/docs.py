"""The API's documentation: ``GET /openapi.json`` and Swagger UI at ``/docs``.

The document lists the routes the app really has, so it is built at the first request (when
the app is complete) and kept once every model is ready. Swagger UI's files come from the
``swagger-ui-bundle-v2`` package and are served by this server under ``/docs/static/``: the
page works with no internet. The page's links are relative, so it also works behind a proxy
that mounts the server under a prefix.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import orjson
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from modelport.serving.models import ModelSet
from modelport.serving.openapi.document import RouteKey, build_openapi
from modelport.serving.openapi.documented import documented_paths

STATIC_PATH = "/docs/static"
MIN_SWAGGER_UI_MAJOR = 5
"""Swagger UI renders OpenAPI 3.1 from version 5 on."""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} API</title>
<link rel="stylesheet" href="docs/static/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/static/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/static/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: "openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
</script>
</body>
</html>
"""

_NO_SWAGGER_UI = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title} API</title></head>
<body>
<h1>{title} API</h1>
<p>Swagger UI is not installed with this server (install <code>swagger-ui-bundle-v2</code>).
The API is described by <a href="openapi.json">openapi.json</a>.</p>
</body>
</html>
"""


def swagger_ui_dir() -> Path | None:
    """The folder of the newest Swagger UI (5 or later) the ``swagger_ui_bundle`` package
    ships, or None when it is not installed."""
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    vendor = Path(swagger_ui_bundle.__file__).parent / "vendor"
    found = []
    for folder in vendor.glob("swagger-ui-*"):
        match = re.fullmatch(r"swagger-ui-(\d+)\.(\d+)\.(\d+)", folder.name)
        has_bundle = (folder / "swagger-ui-bundle.js").is_file()
        if match and has_bundle and int(match[1]) >= MIN_SWAGGER_UI_MAJOR:
            found.append((tuple(int(part) for part in match.groups()), folder))
    return max(found)[1] if found else None


def route_keys(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[RouteKey]:
    """(method, path template) of every route meant for the schema, through mounts."""
    for route in routes:
        if isinstance(route, Route) and route.include_in_schema:
            for method in sorted(route.methods or ()):
                if method != "HEAD":
                    yield method, prefix + route.path
        elif isinstance(route, Mount):
            yield from route_keys(route.routes, prefix + route.path)


class DocumentCache:
    """The document as JSON bytes, built at first use and kept once every model is ready
    (until then a model's example may still change as it loads)."""

    def __init__(self, models: ModelSet, title: str) -> None:
        self.models = models
        self.title = title
        self._body: bytes | None = None

    def body(self, routes: Iterable[BaseRoute]) -> bytes:
        if self._body is not None:
            return self._body
        ready = self.models.ready
        routes = list(routes)
        document = build_openapi(
            self.models,
            list(route_keys(routes)),
            title=self.title,
            documented=documented_paths(routes),
        )
        body = orjson.dumps(document)
        if ready:
            self._body = body
        return body


def routes(models: ModelSet, *, title: str = "modelport") -> list[BaseRoute]:
    cache = DocumentCache(models, title)

    async def openapi(request: Request) -> Response:
        return Response(cache.body(request.app.routes), media_type="application/json")

    return [Route("/openapi.json", openapi, methods=["GET"]), *swagger_ui_routes(title)]


def swagger_ui_routes(title: str) -> list[BaseRoute]:
    """``/docs``, the page showing the ``openapi.json`` beside it, and its files (a front of
    several models serves these too, with a document of its own)."""
    static = swagger_ui_dir()
    page = (_PAGE if static is not None else _NO_SWAGGER_UI).format(title=html.escape(title))

    async def docs(request: Request) -> Response:
        return HTMLResponse(page)

    found: list[BaseRoute] = [Route("/docs", docs, methods=["GET"], include_in_schema=False)]
    if static is not None:
        found.append(Mount(STATIC_PATH, app=StaticFiles(directory=static), name="swagger-ui"))
    return found
