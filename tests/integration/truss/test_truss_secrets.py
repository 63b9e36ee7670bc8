"""The echo Truss: what Model.__init__ is given (expanded config, data_dir, secrets), data/
files, environment variables, and secrets that never leave the model."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from modelport.registry.uris import open_store
from modelport.secrets import SecretStore
from modelport.serving.runtime import ModelRuntime
from modelport.settings import Settings
from modelport.testing import start_server

from ..cli import run_cli
from .conftest import SECRET, serving


@pytest.fixture(scope="module")
def client(truss_home: Path, runtime_of: Callable[..., ModelRuntime]) -> Iterator[TestClient]:
    stored = run_cli("secret", "set", "api_key", "--value", SECRET, home=truss_home)
    assert stored.code == 0, stored.stderr
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MODELPORT_HOME", str(truss_home))
        patch.delenv("TRUSS_SECRET_api_key", raising=False)
        with serving(runtime_of("echo")) as client:
            yield client


def test_the_model_gets_the_expanded_config_data_dir_secrets_and_variables(
    client: TestClient,
) -> None:
    answer = client.post("/v1/models/truss-echo:predict", json={"x": 1})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "echo": {"x": 1},
        "words": ["alpha", "beta"],
        "greeting": "hello from config",
        "data_dir_type": "PosixPath",
        "predict_concurrency": 1,
        "bundled_packages_dir": "packages",
        "secret_names": ["api_key"],
        "api_key_length": len(SECRET),
    }


def test_a_secret_reaches_neither_the_response_nor_the_servers_output(
    client: TestClient, truss_home: Path, tmp_path: Path
) -> None:
    """Not in an error, nor in what the model prints or logs. Everything ``modelport serve``
    writes (every logger and handler, uvicorn's too, the model's print) is read from the
    process's own stdout and stderr."""
    environ = {
        "MODELPORT_HOME": str(truss_home),
        "MODELPORT_SECRETS_DIR": str(truss_home / "no-secrets-here"),
    }
    with start_server("truss-echo", log_dir=tmp_path, env=environ, wait=False) as server:
        base = server.url
        server.wait_ready("/v1/models/truss-echo")
        answer = httpx.post(f"{base}/v1/models/truss-echo:predict", json={"leak": True})
        own_route = httpx.post(f"{base}/v1/models/truss-echo/predict", json=[{"leak": True}])
        said = httpx.post(f"{base}/v1/models/truss-echo:predict", json={"say": True})
        server.stop()
        output = server.output()
    assert answer.status_code == 500 and own_route.status_code == 500
    assert SECRET not in answer.text + own_route.text
    assert "the key *** was refused" in output
    assert said.json() == {"said": True}
    assert "using the key ***" in output, "what the model prints"
    assert "logged the key ***" in output, "what the model logs"
    assert SECRET not in output


def test_reading_an_undeclared_secret_fails_clearly(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="modelport.serving.truss"):
        answer = client.post("/v1/models/truss-echo:predict", json={"undeclared": True})
    assert answer.status_code == 500
    assert "secret 'not_declared' is not declared" in caplog.text
    assert "declared: api_key" in caplog.text


def test_no_secret_value_is_in_the_artifact_or_the_registry(
    client: TestClient, truss_home: Path
) -> None:
    store = open_store(None, settings=Settings(home=truss_home))
    version = store.resolve("truss-echo")
    with zipfile.ZipFile(store.artifact_path(version)) as artifact:
        leaking = [m for m in artifact.namelist() if SECRET.encode() in artifact.read(m)]
    assert leaking == [], f"the secret's value is in {leaking}"
    assert SECRET not in str(version.metadata)
    assert version.metadata["truss_config"]["secrets"] == ["api_key"]
    listed = run_cli("secret", "list", home=truss_home)
    assert listed.stdout.split() == ["api_key"]
    assert SECRET not in listed.stdout + listed.stderr


def test_the_registry_keeps_the_configs_other_keys(truss_home: Path, client: TestClient) -> None:
    version = open_store(None, settings=Settings(home=truss_home)).resolve("truss-echo")
    assert version.metadata["resources"]["memory"] == "512Mi"
    assert version.metadata["model_metadata"] == {"owner": "tests"}
    assert version.metadata["description"].startswith("Echoes")


def test_a_secret_in_an_error_on_modelports_own_route_is_blanked(client: TestClient) -> None:
    answer = client.post("/v1/models/truss-echo/predict", json=[{"leak": True}])
    assert answer.status_code == 500
    assert SECRET not in answer.text
    assert "the key *** was refused" in answer.json()["detail"]


def test_secret_set_reads_standard_input_and_unset_forgets(tmp_path: Path) -> None:
    home = tmp_path / "home"
    completed = subprocess.run(
        [sys.executable, "-m", "modelport", "secret", "set", "token", "-w", "team"],
        input="piped-value\n",
        env={**os.environ, "MODELPORT_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "piped-value" not in completed.stdout + completed.stderr
    assert SecretStore(home, "team").get("token") == "piped-value"
    assert run_cli("secret", "list", home=home).stdout.strip() == "", "another workspace"
    assert run_cli("secret", "rm", "token", "-w", "team", home=home).code == 0
    missing = run_cli("secret", "rm", "token", "-w", "team", home=home)
    assert missing.code == 1
    assert "secret 'token' is not set" in missing.stderr
