"""A ``modelport serve`` process on a free loopback port, for integration tests.

Used by ``modelport test`` (which builds first, then serves the registered version) and by the
pytest plugin (which serves a project folder). The server's output goes to a log file (never a
pipe that could fill up); its last lines are the error when it stops before it is ready.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from modelport.client import Client
from modelport.errors import ModelFailed, ModelTimeout

HOST = "127.0.0.1"
STOP_GRACE_SECONDS = 30.0
POLL_SECONDS = 0.1


def free_port(host: str = HOST) -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServerProcess:
    """A running ``modelport serve``: where it answers, and the process to stop."""

    url: str
    model: str | None
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> int:
        """SIGTERM (the server drains, then exits 0); SIGKILL if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_server(
    target: str,
    *,
    model: str | None,
    log_dir: Path,
    serve_options: Sequence[str] = (),
    cli_options: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    ready_timeout: float = 600.0,
) -> ServerProcess:
    """Start ``python -m modelport serve TARGET`` on a free port; return once it is ready.

    ``cli_options`` go before ``serve`` (``--registry``), ``serve_options`` after the target
    (``--env inherit``); the server's output goes to a file in ``log_dir``. Raises ModelFailed
    when the server stops before it is ready (with its last output lines) and ModelTimeout
    when it is not ready within ``ready_timeout`` seconds.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "modelport",
        *cli_options,
        "serve",
        target,
        *serve_options,
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    log = log_dir / f"server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
        )
    server = ServerProcess(url=f"http://{HOST}:{port}", model=model, process=process, log=log)
    try:
        _wait_ready(server, ready_timeout)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_ready(server: ServerProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with Client(server.url, model=server.model, timeout=5.0) as client:
        while not client.ready():
            code = server.process.poll()
            if code is not None:
                raise ModelFailed(
                    f"the model server exited with code {code} before it was ready:\n"
                    + _tail(server.output()),
                    hint="run `modelport serve` on the same model to see the whole error",
                )
            if time.monotonic() > deadline:
                raise ModelTimeout(
                    f"the model server was not ready within {timeout:g} s:\n"
                    + _tail(server.output()),
                    hint="check that the model loads; its log is " + str(server.log),
                )
            time.sleep(POLL_SECONDS)


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
