"""MLflow itself, for the tests: a tool environment made once per machine with uv (never
modelport's own, whose SQLAlchemy and Alembic bounds MLflow's would clash with), its scripts,
and a real ``mlflow server`` on a free loopback port."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from uv import find_uv_bin

from modelport.testing.server import free_port

MLFLOW_VERSION = "3.17.2"
PACKAGES = (f"mlflow[auth]=={MLFLOW_VERSION}", "scikit-learn", "xgboost")
SCRIPTS = Path(__file__).parent / "scripts"
ADMIN = ("admin", "modelport-tests-admin")
"""The basic-auth app's first user (MLflow 3.17 refuses its old default password)."""


def tool_environment() -> Path:
    """The Python of the tool environment, made (once per machine and MLflow version) under
    the user's cache folder; one another test run finished first is reused."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    python_tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    folder = cache / "modelport-tests" / f"mlflow-{MLFLOW_VERSION}-{python_tag}"
    python = folder / "bin" / "python"
    if (folder / ".complete").is_file():
        return python
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = folder.with_name(f"{folder.name}.{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    uv = find_uv_bin()
    subprocess.run(
        [uv, "venv", "--quiet", "--relocatable", "--python", sys.executable, str(work)], check=True
    )
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(work / "bin" / "python"), *PACKAGES],
        check=True,
        timeout=900,
    )
    (work / ".complete").touch()
    try:
        work.rename(folder)
    except OSError:  # another test run finished first: theirs is as good
        shutil.rmtree(work, ignore_errors=True)
    return python


def run_script(python: Path, script: str, *args: str, env: Mapping[str, str] = {}) -> Any:
    """A script of ``scripts/`` run in the tool environment; its JSON output."""
    completed = subprocess.run(
        [str(python), str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false", **env},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


@dataclass
class MlflowServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_mlflow_server(python: Path, folder: Path, *, auth: bool = False) -> MlflowServer:
    """``mlflow server`` with a SQLite backend and a local artifact folder (served through its
    artifact proxy), on a free loopback port; returns once /health answers. With ``auth``,
    MLflow's basic-auth app guards every route."""
    port = free_port()
    command = [
        str(python),
        "-m",
        "mlflow",  # not bin/mlflow: the environment was made in another folder, then renamed
        "server",
        "--backend-store-uri",
        f"sqlite:///{folder / 'mlflow.db'}",
        "--artifacts-destination",
        str(folder / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
    ]
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}  # no job workers
    if auth:
        command += ["--app-name", "basic-auth"]
        env["MLFLOW_AUTH_CONFIG_PATH"] = str(_auth_config(folder))
        env["MLFLOW_FLASK_SERVER_SECRET_KEY"] = "modelport-tests"  # CSRF, which it requires
    log = folder / "mlflow-server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    server = MlflowServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"mlflow server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    server.stop()
    raise AssertionError(f"mlflow server not ready in 240 s:\n{log.read_text()[-3000:]}")


def _auth_config(folder: Path) -> Path:
    path = folder / "basic_auth.ini"
    path.write_text(
        "[mlflow]\n"
        "default_permission = READ\n"
        f"database_uri = sqlite:///{folder / 'auth.db'}\n"
        f"admin_username = {ADMIN[0]}\n"
        f"admin_password = {ADMIN[1]}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    return path
