"""Connections the server holds, bounded in number and in the time they may take to say
something.

uvicorn alone keeps a connection that never sends a byte for as long as the client likes, and
one that sends a byte every few seconds too: its keep-alive timer starts only after an answer
and any byte stops it. Its own concurrency limit counts those idle connections, so enough idle
sockets lock every legitimate client out. Here, through uvicorn's protocol class (the same one
uvicorn picks: httptools where installed, else h11):

- every connection must send a request's headers within ``header_timeout`` seconds of opening,
  and of each answer it was given; otherwise it is closed (a slowloris client is cut off);
- at most ``max_connections`` are held: one more evicts the connection idle the longest (none
  of its requests is being answered), so idle sockets cannot keep a client out; when every
  connection is busy answering, the new one's request gets 503 with ``Retry-After`` and is
  closed.

Each answer leaves in one write where uvicorn makes two: uvicorn writes a response's head as
soon as the app starts the response, and its body when the app sends it, so a small answer
costs two sends and two TCP segments, each waking the client. The head is held here
(``_JoiningTransport``) and sent with the first bytes of the body (up to ``JOIN_AT_MOST`` of
them: a larger body follows in its own write rather than be copied); it goes alone when the
answer ends without a body, or before the connection is closed. A streamed answer's head leaves
with its first chunk. A ``100 Continue`` interim answer is
never held (the client waits for it before sending the body).

The body's deadline (uvicorn has none) and the bound on requests in flight are the admission
middleware's (``serving.admission``).
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

import orjson
from starlette.types import Receive, Scope, Send

from modelport.serving.batching import REQUESTS
from modelport.serving.limits import BODY_ARRIVED, ConnectionLimits

log = logging.getLogger("modelport.serving")

MAX_HEADER_BYTES = 64 * 1024
"""Request headers over this are refused (h11; httptools holds to its own, smaller bound)."""
RESERVED_FILES = 64
"""File descriptors kept for what a server opens besides connections (models, logs, pipes)."""


def bounded_protocol(limits: ConnectionLimits) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class holding to ``limits`` (see the module docstring)."""
    base = _uvicorn_protocol()
    held: dict[Any, float] = {}
    """The connections held, with when each last became idle (dicts keep insertion order)."""

    class Bounded(base):  # type: ignore[valid-type, misc]
        def connection_made(self, transport: asyncio.Transport) -> None:
            joining = _JoiningTransport(transport)
            super().connection_made(joining)
            held[self] = time.monotonic()
            if len(held) > limits.max_connections and not _evict_idle(held, keep=self):
                self.app = _over_capacity  # every connection is busy: this one is refused
            self._header_deadline()

        def connection_lost(self, exc: Exception | None) -> None:
            held.pop(self, None)
            deadline = getattr(self, "_deadline", None)
            if deadline is not None:
                deadline.cancel()
            super().connection_lost(exc)

        def _start_asgi_task(self, cycle: Any, app: Any) -> None:
            if app is not _over_capacity:  # the serving middleware counts it off when it starts
                REQUESTS.parsed += 1
            super()._start_asgi_task(cycle, app)

        if hasattr(base, "on_message_complete"):  # httptools: the body is all there

            def on_message_complete(self) -> None:
                super().on_message_complete()
                self.scope[BODY_ARRIVED] = True

        def on_response_complete(self) -> None:
            transport = self.transport
            if isinstance(transport, _JoiningTransport):
                transport.answer_ended()
            super().on_response_complete()
            if self in held:
                held[self] = time.monotonic()
                self._header_deadline()

        def _header_deadline(self) -> None:
            """Close this connection unless a request's headers arrive within the timeout from
            now. One timer per connection, set again only when it fires (an answer moves the
            deadline without a timer of its own: cancelling and making one per answer was 2% of
            a single-row prediction's time)."""
            self._waiting_for = self.cycle
            self._deadline_at = self.loop.time() + limits.header_timeout
            if getattr(self, "_deadline", None) is None:
                self._deadline = self.loop.call_at(self._deadline_at, self._header_timer)

        def _header_timer(self) -> None:
            self._deadline = None
            if self.transport.is_closing() or self.cycle is not self._waiting_for:
                return  # closed, or a request came: its answer sets the deadline again
            if not _answered(self.cycle):  # a pipelined request began as the last one ended
                return  # its answer sets the deadline again
            if self.loop.time() < self._deadline_at:  # an answer moved it since
                self._deadline = self.loop.call_at(self._deadline_at, self._header_timer)
                return
            self.transport.close()

    return Bounded


