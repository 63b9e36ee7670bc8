"""The ASGI application: every protocol's routes over one model set; errors mapped in one place."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.serving.metrics import ServerMetrics
from modelport.serving.middleware import ServingMiddleware
from modelport.serving.models import ModelSet
from modelport.serving.problems import EXCEPTION_HANDLERS
from modelport.serving.protocols import (
    deepaas,
    docs,
    kserve_v1,
    native,
    odahu,
    qwak,
    truss,
    v2,
    wallaroo,
)

DEFAULT_MAX_BODY = 100 * 1024**2

PROTOCOLS = (truss, odahu, deepaas, wallaroo, qwak, v2, native, kserve_v1, docs)
"""Each module's ``routes(models)``, in matching order. A convention's own protocol (its clients'
routes) goes before the generic ones and returns routes only when one of its models is served;
where its paths overlap a generic protocol's, it answers its own models and hands the others on."""


@dataclass(frozen=True)
class AppOptions:
    max_body_size: int = DEFAULT_MAX_BODY
    debug: bool = False


def create_app(models: ModelSet, options: AppOptions | None = None) -> Starlette:
    """An app answering for ``models`` (loaded, or loading: readiness says which)."""
    options = options or AppOptions()
    metrics = ServerMetrics()

    async def render_metrics(request: Request) -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    routes: list[BaseRoute] = [
        *(route for protocol in PROTOCOLS for route in protocol.routes(models)),
        Route("/metrics", render_metrics, methods=["GET"]),
    ]
    return Starlette(
        debug=False,
        routes=routes,
        middleware=[
            Middleware(ServingMiddleware, metrics=metrics, max_body_size=options.max_body_size)
        ],
        exception_handlers=EXCEPTION_HANDLERS,
    )
