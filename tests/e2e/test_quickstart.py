"""The README's quick start: serve the bundled example and ask it with the printed curl body."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import httpx

from modelport.testing import start_server

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iris"


def test_serve_the_example_answer_the_curl_line_and_stop_on_sigterm(tmp_path: Path) -> None:
    environ = {"MODELPORT_HOME": str(tmp_path / "home"), "COLUMNS": "400"}
    with start_server(
        str(EXAMPLE),
        serve_options=("--env", "inherit"),
        log_dir=tmp_path,
        env=environ,
        ready_timeout=240,
    ) as server:
        process, base = server.process, server.url
        printed = server.output().splitlines()
        curl = next(line for line in printed if line.startswith("curl "))
        body = re.search(r"-d '(.*)'", curl)
        assert body is not None, curl
        rows = json.loads(body.group(1))
        assert rows == [
            {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}
        ]
        answer = httpx.post(f"{base}/v1/models/iris/predict", json=rows, timeout=10)
        assert answer.status_code == 200
        assert answer.json() == [{"species": 0}]
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    assert process.returncode == 0
