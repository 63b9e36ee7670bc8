"""Each answer leaves in one write: the transport wrapper holding a response's head until the
bytes after it (``serving/connections.py``), over a transport that records what it is given."""

from __future__ import annotations

import asyncio
from typing import Any

from modelport.serving.connections import JOIN_AT_MOST, _JoiningTransport


class Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


def test_the_head_leaves_with_the_body_in_one_write_answer_after_answer() -> None:
    recording = Recording()
    joining = _JoiningTransport(recording)
    for answered in range(2):
        joining.write(HEAD)
        assert len(recording.writes) == answered  # held
        joining.write(b"{}")
        joining.answer_ended()
    assert recording.writes == [HEAD + b"{}", HEAD + b"{}"]


def test_a_head_without_a_body_leaves_when_the_answer_ends_or_the_connection_closes() -> None:
    recording = Recording()
    joining = _JoiningTransport(recording)
    joining.write(HEAD)
    joining.answer_ended()
    joining.write(HEAD)
    joining.close()
    assert recording.writes == [HEAD, HEAD]
    assert recording.closed


def test_a_streamed_answer_sends_its_chunks_as_they_come_and_100_continue_is_never_held() -> None:
    recording = Recording()
    joining = _JoiningTransport(recording)
    joining.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert recording.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]
    joining.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
    joining.write(b"2\r\n{}\r\n")
    joining.write(b"0\r\n\r\n")
    assert recording.writes[1:] == [
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n",
        b"0\r\n\r\n",
    ]


def test_a_large_body_follows_its_head_without_being_copied_into_it() -> None:
    recording = Recording()
    joining = _JoiningTransport(recording)
    body = b"x" * (JOIN_AT_MOST + 1)
    joining.write(HEAD)
    joining.write(body)
    assert recording.writes == [HEAD, body]
