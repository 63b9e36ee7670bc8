"""``modelport serve ./echo --reload`` as a real process: an edit is built, registered and
served on the same port; a build that fails (a failing unit test, a syntax error) leaves the last
good version answering and the log says why, and so does a new version that cannot start; a fix
recovers; SIGTERM stops the server too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from modelport.testing.server import free_port

from .cli import run_cli

WAIT_SECONDS = 60.0


class Loop:
    """The running ``serve --reload`` command, its port and its log."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def answer(self) -> str | None:
        """The model's reply to ``hi`` (None while nothing answers)."""
        try:
            response = httpx.post(
                f"{self.url}/v1/models/echo/predict", json=[{"text": "hi"}], timeout=10
            )
        except httpx.TransportError:
            return None
        reply: str | None = response.json()[0]["reply"] if response.status_code == 200 else None
        return reply

    def wait_for(self, what: str, check: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while not check():
            assert self.process.poll() is None, f"serve --reload exited:\n{self.output()}"
            if time.monotonic() > deadline:
                pytest.fail(f"no {what} within {WAIT_SECONDS:g} s; the log:\n{self.output()}")
            time.sleep(0.2)

    def servers(self) -> list[int]:
        """Pids of the serving processes on this loop's port (a pool's workers too)."""
        found = []
        for entry in Path("/proc").iterdir():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"modelport.serving" in argv and str(self.port).encode() in argv:
                found.append(int(entry.name))
        return found


@pytest.fixture
def loop(project_factory: Callable[..., Path], tmp_path: Path) -> Iterator[tuple[Loop, Path, Path]]:
    project = project_factory(tmp_path / "echo")
    home = tmp_path / "home"
    port = free_port()
    log = tmp_path / "reload.log"
    env = {**os.environ, "MODELPORT_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("MODELPORT_REGISTRY_URI", None)
    command = [sys.executable, "-m", "modelport", "serve", "./echo", "--reload"]
    command += ["--env", "inherit", "--port", str(port)]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield Loop(process, port, log), project, home
    finally:
        if process.poll() is None:
            process.terminate()  # stops its server too
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_edits_are_served_failures_keep_the_last_good_version(
    loop: tuple[Loop, Path, Path],
) -> None:
    server, project, home = loop
    model, unit_test = project / "main" / "model.py", project / "tests" / "ut" / "test_model.py"
    server.wait_for("first answer", lambda: server.answer() == "echo: hi")
    server.wait_for("watching line", lambda: " for changes (Ctrl-C stops)" in server.output())

    _edit(model, '"echo: "', '"hello: "')
    _edit(unit_test, "echo: ", "hello: ")
    server.wait_for("reloaded answer", lambda: server.answer() == "hello: hi")
    server.wait_for("reload line", lambda: "reloaded: serving echo:2 at " in server.output())
    versions = run_cli("versions", "echo", "--json", home=home).json()
    assert sorted(v["number"] for v in versions) == [1, 2]

    _edit(model, '"hello: "', '"bye: "')  # the unit test still expects "hello: "
    server.wait_for("failed build", lambda: server.output().count("build failed") == 1)
    failed = server.output().split("build failed")[1]
    assert "still serving echo:2" in failed
    assert "test_predict_echoes_each_row" in failed
    assert server.answer() == "hello: hi"

    _edit(model, "def predict(", "def predict(:")
    server.wait_for("second failed build", lambda: server.output().count("build failed") == 2)
    assert "SyntaxError" in server.output().split("build failed")[2]
    assert server.answer() == "hello: hi"

    # builds and passes its tests, but cannot be served: echo:2 is started again
    _edit(
        model,
        "def predict(:",
        "def initialize(self):\n        raise OSError('no GPU')\n\n    def predict(",
    )
    _edit(unit_test, "hello: ", "bye: ")
    server.wait_for("restart of echo:2", lambda: "serving echo:2 again" in server.output())
    assert "echo:3 could not be served: its server exited with code 1" in server.output()
    assert "no GPU" in server.output()
    server.wait_for("old answer", lambda: server.answer() == "hello: hi")

    _edit(model, "raise OSError('no GPU')", "pass")
    server.wait_for("recovered answer", lambda: server.answer() == "bye: hi")
    server.wait_for("reload line", lambda: "reloaded: serving echo:4 at " in server.output())
    assert f"reloaded: serving echo:4 at {server.url} (was echo:2)" in server.output()

    serving = server.servers()  # the server, and its workers when it runs a pool
    assert serving
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0
    outlived = [pid for pid in serving if Path(f"/proc/{pid}").exists()]
    assert not outlived, "serving processes outlived serve --reload"
    assert server.answer() is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a Linux parent-death signal")
def test_the_server_does_not_outlive_a_killed_command(loop: tuple[Loop, Path, Path]) -> None:
    server, _, _ = loop
    server.wait_for("first answer", lambda: server.answer() == "echo: hi")
    serving = server.servers()  # the server, and its workers when it runs a pool
    assert serving
    server.process.kill()  # SIGKILL: no handler of the command runs
    server.process.wait()
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() for pid in serving) and time.monotonic() < deadline:
        time.sleep(0.2)
    outlived = [pid for pid in serving if Path(f"/proc/{pid}").exists()]
    assert not outlived, "the server outlived the killed command"
