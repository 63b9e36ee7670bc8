"""The front's HTTP/1.1 client of a worker, against a Unix-socket server on the test's loop
answering bytes written out here: kept-alive connections reused, chunked bodies handed on as
they come, a connection closed mid-answer or answering what is not HTTP refused, stale idle
connections not reused."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from modelport.serving.front import upstream
from modelport.serving.front.upstream import Upstream, UpstreamError

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    return head + await reader.readexactly(length)


def _serve(tmp_path: Path, handler: Handler) -> Callable[[], Awaitable[asyncio.Server]]:
    async def start() -> asyncio.Server:
        return await asyncio.start_unix_server(handler, path=str(tmp_path / "w.sock"))

    return start


def test_keep_alive_connections_are_reused_and_requests_go_as_given(tmp_path: Path) -> None:
    connections: list[int] = []
    requests: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        for _ in range(3):
            requests.append(await _read_request(reader))
            writer.write(OK)
            await writer.drain()

    async def main() -> list[tuple[int, bytes]]:
        server = await _serve(tmp_path, handler)()
        client = Upstream(str(tmp_path / "w.sock"))
        answers = []
        for _ in range(3):
            answer = await client.request(
                "POST", "/v1/models/a%20b/predict?x=1", [(b"x-request-id", b"7")], b"[1]"
            )
            answers.append((answer.status, await answer.read()))
        client.close()
        server.close()
        return answers

    assert asyncio.run(main()) == [(200, b"{}")] * 3
    assert len(connections) == 1
    assert requests[0] == (
        b"POST /v1/models/a%20b/predict?x=1 HTTP/1.1\r\nx-request-id: 7\r\n"
        b"host: localhost\r\ncontent-length: 3\r\n\r\n[1]"
    )


def test_a_chunked_body_is_handed_on_as_it_arrives(tmp_path: Path) -> None:
    release = asyncio.Event

    async def main() -> tuple[bytes, list[bytes]]:
        second = release()

        async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
            await writer.drain()
            await second.wait()
            writer.write(b"6\r\nsecond\r\n0\r\n\r\n")
            await writer.drain()

        server = await _serve(tmp_path, handler)()
        answer = await Upstream(str(tmp_path / "w.sock")).request("GET", "/stream")
        chunks = [await anext(answer.body)]  # before the server sends the rest
        second.set()
        chunks += [chunk async for chunk in answer.body]
        server.close()
        return dict(answer.headers)[b"transfer-encoding"], chunks

    encoding, chunks = asyncio.run(main())
    assert encoding == b"chunked"
    assert chunks == [b"first", b"second"]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (b"", "closed the connection before its answer ended"),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort", "closed the connection"),
        (b"SSH-2.0-OpenSSH\r\n\r\n", "not HTTP"),
    ],
)
def test_an_answer_cut_short_or_not_http_is_an_upstream_error(
    tmp_path: Path, reply: bytes, error: str
) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(reply)
        writer.close()

    async def main() -> None:
        server = await _serve(tmp_path, handler)()
        try:
            answer = await Upstream(str(tmp_path / "w.sock")).request("GET", "/")
            await answer.read()
        finally:
            server.close()

    with pytest.raises(UpstreamError, match=error):
        asyncio.run(main())


def test_an_idle_connection_past_its_time_is_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upstream, "IDLE_SECONDS", 0.0)
    connections: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        await _read_request(reader)
        writer.write(OK)
        await writer.drain()

    async def main() -> None:
        server = await _serve(tmp_path, handler)()
        client = Upstream(str(tmp_path / "w.sock"))
        for _ in range(2):
            await (await client.request("GET", "/")).read()
        server.close()

    asyncio.run(main())
    assert len(connections) == 2


def test_no_worker_listening_is_an_os_error(tmp_path: Path) -> None:
    async def main() -> None:
        await Upstream(str(tmp_path / "gone.sock")).request("GET", "/")

    with pytest.raises(OSError):
        asyncio.run(main())


def test_the_answer_to_head_has_no_body_whatever_its_length_says(tmp_path: Path) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for _ in range(2):
            await _read_request(reader)
            writer.write(OK.removesuffix(b"{}"))  # HEAD: the headers alone
            await writer.drain()

    async def main() -> list[tuple[int, bytes]]:
        server = await _serve(tmp_path, handler)()
        client = Upstream(str(tmp_path / "w.sock"))
        answers = []
        for _ in range(2):  # and the connection serves the next request
            answer = await client.request("HEAD", "/v2/models/iris")
            answers.append((answer.status, await asyncio.wait_for(answer.read(), 5)))
        server.close()
        return answers

    assert asyncio.run(main()) == [(200, b"")] * 2
