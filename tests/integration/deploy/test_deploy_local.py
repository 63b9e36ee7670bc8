"""``modelport deploy --target local``: modelport serve in the background under a supervisor
that starts it again when it is killed, recorded for ``deploy ls``, ``status`` and ``rm``."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ..cli import run_cli

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/v2/health/ready", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_a_local_deployment_restarts_when_killed_and_rm_stops_it(
    shared_home: Path, echo_project: Path, tmp_path: Path
) -> None:
    deployed = run_cli(
        "deploy", "echo", "--target", "local", "--port", "0", "--json", home=shared_home
    )
    assert deployed.code == 0, deployed.stderr
    [record] = deployed.json()
    url = record["url"]
    try:
        _check_restarts(shared_home, url, record)
    finally:
        run_cli("deploy", "rm", "echo", home=shared_home)


def _check_restarts(shared_home: Path, url: str, record: dict[str, str]) -> None:
    assert record["state"] == "running" and _ready(url)
    answer = httpx.post(f"{url}/v1/models/echo/predict", json=[{"text": "hi"}])
    assert answer.status_code == 200, answer.text

    status = run_cli("deploy", "status", "echo", "--json", home=shared_home).json()
    supervisor = status["pid"]
    [server] = _children(supervisor)
    os.kill(server, signal.SIGKILL)
    _wait(lambda: _children(supervisor) not in ([], [server]) and _ready(url), "a new server")
    assert run_cli("deploy", "status", "echo", "--json", home=shared_home).json()["state"] == (
        "running"
    )
    assert [r["name"] for r in run_cli("deploy", "ls", "--json", home=shared_home).json()] == [
        "echo"
    ]

    removed = run_cli("deploy", "rm", "echo", home=shared_home)
    assert removed.code == 0, removed.stderr
    assert not Path(f"/proc/{supervisor}").exists() or _zombie(supervisor)
    assert not _ready(url)
    assert run_cli("deploy", "ls", "--json", home=shared_home).json() == []


def _zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"


def _wait(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {timeout:g}s")
