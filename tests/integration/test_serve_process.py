"""`modelport serve` as a real process: readiness while initialising, a failing initialise,
SIGTERM draining in-flight requests, a server that cannot start reported with its output
by modelport.testing, and what the process logs (text or JSON lines, access lines, the ready
line, tracebacks under --debug), prints (a curl line that works) and measures."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from modelport.errors import ModelFailed
from modelport.testing import ServerProcess, start_server

from .cli import build_model_code, run_cli
from .printed_curl import printed_curl, send_curl

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
    build_model_code(project, MODEL, home=home)
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
    settings (pydantic) or registry (SQLAlchemy) is loaded in the process answering requests;
    the serving options reach it (``--max-rows``, ``--max-decoded-size``)."""
    environ = {"MODELPORT_HOME": str(home)}
    limited = ("--max-rows", "2", "--max-decoded-size", "1KiB")
    with start_server("demo", log_dir=tmp_path, env=environ, serve_options=limited) as server:
        process, base = server.process, server.url
        answer = httpx.post(f"{base}/v1/models/demo/predict", json=[{"wait": 0}], timeout=10)
        assert answer.json() == [{"waited": 0.0}]
        many = httpx.post(f"{base}/v1/models/demo/predict", json=[{"wait": 0}] * 3, timeout=10)
        assert many.status_code == 413
        assert "--max-rows" in many.json()["detail"]
        wide = httpx.post(f"{base}/v1/models/demo/predict", json=[{"wait": 0, "p": "x" * 200}])
        assert wide.status_code == 413  # over 1/8 of 1 KiB, before it is parsed
        assert "--max-decoded-size of 1,024 bytes" in wide.json()["detail"]
        argv = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        loaded = Path(f"/proc/{process.pid}/maps").read_text()
    assert argv[1:3] == [b"-m", b"modelport.serving"]
    assert b"--max-rows" in argv
    assert Path(argv[3].decode()).parent == home / "unpacked"  # the artifact, unpacked once
    assert "/pydantic_core/" not in loaded
    assert "/sqlalchemy/" not in loaded
    assert "/numpy/" in loaded  # the check reads the real process: the model's libraries are there


def test_a_server_that_cannot_start_is_reported_with_its_output(tmp_path: Path) -> None:
    environ = {"MODELPORT_HOME": str(tmp_path / "home")}
    with pytest.raises(ModelFailed, match="exited with code 1 before it was ready") as failed:
        start_server("nosuch", log_dir=tmp_path, env=environ)
    assert "model 'nosuch' does not exist" in str(failed.value)


# --- what the serving process logs, prints and measures ------------------------------------


def _records(output: str) -> list[dict[str, Any]]:
    """The server's output under --log-format json: every line one JSON object."""
    records = []
    for line in output.splitlines():
        value = json.loads(line)  # raises on any line that is not JSON
        assert isinstance(value, dict), line
        records.append(value)
    return records


def test_json_logs_one_object_per_line_access_lines_and_one_ready_line(
    home: Path, tmp_path: Path
) -> None:
    with start_server(
        "demo",
        log_dir=tmp_path,
        env={"MODELPORT_HOME": str(home), "DEMO_INIT_SECONDS": "1"},
        serve_options=("--log-format", "json"),
    ) as server:
        given = httpx.post(
            f"{server.url}/v1/models/demo/predict",
            json=[{"wait": 0}],
            headers={"X-Request-ID": "req-given-1"},
            timeout=10,
        )
        made = httpx.post(f"{server.url}/v1/models/demo/predict", json=[{"x": 0}], timeout=10)
        assert server.stop() == 0
        records = _records(server.output())
    assert given.headers["x-request-id"] == "req-given-1"
    made_id = made.headers["x-request-id"]
    assert made.status_code == 422 and len(made_id) == 32
    ready = [r for r in records if r["message"].startswith("ready")]
    assert len(ready) == 1, records
    assert ready[0]["url"] == server.url and ready[0]["models"] == ["demo:1"]
    assert any(r["message"].startswith("curl ") for r in records)  # the banner, as records
    access = [r for r in records if r["logger"] == "modelport.access"]
    predictions = [r for r in access if r["path"] == "/v1/models/demo/predict"]
    assert [(r["method"], r["status"], r["request_id"]) for r in predictions] == [
        ("POST", 200, "req-given-1"),
        ("POST", 422, made_id),
    ]
    assert all(isinstance(r["duration_ms"], float) for r in predictions)
    assert not [r for r in records if r["logger"].startswith("uvicorn")]


def test_log_level_warning_keeps_access_and_ready_lines_out(home: Path, tmp_path: Path) -> None:
    environ = {"MODELPORT_HOME": str(home)}
    options = ("--log-level", "warning")
    with start_server("demo", log_dir=tmp_path, env=environ, serve_options=options) as server:
        answer = httpx.post(f"{server.url}/v1/models/demo/predict", json=[{"wait": 0}])
        assert answer.status_code == 200
        assert server.stop() == 0
        output = server.output()
    assert "/v1/models/demo/predict" not in output.replace(printed_curl(output), "")
    assert "ready" not in output


def test_text_logs_have_an_access_line_per_request_and_the_ready_line(
    home: Path, tmp_path: Path
) -> None:
    with start_server("demo", log_dir=tmp_path, env={"MODELPORT_HOME": str(home)}) as server:
        answer = httpx.get(f"{server.url}/v2/health/live", headers={"x-request-id": "r-7"})
        assert answer.headers["x-request-id"] == "r-7"
        assert server.stop() == 0
        lines = server.output().splitlines()
    ready = [line for line in lines if " INFO ready: demo:1 at " in line]
    assert len(ready) == 1 and ready[0].endswith(server.url)
    access = [line for line in lines if "GET /v2/health/live " in line and "id=r-7" in line]
    assert len(access) == 1 and " 200 " in access[0], lines


def test_debug_logs_the_models_traceback_on_a_500(home: Path, tmp_path: Path) -> None:
    with start_server(
        "demo",
        log_dir=tmp_path,
        env={"MODELPORT_HOME": str(home)},
        cli_options=("--debug",),
        serve_options=("--log-format", "json"),
    ) as server:
        answer = httpx.post(
            f"{server.url}/v1/models/demo/predict",
            json=[{"wait": -1}],  # time.sleep(-1) raises ValueError in the model
            headers={"x-request-id": "broken-1"},
            timeout=10,
        )
        assert answer.status_code == 500
        assert server.stop() == 0
        records = _records(server.output())
    errors = [r for r in records if r.get("request_id") == "broken-1" and r["level"] == "ERROR"]
    assert errors and "ValueError" in errors[0]["message"]
    traceback = errors[-1]["message"]
    assert traceback.startswith("Traceback") and "time.sleep(float(df" in traceback, errors


def test_an_unknown_log_level_or_format_is_named(home: Path, tmp_path: Path) -> None:
    level = run_cli("serve", "demo", "--log-level", "loud", home=home)
    assert level.code == 1 and "unknown log level 'loud'" in level.stderr
    assert "debug, info, warning, error, critical" in level.stderr
    fmt = run_cli("serve", "demo", "--log-format", "xml", home=home)
    assert fmt.code == 1 and "unknown log format 'xml'" in fmt.stderr


def test_the_printed_curl_line_answers_and_metrics_name_the_artifact(
    home: Path, tmp_path: Path
) -> None:
    listed = run_cli("versions", "demo", "--json", home=home)
    digest = listed.json()[-1]["digest"]
    with start_server("demo", log_dir=tmp_path, env={"MODELPORT_HOME": str(home)}) as server:
        answer = send_curl(printed_curl(server.output()))
        metrics = httpx.get(f"{server.url}/metrics").text
    assert answer.status_code == 200, answer.text
    assert answer.json() == [{"waited": 0.5}]
    info = f'modelport_model_info{{digest="{digest}",format="native",name="demo",version="1"}} 1.0'
    assert info in metrics
    assert 'modelport_model_ready{name="demo",version="1"} 1.0' in metrics
    assert "process_resident_memory_bytes" in metrics
