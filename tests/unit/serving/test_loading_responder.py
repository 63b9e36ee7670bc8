"""What a pool's port answers while its supervisor loads the models (``workers/loading.py``): a
real listening socket on loopback, real clients, the responder's own thread."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from modelport.serving.workers import loading
from modelport.serving.workers.loading import LoadingResponder

HANG_SECONDS = 30.0
"""Far longer than anything here takes: a thread still running after it is stuck."""


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    sock = socket.create_server(("127.0.0.1", 0))
    yield sock
    sock.close()


def _url(sock: socket.socket, path: str) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}{path}"


def test_liveness_answers_200_and_everything_else_503_to_retry(listening: socket.socket) -> None:
    with LoadingResponder(listening):
        live = httpx.get(_url(listening, "/v2/health/live"), timeout=HANG_SECONDS)
        ready = httpx.get(_url(listening, "/v2/health/ready"), timeout=HANG_SECONDS)
        predict = httpx.post(
            _url(listening, "/v2/models/iris/infer"), json={"inputs": []}, timeout=HANG_SECONDS
        )
    assert (live.status_code, live.json()) == (200, {"live": True})
    for answer in (ready, predict):
        assert answer.status_code == 503
        assert answer.headers["retry-after"] == "1"
        assert answer.headers["content-type"] == "application/problem+json"
        assert "loading" in answer.json()["detail"]


def _stop_in_thread(responder: LoadingResponder) -> threading.Thread:
    stopping = threading.Thread(target=responder.__exit__, args=(None, None, None), daemon=True)
    stopping.start()
    stopping.join(HANG_SECONDS)
    return stopping


def test_it_stops_while_a_client_is_connected_and_silent(
    listening: socket.socket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The end of loading does not wait for a client's head: the forks come at once."""
    monkeypatch.setattr(loading, "READ_SECONDS", 3600.0)  # a wait for it would hang the test
    responder = LoadingResponder(listening).__enter__()
    with socket.create_connection(listening.getsockname()) as silent:
        silent.sendall(b"GET /v2/hea")  # part of a head, never finished
        assert not _stop_in_thread(responder).is_alive()


def test_after_it_stops_the_socket_is_as_it_was_and_still_listening(
    listening: socket.socket,
) -> None:
    listening.settimeout(None)
    responder = LoadingResponder(listening).__enter__()
    assert not _stop_in_thread(responder).is_alive()
    assert listening.gettimeout() is None  # blocking again, for the workers' servers
    with socket.create_connection(listening.getsockname()):
        accepted, _ = listening.accept()  # nothing answers for the responder any more
        accepted.close()
