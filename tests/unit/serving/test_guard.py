"""The connection guard with real sockets, no server: a worker hands its connections to the
supervisor, which answers those left mid-request when the worker is gone."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import orjson
import pytest

from modelport.serving.workers.guard import (
    ANSWERING,
    BUSY,
    IDLE,
    ConnectionStates,
    Guard,
    HeldConnections,
    channel_pair,
)


class FakeTransport(asyncio.Transport):
    """Only what the guard asks of a transport: its socket."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self.sock if name == "socket" else default


@pytest.fixture
def sides() -> Iterator[tuple[Guard, HeldConnections, ConnectionStates]]:
    states = ConnectionStates(1)
    supervisor_end, worker_end = channel_pair()
    yield Guard(worker_end, states.of(0)), HeldConnections(supervisor_end), states
    worker_end.close()
    supervisor_end.close()


def _connection() -> tuple[socket.socket, socket.socket]:
    """(the client's end, the server's end) of a loopback TCP connection."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    client.settimeout(5)
    return client, server


def test_a_connection_left_mid_request_gets_a_500_the_idle_one_a_close(
    sides: tuple[Guard, HeldConnections, ConnectionStates],
) -> None:
    guard, held, states = sides
    busy_client, busy_server = _connection()
    idle_client, idle_server = _connection()
    busy = guard.opened(FakeTransport(busy_server))
    idle = guard.opened(FakeTransport(idle_server))
    assert busy >= 0 and idle >= 0
    guard.states[busy] = BUSY
    held.receive()
    assert set(held.held) == {busy, idle}
    busy_server.close()  # the worker dies: its descriptors close, the copies stay
    idle_server.close()
    assert held.answer_and_close(states.of(0), "killed by SIGSEGV") == 1
    answer = busy_client.recv(65536)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 500 ")
    assert b"content-type: application/problem+json" in head
    assert "killed by SIGSEGV" in orjson.loads(body)["detail"]
    assert busy_client.recv(1) == b""  # then closed
    assert idle_client.recv(1) == b""  # closed, nothing written
    busy_client.close()
    idle_client.close()


def test_an_answer_begun_is_only_closed(
    sides: tuple[Guard, HeldConnections, ConnectionStates],
) -> None:
    guard, held, states = sides
    client, server = _connection()
    number = guard.opened(FakeTransport(server))
    guard.states[number] = ANSWERING
    server.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npart")
    server.close()
    assert held.answer_and_close(states.of(0), "exited with code 3") == 0
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    assert received.endswith(b"part")  # nothing after the part of the answer
    client.close()


def test_a_closed_connection_is_shut_down_and_dropped_by_the_supervisor(
    sides: tuple[Guard, HeldConnections, ConnectionStates],
) -> None:
    guard, held, _ = sides
    client, server = _connection()
    number = guard.opened(FakeTransport(server))
    held.receive()
    assert number in held.held
    guard.states[number] = BUSY
    guard.closed(number)
    assert guard.states[number] == IDLE
    assert client.recv(1) == b""  # the client sees the close though the supervisor holds a copy
    held.receive()
    assert held.held == {}
    server.close()
    client.close()
