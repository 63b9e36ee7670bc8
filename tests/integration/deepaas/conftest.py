"""DEEPaaS fixtures: the test package (built once), modelport and real DEEPaaS servers.

The real ``deepaas`` (2.6.0, from PyPI) is installed with uv in a venv of its own, once per
session, with a copy of the test package; each server runs as a subprocess on a free port with
a temporary folder of its own, so tests can check that nothing is left in it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from uv import find_uv_bin

from modelport.testing import free_port

from ..cli import run_cli

PACKAGE = Path(__file__).parent / "dptest_package"
DEEPAAS_VERSION = "2.6.0"
MAX_BODY = 1024 * 1024
"""Both servers refuse larger bodies (modelport --max-body-size, DEEPaaS --client-max-size)."""


@dataclass(frozen=True)
class Server:
    url: str
    tmp: Path
    """The server's temporary folder (its TMPDIR)."""
    process: subprocess.Popen[bytes]


@contextmanager
def serving(command: list[str], env: dict[str, str], tmp: Path, port: int) -> Iterator[Server]:
    """Run ``command`` (a server on ``port``) until it answers ``GET /``; stop it afterwards."""
    tmp.mkdir(parents=True, exist_ok=True)
    log = (tmp.parent / f"{tmp.name}.log").open("wb")
    process = subprocess.Popen(
        command, env={**os.environ, **env, "TMPDIR": str(tmp)}, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                output = (tmp.parent / f"{tmp.name}.log").read_text(errors="replace")
                raise RuntimeError(f"server did not start: {command}\n{output[-3000:]}")
            try:
                if httpx.get(f"{url}/", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        yield Server(url, tmp, process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


@pytest.fixture(scope="session")
def deepaas_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding the test package (built once, with --env inherit)."""
    home = tmp_path_factory.mktemp("deepaas-home")
    result = run_cli("build", str(PACKAGE), "--env", "inherit", home=home)
    assert result.code == 0, result.stderr
    return home


def modelport_command(port: int, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "modelport",
        "serve",
        "--deepaas",
        *args,
        "--port",
        str(port),
        "--max-body-size",
        str(MAX_BODY),
    ]


@contextmanager
def modelport_deepaas(home: Path, tmp: Path, *args: str) -> Iterator[Server]:
    """``modelport serve --deepaas ARGS`` (names and options) on a free port."""
    port = free_port()
    env = {"MODELPORT_HOME": str(home)}
    with serving(modelport_command(port, *args), env, tmp, port) as server:
        yield server


@pytest.fixture(scope="module")
def modelport_server(
    deepaas_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """modelport serving the module-style model only (what DEEPaaS 2.6.0 can serve too)."""
    with modelport_deepaas(deepaas_home, tmp_path_factory.mktemp("mp") / "tmp", "dptest") as s:
        yield s


@pytest.fixture(scope="session")
def deepaas_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the real deepaas from PyPI and the test package (a copy: building it
    writes into the source folder)."""
    base = tmp_path_factory.mktemp("deepaas-venv")
    package = shutil.copytree(PACKAGE, base / "dptest_package")
    venv = base / "venv"
    uv = find_uv_bin()  # uv is a modelport dependency
    for command in (
        [uv, "venv", "-q", "--python", sys.executable, str(venv)],
        [
            uv,
            "pip",
            "install",
            "-q",
            "--python",
            str(venv / "bin" / "python"),
            f"deepaas=={DEEPAAS_VERSION}",
            str(package),
        ],
    ):
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        assert completed.returncode == 0, completed.stderr
    return venv


@pytest.fixture(scope="module")
def deepaas_server(
    deepaas_venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """The real DEEPaaS server on the same test model."""
    port = free_port()
    command = [
        str(deepaas_venv / "bin" / "deepaas-run"),
        "--listen-ip",
        "127.0.0.1",
        "--listen-port",
        str(port),
        "--model-name",
        "dptest",
        "--client-max-size",
        str(MAX_BODY),
    ]
    with serving(command, {}, tmp_path_factory.mktemp("real") / "tmp", port) as server:
        yield server


def training_workers(server: Server) -> set[int]:
    """The ids of the server's live training worker processes (spawned multiprocessing
    children; not zombies, which have ended)."""
    return {
        pid
        for pid, fields, cmdline in _live_processes()
        if int(fields["PPid"]) == server.process.pid and b"spawn_main" in cmdline
    }


def process_group(pgid: int) -> set[int]:
    """The live processes of process group ``pgid`` (a training worker and what it started)."""
    members = set()
    for pid, _, _ in _live_processes():
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
            members.add(pid)
    return members


def _live_processes() -> Iterator[tuple[int, dict[str, str], bytes]]:
    """Each live process (zombies, which have ended, left out): id, status fields, cmdline."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:  # ended while being read
            continue
        if not fields["State"].strip().startswith("Z"):
            yield int(status.parent.name), fields, cmdline