class _JoiningTransport:
    """A connection's transport sending each response's head with the first bytes after it
    (see the module docstring); everything else is the transport's own."""

    __slots__ = ("_fresh", "_head", "_transport")

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None
        self._fresh = True
        """Nothing of the current answer has been written yet: the next write is its head."""

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            if len(data) <= JOIN_AT_MOST:
                self._transport.write(head + bytes(data))
                return
            self._transport.write(head)  # a large body is not copied to save one send
        elif self._fresh and not bytes(data[:13]).startswith(CONTINUE):
            self._fresh = False
            self._head = bytes(data)
            return
        self._transport.write(data)

    def answer_ended(self) -> None:
        """The answer is complete (uvicorn calls this after its last write): send what is held;
        the next write is the next answer's head."""
        self._send_held()
        self._fresh = True

    def close(self) -> None:
        self._send_held()
        self._transport.close()

    def _send_held(self) -> None:
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._transport.get_extra_info(name, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


JOIN_AT_MOST = 64 * 1024
"""The most body bytes joined to a head in one write (joining copies them)."""
CONTINUE = b"HTTP/1.1 100 "
"""The start of an interim ``100 Continue`` answer, which is sent at once."""


def uvicorn_options(limits: ConnectionLimits) -> dict[str, Any]:
    """uvicorn's settings (its ``Config`` keywords) holding connections to ``limits``."""
    return {
        "http": bounded_protocol(allow_connections(limits)),
        "timeout_keep_alive": limits.keep_alive_timeout,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }


def _answered(cycle: Any) -> bool:
    """Whether a connection's current request (uvicorn's cycle, None before the first) has
    been answered: none of its requests is being answered."""
    return cycle is None or bool(cycle.response_complete)


def _evict_idle(held: dict[Any, float], *, keep: Any) -> bool:
    """Close the connection idle the longest (none of its requests being answered); False when
    every connection is busy."""
    idle = [
        (since, id(protocol), protocol)
        for protocol, since in held.items()
        if protocol is not keep and _answered(protocol.cycle)
    ]
    if not idle:
        return False
    _, _, oldest = min(idle)
    held.pop(oldest, None)
    oldest.transport.close()
    return True


async def _over_capacity(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer on a connection past ``max_connections`` while every other one is busy."""
    body = orjson.dumps(
        {
            "type": "about:blank",
            "title": "ServerBusy",
            "status": 503,
            "detail": "the server holds as many connections as it may, all of them busy. "
            "Try again after the Retry-After seconds",
        }
    )
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", b"1"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _uvicorn_protocol() -> type[Any]:
    """The class uvicorn's ``http="auto"`` would choose."""
    try:
        import httptools  # noqa: F401
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        return HttpToolsProtocol
    except ImportError:
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol


def allow_connections(limits: ConnectionLimits) -> ConnectionLimits:
    """``limits`` with ``max_connections`` fitting the process's open-file limit, raised to
    its hard limit first where the soft one is lower (1,024 on many systems); a warning names
    a limit that had to be lowered."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = limits.max_connections + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return limits
    fitting = max(soft - RESERVED_FILES, 1)
    log.warning(
        "--max-connections %d is over what this process may open (%d files): %d used; raise "
        "`ulimit -n` to allow more",
        limits.max_connections,
        soft,
        fitting,
    )
    return limits.with_max_connections(fitting)
