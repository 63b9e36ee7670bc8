"""The server's protocol marks a request whose whole body had arrived before its app began (the
admission middleware gives it no body deadline, which costs a timer per read); one whose body
comes later is read under the deadline, as before. And its one header timer per connection: each
answer moves the deadline without a timer of its own."""

from __future__ import annotations

import socket
import time

from starlette.types import Receive, Scope, Send

from modelport.serving.asgi import read_body, send_answer
from modelport.serving.batching import REQUESTS
from modelport.serving.limits import BODY_ARRIVED, ConnectionLimits
from modelport.testing.server import HOST

from .raw_http import answer_body, served_by_uvicorn

BODY = b'[{"x": 1.5}]'
HEAD = b"POST /p HTTP/1.1\r\nhost: x\r\ncontent-length: %d\r\n\r\n" % len(BODY)


async def telling_arrival(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers whether the body had arrived when the app began, then the body it read."""
    if scope["type"] != "http":
        return  # uvicorn's lifespan events
    REQUESTS.parsed -= 1  # as the serving middleware counts a parsed request off when it starts
    arrived = b"arrived " if scope.get(BODY_ARRIVED) else b"later "
    body = await read_body(receive)
    await send_answer(send, 200, arrived + body, "application/octet-stream")


def test_a_body_sent_with_its_head_has_arrived_and_one_sent_later_has_not() -> None:
    with (
        served_by_uvicorn(telling_arrival) as port,
        socket.create_connection((HOST, port), timeout=10) as client,
    ):
        client.sendall(HEAD + BODY)
        whole = answer_body(client)
        client.sendall(HEAD)
        time.sleep(0.3)  # the app begins meanwhile
        client.sendall(BODY)
        split = answer_body(client)
        client.sendall(HEAD + BODY)  # the next request on the connection
        again = answer_body(client)
    assert (whole, split, again) == (b"arrived " + BODY, b"later " + BODY, b"arrived " + BODY)
    assert REQUESTS.parsed == 0


def test_each_answer_moves_the_header_deadline_and_an_idle_connection_is_closed_after_it() -> None:
    limits = ConnectionLimits(header_timeout=0.6)
    with (
        served_by_uvicorn(telling_arrival, limits) as port,
        socket.create_connection((HOST, port), timeout=10) as client,
    ):
        opened = time.monotonic()
        for _ in range(3):  # the last request comes 1.2 s after opening: past one timeout
            time.sleep(0.4)
            client.sendall(HEAD + BODY)
            assert answer_body(client) == b"arrived " + BODY
        answered = time.monotonic()
        assert answered - opened > limits.header_timeout
        assert client.recv(1) == b""  # closed for saying nothing after the last answer
        idle = time.monotonic() - answered
    assert limits.header_timeout * 0.8 < idle < limits.header_timeout + 2
