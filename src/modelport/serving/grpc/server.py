"""Starting and stopping the gRPC server beside uvicorn, on the serving process's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc

from modelport.codecs.limits import DecodeLimits
from modelport.errors import ConfigError
from modelport.serving.auth import Tokens
from modelport.serving.grpc.service import InferenceService
from modelport.serving.metrics import ServerMetrics
from modelport.serving.models import ModelSet

GRACE_SECONDS = 5.0
"""How long calls in flight may finish once the server stops."""


@asynccontextmanager
async def grpc_serving(
    models: ModelSet,
    *,
    host: str,
    port: int | str,
    limits: DecodeLimits,
    metrics: ServerMetrics,
    tokens: Tokens | None = None,
    shared: bool = False,
) -> AsyncIterator[str]:
    """Serve the protocol for ``models`` while the context lasts (``grpc_server``); ``tokens``:
    the bearer tokens every call but the health checks must carry in its ``authorization``
    metadata, as HTTP requests do."""
    service = InferenceService(models, limits, metrics, tokens or Tokens())
    async with grpc_server(
        service.handler(), host=host, port=port, max_message=limits.max_body_size, shared=shared
    ) as address:
        yield address


@asynccontextmanager
async def grpc_server(
    handler: grpc.GenericRpcHandler,
    *,
    host: str,
    port: int | str,
    max_message: int,
    shared: bool = False,
) -> AsyncIterator[str]:
    """Serve ``handler`` on ``host:port`` while the context lasts; yields its address
    (``host:port``, the port the system chose for 0). A ``port`` of ``unix:PATH`` serves on
    that Unix socket instead (a front's worker: the front alone reaches it). A port that cannot
    be had is a ConfigError before anything is served. ``shared``: the workers of a pool each
    bind the port (SO_REUSEPORT: the kernel spreads connections over them); the command checked
    it was free before the pool started. ``max_message``: the largest request, in bytes."""
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", max_message),
            ("grpc.max_send_message_length", -1),
            ("grpc.so_reuseport", 1 if shared else 0),  # else a port in use is refused
        ]
    )
    server.add_generic_rpc_handlers([handler])
    if isinstance(port, str):
        address = port
    else:
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError as exc:
        raise ConfigError(
            f"cannot serve gRPC on {address}: the port is in use or the address is not this "
            f"machine's ({exc})",
            hint="choose another --grpc-port, or stop what listens there",
            field="grpc_port",
        ) from None
    await server.start()
    try:
        yield address if isinstance(port, str) else address.rsplit(":", 1)[0] + f":{bound}"
    finally:
        await server.stop(GRACE_SECONDS)
