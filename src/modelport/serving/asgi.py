"""The few ASGI steps the prediction routes take themselves: reading headers and the body, and
sending a whole answer. Starlette's Request, Headers and Response do the same through a dozen
objects a request; a single-row prediction spends most of its time in such steps."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of the request header ``name`` (lower case), as Starlette reads it."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def request_headers(scope: Scope, names: Sequence[bytes]) -> list[str | None]:
    """The first value of each of ``names`` (lower case) in one pass over the headers."""
    found: list[str | None] = [None] * len(names)
    for key, value in scope["headers"]:
        if key in names:
            at = names.index(key)
            if found[at] is None:
                found[at] = value.decode("latin-1")
    return found


async def read_body(receive: Receive) -> bytes:
    """The whole request body; ClientDisconnect when the client went away before sending it."""
    message = await receive()
    if message["type"] == "http.request" and not message.get("more_body", False):
        body: bytes = message.get("body", b"")
        return body
    chunks: list[bytes] = []
    while True:
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
        message = await receive()


async def send_answer(
    send: Send,
    status: int,
    body: bytes,
    media_type: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
) -> None:
    """A whole answer: its head (``headers`` first), then its body, as Starlette's Response sends
    it."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *(
                    (name.lower().encode("latin-1"), value.encode("latin-1"))
                    for name, value in headers
                ),
                (b"content-length", str(len(body)).encode("latin-1")),
                (b"content-type", _content_type(media_type)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _content_type(media_type: str) -> bytes:
    """The Content-Type of ``media_type``: text types with their charset, as Starlette adds."""
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type += "; charset=utf-8"
    return media_type.encode("latin-1")
