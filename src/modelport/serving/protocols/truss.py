"""The Truss model server's routes, for models built from Trusses.

``GET /`` (``true``), ``GET /v1/models/{name}`` (readiness; the name is ignored, as in Truss),
``/loaded``, ``/schema``, ``POST /v1/models/{name}:predict`` and ``:predict_binary``, the
OpenAI-style ``/v1/chat/completions``, ``/v1/completions`` and ``/v1/embeddings``, and
``GET /ping`` / ``POST /invocations``. The readiness and ``:predict`` paths are also KServe V1's:
those two routes answer Truss models themselves and hand every other model to KServe V1's
handlers. No route is added unless a Truss model is served.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.errors import NotFound
from modelport.serving.models import ModelSet
from modelport.serving.protocols import kserve_v1
from modelport.serving.protocols.truss_codec import (
    error_response,
    event_stream,
    not_ready,
    read_payload,
    stream_response,
    truss_error,
    value_response,
)
from modelport.serving.runtime import ModelRuntime

if TYPE_CHECKING:
    from modelport.formats.truss.servable import TrussServable

OPENAI_METHODS = {
    "/v1/chat/completions": "chat_completions",
    "/v1/completions": "completions",
    "/v1/embeddings": "embeddings",
}
Endpoint = Callable[[Request], Awaitable[Response]]
TrussEndpoint = Callable[[Request, ModelRuntime], Awaitable[Response]]


def _servable(runtime: ModelRuntime) -> TrussServable:
    from modelport.formats.truss.servable import TrussServable  # only when a Truss is served

    servable = runtime.servable
    assert isinstance(servable, TrussServable)
    return servable


def routes(models: ModelSet) -> list[BaseRoute]:
    trusses = [r for r in models.all() if r.servable.source_format == "truss"]
    if not trusses:
        return []
    kserve = {r.path: r.endpoint for r in kserve_v1.routes(models) if isinstance(r, Route)}

    def truss_for(name: str | None) -> ModelRuntime | None:
        """The Truss model a path names (any unknown name: the served Truss), or None when
        the name is another convention's model."""
        if name is None:
            return trusses[0]
        try:
            runtime = models.get(name)
        except NotFound:
            return trusses[0]
        return runtime if runtime.servable.source_format == "truss" else None

    async def readiness(runtime: ModelRuntime, *, health: bool = True) -> Response | None:
        """None when loaded (and, with ``health``, healthy); else the 503 answer."""
        servable = _servable(runtime)
        if not runtime.ready:
            return not_ready(runtime.name, servable.load_error)
        if not health:
            return None
        try:
            healthy = await runtime.call(servable.is_healthy)
        except Exception as exc:
            return not_ready(runtime.name, f"is_healthy() raised {type(exc).__name__}")
        return None if healthy else not_ready(runtime.name, "is_healthy() answered False")

    def overlapping(path: str, own: TrussEndpoint) -> Endpoint:
        """The endpoint of a path KServe V1 shares: Truss models here, the others there."""

        async def endpoint(request: Request) -> Response:
            runtime = truss_for(request.path_params["name"])
            if runtime is None:
                return await kserve[path](request)
            return await own(request, runtime)

        return endpoint

    async def ready(request: Request, runtime: ModelRuntime) -> Response:
        return await readiness(runtime) or value_response(request, {})

    async def predict(request: Request, runtime: ModelRuntime) -> Response:
        if (refused := await readiness(runtime, health=False)) is not None:
            return refused
        servable = _servable(runtime)
        try:
            payload = await read_payload(request)
            answer = await servable.infer(payload, request, call=runtime.call)
        except Exception as exc:
            return error_response(exc, runtime.name)
        if isinstance(answer, AsyncIterator):
            return await stream_response(request, answer, runtime.name)
        try:
            return value_response(request, answer)
        except Exception as exc:
            return error_response(exc, runtime.name)

    async def loaded(request: Request) -> Response:
        runtime = truss_for(request.path_params["name"]) or trusses[0]
        return await readiness(runtime, health=False) or value_response(request, {})

    async def schema(request: Request) -> Response:
        runtime = truss_for(request.path_params["name"]) or trusses[0]
        if not runtime.ready:
            return not_ready(runtime.name, _servable(runtime).load_error)
        found = runtime.servable.metadata.get("truss_schema")
        if found is None:
            return truss_error(404, "No schema found", client_fault=True)
        return value_response(request, found)

    def openai(method: str) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            runtime = next((r for r in trusses if r.ready and _has(r, method)), trusses[0])
            if (refused := await readiness(runtime, health=False)) is not None:
                return refused
            servable = _servable(runtime)
            if servable.hook(method) is None:
                message = f"`{method}` must only be called if model has it."
                return truss_error(404, message, client_fault=True)
            try:
                payload = await read_payload(request)
                answer: Any = await servable.call_hook(method, payload, request, call=runtime.call)
                if not isinstance(answer, AsyncIterator) and _is_iterator(answer):
                    answer = servable.stream_of(answer, call=runtime.call)
            except Exception as exc:
                return error_response(exc, runtime.name)
            if isinstance(answer, AsyncIterator):
                return event_stream(answer, runtime.name)
            return value_response(request, answer)

        return endpoint

    async def root(request: Request) -> Response:
        return value_response(request, True)

    async def ping(request: Request) -> Response:
        return await ready(request, trusses[0])

    async def invocations(request: Request) -> Response:
        return await predict(request, trusses[0])

    async def predict_binary(request: Request) -> Response:
        runtime = truss_for(request.path_params["name"]) or trusses[0]
        return await predict(request, runtime)

    return [
        Route("/", root, methods=["GET"]),
        Route("/ping", ping, methods=["GET"]),
        Route("/invocations", invocations, methods=["POST"]),
        Route("/v1/models/{name}:predict_binary", predict_binary, methods=["POST"]),
        Route(
            "/v1/models/{name}:predict",
            overlapping("/v1/models/{name}:predict", predict),
            methods=["POST"],
        ),
        Route("/v1/models/{name}/loaded", loaded, methods=["GET"]),
        Route("/v1/models/{name}/schema", schema, methods=["GET"]),
        Route("/v1/models/{name}", overlapping("/v1/models/{name}", ready), methods=["GET"]),
        *(Route(path, openai(method), methods=["POST"]) for path, method in OPENAI_METHODS.items()),
    ]


def _has(runtime: ModelRuntime, method: str) -> bool:
    return _servable(runtime).hook(method) is not None


def _is_iterator(value: Any) -> bool:
    return isinstance(value, Iterator) and not isinstance(value, str | bytes)
