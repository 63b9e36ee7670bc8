"""MLflow for the tests, made once per test run: the tool environment, models saved and logged
with MLflow's own client, and a real ``mlflow server`` (basic-auth app, SQLite, local
artifacts) holding them registered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelport.registry.uris import open_store
from modelport.settings import Settings

from .tool import ADMIN, MlflowServer, run_script, start_mlflow_server, tool_environment


@pytest.fixture(scope="session")
def mlflow_python() -> Path:
    return tool_environment()


@pytest.fixture(scope="session")
def mlflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One modelport home for the MLflow tests, with a second workspace, ``team-b``: the models
    share one environment (one requirements list), made once."""
    home = tmp_path_factory.mktemp("mlflow-home")
    with open_store(None, settings=Settings(home=home)) as store:
        store.create_workspace(name="team-b")
    return home


@pytest.fixture(scope="session")
def saved_models(mlflow_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The three models saved into folders by mlflow.<flavor>.save_model: name -> {"path",
    "rows"}."""
    folder = tmp_path_factory.mktemp("mlflow-saved")
    found: dict[str, Any] = run_script(mlflow_python, "log_models.py", "save", str(folder))
    return found


@pytest.fixture(scope="session")
def mlflow_server(
    mlflow_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MlflowServer]:
    server = start_mlflow_server(mlflow_python, tmp_path_factory.mktemp("mlflow-server"), auth=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def credentials() -> str:
    """The token a registry connection gives for the test server: its admin, as Basic."""
    return f"{ADMIN[0]}:{ADMIN[1]}"


@pytest.fixture(scope="session")
def registered_models(mlflow_python: Path, mlflow_server: MlflowServer) -> dict[str, Any]:
    """The three models logged and registered on the server: name -> {"run_id", "version",
    "rows"}."""
    found: dict[str, Any] = run_script(
        mlflow_python, "log_models.py", "register", env=_client_env(mlflow_server)
    )
    return found


def mlflow_predictions(
    python: Path,
    requests: dict[str, list[dict[str, Any]]],
    work: Path,
    server: MlflowServer | None = None,
) -> dict[str, Any]:
    """MLflow's own predictions (mlflow.pyfunc.load_model) for each model's rows: model URI or
    folder -> answers."""
    request = work / "pyfunc-request.json"
    request.write_text(json.dumps(requests))
    env = _client_env(server) if server is not None else {}
    found: dict[str, Any] = run_script(python, "pyfunc_predict.py", str(request), env=env)
    return found


def _client_env(server: MlflowServer) -> dict[str, str]:
    return {
        "MLFLOW_TRACKING_URI": server.url,
        "MLFLOW_TRACKING_USERNAME": ADMIN[0],
        "MLFLOW_TRACKING_PASSWORD": ADMIN[1],
    }
