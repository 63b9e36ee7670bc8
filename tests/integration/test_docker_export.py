"""``modelport export --format docker`` of a model built in its own environment: the build
context serves the model. Without a Docker engine, the Dockerfile's steps run as the image's
build would run them (each RUN with ``/bin/sh -c`` in a folder standing for the image's working
folder, after its COPY steps, with its ENV), with the image's paths moved into a temporary
folder; then its ENTRYPOINT starts with the options ``docker run IMAGE ...`` would give, its
HEALTHCHECK command answers once the model is ready, and the model answers. Where ``docker info``
answers, the context is also built and run by Docker (slow: one model environment and one
virtualenv installed from the lock by pip, as the image's build does)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from dockerfile_parse import DockerfileParser

from modelport.export.docker import HOME, PORT, READY_ROUTE, VENV, WORKDIR
from modelport.testing.server import HOST, ServerProcess, free_port

from .cli import run_cli

pytestmark = pytest.mark.slow

ROW = [{"text": "hi"}]
ANSWER = [{"reply": "echo: hi"}]
USER_STEP = "useradd "
"""The one RUN step not run here: it adds the image's user (this machine's users stay as they
are; the image's USER is checked by the unit tests)."""


@pytest.fixture(scope="module")
def context(project_factory: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The docker export of echo:1, built in an environment of its own (not --env inherit)."""
    work = tmp_path_factory.mktemp("docker-export")
    home = work / "home"
    project = project_factory(work / "echo")
    built = run_cli("build", str(project), home=home, timeout=900)
    assert built.code == 0, built.stderr
    out = work / "context"
    exported = run_cli("export", "echo:1", "--format", "docker", "-o", str(out), home=home)
    assert exported.code == 0, exported.stderr
    return out


@dataclass
class Image:
    """What the Dockerfile's steps made, in folders standing for the image's."""

    root: Path
    env: dict[str, str]
    workdir: Path
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def path(self, text: str) -> str:
        """``text`` with the image's folders replaced by the ones standing for them."""
        for inside, here in ((VENV, "venv"), (WORKDIR, "workdir"), (HOME, "home")):
            text = text.replace(inside, str(self.root / here))
        return text


def _built_without_docker(context: Path, root: Path) -> Image:
    # $PATH is the base image's: left for this test to fill in, not replaced by nothing
    parser = DockerfileParser(path=str(context / "Dockerfile"), env_replace=False)
    base = root / "base-image-bin"  # the base image's python3: this one's Python, as it is
    base.mkdir()
    (base / "python3").symlink_to(sys._base_executable)
    system = f"{base}:/usr/local/bin:/usr/bin:/bin"
    env = {"HOME": str(root / "user"), "LANG": "C.UTF-8", "PATH": system}
    for key, value in os.environ.items():  # the package index this machine is set up with
        if key.startswith(("PIP_", "UV_")):
            env[key] = value
    image = Image(root=root, env=env, workdir=root)
    for step in parser.structure:
        kind, value = step["instruction"], step["value"]
        if kind == "ENV":
            for key, setting in parser.envs.items():
                image.env[key] = image.path(setting.replace("$PATH", system))
            image.env.pop("PIP_NO_CACHE_DIR", None)  # pip's cache keeps the test's reruns quick
        elif kind == "WORKDIR":
            image.workdir = Path(image.path(value))
            image.workdir.mkdir(parents=True)
        elif kind == "COPY":
            *sources, dest = value.split()
            assert dest == "./", value
            for source in sources:
                shutil.copy2(context / source, image.workdir / source)
        elif kind == "RUN":
            if value.startswith(USER_STEP):
                image.skipped.append(value)
                continue
            ran = subprocess.run(
                ["/bin/sh", "-c", image.path(value)],
                cwd=image.workdir,
                env=image.env,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
            assert ran.returncode == 0, f"RUN {value}\n{ran.stdout[-3000:]}\n{ran.stderr[-3000:]}"
        elif kind == "ENTRYPOINT":
            image.entrypoint = json.loads(value)
        elif kind == "CMD":
            image.cmd = json.loads(value)
        elif kind == "HEALTHCHECK":
            image.healthcheck = json.loads(value[value.index("CMD") + 3 :])
    return image


@pytest.fixture(scope="module")
def image(context: Path, tmp_path_factory: pytest.TempPathFactory) -> Image:
    return _built_without_docker(context, tmp_path_factory.mktemp("image"))


@pytest.fixture
def served(image: Image) -> Iterator[tuple[ServerProcess, int]]:
    """The image's ENTRYPOINT, with the options ``docker run IMAGE --host ... --port ...`` gives."""
    port = free_port()
    log = image.root / f"serve-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*image.entrypoint, "--host", HOST, "--port", str(port)],
            cwd=image.workdir,
            env=image.env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    with ServerProcess(f"http://{HOST}:{port}", "echo", process, log) as server:
        server.wait_ready(READY_ROUTE, timeout=180)
        yield server, port


def test_the_steps_build_a_lean_environment(image: Image) -> None:
    assert [step.split()[0] for step in image.skipped] == ["useradd"]
    python = image.root / "venv" / "bin" / "python"
    for module in ("typer", "sqlalchemy", "uv"):  # the command's tooling stays out
        found = subprocess.run([python, "-c", f"import {module}"], capture_output=True)
        assert found.returncode != 0, f"{module} is in the image's environment"
    where = subprocess.run(
        [python, "-c", "import modelport; print(modelport.__file__)"],
        capture_output=True, text=True, check=True, cwd=image.root,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(image.root / "venv")
    assert (image.workdir / "model" / "modelport.yaml").is_file()


def test_the_entrypoint_serves_the_model(image: Image, served: tuple[ServerProcess, int]) -> None:
    server, port = served
    assert image.cmd == ["--host", "0.0.0.0", "--port", str(PORT)]
    interpreter = Path(f"/proc/{server.process.pid}/cmdline").read_bytes().split(b"\0")[0]
    assert interpreter.decode() == "python"  # found on the image's PATH: its virtualenv's
    answer = httpx.post(f"{server.url}/v1/models/echo/predict", json=ROW, timeout=10)
    assert answer.json() == ANSWER
    v2 = {"inputs": [{"name": "text", "datatype": "BYTES", "shape": [1], "data": ["hi"]}]}
    infer = httpx.post(f"{server.url}/v2/models/echo/infer", json=v2, timeout=10)
    assert infer.status_code == 200, infer.text
    assert infer.json()["outputs"][0]["data"] == ["echo: hi"]
    health = [image.path(arg).replace(f":{PORT}/", f":{port}/") for arg in image.healthcheck]
    checked = subprocess.run(health, env=image.env, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert server.stop() == 0


def test_the_healthcheck_fails_while_nothing_serves(image: Image) -> None:
    port = free_port()
    health = [arg.replace(f":{PORT}/", f":{port}/") for arg in image.healthcheck]
    checked = subprocess.run(health, env=image.env, capture_output=True, text=True, timeout=30)
    assert checked.returncode != 0


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    info = subprocess.run(["docker", "info"], capture_output=True, timeout=30, check=False)
    return info.returncode == 0


@pytest.mark.skipif(not _docker_answers(), reason="no Docker engine answers `docker info` here")
def test_docker_builds_and_runs_the_context(context: Path) -> None:
    tag = f"modelport-export-test:{uuid.uuid4().hex[:12]}"
    port = free_port()
    built = subprocess.run(
        ["docker", "build", "-t", tag, str(context)], capture_output=True, text=True, timeout=1800
    )
    assert built.returncode == 0, built.stderr[-3000:]
    name = f"modelport-export-{uuid.uuid4().hex[:12]}"
    try:
        run = ["docker", "run", "-d", "--name", name, "-p", f"{HOST}:{port}:{PORT}", tag]
        started = subprocess.run(run, capture_output=True, text=True, timeout=120)
        assert started.returncode == 0, started.stderr
        process = subprocess.Popen(["docker", "logs", "-f", name], stdout=subprocess.DEVNULL)
        with ServerProcess(f"http://{HOST}:{port}", "echo", process, context / "Dockerfile") as srv:
            srv.wait_ready(READY_ROUTE, timeout=300)
            answer = httpx.post(f"{srv.url}/v1/models/echo/predict", json=ROW, timeout=10)
            assert answer.json() == ANSWER
            user = subprocess.run(
                ["docker", "exec", name, "id", "-u"], capture_output=True, text=True, timeout=60
            )
            assert user.stdout.strip() not in ("", "0")
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=120)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, timeout=120)
