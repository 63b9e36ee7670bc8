"""An ASGI app under test, two ways: in-process over ASGI (``app_client``), or under uvicorn
on a real loopback socket (``serve_app``).

``app_client`` is the fast one: no socket, no server thread, the app's answers as a
synchronous HTTP client sees them (status, headers, body, streamed bodies). ``serve_app`` is
for what needs a real connection: a client library that opens its own (tritonclient,
:class:`modelport.Client`, a browser), concurrent requests over several connections,
timeouts and disconnects, and how the server frames a response (chunked transfer encoding).

Like ``modelport serve``, neither runs the app's lifespan: the test loads its models itself.
uvicorn and starlette's test client are imported when first used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from modelport.testing.server import HOST, free_port

if TYPE_CHECKING:
    from starlette.testclient import TestClient
    from starlette.types import ASGIApp

START_SECONDS = 30.0
STOP_SECONDS = 30.0
IN_PROCESS_URL = "http://testserver"
"""The base URL of the in-process client (no host is looked up or connected to)."""


@contextmanager
def app_client(app: ASGIApp) -> Iterator[TestClient]:
    """A synchronous HTTP client on ``app`` in this process, over ASGI (no socket).

    Every request runs on one event loop, kept for the client's life, as in a server. The
    client sees what a client on a socket would: an exception the app lets out is its 500
    answer (not raised into the test), and redirects are not followed. Its base URL is
    ``http://testserver``. Starlette's test client speaks httpx2 (the ``test`` extra has it).
    """
    from anyio.from_thread import start_blocking_portal
    from starlette.testclient import TestClient

    client = TestClient(
        app, base_url=IN_PROCESS_URL, raise_server_exceptions=False, follow_redirects=False
    )
    with start_blocking_portal() as portal:
        client.portal = portal  # one loop for every request, and no lifespan (see the module)
        try:
            yield client
        finally:
            client.close()
            client.portal = None


@contextmanager
def serve_app(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` under uvicorn in a thread on 127.0.0.1:<free port>; yields the base URL.

    The server stops on leaving (it closes idle connections, and waits for open requests)."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"serve_app:{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError(f"the app did not start serving on {HOST}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_SECONDS)
