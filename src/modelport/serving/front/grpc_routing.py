"""Open Inference V2 over gRPC on the front (``modelport serve A B --grpc-port N``).

The server's own calls (``ServerLive``, ``ServerReady``, ``ServerMetadata``) are answered here;
each call that names a model (``ModelReady``, ``ModelMetadata``, ``ModelInfer``) goes, as the
bytes it came as, to the gRPC server of that model's worker, on a Unix socket beside its HTTP
one, started first when it is not running, as a REST request would start it. The request is
parsed here only for the model's name: decoding and validation are the worker's, as for REST.
An unknown name is ``NOT_FOUND``; a call whose worker ended under it is ``INTERNAL`` naming the
cause (the worker is starting again); the worker's own statuses pass through as they are.
Nothing here is imported unless ``--grpc-port`` is given.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from modelport.errors import MalformedInput, ModelFailed
from modelport.serving.auth import Tokens
from modelport.serving.front.pool import WorkerPool
from modelport.serving.front.worker import ModelWorker
from modelport.serving.grpc import messages
from modelport.serving.grpc.service import PROBES, STATUS_CODES, grpc_status_of
from modelport.serving.metrics import ServerMetrics
from modelport.serving.protocols.v2 import SERVER_METADATA

Handler = Callable[[bytes, str, grpc.aio.ServicerContext], Awaitable[bytes]]
"""A call's answer to its request (bytes as they came), given the model it names ("" for none)."""

ROUTED: dict[str, Any] = {
    "ModelReady": messages.ModelReadyRequest,
    "ModelMetadata": messages.ModelMetadataRequest,
    "ModelInfer": messages.ModelInferRequest,
}
"""The calls that name a model, and the message each request is (parsed for the name only)."""

CHANNEL_OPTIONS = [("grpc.max_receive_message_length", -1)]
"""A worker's answer may be any size, as the front's own server sends any (gRPC's 4 MiB default
would fail a large prediction at the front); requests are bounded where they come in."""

HTTP_STATUSES = {code: status for status, code in reversed(STATUS_CODES.items())}
"""The HTTP status counted in the metrics for a worker's gRPC status (the first that maps to
it); any other is 500."""


class WorkerStatus(Exception):
    """A worker answered a call with this status: the front answers it as it is."""

    def __init__(self, error: grpc.aio.AioRpcError) -> None:
        super().__init__(error.details() or "")
        self.code = error.code()
        self.details = error.details() or ""


