"""modelport.testing's two ways of asking an ASGI app: in-process (``app_client``) and on a
real loopback socket (``serve_app``)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from modelport.testing import app_client, serve_app


def _app(started: list[str]) -> Starlette:
    """Answers which event loop ran the request, fails on /broken, redirects /old; its
    lifespan notes in ``started`` that it ran."""

    async def loop(request: Request) -> Response:
        return JSONResponse({"loop": id(asyncio.get_running_loop())})

    async def broken(request: Request) -> Response:
        raise RuntimeError("broken on purpose")

    async def old(request: Request) -> Response:
        return RedirectResponse("/loop")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started.append("lifespan")
        yield

    routes = [Route("/loop", loop), Route("/broken", broken), Route("/old", old)]
    return Starlette(routes=routes, lifespan=lifespan)


def test_app_client_asks_the_app_in_process_on_one_event_loop() -> None:
    started: list[str] = []
    with app_client(_app(started)) as client:
        loops = {client.get("/loop").json()["loop"] for _ in range(3)}
        assert str(client.base_url).startswith("http://testserver")
    assert len(loops) == 1
    assert started == []  # like `modelport serve`: no lifespan


def test_app_client_answers_as_a_client_on_a_socket_would() -> None:
    with app_client(_app([])) as client:
        broken = client.get("/broken")
        moved = client.get("/old")
    assert broken.status_code == 500  # the app's answer, not the exception raised in the test
    assert (moved.status_code, moved.headers["location"]) == (307, "/loop")


def test_serve_app_serves_on_a_loopback_port_until_left() -> None:
    with serve_app(_app([])) as base:
        answer = httpx.get(f"{base}/loop")
        broken = httpx.get(f"{base}/broken")
    assert answer.status_code == 200 and broken.status_code == 500
    address = urlsplit(base)
    assert address.hostname == "127.0.0.1" and address.port
    with socket.socket() as probe:
        assert probe.connect_ex((address.hostname, address.port)) != 0  # stopped
