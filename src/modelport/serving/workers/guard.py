"""A worker's connections, held by its supervisor too, so that none hangs when the worker dies.

When a worker accepts a connection, it sends a duplicate of the socket to the supervisor
(``SCM_RIGHTS`` over a Unix socket pair made before the fork: one message per connection, none
per request) and notes where each connection stands in a shared array indexed by its descriptor:
idle (between requests), busy (a request has arrived, no answer begun), or answering. When the
connection closes, the worker shuts it down (so the client sees the close at once, whatever holds
a duplicate) and tells the supervisor to drop its copy. If the worker dies, the supervisor
(``HeldConnections``) answers every busy connection with a 500 problem naming the cause, and
closes them all: a client mid-request gets an answer, not a hung or reset socket. A connection
whose answer had begun is only closed (the client sees a truncated answer), as anything written
after part of an answer would be read as its continuation.

A connection the worker could not hand over (the channel full, a descriptor past
``MAX_DESCRIPTORS``) is served all the same, unguarded.
"""

from __future__ import annotations

import asyncio
import contextlib
import mmap
import socket
import struct
from typing import Any

import orjson

MAX_DESCRIPTORS = 65536
"""Descriptors above this are served unguarded (the state array has a byte for each below)."""
CHANNEL_BUFFER = 1 << 20
"""Bytes the channel may hold before the supervisor reads it."""

IDLE, BUSY, ANSWERING = 0, 1, 2
_MESSAGE = struct.Struct("=ci")
_OPENED, _CLOSED = b"o", b"c"


class ConnectionStates:
    """For each worker slot, a byte per descriptor: IDLE, BUSY or ANSWERING (shared memory)."""

    def __init__(self, slots: int) -> None:
        self._memory = mmap.mmap(-1, slots * MAX_DESCRIPTORS)

    def of(self, slot: int) -> memoryview:
        start = slot * MAX_DESCRIPTORS
        return memoryview(self._memory)[start : start + MAX_DESCRIPTORS]

    def clear(self, slot: int) -> None:
        start = slot * MAX_DESCRIPTORS
        self._memory[start : start + MAX_DESCRIPTORS] = bytes(MAX_DESCRIPTORS)


def channel_pair() -> tuple[socket.socket, socket.socket]:
    """(the supervisor's end, the worker's end): message boundaries kept, a large buffer."""
    supervisor_end, worker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    worker_end.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHANNEL_BUFFER)
    worker_end.setblocking(False)
    supervisor_end.setblocking(False)
    return supervisor_end, worker_end


class Guard:
    """The worker's side: hands each connection over and marks where it stands."""

    def __init__(self, channel: socket.socket, states: memoryview) -> None:
        self.channel = channel
        self.states = states

    def opened(self, transport: asyncio.BaseTransport) -> int:
        """Hand the connection over; its descriptor, or -1 when it goes unguarded."""
        sock = transport.get_extra_info("socket")
        descriptor: int = sock.fileno() if sock is not None else -1
        if not 0 <= descriptor < MAX_DESCRIPTORS:
            return -1
        try:
            socket.send_fds(self.channel, [_MESSAGE.pack(_OPENED, descriptor)], [descriptor])
        except OSError:  # the supervisor is behind: serve it unguarded
            return -1
        self.states[descriptor] = IDLE
        return descriptor

    def closed(self, descriptor: int) -> None:
        """The connection ends: shut it down for every holder, and say so."""
        self.states[descriptor] = IDLE
        with contextlib.suppress(OSError):
            held = socket.socket(fileno=descriptor)
            try:
                held.shutdown(socket.SHUT_RDWR)
            finally:
                held.detach()  # the transport closes its descriptor itself
        with contextlib.suppress(OSError):  # lost: the next "opened" of it replaces the copy
            self.channel.send(_MESSAGE.pack(_CLOSED, descriptor))


class _MarkingTransport:
    """The connection's transport, noting when an answer begins."""

    __slots__ = ("_descriptor", "_states", "_transport")

    def __init__(self, transport: asyncio.Transport, states: memoryview, descriptor: int) -> None:
        self._transport = transport
        self._states = states
        self._descriptor = descriptor

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._states[self._descriptor] = ANSWERING
        self._transport.write(data)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def guarded(base: type[asyncio.Protocol], guard: Guard) -> type[asyncio.Protocol]:
    """``base`` (uvicorn's HTTP protocol) with each connection handed to the supervisor."""

    class Guarded(base):  # type: ignore[valid-type,misc]
        _descriptor = -1

        def connection_made(self, transport: asyncio.Transport) -> None:
            descriptor = guard.opened(transport)
            if descriptor >= 0:
                self._descriptor = descriptor
                transport = _MarkingTransport(transport, guard.states, descriptor)  # type: ignore[assignment]
            super().connection_made(transport)

        def data_received(self, data: bytes) -> None:
            descriptor = self._descriptor
            if descriptor >= 0 and guard.states[descriptor] == IDLE:
                guard.states[descriptor] = BUSY
            super().data_received(data)

        def on_response_complete(self) -> None:
            if self._descriptor >= 0:
                guard.states[self._descriptor] = IDLE
            super().on_response_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._descriptor >= 0:
                guard.closed(self._descriptor)
                self._descriptor = -1
            super().connection_lost(exc)

    return Guarded


class HeldConnections:
    """The supervisor's side, for one worker: its connections' copies, by the worker's
    descriptor number."""

    def __init__(self, channel: socket.socket) -> None:
        self.channel = channel
        self.held: dict[int, socket.socket] = {}

    def receive(self) -> None:
        """Take what the worker has sent since the last call."""
        while True:
            try:
                message, descriptors, _, _ = socket.recv_fds(self.channel, _MESSAGE.size, 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if len(message) != _MESSAGE.size:
                for descriptor in descriptors:  # nothing to pair it with
                    socket.close(descriptor)
                return  # b"": the worker's end is closed
            kind, number = _MESSAGE.unpack(message)
            previous = self.held.pop(number, None)
            if previous is not None:
                previous.close()
            if kind == _OPENED and descriptors:
                self.held[number] = socket.socket(fileno=descriptors[0])

    def answer_and_close(self, states: memoryview, cause: str) -> int:
        """The worker has exited: answer its busy connections, close every one; how many were
        answered."""
        self.receive()
        body = orjson.dumps(
            {
                "type": "about:blank",
                "title": "Internal Server Error",
                "status": 500,
                "detail": f"the worker answering this request stopped before it answered: {cause}",
                "error": f"the worker answering this request stopped: {cause}",
            }
        )
        response = (
            b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/problem+json\r\n"
            + f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
            + body
        )
        answered = 0
        for number, connection in self.held.items():
            if states[number] == BUSY:
                with contextlib.suppress(OSError):
                    connection.settimeout(0.2)
                    connection.sendall(response)
                    answered += 1
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_WR)  # the end of the answer, then the close
            connection.close()
        self.held.clear()
        self.channel.close()
        return answered

    def close_in_child(self) -> None:
        """In a newly forked worker: drop the inherited copies, which are not its own."""
        for connection in self.held.values():
            connection.close()  # this copy only: no shutdown, the connection goes on
        self.channel.close()
