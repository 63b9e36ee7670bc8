"""How a pool's workers share the connections of one listening socket (``accepting.py``): each
worker is an event loop in a thread of its own here, accepting on a duplicate of one real
listening socket, with the pool's real shared table; the clients are real sockets."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from modelport.serving.workers.accepting import BalancedListener
from modelport.serving.workers.table import WorkerTable


class Answering(asyncio.Protocol):
    """Answers each chunk with ``ok``, so a client knows its connection was taken."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(b"ok")  # type: ignore[attr-defined]


class Worker(threading.Thread):
    """An event loop in a thread, accepting on its own duplicate of ``listening``."""

    def __init__(self, listening: socket.socket, table: WorkerTable, slot: int, defer: float):
        super().__init__(daemon=True)
        self.sock = listening.dup()
        self.table = table
        self.slot = slot
        self.defer = defer
        self.loop = asyncio.new_event_loop()
        self.listener: BalancedListener | None = None

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def listen(self) -> None:
        async def start() -> BalancedListener:
            listener = BalancedListener(
                self.sock,
                Answering,
                lambda protocol: protocol(),
                table=self.table,
                slot=self.slot,
                defer_seconds=self.defer,
            )
            listener.start()
            return listener

        self.listener = asyncio.run_coroutine_threadsafe(start(), self.loop).result(5)

    def held(self) -> int:
        async def held() -> int:
            return self.listener.held if self.listener is not None else 0

        return asyncio.run_coroutine_threadsafe(held(), self.loop).result(5)

    def close(self) -> None:
        async def close() -> None:
            if self.listener is not None:
                self.listener.close()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(5)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.join(5)
        self.sock.close()


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    sock = socket.create_server(("127.0.0.1", 0), backlog=64)
    yield sock
    sock.close()


@pytest.fixture
def table() -> WorkerTable:
    table = WorkerTable(2)
    for _ in range(2):
        table.beat(table.claim(), os.getpid(), 0)
    return table


@pytest.fixture
def clients() -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    yield opened
    for client in opened:
        client.close()


def connect(listening: socket.socket, clients: list[socket.socket], count: int) -> None:
    """``count`` connections, all pending in the listening socket's queue at once."""
    for _ in range(count):
        client = socket.create_connection(listening.getsockname(), timeout=5)
        client.sendall(b"hello")
        clients.append(client)


def until(condition: Callable[[], bool], table: WorkerTable, timeout: float = 10) -> None:
    """Wait for ``condition``, beating for both workers (a silent worker is stuck)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        for slot in range(table.slots):
            table.beat(slot, os.getpid(), 0)
        time.sleep(0.01)


def test_connections_pending_at_once_are_shared_evenly_by_two_workers(
    listening: socket.socket, table: WorkerTable, clients: list[socket.socket]
) -> None:
    # the first worker wakes to eight connections and its sibling a moment later: an event
    # loop's own accept takes all eight; each worker past its share leaves them (0.3 s here,
    # so the test does not depend on how soon a thread is scheduled)
    first, second = Worker(listening, table, 0, 0.3), Worker(listening, table, 1, 0.3)
    first.start()
    second.start()
    try:
        table.hold(1, 0)  # the second worker accepts: it is counted in the shares from now
        connect(listening, clients, 8)
        first.listen()
        until(lambda: first.held() >= 1, table)
        second.listen()
        for client in clients:  # every connection taken and set up (a count read while one
            assert client.recv(2) == b"ok"  # is being set up can hold it twice)
        until(lambda: first.held() + second.held() == 8, table)
        # four each, or five and three when a thread's deferral ends late (without the shares,
        # eight and none)
        assert sorted((first.held(), second.held())) in ([4, 4], [3, 5])
    finally:
        first.stop()
        second.stop()


def test_a_sibling_that_takes_none_delays_a_connection_by_the_deferral_only(
    listening: socket.socket, table: WorkerTable, clients: list[socket.socket]
) -> None:
    table.hold(1, 0)  # a sibling that counts as accepting, and never accepts
    worker = Worker(listening, table, 0, 0.05)
    worker.start()
    try:
        worker.listen()
        started = time.monotonic()
        connect(listening, clients, 4)
        until(lambda: worker.held() == 4, table)
        # a worker past its share (1 of 1, then 2 of 2...) waits 0.05 s, then takes it
        assert time.monotonic() - started >= 2 * 0.05
        for client in clients:
            assert client.recv(2) == b"ok"
    finally:
        worker.stop()


def test_a_worker_alone_or_beside_a_stuck_one_never_defers(
    listening: socket.socket, table: WorkerTable, clients: list[socket.socket]
) -> None:
    table.hold(1, 0)
    table.beat(1, os.getpid(), 1)  # its sibling holds an abandoned call: stuck, not counted
    worker = Worker(listening, table, 0, 60.0)
    worker.start()
    try:
        worker.listen()
        connect(listening, clients, 8)
        deadline = time.monotonic() + 10
        while worker.held() < 8:  # a deferral would take a minute
            assert time.monotonic() < deadline, f"{worker.held()} of 8 taken"
            table.beat(0, os.getpid(), 0)
            time.sleep(0.01)
    finally:
        worker.stop()


def test_the_count_follows_connections_closing_and_ends_when_the_worker_stops_accepting(
    listening: socket.socket, table: WorkerTable, clients: list[socket.socket]
) -> None:
    worker = Worker(listening, table, 0, 0.01)
    worker.start()
    try:
        worker.listen()
        connect(listening, clients, 3)
        # the count is published from the worker's loop as each connection is set up: read
        # from another thread, it settles on what the worker holds
        until(lambda: worker.held() == 3 and table.fair_share(time.monotonic()) == 3, table)
        clients.pop().close()
        until(lambda: worker.held() == 2 and table.fair_share(time.monotonic()) == 2, table)
        worker.close()
        assert table.fair_share(time.monotonic(), arriving=1) == 1  # no worker accepts
        connect(listening, clients, 1)  # queued: nobody takes it now
        time.sleep(0.1)
        assert worker.held() == 2
    finally:
        worker.stop()
