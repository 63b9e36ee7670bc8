"""The Truss model server's routes, for models built from Trusses.

``GET /`` (``true``), ``GET /v1/models/{name}`` (readiness; the name is ignored, as in Truss),
``/loaded``, ``/schema``, ``POST /v1/models/{name}:predict`` and ``:predict_binary``, the
LLM client routes ``/v1/chat/completions``, ``/v1/completions``, ``/v1/embeddings``,
``/v1/messages`` and ``/v1/responses`` (each the model's method of that name), and
``GET /ping`` / ``POST /invocations``. The readiness and ``:predict`` paths are also KServe V1's:
those two routes answer Truss models themselves and hand every other model to KServe V1's
handlers. Errors answer in Truss's shape (``codec.truss_body``); a path no route of the server
answers is FastAPI's 404 ``{"detail":"Not Found"}``, as in Truss's server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.errors import ModelFailed, NotFound
from modelport.formats.truss import openapi as doc
from modelport.formats.truss.codec import (
    event_stream,
    not_ready,
    read_payload,
    stream_response,
    truss_body,
    truss_error,
    value_response,
)
from modelport.formats.truss.operations import (
    CallMethod,
    CheckHealth,
    HasMethod,
    Infer,
    LoadFailure,
)
from modelport.serving.fallback import Fallback
from modelport.serving.models import ModelSet
from modelport.serving.openapi.documented import DocumentedRoute, Operation
from modelport.serving.problems import answering
from modelport.serving.protocols import kserve_v1
from modelport.serving.runtime import ModelRuntime

OPENAI_METHODS = {
    "/v1/chat/completions": "chat_completions",
    "/v1/completions": "completions",
    "/v1/embeddings": "embeddings",
    "/v1/messages": "messages",  # Anthropic's Messages API
    "/v1/responses": "responses",  # OpenAI's Responses API
}
"""Routes of LLM client libraries, each answered by the model's method of that name."""
PREDICT_VERBS = (":predict", ":predict_binary")
"""The verbs of the predict routes, which the readiness path's ``{name}`` would otherwise take."""
NO_SCHEMA_YET = "Schema not available, please try again later."
Endpoint = Callable[[Request], Awaitable[Response]]
TrussEndpoint = Callable[[Request, ModelRuntime], Awaitable[Response]]


