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
import socket
import threading

import orjson

ACCEPT_SECONDS = 0.1
"""How long an accept waits before the thread checks whether loading has finished."""
READ_SECONDS = 1.0
"""How long a client may take to send its request's head."""
HEAD_BYTES = 8192
"""The most of a request's head read (its first line is all that is needed)."""
LIVE_PATHS = frozenset({"/v2/health/live"})


class LoadingResponder:
    """Answers on ``sock`` from a thread until ``stop()`` (see the module docstring)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="modelport loading", daemon=True)

    def __enter__(self) -> LoadingResponder:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._thread.join()

    def _serve(self) -> None:
        previous = self._sock.gettimeout()
        self._sock.settimeout(ACCEPT_SECONDS)
        try:
            while not self._stopped.is_set():
                try:
                    connection, _ = self._sock.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return  # the socket was closed: serving ended
                with connection:
                    _answer(connection)
        finally:
            self._sock.settimeout(previous)


def _answer(connection: socket.socket) -> None:
    connection.settimeout(READ_SECONDS)
    head = b""
    with contextlib.suppress(OSError):
        while b"\r\n" not in head and len(head) < HEAD_BYTES:
            chunk = connection.recv(HEAD_BYTES)
            if not chunk:
                return
            head += chunk
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
