"""The gRPC load's reading of h2load: calls a second from its summary, latency from its per-call
log, and every call that brought back no answer of the checked size counted as failed (a failed
gRPC call answers HTTP 200 too, with its status in trailers and no message)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))

import grpc_client

SUMMARY = """
finished in 2.00s, 500.00 req/s, 30.00KB/s
requests: 1000 total, 1008 started, 1000 done, 1000 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 1000 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 100.00KB (102400) total, 2.00KB (2048) headers (space savings 96.27%), {data} data
"""


def _log(tmp_path: Path, micros: list[int]) -> Path:
    log = tmp_path / "calls.log"
    log.write_text("".join(f"1796580709058027\t200\t{m}\n" for m in micros))
    return log


def test_every_call_answered_in_full_is_a_success(tmp_path: Path) -> None:
    log = _log(tmp_path, [1000 + k for k in range(1000)])
    found = grpc_client.figures(SUMMARY.format(data="48.83KB (49000)"), log, size=49)
    assert found["requests"] == 1000
    assert found["errors"] == 0
    assert found["rps"] == pytest.approx(500.0)
    assert found["p50_ms"] == pytest.approx(1.5)
    assert found["p99_ms"] == pytest.approx(1.99)


def test_calls_that_brought_back_no_answer_are_failures(tmp_path: Path) -> None:
    log = _log(tmp_path, [1000] * 1000)
    found = grpc_client.figures(SUMMARY.format(data="48.83KB (48902)"), log, size=49)
    assert found["errors"] == 2  # two trailers-only answers: no message


def test_a_request_is_framed_as_grpc_sends_it() -> None:
    framed = grpc_client.framed(b"abc")
    assert framed == b"\x00\x00\x00\x00\x03abc"


def test_a_summary_without_its_figures_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="finished in"):
        grpc_client.figures("connection refused", _log(tmp_path, [1]), size=49)
