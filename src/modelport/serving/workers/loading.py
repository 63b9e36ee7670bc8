"""Answering on the port while a pool's supervisor loads the models, before any worker exists.

A single-process server opens its port at once and answers liveness while the models load; a
pool loads them in the supervisor (so that the workers forked afterwards share the weights), and
must not leave clients waiting on a port nobody accepts on. So a thread answers meanwhile, one
short connection at a time: ``GET /v2/health/live`` 200, everything else 503 with a problem body
and ``Retry-After``, as the full server answers a model that is not ready yet. It stops, and
is joined, before the supervisor forks.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time

import orjson

READ_SECONDS = 1.0
"""How long a client may take to send its request's head."""
HEAD_BYTES = 8192
"""The most of a request's head read (its first line is all that is needed)."""
LIVE_PATHS = frozenset({"/v2/health/live"})


class LoadingResponder:
    """Answers on ``sock`` from a thread until the ``with`` block ends (see the module
    docstring). The thread waits on the socket and on a wake-up pair at once, so the block's end
    stops it at once: it waited in accepts of 0.1 s before, and the forks after loading waited
    for the last one to time out (50 ms of every pool's cold start, on average)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._stopping = threading.Event()
        self._wake, self._waker = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name="modelport loading", daemon=True)

    def __enter__(self) -> LoadingResponder:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._waker.send(b"\0")
        self._thread.join()
        self._wake.close()
        self._waker.close()

    def _serve(self) -> None:
        previous = self._sock.gettimeout()
        self._sock.setblocking(False)
        try:
            while self._readable(self._sock, None):
                try:
                    connection, _ = self._sock.accept()
                except (BlockingIOError, InterruptedError):
                    continue  # the client gave up in between
                with connection:
                    self._answer(connection)
        except (OSError, ValueError):
            return  # the socket was closed: serving ended
        finally:
            with contextlib.suppress(OSError):
                self._sock.settimeout(previous)

    def _readable(self, sock: socket.socket, timeout: float | None) -> bool:
        """Whether ``sock`` has something to read within ``timeout`` seconds (None: however
        long it takes); False as soon as the responder is stopped."""
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        poller.register(self._wake, select.POLLIN)
        ready = dict(poller.poll(None if timeout is None else max(0, int(timeout * 1000))))
        return self._wake.fileno() not in ready and sock.fileno() in ready

    def _answer(self, connection: socket.socket) -> None:
        """Read the request's head (for ``READ_SECONDS`` at most) and answer it."""
        connection.setblocking(False)
        head = b""
        deadline = time.monotonic() + READ_SECONDS
        with contextlib.suppress(OSError):
            while b"\r\n" not in head and len(head) < HEAD_BYTES:
                if not self._readable(connection, deadline - time.monotonic()):
                    if self._stopping.is_set():
                        return
                    break  # too slow: answered as a request it cannot tell
                chunk = connection.recv(HEAD_BYTES)
                if not chunk:
                    return
                head += chunk
        connection.settimeout(READ_SECONDS)
        _reply(connection, head)


def _reply(connection: socket.socket, head: bytes) -> None:
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    path = parts[1].split(b"?", 1)[0].decode("latin-1") if len(parts) >= 2 else ""
    if parts[0] == b"GET" and path in LIVE_PATHS:
        status, body, extra = "200 OK", orjson.dumps({"live": True}), b""
    else:
        problem = {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "the model is loading: retry once /v2/health/ready answers 200",
        }
        problem["error"] = problem["detail"]
        status, body, extra = (
            "503 Service Unavailable",
            orjson.dumps(problem),
            b"retry-after: 1\r\n",
        )
    media = b"application/json" if status.startswith("200") else b"application/problem+json"
    response = (
        f"HTTP/1.1 {status}\r\n".encode()
        + b"content-type: "
        + media
        + b"\r\n"
        + extra
        + f"content-length: {len(body)}\r\nconnection: close\r\n\r\n".encode()
        + body
    )
    with contextlib.suppress(OSError):
        connection.sendall(response)
