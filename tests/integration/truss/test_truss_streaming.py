"""Streaming Trusses (sync and async generators) read with a real HTTP stream, and
``predict_concurrency`` bounding concurrent predict calls: on a real socket, since the chunks
must come over the connection as they are made, a failure mid-stream must break it, and
the concurrent calls come over connections of their own."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from modelport.serving.runtime import ModelRuntime

from .conftest import serving_on_a_socket

STREAMERS = ["truss-stream-sync", "truss-stream-async"]


@pytest.fixture(scope="module")
def client(runtime_of: Callable[..., ModelRuntime]) -> Iterator[httpx.Client]:
    runtimes = [runtime_of("stream_sync"), runtime_of("stream_async"), runtime_of("concurrent")]
    with serving_on_a_socket(*runtimes) as client:
        yield client


@pytest.mark.parametrize("name", STREAMERS)
def test_chunks_arrive_before_the_generator_ends(
    client: httpx.Client, name: str, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    body = {"gate": str(gate)}
    with client.stream("POST", f"/v1/models/{name}:predict", json=body) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/octet-stream"
        chunks = answer.iter_bytes()
        first = next(chunks)
        assert first == b"first;", "the first chunk came while the generator waits on the gate"
        gate.touch()
        rest = b"".join(chunks)
    assert rest == b"second;last"


@pytest.mark.parametrize("name", STREAMERS)
def test_a_json_client_gets_the_chunks_gathered(
    client: httpx.Client, name: str, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    gate.touch()
    answer = client.post(
        f"/v1/models/{name}:predict",
        json={"gate": str(gate)},
        headers={"accept": "application/json"},
    )
    assert answer.json() == "first;second;last"


@pytest.mark.parametrize("name", STREAMERS)
def test_a_failure_mid_stream_ends_it_with_an_error_and_the_server_carries_on(
    client: httpx.Client, name: str, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    gate.touch()
    received = b""
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream(
            "POST", f"/v1/models/{name}:predict", json={"gate": str(gate), "fail": True}
        ) as answer,
    ):
        for chunk in answer.iter_bytes():
            received += chunk
    assert received == b"first;", "what came before the failure was delivered"
    assert client.get(f"/v1/models/{name}").status_code == 200
    again = client.post(
        f"/v1/models/{name}:predict",
        json={"gate": str(gate)},
        headers={"accept": "application/json"},
    )
    assert again.json() == "first;second;last"


def test_predict_concurrency_two_runs_three_calls_in_two_rounds(client: httpx.Client) -> None:
    answers: dict[int, dict[str, object]] = {}

    def call(index: int) -> None:
        answer = client.post("/v1/models/truss-concurrent:predict", json={"id": index})
        answers[index] = answer.json()

    threads = [threading.Thread(target=call, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    events = max((a["events"] for a in answers.values()), key=len)
    assert isinstance(events, list) and len(events) == 6
    running = peak = 0
    for kind, _ in events:
        running += 1 if kind == "start" else -1
        peak = max(peak, running)
    assert peak == 2, f"two predicts at once, never three: {events}"
    kinds = [kind for kind, _ in events]
    assert kinds[:2] == ["start", "start"], "the first two calls overlapped"
    assert kinds.index("end") < len(kinds) - 1 - kinds[::-1].index("start"), (
        "the third call started only after one of the first two had ended"
    )


def test_modelports_own_route_refuses_a_stream_and_frees_the_slot(
    client: httpx.Client, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    gate.touch()
    for _ in range(2):  # a slot kept by the first refusal would block the second call
        answer = client.post("/v1/models/truss-stream-sync/predict", json=[{"gate": str(gate)}])
        assert answer.status_code == 500
        assert "streams" in answer.json()["detail"]
    truss_route = client.post(
        "/v1/models/truss-stream-sync:predict",
        json={"gate": str(gate)},
        headers={"accept": "application/json"},
    )
    assert truss_route.json() == "first;second;last"
