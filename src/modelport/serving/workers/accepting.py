"""Accepting on a pool's one listening socket so that its workers share the connections evenly.

Every worker of a pool waits on the socket it inherited. Left to the event loop (uvloop's libuv),
the first worker to wake accepts every connection pending: a client opening eight kept-alive
connections at once often had all eight on one worker while the other idled, half the pool's
cores for as long as the connections lived. Here each worker accepts one connection at a time,
and before it takes one compares the connections it holds with its fair share of the pool's
(``WorkerTable.fair_share``, every worker's count in shared memory). Past its share it stops
looking at the socket for ``DEFER_SECONDS``, which leaves the connection to a sibling that wakes
meanwhile (each worker's loop watches the socket); a connection still pending after that is
taken all the same, so a busy or stuck sibling delays a new connection by that much at most. A
pool of one worker never defers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any

import uvicorn

from modelport.serving.workers.table import NOT_ACCEPTING, WorkerTable

DEFER_SECONDS = 0.002
"""How long a worker past its fair share leaves a pending connection to the others."""
PAUSE_SECONDS = 0.1
"""How long a worker stops accepting after an accept failed (out of descriptors or memory)."""

log = logging.getLogger("modelport.serving")


class BalancedListener:
    """Accepts on ``sock`` (listening, shared with the pool's other workers) for one worker,
    keeping that worker's count of connections in its slot of ``table``."""

    def __init__(
        self,
        sock: socket.socket,
        protocol: type[asyncio.Protocol],
        make: Callable[[type[asyncio.Protocol]], asyncio.Protocol],
        *,
        table: WorkerTable,
        slot: int,
        ssl_context: ssl.SSLContext | None = None,
        defer_seconds: float = DEFER_SECONDS,
    ) -> None:
        """``make`` builds a connection's protocol of the class given (``protocol``, counted
        here as it opens and closes)."""
        self._sock = sock
        self._defer_seconds = defer_seconds
        self._table = table
        self._slot = slot
        self._ssl = ssl_context
        self._loop = asyncio.get_running_loop()
        self._counted = _counted(protocol, self._opened, self._lost)
        self._make = make
        self._connected = 0
        self._connecting = 0
        self._deferred = False
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def held(self) -> int:
        """Connections this worker holds, those still being set up included."""
        return self._connected + self._connecting

    def start(self) -> None:
        self._sock.setblocking(False)
        self._publish()
        self._loop.add_reader(self._sock.fileno(), self._readable)

    def close(self) -> None:
        """Stop accepting (the connections held go on); the socket stays open."""
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._sock.fileno())
        if self._timer is not None:
            self._timer.cancel()
        self._table.hold(self._slot, NOT_ACCEPTING)

    def _readable(self) -> None:
        while not self._closed:
            if not self._deferred and self._past_share():
                self._look_again_in(self._defer_seconds, deferred=True)
                return
            try:
                connection, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):  # none pending (a sibling took it)
                self._deferred = False
                return
            except OSError as exc:  # EMFILE, ENFILE, ENOBUFS: the next try may succeed
                log.warning("accepting a connection failed (%s); accepting again shortly", exc)
                self._look_again_in(PAUSE_SECONDS, deferred=False)
                return
            self._deferred = False
            self._connecting += 1
            self._publish()
            task = self._loop.create_task(self._connect(connection))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _past_share(self) -> bool:
        return self.held >= self._table.fair_share(time.monotonic(), arriving=1)

    def _look_again_in(self, seconds: float, *, deferred: bool) -> None:
        self._loop.remove_reader(self._sock.fileno())
        self._deferred = deferred
        self._timer = self._loop.call_later(seconds, self._resume)

    def _resume(self) -> None:
        self._timer = None
        if not self._closed:
            self._loop.add_reader(self._sock.fileno(), self._readable)
            self._readable()

    async def _connect(self, connection: socket.socket) -> None:
        connection.setblocking(False)
        if connection.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            await self._loop.connect_accepted_socket(
                lambda: self._make(self._counted), connection, ssl=self._ssl
            )
        except Exception as exc:  # a failed TLS handshake, a connection reset at once
            log.debug("a connection closed while it was set up: %s", exc)
            connection.close()
        finally:
            self._connecting -= 1
            self._publish()

    def _opened(self) -> None:
        self._connected += 1
        self._publish()

    def _lost(self) -> None:
        self._connected -= 1
        self._publish()

    def _publish(self) -> None:
        if not self._closed:
            self._table.hold(self._slot, self.held)


def _counted(
    base: type[asyncio.Protocol], opened: Callable[[], None], lost: Callable[[], None]
) -> type[asyncio.Protocol]:
    """``base`` telling ``opened`` and ``lost`` as each of its connections opens and closes."""

    class Counted(base):  # type: ignore[valid-type,misc]
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            opened()
            super().connection_made(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            lost()
            super().connection_lost(exc)

    return Counted


class BalancedServer(uvicorn.Server):
    """uvicorn's server, accepting through a ``BalancedListener`` in place of its own."""

    def __init__(self, config: uvicorn.Config, *, table: WorkerTable, slot: int) -> None:
        super().__init__(config)
        self._table = table
        self._slot = slot
        self._listener: BalancedListener | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])  # everything but listening
        if sockets:
            config = self.config

            def make(protocol: type[asyncio.Protocol]) -> asyncio.Protocol:
                factory: Any = protocol  # uvicorn's protocols take these keywords
                made: asyncio.Protocol = factory(
                    config=config, server_state=self.server_state, app_state=self.lifespan.state
                )
                return made

            self._listener = BalancedListener(
                sockets[0],
                config.http_protocol_class,
                make,
                table=self._table,
                slot=self._slot,
                ssl_context=config.ssl,
            )
            self._listener.start()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self._listener is not None:
            self._listener.close()
        await super().shutdown(sockets)
