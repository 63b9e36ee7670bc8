"""A real Ray cluster of the test session's own: ``ray start --head --block`` on loopback, every
port it opens chosen free beforehand (so it never meets another cluster on this machine), its
files under a temporary folder, and killed at the end with the session that command leads (never
``ray stop``, which would stop every cluster of the machine)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

RAY = Path(sys.executable).with_name("ray")
START_SECONDS = 180.0
"""How long the head may take to answer (about 25 s on two busy cores)."""


@dataclass(frozen=True)
class RayCluster:
    gcs_port: int
    http_port: int
    """Where Ray Serve's proxy is asked to listen (``modelport deploy --http-port``)."""
    temp_dir: Path

    @property
    def target(self) -> str:
        return f"ray://127.0.0.1:{self.gcs_port}"

    def processes(self, title: str) -> list[int]:
        """The pids of this machine's processes whose command line starts with ``title`` (Ray
        names an actor's process ``ray::CLASS``)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if command.startswith(title.encode()):
                found.append(int(entry.name))
        return found


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for one in sockets:
            one.bind(("127.0.0.1", 0))
        return [one.getsockname()[1] for one in sockets]
    finally:
        for one in sockets:
            one.close()


@contextmanager
def ray_cluster(attempts: int = 3) -> Iterator[RayCluster]:
    """A one-node cluster (4 logical CPUs) until the block ends. The head gives its raylet a
    fixed 30 s to register, which a machine whose cores are all busy can miss: then it starts
    again, ``attempts`` times in all."""
    for attempt in range(1, attempts + 1):
        temp_dir = Path(tempfile.mkdtemp(prefix="mpray", dir="/tmp"))  # Ray's sockets: short
        head, cluster, log = _start(temp_dir)
        try:
            try:
                _wait_for_head(head, cluster.gcs_port, temp_dir)
            except _HeadFailed:
                if attempt == attempts:
                    raise
                continue
            yield cluster
            return
        finally:
            _stop(head, temp_dir)
            log.close()
            shutil.rmtree(temp_dir, ignore_errors=True)


class _HeadFailed(RuntimeError):
    """``ray start`` gave up."""


def _start(temp_dir: Path) -> tuple[subprocess.Popen[bytes], RayCluster, IO[bytes]]:
    gcs, client, node, objects, agent, agent_grpc, metrics, env_agent, http = free_ports(9)
    command = [
        str(RAY), "start", "--head", "--block", "--disable-usage-stats",
        "--node-ip-address", "127.0.0.1", "--port", str(gcs), "--num-cpus", "4",
        "--include-dashboard=false", "--temp-dir", str(temp_dir),
        "--ray-client-server-port", str(client), "--node-manager-port", str(node),
        "--object-manager-port", str(objects), "--dashboard-agent-listen-port", str(agent),
        "--dashboard-agent-grpc-port", str(agent_grpc), "--metrics-export-port", str(metrics),
        "--runtime-env-agent-port", str(env_agent),
    ]  # fmt: skip
    log = open(temp_dir / "ray-start.log", "wb")  # noqa: SIM115
    head = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=temp_dir
    )
    return head, RayCluster(gcs, http, temp_dir), log


def _wait_for_head(head: subprocess.Popen[bytes], port: int, temp_dir: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if head.poll() is not None:
            raise _HeadFailed((temp_dir / "ray-start.log").read_text(errors="replace"))
        if b"Ray runtime started" in (temp_dir / "ray-start.log").read_bytes():
            return
        time.sleep(0.5)
    raise RuntimeError(f"the Ray head did not start in {START_SECONDS:g}s")


def _stop(head: subprocess.Popen[bytes], temp_dir: Path) -> None:
    """Kill the cluster at once: the session ``ray start`` leads (the processes it started
    stay in it) and whatever of this cluster left it, the processes whose command line names its
    temporary folder. A SIGTERM to ``ray start --block`` would stop them in turn, about 40 s the
    suite has no use for: the test session is over and the folder goes next."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(head.pid, signal.SIGKILL)
    head.wait()
    marker = str(temp_dir).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            ours = os.getsid(pid) == head.pid or marker in (entry / "cmdline").read_bytes()
            if ours:
                os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue
