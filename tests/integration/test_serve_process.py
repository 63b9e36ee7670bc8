"""`modelport serve` as a real process: readiness while initialising, a failing initialise,
SIGTERM draining in-flight requests, and a server that cannot start reported with its output
by modelport.testing."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from modelport.errors import ModelFailed
from modelport.testing import ServerProcess, start_server

from .cli import run_cli

MODEL = """
import os
import time

import pandas as pd

import modelport
from modelport import Field, Signature


class Demo(modelport.Model):
    def initialize(self):
        time.sleep(float(os.environ.get("DEMO_INIT_SECONDS", "0")))
        if os.environ.get("DEMO_INIT_FAIL"):
            raise RuntimeError("cannot open the weights")

    def predict(self, df: pd.DataFrame) -> pd.DataFrame:
        time.sleep(float(df["wait"].iloc[0]))
        return pd.DataFrame({"waited": df["wait"]})

    def schema(self):
        return Signature(inputs=[Field("wait", float)], outputs=[Field("waited", float)])
"""


@pytest.fixture(scope="module")
def home(project_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("serve-home")
    project = project_factory(tmp_path_factory.mktemp("serve-src") / "demo")
    (project / "main" / "model.py").write_text(MODEL)
    for test in (project / "tests" / "ut").glob("test_*.py"):
        test.unlink()
    result = run_cli("build", str(project), "--env", "inherit", home=home)
    assert result.code == 0, result.stderr
    return home


def serving(home: Path, target: str, log_dir: Path, **env: str) -> ServerProcess:
    """``modelport serve TARGET`` on ``home``'s registry, not waited for (stopped on leaving)."""
    environ = {"MODELPORT_HOME": str(home), **env}
    return start_server(target, log_dir=log_dir, env=environ, wait=False)


def _get(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.TransportError:
        return None


def test_ready_only_after_initialize_finished(home: Path, tmp_path: Path) -> None:
    with serving(home, "demo", tmp_path, DEMO_INIT_SECONDS="4") as server:
        base = server.url
        server.wait_ready("/v2/health/live")
        assert _get(f"{base}/v2/health/ready") == 503
        assert _get(f"{base}/v1/models/demo") == 503
        server.wait_ready()
        answer = httpx.post(f"{base}/v1/models/demo/predict", json=[{"wait": 0}], timeout=10)
        assert answer.json() == [{"waited": 0.0}]
        assert server.process.poll() is None


def test_a_failing_initialize_stops_serve_with_the_reason(home: Path, tmp_path: Path) -> None:
    with serving(home, "demo", tmp_path, DEMO_INIT_FAIL="1") as server:
        code = server.process.wait(timeout=120)
        output = server.output()
    assert code != 0
    assert "cannot open the weights" in output
    assert "Traceback" not in output


def test_sigterm_drains_in_flight_requests_then_exits_0(home: Path, tmp_path: Path) -> None:
    with serving(home, "demo", tmp_path) as server:
        process, base = server.process, server.url
        server.wait_ready()
        answers: list[httpx.Response] = []
        slow = threading.Thread(
            target=lambda: answers.append(
                httpx.post(f"{base}/v1/models/demo/predict", json=[{"wait": 2}], timeout=30)
            )
        )
        slow.start()
        time.sleep(0.7)
        process.send_signal(signal.SIGTERM)
        slow.join(timeout=30)
        code = process.wait(timeout=30)
    assert answers and answers[0].status_code == 200
    assert answers[0].json() == [{"waited": 2.0}]
    assert code == 0


@pytest.mark.parametrize("target", ["alias", "artifact"])
def test_serve_an_alias_or_an_artifact_file(home: Path, tmp_path: Path, target: str) -> None:
    if target == "alias":
        assert run_cli("alias", "set", "demo", "prod", "1", home=home).code == 0
        ref = "demo@prod"
    else:
        ref = str(tmp_path / "demo.zip")
        assert run_cli("export", "demo:1", "-o", ref, home=home).code == 0
    with serving(home, ref, tmp_path) as server:
        server.wait_ready()
        answer = httpx.post(f"{server.url}/v1/models/demo/predict", json=[{"wait": 0}], timeout=10)
        assert answer.json() == [{"waited": 0.0}]
        assert server.stop() == 0


def test_serve_becomes_a_serving_process_without_cli_or_registry_code(
    home: Path, tmp_path: Path
) -> None:
    """`modelport serve` resolves the model, then becomes `python -m modelport.serving` (same
    pid, so signals sent to serve reach the server): no compiled module of the command line's
    settings (pydantic) or registry (SQLAlchemy) is loaded in the process answering requests."""
    with serving(home, "demo", tmp_path) as server:
        process, base = server.process, server.url
        server.wait_ready()
        answer = httpx.post(f"{base}/v1/models/demo/predict", json=[{"wait": 0}], timeout=10)
        assert answer.json() == [{"waited": 0.0}]
        argv = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        loaded = Path(f"/proc/{process.pid}/maps").read_text()
    assert argv[1:3] == [b"-m", b"modelport.serving"]
    assert Path(argv[3].decode()).parent == home / "unpacked"  # the artifact, unpacked once
    assert "/pydantic_core/" not in loaded
    assert "/sqlalchemy/" not in loaded
    assert "/numpy/" in loaded  # the check reads the real process: the model's libraries are there


def test_a_server_that_cannot_start_is_reported_with_its_output(tmp_path: Path) -> None:
    environ = {"MODELPORT_HOME": str(tmp_path / "home")}
    with pytest.raises(ModelFailed, match="exited with code 1 before it was ready") as failed:
        start_server("nosuch", log_dir=tmp_path, env=environ)
    assert "model 'nosuch' does not exist" in str(failed.value)
