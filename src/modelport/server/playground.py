"""Short-lived servings of registered versions, for the web UI's playground.

A version is tried by serving it: ``modelport serve NAME:N --workers 1`` as a child process of
the server, on a free loopback port, with the server's registry, blob store and home (so its
environment is made, or reused, exactly as ``modelport serve`` would). One worker: a few rows
need no more, and its ``/metrics`` then counts every request (a pool's workers each count
their own). A serving starts on the first call that
needs it and is reused by the next ones; one unused for ``idle_seconds`` is stopped, and when
more than ``max_servings`` are wanted the least recently used goes first. Each child is tethered
to the server (``modelport.tether``): it dies with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import anyio
import httpx

from modelport.errors import ModelFailed, ServerBusy
from modelport.settings import Settings
from modelport.tether import tethered

HOST = "127.0.0.1"
READY_PATH = "/v2/health/ready"


@dataclass
class Serving:
    """One version being served for the playground."""

    key: tuple[str, str, int]
    """(workspace, model, version number)."""
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    last_used: float = field(default_factory=time.monotonic)
    ready: bool = False
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def stop(self) -> None:
        """SIGTERM (the serving drains), then SIGKILL after five seconds."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self, lines: int = 12) -> str:
        """The last lines the serving printed (why it did not start)."""
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


class Playground:
    """The servings one server keeps for its playground."""

    def __init__(
        self,
        *,
        registry_uri: str,
        settings: Settings,
        idle_seconds: float = 600.0,
        max_servings: int = 2,
        ready_seconds: float = 600.0,
    ) -> None:
        self.registry_uri = registry_uri
        self.settings = settings
        self.idle_seconds = idle_seconds
        self.max_servings = max_servings
        self.ready_seconds = ready_seconds
        self._servings: dict[tuple[str, str, int], Serving] = {}
        self._lock = anyio.Lock()

    async def url_of(self, workspace: str, model: str, number: int) -> str:
        """The base URL of a ready serving of ``model:number`` in ``workspace``."""
        key = (workspace, model, number)
        async with self._lock:  # one start at a time: two first calls share one serving
            leaving = self._take_idle()
            serving = self._servings.get(key)
            if serving is None or serving.process.poll() is not None:
                leaving += self._take_room()
                serving = self._start(key)
                self._servings[key] = serving
            serving.last_used = time.monotonic()
        await _stop(leaving)
        if not serving.ready:  # waited for outside the lock: other versions need not wait
            await self._wait_ready(serving)
        return serving.url

    @property
    def servings(self) -> list[Serving]:
        """Every serving kept now."""
        return list(self._servings.values())

    def stop_all(self) -> None:
        for serving in self._servings.values():
            serving.stop()
        self._servings.clear()

    def _forget(self, serving: Serving) -> None:
        if self._servings.get(serving.key) is serving:
            del self._servings[serving.key]

    def _take_idle(self) -> list[Serving]:
        """The servings unused for ``idle_seconds`` (or ended), no longer kept."""
        now = time.monotonic()
        return [
            self._servings.pop(key)
            for key, serving in list(self._servings.items())
            if now - serving.last_used > self.idle_seconds or serving.process.poll() is not None
        ]

    def _take_room(self) -> list[Serving]:
        """The least recently used servings, no longer kept, to leave room for one more."""
        oldest = sorted(self._servings.values(), key=lambda s: s.last_used)
        extra = len(oldest) - self.max_servings + 1
        return [self._servings.pop(s.key) for s in oldest[: max(extra, 0)]]

    def _start(self, key: tuple[str, str, int]) -> Serving:
        workspace, model, number = key
        port = _free_port()
        logs = self.settings.home / "playground"
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f"{model}-{number}-{port}.log"
        options = ["--registry", self.registry_uri]
        if self.settings.blobs_uri:
            options += ["--blobs", self.settings.blobs_uri]
        command = tethered(
            sys.executable,
            ["-m", "modelport", *options, "serve", f"{model}:{number}", "--name", model,
             "--host", HOST, "--port", str(port), "--workers", "1"],
        )  # fmt: skip
        environ = {
            **os.environ,
            "MODELPORT_HOME": str(self.settings.home),
            "MODELPORT_WORKSPACE": workspace,
        }
        environ.pop("MODELPORT_TOKEN", None)
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=environ,
            )  # fmt: skip
        return Serving(key=key, process=process, url=f"http://{HOST}:{port}", log=log)

    async def _wait_ready(self, serving: Serving) -> None:
        deadline = time.monotonic() + self.ready_seconds
        async with httpx.AsyncClient(timeout=5.0) as client:
            while time.monotonic() < deadline:
                if serving.process.poll() is not None:
                    self._forget(serving)
                    raise ModelFailed(
                        f"serving {serving.key[1]}:{serving.key[2]} for the playground "
                        f"stopped (exit code {serving.process.returncode}): {serving.output()}",
                        hint="serve it from the command line to see the whole error "
                        f"(`modelport serve {serving.key[1]}:{serving.key[2]}`)",
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(serving.url + READY_PATH)).status_code == 200:
                        serving.ready = True
                        return
                await anyio.sleep(0.25)
        self._forget(serving)
        await _stop([serving])
        raise ServerBusy(
            f"{serving.key[1]}:{serving.key[2]} was not ready for the playground within "
            f"{self.ready_seconds:.0f} s (its environment may still be installing)",
            hint="try again in a minute",
        )


async def _stop(servings: list[Serving]) -> None:
    """Stop ``servings`` in a worker thread (each may take seconds to drain)."""

    def stop_each() -> None:
        for serving in servings:
            serving.stop()

    if servings:
        await anyio.to_thread.run_sync(stop_each)


def _free_port() -> int:
    """A loopback port free right now (the child binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port
