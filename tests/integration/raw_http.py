"""An app under uvicorn with modelport's own HTTP protocol, and answers read off a raw socket:
for tests that must send requests byte by byte, or while the server's loop is held."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from modelport.serving.connections import uvicorn_options
from modelport.serving.limits import ConnectionLimits
from modelport.testing.server import HOST, free_port


@contextmanager
def served_by_uvicorn(app: ASGIApp, limits: ConnectionLimits | None = None) -> Iterator[int]:
    """``app`` under uvicorn with the protocol ``modelport serve`` gives it, in a thread."""
    port = free_port()
    options = uvicorn_options(limits or ConnectionLimits())
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def answer_body(client: socket.socket) -> bytes:
    """The body of one HTTP answer with a content-length."""
    received = b""
    while b"\r\n\r\n" not in received:
        received += _more(client)
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))  # type: ignore[union-attr]
    while len(body) < length:
        body += _more(client)
    return body


def _more(client: socket.socket) -> bytes:
    received = client.recv(4096)
    if not received:
        raise ConnectionError("the server closed the connection before answering")
    return received
