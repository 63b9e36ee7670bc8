"""The ASGI application: the routes of each served convention, then the generic protocols, over
one model set (a convention's answer to unknown paths, a ``Fallback``, last); errors answered in
one place (``problems``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.codecs.limits import DEFAULT_MAX_BODY, DEFAULT_MAX_ROWS, DecodeLimits
from modelport.errors import ConfigError
from modelport.serving.admission import AdmissionMiddleware
from modelport.serving.conventions import Services, convention
from modelport.serving.exposure import Exposure, ExposureMiddleware
from modelport.serving.fallback import Fallback
from modelport.serving.limits import ConnectionLimits
from modelport.serving.metrics import ServerMetrics
from modelport.serving.middleware import ServingMiddleware
from modelport.serving.models import ModelSet
from modelport.serving.problems import EXCEPTION_HANDLERS
from modelport.serving.protocols import docs, kserve_v1, native, v2

GENERIC_PROTOCOLS = (native, v2, kserve_v1, docs)
"""Each module's ``routes(models)``, in matching order, after the conventions' own routes. Where
a convention's paths overlap a generic protocol's, its routes answer its own models and hand the
others on. modelport's own predict routes come first: the router tries each route's pattern in
turn, and ten V2 patterns before them cost a single-row prediction about 4% of its time."""


@dataclass(frozen=True)
class AppOptions:
    max_body_size: int = DEFAULT_MAX_BODY
    """The largest request body, before and after inflating (413 above)."""
    max_rows: int = DEFAULT_MAX_ROWS
    """The most rows one request may hold or declare (413 above)."""
    max_decoded_size: int | None = None
    """The most bytes one request may decode to (413 above; None: 10 x ``max_body_size``)."""
    debug: bool = False
    """Tracebacks in the answers to unforeseen errors, and in the log for every server error."""
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    """Requests in flight and the deadline of their bodies (``serving.admission``)."""
    exposure: Exposure = field(default_factory=Exposure)
    """Tokens and host names (``serving.exposure``)."""
    bound_host: str | None = None
    """The address the server listens on, for the default allowed hosts (None: any host)."""


def create_app(
    models: ModelSet, options: AppOptions | None = None, services: Services | None = None
) -> Starlette:
    """An app answering for ``models`` (loaded, or loading: readiness says which)."""
    options = options or AppOptions()
    services = services or Services()
    metrics = ServerMetrics(models)

    async def render_metrics(request: Request) -> Response:
        body = await run_in_threadpool(metrics.render)  # off the loop: health keeps answering
        return Response(body, media_type=metrics.content_type)

    own = convention_routes(models, services)
    routes: list[BaseRoute] = [
        *(route for route in own if not isinstance(route, Fallback)),
        *(route for protocol in GENERIC_PROTOCOLS for route in protocol.routes(models)),
        Route("/metrics", render_metrics, methods=["GET"]),
        *(route for route in own if isinstance(route, Fallback)),  # after every other route
    ]
    app = Starlette(
        debug=options.debug,
        routes=routes,
        middleware=[
            Middleware(
                ServingMiddleware,
                metrics=metrics,
                max_body_size=options.max_body_size,
                max_rows=options.max_rows,
                max_decoded_size=options.max_decoded_size,
            ),
            Middleware(
                ExposureMiddleware, exposure=options.exposure, bound_host=options.bound_host
            ),
            Middleware(AdmissionMiddleware, limits=options.limits),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    app.state.metrics = metrics
    app.state.tokens = options.exposure.tokens  # for the gRPC server beside it, as these
    app.state.decode_limits = DecodeLimits(
        options.max_body_size, options.max_rows, options.max_decoded_size
    )  # for the gRPC server beside it
    return app


def convention_routes(models: ModelSet, services: Services) -> list[BaseRoute]:
    """The routes each convention of the served models gives its own clients, in the order its
    first model was served. A model whose convention no installed adapter names (a Servable a
    library user made) answers on the generic protocols only."""
    routes: list[BaseRoute] = []
    for name in dict.fromkeys(runtime.source_format for runtime in models.all()):
        try:
            adapter = convention(name)
        except ConfigError:
            continue
        routes.extend(adapter.routes(models, services))
    return routes
