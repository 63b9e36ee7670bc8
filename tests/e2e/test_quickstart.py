"""The README's quick start: serve the bundled example and ask it with the printed curl body."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import httpx

from tests.integration.servers import served, wait_ready

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iris"


def test_serve_the_example_answer_the_curl_line_and_stop_on_sigterm(tmp_path: Path) -> None:
    serve_args = (str(EXAMPLE), "--env", "inherit")
    with served(tmp_path / "home", *serve_args, env={"COLUMNS": "400"}) as server:
        process, base = server
        wait_ready(server, seconds=240)
        assert process.stdout is not None
        printed = [process.stdout.readline() for _ in range(2)]
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
        process.communicate(timeout=30)
    assert process.returncode == 0
