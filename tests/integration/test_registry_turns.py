"""Commands share the embedded registry: real processes on one MODELPORT_HOME. A command whose
turn has not come waits, says so on stderr after a second and goes on; one that waited longer
than ``MODELPORT_REGISTRY_WAIT`` says who held the registry; ten builds and serve-from-folder
commands started together on a new home all succeed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from modelport.testing import start_server

from .cli import run_cli

HOLDER = """
import sys, time
from pathlib import Path
from modelport.registry.sql.turns import RegistryTurns

with RegistryTurns(Path(sys.argv[1]), wait=5).turn():
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


@contextmanager
def _held(home: Path, seconds: float) -> Iterator[int]:
    """Another process holding ``home``'s registry for ``seconds``; yields its pid."""
    home.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home / "registry.db"), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield holder.pid
    finally:
        holder.kill()
        holder.wait()


@pytest.fixture(scope="module")
def home(project_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding one model, echo."""
    home = tmp_path_factory.mktemp("turns-home")
    project = project_factory(tmp_path_factory.mktemp("turns-src") / "echo")
    result = run_cli("build", str(project), "--env", "inherit", home=home)
    assert result.code == 0, result.stderr
    return home


def test_a_command_waits_its_turn_and_says_so(home: Path) -> None:
    with _held(home, 3) as pid:
        started = time.monotonic()
        result = run_cli("tag", "set", "echo", "team", "search", home=home)
        waited = time.monotonic() - started
    assert result.code == 0, result.stderr
    assert f"waiting for another modelport process (pid {pid}) to finish" in result.stderr
    assert waited >= 1.5  # it did wait for the holder (a bound, not a speed)
    shown = run_cli("models", "show", "echo", "--json", home=home)
    assert json.loads(shown.stdout)["model"]["tags"] == {"team": "search"}


def test_a_hold_past_the_wait_is_one_clear_error(home: Path) -> None:
    with _held(home, 30) as pid:
        result = run_cli(
            "tag", "set", "echo", "stage", "x", home=home, env={"MODELPORT_REGISTRY_WAIT": "1.5"}
        )
    assert result.code != 0
    assert f"(pid {pid}) has held the registry" in result.stderr
    assert "MODELPORT_REGISTRY_WAIT" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_ten_builds_and_serves_started_together_on_a_new_home(
    project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    projects = [project_factory(tmp_path / f"model{i}") for i in range(10)]
    for project in projects:  # their unit tests' run is not what this is about
        for test in (project / "tests" / "ut").glob("test_*.py"):
            test.unlink()
    env = {**os.environ, "MODELPORT_HOME": str(home)}
    builds = [
        subprocess.Popen(
            [sys.executable, "-m", "modelport", "build", str(p), "--env", "inherit"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in projects[:5]
    ]
    servers = [
        start_server(
            str(p),
            log_dir=tmp_path,
            env={"MODELPORT_HOME": str(home)},
            serve_options=["--env", "inherit"],
            wait=False,
        )
        for p in projects[5:]
    ]
    try:
        for build in builds:
            _, err = build.communicate(timeout=600)
            assert build.returncode == 0, err
        for server in servers:
            server.wait_ready(timeout=600)
    finally:
        for server in servers:
            server.stop()
    listed = run_cli("models", "list", "--json", home=home)
    assert result_names(listed.stdout) == {f"model{i}" for i in range(10)}
    for server in servers:
        assert "database is locked" not in server.output()
        assert "already exists" not in server.output()


def result_names(listing: str) -> set[str]:
    return {model["name"] for model in json.loads(listing)}
