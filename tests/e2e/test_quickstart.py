"""The README's quick start: serve the bundled example and ask it with the printed curl body."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "iris"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_the_example_answer_the_curl_line_and_stop_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "MODELPORT_HOME": str(tmp_path / "home"), "COLUMNS": "400"}
    command = [sys.executable, "-m", "modelport", "serve", str(EXAMPLE), "--env", "inherit"]
    command += ["--port", str(port)]
    server = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if httpx.get(f"{base}/v2/health/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            raise AssertionError("the server never became ready")

        assert server.stdout is not None
        printed = [server.stdout.readline() for _ in range(2)]
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
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    assert code == 0
