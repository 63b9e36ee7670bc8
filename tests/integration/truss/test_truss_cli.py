"""Trusses through the ``modelport`` command: ``init --convention truss``, ``serve`` as a real
process (a failing ``load()`` exits non-zero), unsupported config keys, and one Truss built in a
real environment from its ``requirements:``."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import httpx
import msgpack
import pytest

from modelport.errors import ModelFailed
from modelport.serving.runtime import ModelRuntime
from modelport.testing import start_server

from ..cli import run_cli
from ..printed_curl import printed_curl, send_curl
from .conftest import serving


def test_init_scaffolds_a_truss_that_serves(tmp_path: Path) -> None:
    home = tmp_path / "home"
    made = run_cli("init", "my-model", "--convention", "truss", home=home, cwd=tmp_path)
    assert made.code == 0, made.stderr
    project = tmp_path / "my-model"
    assert (project / "config.yaml").is_file() and (project / "model" / "model.py").is_file()
    assert not (project / "main").exists()
    built = run_cli("build", str(project), "--env", "inherit", home=home)
    assert built.code == 0, built.stderr
    environ = {"MODELPORT_HOME": str(home)}
    with start_server("my-model", log_dir=tmp_path, env=environ, wait=False) as server:
        server.wait_ready("/v1/models/my-model")
        answer = httpx.post(f"{server.url}/v1/models/my-model:predict", json={"text": "hello"})
        assert answer.json() == {"text": "hello", "reply": "world"}
        printed = send_curl(printed_curl(server.output()))  # example_model_input, the template's
        assert printed.json() == {"text": "hello", "reply": "world"}


def test_the_printed_curl_line_sends_the_example_model_input(
    built: Callable[[str], str], truss_home: Path, tmp_path: Path
) -> None:
    environ = {"MODELPORT_HOME": str(truss_home)}
    with start_server(built("typed"), log_dir=tmp_path, env=environ) as server:
        line = printed_curl(server.output())
        answer = send_curl(line)
    assert line.endswith(
        f"{server.url}/v1/models/truss-typed:predict -H "
        '\'Content-Type: application/json\' -d \'{"text": "hi", "repeat": 2}\''
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"text": "hi hi", "length": 5}


def test_a_failing_load_keeps_readiness_false_with_the_reason(
    runtime_of: Callable[..., ModelRuntime],
) -> None:
    runtime = runtime_of("load_fails", load=False)
    with pytest.raises(ModelFailed, match="RuntimeError: the weights are missing"):
        runtime.load()
    with serving(runtime) as client:
        answer = client.get("/v1/models/truss-load-fails")
        assert answer.status_code == 503
        assert answer.json()["error"] == (
            "Model with name truss-load-fails is not ready. "
            "load failed: RuntimeError: the weights are missing"
        )
        assert client.post("/v1/models/truss-load-fails:predict", json={}).status_code == 503


def test_serve_exits_non_zero_when_load_fails(
    truss_home: Path, built: Callable[[str], str], tmp_path: Path
) -> None:
    environ = {"MODELPORT_HOME": str(truss_home)}
    with start_server(built("load_fails"), log_dir=tmp_path, env=environ, wait=False) as server:
        code = server.process.wait(timeout=120)
    assert code != 0
    assert "the weights are missing" in server.output()


@pytest.mark.parametrize("key", ["system_packages", "build_commands", "base_image"])
def test_a_key_needing_a_container_build_is_refused_by_name(
    key: str, tmp_path: Path, truss_sources: Path
) -> None:
    project = tmp_path / "needs-image"
    shutil.copytree(truss_sources / "chain", project)
    value = "python:3.11" if key == "base_image" else '["apt-get install ffmpeg"]'
    with (project / "config.yaml").open("a") as config:
        config.write(f"{key}: {value}\n")
    result = run_cli("build", str(project), "--env", "inherit", home=tmp_path / "home")
    assert result.code == 1
    assert f"config.yaml key '{key}' needs a container build" in result.stderr


@pytest.fixture(scope="session")
def env_home(tmp_path_factory: pytest.TempPathFactory, truss_sources: Path) -> Path:
    """A registry holding the packaged Truss, built in a real environment (once a session)."""
    home = tmp_path_factory.mktemp("truss-env-home")
    result = run_cli("build", str(truss_sources / "packaged"), home=home, timeout=900)
    assert result.code == 0, result.stderr
    assert "1 requirements from the project's config" in result.stdout
    return home


@pytest.mark.slow
def test_a_truss_builds_its_own_environment_from_requirements(
    env_home: Path, tmp_path: Path
) -> None:
    home = env_home
    environ = {"MODELPORT_HOME": str(home)}
    with start_server("truss-packaged", log_dir=tmp_path, env=environ, wait=False) as server:
        server.wait_ready("/v1/models/truss-packaged", timeout=300)
        answer = httpx.post(f"{server.url}/v1/models/truss-packaged:predict", json={"text": "hi"})
        binary = httpx.post(
            f"{server.url}/v1/models/truss-packaged:predict_binary",
            content=msgpack.packb({"text": "hi"}),
            headers={"content-type": "application/octet-stream"},
        )
        malformed = httpx.post(
            f"{server.url}/v1/models/truss-packaged:predict",
            content=b"\xc1",
            headers={"content-type": "application/octet-stream"},
        )
    # msgpack, which the Truss server's routes need, is in the model's own environment
    assert binary.status_code == 200, binary.text
    assert msgpack.unpackb(binary.content)["shout"] == "HI!"
    assert malformed.status_code == 400, malformed.text
    body = answer.json()
    assert body["shout"] == "HI!", "packages/ is on the import path"
    assert body["six"] == "six"
    assert Path(body["python"]).resolve().is_relative_to((home / "envs").resolve())
