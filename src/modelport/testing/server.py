"""A ``modelport serve`` process on a free loopback port, for integration tests.

Used by ``modelport test`` (which builds first, then serves the registered version), by the
pytest plugin (which serves a project folder) and by modelport's own tests of the serving
process (readiness, signals, what it prints). The server's output, stdout and stderr together,
goes to a log file (never a pipe that could fill up); its last lines are the error when it
stops before it is ready.
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
from types import TracebackType

import httpx

from modelport.errors import ModelFailed, ModelTimeout

HOST = "127.0.0.1"
READY_PATH = "/v2/health/ready"
"""Answers 200 once the server listens and every model it holds has loaded."""
READY_SECONDS = 120.0
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
    """A running ``modelport serve``: where it answers, the process, and its log file.

    Used as a context manager, it is stopped on leaving (if the test has not stopped it)."""

    url: str
    model: str | None
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> int:
        """SIGTERM (the server drains, then exits 0); SIGKILL if it does not stop in time.
        Answers the exit code; stopping a server that has already exited only answers it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def output(self) -> str:
        """What the server has printed so far, stdout and stderr together."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_ready(self, path: str = READY_PATH, *, timeout: float = READY_SECONDS) -> None:
        """Poll ``GET path`` until it answers 200.

        Raises ModelFailed (with the last lines of the output) when the process exits first,
        and ModelTimeout when ``path`` does not answer 200 within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=5.0) as client:
            while not _answers_ok(client, path):
                code = self.process.poll()
                if code is not None:
                    raise ModelFailed(
                        f"the model server exited with code {code} before it was ready:\n"
                        + _tail(self.output()),
                        hint="run `modelport serve` on the same model to see the whole error",
                    )
                if time.monotonic() > deadline:
                    raise ModelTimeout(
                        f"the model server was not ready within {timeout:g} s ({path}):\n"
                        + _tail(self.output()),
                        hint="check that the model loads; its log is " + str(self.log),
                    )
                time.sleep(POLL_SECONDS)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_server(
    target: str,
    *,
    model: str | None = None,
    log_dir: Path,
    serve_options: Sequence[str] = (),
    cli_options: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    ready_timeout: float = 600.0,
    wait: bool = True,
) -> ServerProcess:
    """Start ``python -m modelport serve TARGET`` on a free port; return once it is ready.

    ``cli_options`` go before ``serve`` (``--registry``), ``serve_options`` after the target
    (``--env inherit``); ``env`` is added to this process's environment; the server's output
    goes to a file in ``log_dir``. Raises ModelFailed when the server stops before it is ready
    (with its last output lines) and ModelTimeout when it is not ready within ``ready_timeout``
    seconds; the server is stopped then. With ``wait=False`` it returns at once, for a test
    that checks a server which fails to start, or that waits for another path itself.
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
    if wait:
        try:
            server.wait_ready(timeout=ready_timeout)
        except BaseException:
            server.stop()
            raise
    return server


def _answers_ok(client: httpx.Client, path: str) -> bool:
    """Whether ``GET path`` answers 200 (False while the server does not listen yet)."""
    try:
        return client.get(path).status_code == 200
    except httpx.TransportError:
        return False


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
