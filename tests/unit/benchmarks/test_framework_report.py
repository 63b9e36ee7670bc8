"""The frameworks benchmark's pure parts: how answers are compared with the in-process predict,
how each server's answer is read back, and the ratios and notes of its report section."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))

import framework_bodies
import framework_report


def test_answers_within_the_build_tolerance_agree_and_others_name_the_rows_that_differ() -> None:
    expected = np.array([[0.25, 0.75], [0.5, 0.5]])
    assert framework_bodies.agrees(expected + 1e-7, expected) == ""
    found = framework_bodies.agrees(expected + np.array([[0.0, 0.0], [0.0, 0.01]]), expected)
    assert found.startswith("1 of 2 rows differ")
    assert "shape (1, 2)" in framework_bodies.agrees(expected[:1], expected)


def test_each_servers_answer_reads_back_as_rows_of_floats() -> None:
    ours = json.dumps([{"output": [0.1, 0.9]}, {"output": [0.6, 0.4]}]).encode()
    assert framework_bodies.records("output")(ours).tolist() == [[0.1, 0.9], [0.6, 0.4]]
    v2 = json.dumps({"outputs": [{"name": "predict", "shape": [2, 1], "data": [3, 1]}]}).encode()
    assert framework_bodies.v2_first_output(v2).tolist() == [[3.0], [1.0]]
    labels = ["NEGATIVE", "POSITIVE"]
    classified = json.dumps([{"label": ["POSITIVE"], "score": [0.7]}]).encode()
    assert framework_bodies.classified(labels)(classified).tolist() == [[1.0, 0.7]]
    strings = [json.dumps({"label": "NEGATIVE", "score": 0.6})]
    hugging = json.dumps({"outputs": [{"name": "output", "data": strings}]}).encode()
    assert framework_bodies.v2_classified(labels)(hugging).tolist() == [[0.0, 0.6]]


def _server(label: str, single: float, batch: float, cold: list[float]) -> dict[str, Any]:
    load = {"p99_ms": 2.0, "server_cpu_pct": 90.0}
    return {
        "label": label,
        "loads": {
            "1": {"rps": single, "rps_each": [single], **load},
            "1000": {"rps": batch, "rps_each": [batch], **load},
        },
        "cold_starts": cold,
        "rss_mib": 300.0,
    }


def _kind() -> dict[str, Any]:
    return {
        "name": "xgboost",
        "title": "XGBoost",
        "note": "",
        "servers": {
            "onnx": _server("modelport, onnx", 500.0, 20.0, [4.0, 5.0, 6.0]),
            "framework": _server("modelport, framework", 400.0, 100.0, [10.0]),
            "mlserver": _server("MLServer", 100.0, 10.0, [20.0]),
        },
    }


def test_ratios_are_of_medians_with_cold_start_inverted_so_above_one_is_faster() -> None:
    found = framework_report.ratios(_kind(), "onnx", "framework")
    assert found == {"1 row": 1.25, "1,000 rows": 0.2, "cold start": 2.0}
    assert framework_report.ratios(_kind(), "onnx", "absent") is None


def test_the_report_says_where_onnx_is_slower_beyond_the_noise() -> None:
    assert framework_report.slower(_kind()) == ["1,000 rows"]
    figures = {
        "machine": {
            "cores": "2",
            "cpu": "a CPU",
            "memory": "24 GiB",
            "kernel": "6.1",
            "python": "3.11.7",
            "load average at start": "1.0 1.0 1.0",
        },
        "load average at end": "2.0 2.0 2.0",
        "versions": {"modelport side": {"onnxruntime": "1.32.0"}},
        "seconds": 10.0,
        "rounds": 3,
        "connections": 8,
        "threads": 1,
        "kinds": [_kind()],
    }
    text = framework_report.render(figures, datetime(2026, 12, 5, tzinfo=UTC))
    assert "(2026-12-05, `make bench-frameworks`)" in text
    assert "onnx ÷ framework: 1 row **1.25x**, 1,000 rows **0.20x**, cold start **2.00x**" in text
    assert "ONNX is slower here on: 1,000 rows** (1,000 rows: 45.00 ms of server CPU" in text
    assert "onnxruntime 1.32.0" in text
    assert "each converted model runs on 2 intra-op threads" in text  # 4, bounded by 2 cores
