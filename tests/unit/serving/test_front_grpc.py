"""The front's gRPC routing, in-process on a real gRPC server on a loopback port: the server's
own calls answered without starting a worker, tokens checked before anything is parsed or
started, an unknown model NOT_FOUND, and a model whose worker cannot load (a real process that
exits at once) INTERNAL naming why."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc

from modelport.serving.auth import Tokens
from modelport.serving.front.grpc_routing import FrontInferenceService
from modelport.serving.front.pool import PoolLimits, WorkerPool
from modelport.serving.front.worker import WorkerSpec
from modelport.serving.grpc import messages
from modelport.serving.grpc.server import grpc_server
from modelport.serving.metrics import ServerMetrics

FAILS = (sys.executable, "-c", "import sys; sys.exit(3)")
TOKEN = "s3cret"

Call = Callable[[str, Any, str | None], Awaitable[Any]]


def _served(tmp_path: Path, check: Callable[[Call, WorkerPool], Awaitable[None]]) -> None:
    """Run ``check`` against the front's gRPC service over a pool of ``iris`` (which cannot
    load), given a way to call it: (call name, request, token or None) -> response."""
    pool = WorkerPool([WorkerSpec("iris", FAILS, grpc=True)], tmp_path, PoolLimits())
    service = FrontInferenceService(pool, ServerMetrics(names=["iris"]), Tokens([TOKEN]))

    async def main() -> None:
        async with (
            grpc_server(service.handler(), host="127.0.0.1", port=0, max_message=1024) as address,
            grpc.aio.insecure_channel(address) as channel,
        ):

            async def call(name: str, request: Any, token: str | None) -> Any:
                response_type = getattr(messages, f"{name}Response")
                method = channel.unary_unary(
                    f"/{messages.SERVICE}/{name}",
                    request_serializer=lambda message: message.SerializeToString(),
                    response_deserializer=response_type.FromString,
                )
                metadata = (("authorization", f"Bearer {token}"),) if token else None
                return await method(request, metadata=metadata, timeout=30)

            await check(call, pool)
        await service.close()

    asyncio.run(main())


async def _status(call: Awaitable[Any]) -> tuple[grpc.StatusCode, str]:
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error.code(), error.details() or ""
    raise AssertionError("the call succeeded")


def test_the_server_calls_answer_here_and_tokens_come_first(tmp_path: Path) -> None:
    async def check(call: Call, pool: WorkerPool) -> None:
        live = await call("ServerLive", messages.ServerLiveRequest(), None)
        ready = await call("ServerReady", messages.ServerReadyRequest(), None)
        metadata = await call("ServerMetadata", messages.ServerMetadataRequest(), TOKEN)
        infer = messages.ModelInferRequest(model_name="iris")
        no_token = await _status(call("ModelInfer", infer, None))
        wrong = await _status(call("ModelInfer", infer, "guess"))
        assert live.live
        assert not ready.ready  # the models of the start have not loaded
        assert metadata.name == "modelport"
        assert no_token[0] == grpc.StatusCode.UNAUTHENTICATED
        assert wrong[0] == grpc.StatusCode.UNAUTHENTICATED
        assert pool.workers["iris"].starts == 0

    _served(tmp_path, check)


def test_unknown_models_and_models_that_cannot_load(tmp_path: Path) -> None:
    async def check(call: Call, pool: WorkerPool) -> None:
        unknown = await _status(
            call("ModelInfer", messages.ModelInferRequest(model_name="nope"), TOKEN)
        )
        cannot = await _status(call("ModelReady", messages.ModelReadyRequest(name="iris"), TOKEN))
        assert unknown == (
            grpc.StatusCode.NOT_FOUND,
            "no model named 'nope' is served here. Served: iris",
        )
        assert cannot[0] == grpc.StatusCode.INTERNAL
        assert cannot[1].startswith("the worker of model iris stopped while loading (exit code 3)")
        assert pool.workers["iris"].starts == 1

    _served(tmp_path, check)
