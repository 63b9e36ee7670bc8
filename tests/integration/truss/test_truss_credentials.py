"""A credential pasted into config.yaml's environment_variables: moved to the secrets at build
(a warning, the value in this machine's secret store only), and set again in the served
model's environment, where it is blanked in everything the server writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelport.testing import ServerProcess, start_server

from ..cli import Result, run_cli
from .test_truss_pasted_secret import _files_holding

TOKEN = "hf_PASTEDCREDENTIAL42"

CONFIG = f"""model_name: creds
environment_variables:
  HF_TOKEN: {TOKEN}
  GREETING: hello
"""

MODEL = """
import os


class Model:
    def predict(self, model_input):
        token = os.environ["HF_TOKEN"]
        print(f"calling the hub with {token}", flush=True)
        return {"token_length": len(token), "greeting": os.environ["GREETING"]}
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("creds-home")


@pytest.fixture(scope="module")
def build(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Result:
    folder = tmp_path_factory.mktemp("creds-src") / "creds"
    (folder / "model").mkdir(parents=True)
    (folder / "model" / "model.py").write_text(MODEL)
    (folder / "config.yaml").write_text(CONFIG)
    result = run_cli("build", str(folder), "--env", "inherit", home=home, env={"HF_TOKEN": ""})
    assert result.code == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def server(
    home: Path, build: Result, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    logs = tmp_path_factory.mktemp("creds-logs")
    with start_server("creds", log_dir=logs, env={"MODELPORT_HOME": str(home)}, wait=False) as up:
        up.wait_ready("/v1/models/creds")
        yield up


def test_the_build_says_the_credential_moved_without_printing_it(build: Result) -> None:
    output = build.stdout + build.stderr
    assert "'HF_TOKEN' that look like credentials: moved to the secrets" in output
    assert "GREETING" not in output
    assert TOKEN not in output


def test_the_value_is_only_in_this_machines_secret_store(home: Path, build: Result) -> None:
    assert _files_holding(home, TOKEN) == [str(home / "secrets" / "default.json")]


def test_the_served_model_reads_it_from_its_environment_and_the_log_blanks_it(
    server: ServerProcess,
) -> None:
    answer = httpx.post(f"{server.url}/v1/models/creds:predict", json={"x": 1})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"token_length": len(TOKEN), "greeting": "hello"}
    server.stop()
    output = server.output()
    assert "calling the hub with ***" in output
    assert TOKEN not in output
