"""HTTP/1.1 to a model's worker over its Unix socket: the request written as it came, the answer
parsed by httptools (uvicorn's parser, so no new dependency) and its body handed on chunk by chunk.

A general client (httpx) costs milliseconds of Python per request on a busy machine; the front
needs much less of HTTP: one peer it started itself, keep-alive connections to it, and bodies it
passes through without looking inside. Connections idle for more than a second or two are
dropped, well before the worker's keep-alive timeout would close them under a request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import httptools

READ_BYTES = 256 * 1024
IDLE_SECONDS = 2.0
"""How long a kept-alive connection may wait for its next request (the worker closes those idle
for its keep-alive timeout, 5 s by default)."""


class UpstreamError(ConnectionError):
    """The worker closed the connection, or answered what is not HTTP, before its answer ended."""


@dataclass
class Answer:
    """A worker's answer: its status and headers, and its body as it arrives."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: AsyncIterator[bytes]

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.body])


class _Parsed:
    """httptools' callbacks: what one answer holds so far."""

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []
        self.headers_done = False
        self.keep_alive = False
        self.done = False
        self.parser = httptools.HttpResponseParser(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.headers_done = True
        self.keep_alive = self.parser.should_keep_alive()  # llhttp knows it only until the end

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.done = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()

    @property
    def usable(self) -> bool:
        fresh = time.monotonic() - self.idle_since < IDLE_SECONDS
        return fresh and not self.reader.at_eof() and not self.writer.is_closing()

    async def feed(self, parser: httptools.HttpResponseParser) -> None:
        data = await self.reader.read(READ_BYTES)
        if not data:
            raise UpstreamError("the worker closed the connection before its answer ended")
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as exc:
            raise UpstreamError(f"the worker's answer is not HTTP: {exc}") from exc

    def close(self) -> None:
        self.writer.close()


class Upstream:
    """Keep-alive HTTP/1.1 connections to the server on one Unix socket."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._idle: list[_Connection] = []

    async def request(
        self,
        method: str,
        target: str,
        headers: Sequence[tuple[bytes, bytes]] = (),
        body: bytes = b"",
    ) -> Answer:
        """Send a request; its answer once the headers have arrived (the body follows as it is
        read). UpstreamError, or an OSError, when the worker cannot be reached or goes away."""
        connection = await self._connection()
        head = [f"{method} {target} HTTP/1.1\r\n".encode("latin-1")]
        head += [name + b": " + value + b"\r\n" for name, value in headers]
        head.append(b"host: localhost\r\ncontent-length: %d\r\n\r\n" % len(body))
        parsed = _Parsed()
        parser = parsed.parser
        try:
            connection.writer.writelines([*head, body])
            while not parsed.headers_done:
                await connection.feed(parser)
            if method == "HEAD":  # its answer's headers describe a body that is not sent
                parsed.done = True
        except BaseException:
            connection.close()
            raise
        status: int = parser.get_status_code()
        return Answer(status, parsed.headers, self._body(connection, parser, parsed))

    async def _body(
        self, connection: _Connection, parser: httptools.HttpResponseParser, parsed: _Parsed
    ) -> AsyncIterator[bytes]:
        finished = False
        try:
            while True:
                if parsed.chunks:
                    chunks, parsed.chunks = parsed.chunks, []
                    yield b"".join(chunks)
                if parsed.done:
                    finished = True
                    return
                await connection.feed(parser)
        finally:
            if finished and parsed.keep_alive:
                connection.idle_since = time.monotonic()
                self._idle.append(connection)
            else:
                connection.close()

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable:
                return connection
            connection.close()
        reader, writer = await asyncio.open_unix_connection(self.path, limit=READ_BYTES)
        return _Connection(reader, writer)

    def close(self) -> None:
        """Close the kept-alive connections (the worker stops, or was replaced)."""
        for connection in self._idle:
            connection.close()
        self._idle.clear()
