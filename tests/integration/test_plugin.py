"""The pytest plugin: ``real_time_client`` in users' integration tests, run by a real pytest.

Each test writes a small test folder and runs ``python -m pytest`` on it in a subprocess, as a
user (or ``modelport test``) would; the fixture is found through the ``pytest11`` entry point,
without being imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import modelport
from modelport.testing import ServerProcess, start_server
from modelport.testing.plugin import ENV_MODEL, ENV_URL

ECHO_TESTS = """
def test_echoes(real_time_client):
    result = real_time_client.predict([{"text": "hi"}])
    assert result["reply"].tolist() == ["echo: hi"]


def test_positional_rows(real_time_client):
    assert real_time_client.predict([["a"], ["b"]])["reply"].tolist() == ["echo: a", "echo: b"]


def test_expects_the_wrong_reply(real_time_client):
    assert real_time_client.predict({"text": "x"})["reply"].tolist() == ["nope"]
"""


def _pytest(folder: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """``python -m pytest`` in ``folder`` with this environment minus modelport's test variables."""
    process_env = {k: v for k, v in os.environ.items() if k not in (ENV_URL, ENV_MODEL)}
    process_env.pop("PYTEST_ADDOPTS", None)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", *args],
        cwd=folder,
        env={**process_env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def echo_server(
    shared_home: Path, echo_project: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    served = start_server(
        "echo:1",
        model="echo",
        env={"MODELPORT_HOME": str(shared_home)},
        log_dir=tmp_path_factory.mktemp("plugin-server"),
        ready_timeout=300,
    )
    try:
        yield served
    finally:
        served.stop()


def test_the_fixture_binds_to_the_server_named_by_the_environment(
    echo_server: ServerProcess, tmp_path: Path
) -> None:
    (tmp_path / "test_echo.py").write_text(ECHO_TESTS)
    code, output = _pytest(
        tmp_path, env={ENV_URL: echo_server.url, ENV_MODEL: echo_server.model or ""}
    )
    assert code == 1, output
    assert "PASSED test_echo.py::test_echoes" in output
    assert "PASSED test_echo.py::test_positional_rows" in output
    assert "FAILED test_echo.py::test_expects_the_wrong_reply" in output
    assert "1 failed, 2 passed" in output


def test_without_a_server_or_a_project_the_fixture_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "test_lonely.py").write_text("def test_lonely(real_time_client):\n    pass\n")
    code, output = _pytest(tmp_path)
    assert code == 1, output
    assert "is not inside a model project" in output
    assert "modelport test PROJECT" in output
    assert "ERROR test_lonely.py::test_lonely" in output


def test_the_fixture_builds_and_serves_the_project_holding_the_test(
    project_factory: Callable[..., Path], tmp_path: Path
) -> None:
    project = project_factory(tmp_path / "echo")
    it = project / "tests" / "it"
    it.mkdir(parents=True, exist_ok=True)
    (it / "test_echo.py").write_text(
        ECHO_TESTS.split("def test_expects")[0]
        + "\n\ndef test_records_where_it_runs(real_time_client):\n"
        + f"    open({str(tmp_path / 'url.txt')!r}, 'w').write(real_time_client.url)\n"
    )
    code, output = _pytest(project, "tests/it")
    assert code == 0, output
    assert "4 passed" in output  # the three above and the template's own
    assert "test_serving.py::test_served_model_echoes" in output
    url = (tmp_path / "url.txt").read_text()
    assert url.startswith("http://127.0.0.1:")
    with modelport.Client(url, model="echo") as client:
        assert client.ready() is False  # the session's server was stopped at its end
