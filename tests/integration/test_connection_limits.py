"""Connections and requests a server holds are bounded: real server processes (``launch.serve``,
as ``modelport serve`` runs them) on loopback ports, real sockets. Two thousand idle sockets do
not lock a client out, a slowloris client is cut off, a slow body answers 408, requests past
``--max-in-flight`` and connections past ``--max-connections`` (all busy) answer 503 with
``Retry-After``, and idle keep-alive connections are closed."""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelport.testing.server import free_port

IDLE_SOCKETS = 2000
HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 1.0
KEEP_ALIVE = 1.0

SERVER = """
import sys

sys.path.insert(0, sys.argv[2])

from models_for_tests import Sleeps

from modelport.formats.native.python_model import PythonModelServable
from modelport.serving.conventions import Services
from modelport.serving.launch import Served, ServeOptions, serve
from modelport.serving.limits import ConnectionLimits

model = Sleeps()
servable = PythonModelServable(model, name="sleeps", signature=model.schema())
limits = ConnectionLimits(
    max_connections=int(sys.argv[3]),
    max_in_flight=int(sys.argv[4]),
    header_timeout=float(sys.argv[5]),
    body_timeout=float(sys.argv[6]),
    keep_alive_timeout=float(sys.argv[7]),
)
options = ServeOptions(port=int(sys.argv[1]), threads=8, limits=limits, log_level="warning")
serve([Served(servable)], options, Services())
"""

HERE = Path(__file__).parent


def _start(tmp: Path, *, max_connections: int, max_in_flight: int) -> Iterator[str]:
    script = tmp / "server.py"
    script.write_text(SERVER)
    port = free_port()
    limits = (max_connections, max_in_flight, HEADER_TIMEOUT, BODY_TIMEOUT, KEEP_ALIVE)
    log = tmp / f"server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, str(script), str(port), str(HERE), *map(str, limits)],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{base}/v2/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Default connection bound (1,000), two requests in flight, short deadlines."""
    yield from _start(tmp_path_factory.mktemp("limits"), max_connections=1000, max_in_flight=2)


@pytest.fixture(scope="module")
def few_connections(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _start(tmp_path_factory.mktemp("few"), max_connections=2, max_in_flight=100)


def _predict(base: str, seconds: float = 0.0, **kwargs: object) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/models/sleeps/predict", json=[{"x": seconds, "y": 1.0}], timeout=30
    )


def _address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").split(":")
    return host, int(port)


def _closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes ``sock`` within ``within`` seconds (what it may send first,
    an answer, is read past)."""
    sock.settimeout(within)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False
    return False


def _read_answer(sock: socket.socket) -> str:
    """One whole answer (headers, and the body its Content-Length says)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.lower().split(b"\r\n")
        if b"content-length" in line
    )
    while len(body) < length:
        body += sock.recv(65536)
    return (head + b"\r\n\r\n" + body).decode()


@pytest.mark.slow
def test_two_thousand_idle_sockets_cannot_lock_a_client_out(server: str) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = IDLE_SOCKETS + 256
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"this process may open {hard} files, fewer than {needed}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    idle: list[socket.socket] = []
    try:
        for _ in range(IDLE_SOCKETS):
            idle.append(socket.create_connection(_address(server), timeout=10))
        answers = [_predict(server) for _ in range(5)]
        assert [answer.status_code for answer in answers] == [200] * 5
        assert answers[0].json() == [{"sum": 1.0}]
        # every idle socket is closed: evicted for newer ones, or past the header deadline
        still_open = [s for s in idle if not _closed_by_server(s, 0.01)]
        deadline = time.monotonic() + HEADER_TIMEOUT + 5
        while still_open and time.monotonic() < deadline:
            still_open = [s for s in still_open if not _closed_by_server(s, 0.05)]
        assert not still_open, f"{len(still_open)} idle sockets still open"
    finally:
        for sock in idle:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_slowloris_client_is_cut_off(server: str) -> None:
    with socket.create_connection(_address(server), timeout=10) as sock:
        sock.sendall(b"POST /v1/models/sleeps/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < HEADER_TIMEOUT + 5:
            try:
                sock.sendall(b"X-Slow: a\r\n")  # a header line now and then, never the end
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if _closed_by_server(sock, 0.5):
                closed = True
                break
        assert closed, "the server kept a connection that never finished its headers"
        assert time.monotonic() - started >= HEADER_TIMEOUT - 0.5


def test_a_body_that_does_not_arrive_in_time_answers_408(server: str) -> None:
    head = (
        b"POST /v1/models/sleeps/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )
    with socket.create_connection(_address(server), timeout=10) as sock:
        sock.sendall(head + b'[{"x": 0')
        answer = _read_answer(sock)
    assert answer.startswith("HTTP/1.1 408"), answer
    assert "did not arrive within 1 s" in answer
    assert "--body-timeout" in answer


def test_requests_past_max_in_flight_answer_503_with_retry_after(server: str) -> None:
    slow: list[httpx.Response] = []
    threads = [
        threading.Thread(target=lambda: slow.append(_predict(server, 1.5))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    try:
        refused = _predict(server)
        live = httpx.get(f"{server}/v2/health/live", timeout=5)
    finally:
        for thread in threads:
            thread.join()
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["content-type"] == "application/problem+json"
    assert "--max-in-flight" in refused.json()["detail"]
    assert live.status_code == 200, "a probe waited behind the requests in flight"
    assert [answer.status_code for answer in slow] == [200, 200]
    assert _predict(server).status_code == 200


def test_an_idle_keep_alive_connection_is_closed(server: str) -> None:
    request = b"GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(_address(server), timeout=10) as sock:
        sock.sendall(request)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert _closed_by_server(sock, KEEP_ALIVE + 3)


def test_connections_past_the_bound_all_busy_answer_503(few_connections: str) -> None:
    slow: list[httpx.Response] = []
    threads = [
        threading.Thread(target=lambda: slow.append(_predict(few_connections, 1.5)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    try:
        refused = _predict(few_connections)
    finally:
        for thread in threads:
            thread.join()
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["title"] == "ServerBusy"
    assert [answer.status_code for answer in slow] == [200, 200]
    assert _predict(few_connections).status_code == 200


@pytest.mark.slow
def test_a_100_continue_is_sent_at_once_and_the_answer_follows(server: str) -> None:
    body = b'[{"x": 0.0, "y": 1.0}]'
    head = (
        "POST /v1/models/sleeps/predict HTTP/1.1\r\nhost: localhost\r\n"
        "content-type: application/json\r\nexpect: 100-continue\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(_address(server), timeout=5) as sock:
        sock.sendall(head.encode())
        sock.settimeout(2)  # the client waits for it before it sends the body
        interim = sock.recv(65536)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(body)
        sock.settimeout(10)
        answer = _read_answer(sock)
    assert answer.startswith("HTTP/1.1 200")
    assert answer.endswith('[{"sum":1.0}]')