class FrontInferenceService:
    """The protocol's six calls on the front, routed by model name to ``pool``'s workers."""

    def __init__(self, pool: WorkerPool, metrics: ServerMetrics, tokens: Tokens) -> None:
        self.pool = pool
        self.metrics = metrics
        self.tokens = tokens
        self._channels: dict[str, tuple[int, grpc.aio.Channel]] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def handler(self) -> grpc.GenericRpcHandler:
        """The service's handler for ``grpc.aio.server``: requests and answers as bytes."""
        own: dict[str, Handler] = {
            "ServerLive": self._server_live,
            "ServerReady": self._server_ready,
            "ServerMetadata": self._server_metadata,
        }
        calls = {**own, **{name: self._routing(name) for name in ROUTED}}
        handlers = {
            name: grpc.unary_unary_rpc_method_handler(self._answering(name, call))
            for name, call in calls.items()
        }
        return grpc.method_handlers_generic_handler(messages.SERVICE, handlers)

    def _answering(
        self, name: str, call: Handler
    ) -> Callable[[bytes, grpc.aio.ServicerContext], Awaitable[bytes]]:
        route = f"grpc:{name}"
        probe = name in PROBES
        message = ROUTED.get(name)

        async def answer(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            started = time.perf_counter()
            model = ""
            try:
                if self.tokens and not probe:
                    metadata = dict(context.invocation_metadata() or ())
                    await self.tokens.admit(metadata.get("authorization"))
                if message is not None:
                    model = _model_of(message, request)
                response = await call(request, model, context)
            except WorkerStatus as status:
                self._observe(model, route, HTTP_STATUSES.get(status.code, 500), started)
                await context.abort(status.code, status.details)
            except Exception as exc:
                http_status, code, detail = grpc_status_of(exc, route)
                self._observe(model, route, http_status, started)
                await context.abort(code, detail)
            self._observe(model, route, 200, started)
            return response

        return answer

    def _observe(self, model: str, route: str, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        self.metrics.observe(model=model, route=route, status=status, seconds=seconds, rows=None)

    async def _server_live(
        self, request: bytes, model: str, context: grpc.aio.ServicerContext
    ) -> bytes:
        return _bytes(messages.ServerLiveResponse(live=True))

    async def _server_ready(
        self, request: bytes, model: str, context: grpc.aio.ServicerContext
    ) -> bytes:
        return _bytes(messages.ServerReadyResponse(ready=self.pool.ready))

    async def _server_metadata(
        self, request: bytes, model: str, context: grpc.aio.ServicerContext
    ) -> bytes:
        return _bytes(messages.ServerMetadataResponse(**SERVER_METADATA))

    def _routing(self, name: str) -> Handler:
        method = f"/{messages.SERVICE}/{name}"

        async def route(request: bytes, model: str, context: grpc.aio.ServicerContext) -> bytes:
            worker = self.pool.get(model)
            try:
                return await self._send(worker, method, request, context)
            except WorkerStatus:
                if not worker.stopped:
                    raise
            # stopped to make room just as it went, it was not read: to the worker started anew
            return await self._send(worker, method, request, context)

        return route

    async def _send(
        self, worker: ModelWorker, method: str, request: bytes, context: grpc.aio.ServicerContext
    ) -> bytes:
        await self.pool.client_of(worker)  # started first when it is not running
        start = worker.starts
        channel = self._channel(worker)
        worker.in_flight += 1
        try:
            answer: bytes = await channel.unary_unary(method)(
                request, timeout=context.time_remaining()
            )
        except grpc.aio.AioRpcError as exc:
            unavailable = exc.code() == grpc.StatusCode.UNAVAILABLE
            cause = await worker.exit_cause(start) if unavailable else ""
            if cause and not worker.stopped:
                raise ModelFailed(
                    f"the worker of model {worker.name} ended during this call ({cause}); "
                    "it is starting again",
                    hint="send the call again",
                ) from None
            raise WorkerStatus(exc) from None
        finally:
            worker.in_flight -= 1
        return answer

    def _channel(self, worker: ModelWorker) -> grpc.aio.Channel:
        """The channel to ``worker``'s gRPC socket, made again when the worker has restarted."""
        kept = self._channels.get(worker.name)
        if kept is not None and kept[0] == worker.starts:
            return kept[1]
        if worker.grpc_path is None:
            raise ModelFailed(f"the worker of model {worker.name} serves no gRPC")
        channel = grpc.aio.insecure_channel(f"unix:{worker.grpc_path}", options=CHANNEL_OPTIONS)
        self._channels[worker.name] = (worker.starts, channel)
        if kept is not None:  # the channel to the worker that was
            closing = asyncio.create_task(kept[1].close())
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)
        return channel

    async def close(self) -> None:
        """Close every channel to the workers."""
        for _starts, channel in self._channels.values():
            await channel.close()
        self._channels.clear()


def _model_of(message: Any, request: bytes) -> str:
    """The model a request names (``model_name`` of an infer request, else ``name``)."""
    try:
        parsed = message.FromString(request)
    except DecodeError as exc:
        raise MalformedInput(
            f"the request is not a {message.DESCRIPTOR.name} message: {exc}", field="request"
        ) from None
    name: str = parsed.model_name if message is messages.ModelInferRequest else parsed.name
    return name


def _bytes(message: Any) -> bytes:
    data: bytes = message.SerializeToString()
    return data
