"""``/metrics`` of ``modelport serve --workers 2`` (a real pool, requests on new connections
spread over both workers by the kernel): whichever worker answers the scrape, the counts are
the whole server's, and they add up to the requests sent."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from socket import AF_UNIX, SOCK_STREAM, socket

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from modelport.testing.server import start_server

ROUND = 16
"""Requests per round, each on a connection of its own, 8 at a time."""
MOST = 40 * ROUND
"""Rounds stop once both workers have answered some, or after this many requests."""


def _predict(url: str) -> None:
    answer = httpx.post(f"{url}/v1/models/echo/predict", json=[{"text": "hi"}], timeout=30)
    assert answer.status_code == 200, answer.text


def _own_count(path: Path) -> float:
    """The echo predictions one worker has answered, asked on its own metrics socket."""
    with socket(AF_UNIX, SOCK_STREAM) as connection:
        connection.settimeout(5)
        connection.connect(str(path))
        chunks = []
        while chunk := connection.recv(1 << 16):
            chunks.append(chunk)
    families = orjson.loads(b"".join(chunks))
    [requests] = [family for family in families if family["name"] == "modelport_requests"]
    return sum(value for _, labels, value in requests["samples"] if labels["model"] == "echo")


def _scraped_count(url: str) -> tuple[float, float]:
    """(echo predictions, workers scraped) in one ``GET /metrics``."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    counted, workers = 0.0, 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "modelport_requests_total" and sample.labels["model"] == "echo":
                counted += sample.value
            if sample.name == "modelport_pool_workers_scraped":
                workers = sample.value
    return counted, workers


@pytest.mark.slow
def test_metrics_add_up_every_workers_requests(
    shared_home: Path, echo_project: Path, tmp_path: Path
) -> None:
    env = {"MODELPORT_HOME": str(shared_home), "TMPDIR": str(tmp_path)}
    options = ("--workers", "2")
    with start_server(
        "echo:1", model="echo", env=env, serve_options=options, log_dir=tmp_path, ready_timeout=300
    ) as server:
        deadline = time.monotonic() + 30
        while len(sockets := sorted(tmp_path.glob("modelport-metrics-*/*.sock"))) < 2:
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.05)
        sent = 0
        with ThreadPoolExecutor(8) as callers:
            while sent < MOST and not all(_own_count(path) for path in sockets):
                list(callers.map(lambda _: _predict(server.url), range(ROUND)))
                sent += ROUND
        per_worker = [_own_count(path) for path in sockets]
        assert all(per_worker), f"one worker answered all {sent} requests: {per_worker}"
        assert sum(per_worker) == sent
        for _ in range(6):  # each scrape on a new connection: either worker may answer it
            assert _scraped_count(server.url) == (sent, 2)
    assert not list(tmp_path.glob("modelport-metrics-*")), "the sockets' folder is left behind"
