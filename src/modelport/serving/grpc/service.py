"""The ``inference.GRPCInferenceService`` calls, answered from the served models.

Each call does what its REST route does (``serving/protocols/v2.py``): the same model plans,
validation, runtime (timeouts, thread pool, inline fast path) and metrics, with ``grpc:<Call>`` as
the route label. Errors become gRPC statuses with the problem's message: invalid input is
``INVALID_ARGUMENT``, an unknown model ``NOT_FOUND``, a model not loaded yet ``UNAVAILABLE``, a
timeout ``DEADLINE_EXCEEDED`` and a model failure ``INTERNAL``. A server started with tokens
(``--auth-token``) wants one in each call's ``authorization`` metadata (``Bearer TOKEN``) but
the health checks' (``UNAUTHENTICATED`` otherwise).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from modelport.codecs.limits import DecodeLimits
from modelport.errors import ModelportError
from modelport.serving.auth import Tokens
from modelport.serving.batching import REQUESTS
from modelport.serving.grpc import messages
from modelport.serving.grpc.tensors import decode_infer_request, infer_response
from modelport.serving.metrics import ServerMetrics
from modelport.serving.models import ModelSet
from modelport.serving.problems import problem_of
from modelport.serving.protocols.v2 import SERVER_METADATA, ModelPlan
from modelport.serving.runtime import ModelRuntime

log = logging.getLogger("modelport.serving")

STATUS_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    406: grpc.StatusCode.INVALID_ARGUMENT,
    409: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    415: grpc.StatusCode.INVALID_ARGUMENT,
    422: grpc.StatusCode.INVALID_ARGUMENT,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}
"""The gRPC status of each HTTP status a problem can have; any other 4xx is INVALID_ARGUMENT
and any other 5xx INTERNAL."""

PROBES = ("ServerLive", "ServerReady")
"""The calls answered without a token, as the HTTP health routes are."""

Handler = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


class InferenceService:
    """The six calls of the protocol over one model set."""

    def __init__(
        self, models: ModelSet, limits: DecodeLimits, metrics: ServerMetrics, tokens: Tokens
    ) -> None:
        self.models = models
        self.limits = limits
        self.metrics = metrics
        self.tokens = tokens
        self._plans: dict[ModelRuntime, ModelPlan] = {}

    def handler(self) -> grpc.GenericRpcHandler:
        """The service's handler for ``grpc.aio.server``."""
        calls: dict[str, tuple[Handler, Any]] = {
            "ServerLive": (self.server_live, messages.ServerLiveRequest),
            "ServerReady": (self.server_ready, messages.ServerReadyRequest),
            "ModelReady": (self.model_ready, messages.ModelReadyRequest),
            "ServerMetadata": (self.server_metadata, messages.ServerMetadataRequest),
            "ModelMetadata": (self.model_metadata, messages.ModelMetadataRequest),
            "ModelInfer": (self.model_infer, messages.ModelInferRequest),
        }
        handlers = {
            name: grpc.unary_unary_rpc_method_handler(
                self._answering(name, call),
                request_deserializer=request_type.FromString,
                response_serializer=_serialize,
            )
            for name, (call, request_type) in calls.items()
        }
        return grpc.method_handlers_generic_handler(messages.SERVICE, handlers)

    def _answering(self, name: str, call: Handler) -> Handler:
        route = f"grpc:{name}"
        probe = name in PROBES

        async def answer(request: Any, context: grpc.aio.ServicerContext) -> Any:
            started = time.perf_counter()
            model = getattr(request, "model_name", "") or getattr(request, "name", "")
            REQUESTS.count += 1
            try:
                if self.tokens and not probe:
                    metadata = dict(context.invocation_metadata() or ())
                    await self.tokens.admit(metadata.get("authorization"))
                response = await call(request, context)
            except Exception as exc:
                status, code, detail = grpc_status_of(exc, route)
                self._observe(model, route, status, started)
                await context.abort(code, detail)
            finally:
                REQUESTS.count -= 1
            self._observe(model, route, 200, started)
            return response

        return answer

    def _observe(self, model: str, route: str, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        self.metrics.observe(model=model, route=route, status=status, seconds=seconds, rows=None)

    def _plan(self, name: str, version: str) -> ModelPlan:
        runtime = self.models.get(name, version or None)
        plan = self._plans.get(runtime)
        if plan is None:
            plan = self._plans[runtime] = ModelPlan(runtime)
        return plan

    async def server_live(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return messages.ServerLiveResponse(live=True)

    async def server_ready(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return messages.ServerReadyResponse(ready=self.models.ready)

    async def model_ready(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        runtime = self._plan(request.name, request.version).runtime
        return messages.ModelReadyResponse(ready=runtime.ready)

    async def server_metadata(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return messages.ServerMetadataResponse(**SERVER_METADATA)

    async def model_metadata(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        plan = self._plan(request.name, request.version)
        name = plan.runtime.name
        versions = [plan_version(r) for r in self.models.all() if r.name == name]
        return messages.ModelMetadataResponse(name=name, versions=versions, **plan.metadata)

    async def model_infer(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        plan = self._plan(request.model_name, request.model_version)
        decoded = decode_infer_request(request, self.limits)
        runtime = plan.runtime
        batch = runtime.validator.validate(plan.tensors.columns(decoded.inputs))
        if runtime.batcher is not None:
            for _ in range(GATHER_TURNS):  # calls read with this one start meanwhile
                await asyncio.sleep(0)
        result = await runtime.predict(batch)
        header = {"model_name": runtime.name, "model_version": plan.version, "id": request.id}
        outputs = plan.tensors.outputs(result, decoded)
        return infer_response(header, [tensor for tensor, _binary in outputs])


GATHER_TURNS = 3
"""Turns of the event loop an infer call of a batching model lets pass before it predicts.
gRPC's server starts the calls it has read one after the other, a loop turn or two apart, and
tells nothing of those still to start (HTTP's protocol counts them as it parses them); without
these turns a model answering on the loop answered each call alone. (One turn merged calls
sent together half the time; three, every time; one and three served as many calls a second.)"""


def grpc_status_of(exc: Exception, route: str) -> tuple[int, grpc.StatusCode, str]:
    """The HTTP status, gRPC status and message answering ``exc`` in a call of ``route``
    (``grpc:<Call>``); a server error is logged, and one modelport did not foresee is answered
    without its details."""
    problem = problem_of(exc)
    if problem.status >= 500:
        log.error("%s failed: %s", route, problem.detail, exc_info=exc)
    code = STATUS_CODES.get(problem.status) or (
        grpc.StatusCode.INVALID_ARGUMENT if problem.client_fault else grpc.StatusCode.INTERNAL
    )
    detail = problem.detail
    if not isinstance(exc, ModelportError) and problem.status >= 500:
        detail = "internal error; the server's log has the details"
    return problem.status, code, detail


def plan_version(runtime: ModelRuntime) -> str:
    return str(runtime.version) if runtime.version is not None else "1"


def _serialize(message: Any) -> bytes:
    data: bytes = message.SerializeToString()
    return data
