"""Deployments on this machine: ``modelport serve`` run in the background by a supervisor
(``deploy.supervisor``) that starts it again when it crashes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from modelport.errors import ConfigError, ModelFailed

__all__ = ["is_supervisor", "listenable_port", "local_state", "start_local", "stop_local"]

SUPERVISOR_MODULE = "modelport.deploy.supervisor"


def listenable_port(host: str, port: int) -> int:
    """``port`` (or, for 0, one the system picks) when it can be listened on now; a port in use
    is refused here rather than by a server the supervisor would start again and again."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                hint="choose another --port (0: a free one)",
                field="--port",
            ) from None
        found: int = probe.getsockname()[1]
    return found


def start_local(command: Sequence[str], *, log: Path, url: str, wait: float) -> int:
    """Start the supervisor of ``command`` (a serving command, ``cli.targets.serving_command``)
    in a session of its own and answer its pid once the server at ``url`` is ready; raises
    ModelFailed, with the end of the log, when it is not ready within ``wait`` seconds."""
    log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    log.write_bytes(b"")
    supervisor = subprocess.Popen(
        [sys.executable, "-m", SUPERVISOR_MODULE, "--log", str(log), "--", *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if local_state(supervisor.pid, url) == "running":
            return supervisor.pid
        if supervisor.poll() is not None:
            break
        time.sleep(0.2)
    stop_local(supervisor.pid)
    supervisor.wait()
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    raise ModelFailed(f"the local deployment did not become ready within {wait:g}s:\n{tail}")


def local_state(pid: int | None, url: str) -> str:
    """``running`` (ready), ``starting`` (the supervisor is there, the server not yet ready) or
    ``stopped``."""
    if pid is None or not is_supervisor(pid):
        return "stopped"
    try:
        ready = httpx.get(f"{url}/v2/health/ready", timeout=2.0).status_code == 200
    except httpx.HTTPError:
        ready = False
    return "running" if ready else "starting"


def stop_local(pid: int | None, *, wait: float = 30.0) -> None:
    """SIGTERM the supervisor (which stops its server after its requests), SIGKILL after
    ``wait`` seconds; nothing when it has gone already."""
    if pid is None or not is_supervisor(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not is_supervisor(pid):
            return
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)  # its own session: the server goes too


def is_supervisor(pid: int) -> bool:
    """Whether ``pid`` is a live supervisor (not a zombie, not a reused pid)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    if stat.rpartition(")")[2].split()[0] == "Z":
        return False
    return SUPERVISOR_MODULE.encode() in command