def truss_routes(models: ModelSet) -> list[BaseRoute]:
    trusses = [r for r in models.all() if r.takes(Infer)]
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
        return runtime if runtime.takes(Infer) else None

    async def readiness(runtime: ModelRuntime, *, health: bool = True) -> Response | None:
        """None when loaded (and, with ``health``, healthy); else the 503 answer."""
        if not runtime.ready:
            return not_ready(runtime.name, await runtime.invoke(LoadFailure()))
        if not health:
            return None
        try:
            healthy = await runtime.invoke(CheckHealth())
        except Exception as exc:  # the runtime wraps what the model raised: name that
            raised = exc.__cause__ if isinstance(exc, ModelFailed) and exc.__cause__ else exc
            return not_ready(runtime.name, f"is_healthy() raised {type(raised).__name__}")
        return None if healthy else not_ready(runtime.name, "is_healthy() answered False")

    def overlapping(path: str, own: TrussEndpoint, method: str) -> Endpoint:
        """The endpoint of a path KServe V1 shares: Truss models here, the others there."""

        async def endpoint(request: Request) -> Response:
            if method == "GET" and request.path_params["name"].endswith(PREDICT_VERBS):
                raise HTTPException(405, headers={"Allow": "POST"})
            runtime = truss_for(request.path_params["name"])
            if runtime is None:
                handed_on: Response = await kserve[path](request)
                return handed_on

            async def answer(request: Request) -> Response:
                return await own(request, runtime)

            return await answering(truss_body, answer, model_tracebacks=True)(request)

        return endpoint

    async def ready(request: Request, runtime: ModelRuntime) -> Response:
        return await readiness(runtime) or value_response(request, {}, answer=False)

    async def predict(request: Request, runtime: ModelRuntime) -> Response:
        if (refused := await readiness(runtime, health=False)) is not None:
            return refused
        answer = await runtime.invoke(Infer(await read_payload(request), request))
        if isinstance(answer, AsyncIterator):
            return await stream_response(request, answer, runtime.name)
        return value_response(request, answer)

    async def loaded(request: Request) -> Response:
        runtime = truss_for(request.path_params["name"]) or trusses[0]
        return await readiness(runtime, health=False) or value_response(request, {}, answer=False)

    async def schema(request: Request) -> Response:
        runtime = truss_for(request.path_params["name"]) or trusses[0]
        if not runtime.ready:
            failure = await runtime.invoke(LoadFailure())
            if failure is not None:  # Truss's server would have exited: say why
                return not_ready(runtime.name, failure)
            return truss_error(503, NO_SCHEMA_YET, client_fault=False)
        found = runtime.metadata.get("truss_schema")
        if found is None:  # Truss raises an HTTPException: a server-side error code
            return truss_error(404, "No schema found", client_fault=False)
        return value_response(request, found, answer=False)

    def openai(method: str) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            runtime = trusses[0]
            for candidate in trusses:
                if candidate.ready and await candidate.invoke(HasMethod(method)):
                    runtime = candidate
                    break
            if (refused := await readiness(runtime, health=False)) is not None:
                return refused
            if not await runtime.invoke(HasMethod(method)):
                message = f"`{method}` must only be called if model has it."
                return truss_error(404, message, client_fault=True)
            payload = await read_payload(request)
            answer: Any = await runtime.invoke(CallMethod(method, payload, request))
            if isinstance(answer, AsyncIterator):
                return event_stream(answer, runtime.name)
            return value_response(request, answer)

        return endpoint

    async def root(request: Request) -> Response:
        return value_response(request, True, answer=False)

    async def not_found(request: Request) -> Response:
        """Any path no route answers, as FastAPI answers it in Truss's server."""
        return Response(b'{"detail":"Not Found"}', 404, media_type="application/json")

    async def ping(request: Request) -> Response:
        return await ready(request, trusses[0])

    async def invocations(request: Request) -> Response:
        return await predict(request, trusses[0])

    async def predict_binary(request: Request) -> Response:
        runtime = truss_for(request.path_params["name"]) or trusses[0]
        return await predict(request, runtime)

    def route(path: str, endpoint: Endpoint, method: str, operation: Operation) -> Route:
        answer = answering(truss_body, endpoint, model_tracebacks=True)
        return DocumentedRoute(path, answer, methods=[method], operation=operation)

    own_predict = {
        f"/v1/models/{quote(r.name, safe='')}:predict": {"post": doc.predict("Call the Truss")}
        for r in trusses
    }
    named = {"named": True}
    return [
        route("/", root, "GET", doc.server_value("The Truss server is up", doc.TRUE)),
        route("/ping", ping, "GET", doc.server_value("Whether the Truss is ready", doc.EMPTY)),
        route("/invocations", invocations, "POST", doc.predict("Call the Truss", named=False)),
        route(
            "/v1/models/{name}:predict_binary",
            predict_binary,
            "POST",
            doc.predict("Call the Truss (binary: msgpack)"),
        ),
        DocumentedRoute(
            "/v1/models/{name}:predict",
            overlapping("/v1/models/{name}:predict", predict, "POST"),
            methods=["POST"],
            paths=own_predict,
        ),
        route(
            "/v1/models/{name}/loaded",
            loaded,
            "GET",
            doc.server_value("Whether the Truss has loaded", doc.EMPTY, **named),
        ),
        route(
            "/v1/models/{name}/schema",
            schema,
            "GET",
            doc.server_value("The Truss's input and output schema", doc.ANY, **named),
        ),
        DocumentedRoute(
            "/v1/models/{name}",
            overlapping("/v1/models/{name}", ready, "GET"),
            methods=["GET"],
            operation=doc.readiness(),
        ),
        *(
            route(path, openai(method), "POST", doc.predict(f"The Truss's {method}", named=False))
            for path, method in OPENAI_METHODS.items()
        ),
        Fallback(not_found),
    ]
