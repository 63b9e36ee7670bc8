"""modelport installed from its wheel into a fresh venv outside the checkout builds, predicts and
serves a model in the model's own environment: that environment gets modelport from the
installation running the command (a wheel of its files), never by name from a package index,
and only what serving, the build step and the tests need (slow: one venv and one model
environment a session, quick from uv's cache)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from uv import find_uv_bin

import modelport
from modelport.testing.server import HOST, ServerProcess, free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TOOLING_MODULES = ("sqlalchemy", "alembic", "uv", "typer", "rich")


@pytest.fixture(scope="module")
def venv(modelport_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding modelport's wheel (and its dependencies: the full command)."""
    folder = tmp_path_factory.mktemp("installed") / "venv"
    uv = find_uv_bin()
    for command in (
        [uv, "venv", "--python", sys.executable, str(folder)],
        [uv, "pip", "install", "--python", str(folder / "bin" / "python"), str(modelport_wheel)],
    ):
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
    return folder


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outside-the-checkout")


def _environ(home: Path) -> dict[str, str]:
    drop = {"PYTHONPATH", "VIRTUAL_ENV", "MODELPORT_REGISTRY_URI"}
    environ = {k: v for k, v in os.environ.items() if k not in drop}
    return {**environ, "MODELPORT_HOME": str(home), "NO_COLOR": "1", "COLUMNS": "200"}


def _modelport(venv: Path, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "modelport"), *args],
        cwd=work,
        env=_environ(work / "home"),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def model_env(venv: Path, work: Path, project_factory: Callable[..., Path]) -> Path:
    """`modelport build` of a scaffolded echo model by the installed command: its environment."""
    project = project_factory(work / "echo")
    built = _modelport(venv, work, "build", str(project))
    assert built.returncode == 0, built.stdout + built.stderr
    assert "Registered echo:1" in built.stdout
    [env] = [p for p in (work / "home" / "envs").iterdir() if (p / "bin" / "python").exists()]
    return env


def test_the_installed_command_is_not_the_checkout(venv: Path, work: Path) -> None:
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import modelport; print(modelport.__file__)"],
        cwd=work,
        env=_environ(work / "home"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)


def test_the_model_environment_holds_modelport_without_the_tooling(model_env: Path) -> None:
    python = str(model_env / "bin" / "python")
    code = "import modelport; print(modelport.__file__, modelport.__version__)"
    found = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    location, version = found.stdout.split()
    assert Path(location).is_relative_to(model_env)
    assert version == modelport.__version__
    for module in TOOLING_MODULES:
        missing = subprocess.run([python, "-c", f"import {module}"], capture_output=True)
        assert missing.returncode != 0, f"{module} is in the model's environment"
    for pth in model_env.glob("lib/*/site-packages/*.pth"):
        assert str(ROOT) not in pth.read_text(), pth


def test_predict_runs_in_the_model_environment(model_env: Path, venv: Path, work: Path) -> None:
    answer = _modelport(venv, work, "predict", "echo", "--data", '[{"text": "hi"}]', "--json")
    assert answer.returncode == 0, answer.stderr
    assert '"reply": "echo: hi"' in answer.stdout


def test_serve_answers_from_the_model_environment(model_env: Path, venv: Path, work: Path) -> None:
    port = free_port()
    log = work / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(venv / "bin" / "modelport"), "serve", "echo", "--port", str(port)],
            cwd=work,
            env=_environ(work / "home"),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    with ServerProcess(f"http://{HOST}:{port}", "echo", process, log) as server:
        server.wait_ready(timeout=180)
        interpreter = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")[0]
        assert Path(interpreter.decode()).is_relative_to(model_env)
        answer = httpx.post(
            f"{server.url}/v1/models/echo/predict", json=[{"text": "hi"}], timeout=10
        )
        assert answer.json() == [{"reply": "echo: hi"}]
        assert server.stop() == 0


def test_a_docker_export_packs_the_installed_modelport(
    model_env: Path, venv: Path, work: Path
) -> None:
    out = work / "echo-image"
    done = _modelport(venv, work, "export", "echo", "--format", "docker", "-o", str(out))
    assert done.returncode == 0, done.stderr
    [wheel] = out.glob("modelport-*-py3-none-any.whl")
    [installed] = venv.glob("lib/python*/site-packages/modelport")
    with zipfile.ZipFile(wheel) as packed:
        assert (
            "modelport.formats"
            in packed.read(f"{wheel.name.split('-py3')[0]}.dist-info/entry_points.txt").decode()
        )
        for name in ("serving/__main__.py", "export/unpack.py"):
            assert packed.read(f"modelport/{name}") == (installed / name).read_bytes()
