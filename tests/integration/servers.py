"""Real HTTP servers for tests on ephemeral loopback ports: an app under uvicorn in a thread
(`running`), or `modelport serve` as a real process (`served`, `wait_ready`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import httpx
import uvicorn
from starlette.applications import Starlette


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def running(app: Starlette) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:<free port> in a thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class ServeProcess(NamedTuple):
    """A running ``modelport serve``: the process (text stdout and stderr piped) and its URL."""

    process: subprocess.Popen[str]
    url: str


@contextmanager
def served(
    home: Path, *serve_args: str, env: dict[str, str] | None = None
) -> Iterator[ServeProcess]:
    """``modelport serve SERVE_ARGS --port <free port>`` with ``MODELPORT_HOME=home`` and ``env``
    added to ours. Not waited for: call `wait_ready`. On leaving, a process still running is
    terminated (killed if it does not exit in 30 s); the test may stop it itself, read its
    output with ``process.communicate()`` and check its exit code."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "modelport", "serve", *serve_args, "--port", str(port)],
        env={**os.environ, "MODELPORT_HOME": str(home), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield ServeProcess(process, f"http://127.0.0.1:{port}")
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=30)


def wait_ready(
    server: ServeProcess, path: str = "/v2/health/ready", *, seconds: float = 120
) -> None:
    """Poll ``GET path`` until it answers 200; fail with the process's stderr if it exits."""
    deadline = time.monotonic() + seconds
    while True:
        if server.process.poll() is not None:
            _, stderr = server.process.communicate(timeout=30)
            code = server.process.returncode
            raise AssertionError(f"modelport serve exited with {code} before ready:\n{stderr}")
        try:
            if httpx.get(f"{server.url}{path}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"modelport serve not ready in {seconds} s: {path}"
        time.sleep(0.1)
