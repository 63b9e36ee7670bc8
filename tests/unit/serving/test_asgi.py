"""The ASGI steps the prediction routes take themselves: headers, the body, a whole answer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import pytest
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive

from modelport.serving.asgi import header, read_body, request_headers, send_answer


def _receiving(messages: Iterable[Message]) -> Receive:
    queue = list(messages)

    async def receive() -> Message:
        return queue.pop(0)

    return receive


def _scope(headers: list[tuple[bytes, bytes]]) -> dict[str, object]:
    return {"type": "http", "method": "POST", "path": "/", "headers": headers}


def test_headers_are_read_as_starlette_reads_them() -> None:
    raw = [(b"accept", b"text/csv"), (b"content-type", b"application/json"), (b"accept", b"x/y")]
    scope = _scope(raw)
    headers = Request(scope).headers
    assert request_headers(scope, (b"accept", b"content-encoding", b"content-type")) == [
        headers.get("accept"),
        None,
        headers.get("content-type"),
    ]
    assert header(scope, b"accept") == "text/csv" and header(scope, b"host") is None


@pytest.mark.parametrize(
    "messages",
    [
        [{"type": "http.request", "body": b'[{"x": 1}]'}],
        [
            {"type": "http.request", "body": b'[{"x"', "more_body": True},
            {"type": "http.request", "body": b"", "more_body": True},
            {"type": "http.request", "body": b": 1}]", "more_body": False},
        ],
    ],
    ids=["one message", "in parts"],
)
def test_the_body_is_read_whole(messages: list[Message]) -> None:
    assert asyncio.run(read_body(_receiving(messages))) == b'[{"x": 1}]'


def test_a_client_gone_before_its_body_arrived_is_a_client_disconnect() -> None:
    messages = [
        {"type": "http.request", "body": b"[", "more_body": True},
        {"type": "http.disconnect"},
    ]
    with pytest.raises(ClientDisconnect):
        asyncio.run(read_body(_receiving(messages)))


@pytest.mark.parametrize(
    "media_type", ["application/json", "text/csv", "text/csv; charset=latin-1"]
)
def test_an_answer_is_sent_as_starlettes_response_sends_it(media_type: str) -> None:
    async def sent_by(answer: object) -> list[Message]:
        messages: list[Message] = []

        async def send(message: Message) -> None:
            messages.append(message)

        if isinstance(answer, Response):
            await answer(_scope([]), _receiving([]), send)
        else:
            await send_answer(send, 201, b"a,b\n", media_type, headers=[("X-Rows", "1")])
        return messages

    ours = asyncio.run(sent_by(None))
    response = Response(b"a,b\n", status_code=201, media_type=media_type, headers={"X-Rows": "1"})
    starlettes = asyncio.run(sent_by(response))
    assert ours == starlettes
