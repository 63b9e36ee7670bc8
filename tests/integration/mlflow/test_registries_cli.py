"""`modelport registries ...` against the real MLflow server: a connection created, shown
masked, attached and detached, the server's models and a version's files listed, a version
uploaded and registered with its run, and a framework the model was not logged with refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..cli import Result, run_cli
from .tool import MlflowServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(mlflow_home: Path) -> Path:
    return mlflow_home


def cli(home: Path, *args: str) -> Result:
    return run_cli("registries", *args, home=home, timeout=900)


def ok(result: Result) -> Any:
    assert result.code == 0, result.stderr
    return result.json()


@pytest.fixture(scope="module")
def registry(
    home: Path, mlflow_server: MlflowServer, credentials: str, registered_models: dict[str, Any]
) -> str:
    created = ok(
        cli(
            home,
            "create",
            "team mlflow",
            "--url",
            mlflow_server.url,
            "--token",
            credentials,
            "--json",
        )
    )
    assert created["workspaces"] == ["default"]
    registry_id: str = created["id"]
    return registry_id


def test_connections_show_tokens_masked_and_move_between_workspaces(
    home: Path, registry: str, credentials: str
) -> None:
    shown = cli(home, "show", registry)
    assert shown.code == 0 and credentials not in shown.stdout and "****" in shown.stdout
    assert registry in [r["id"] for r in ok(cli(home, "list", "--json"))]
    assert ok(cli(home, "attach", registry, "--workspace", "team-b", "--json"))["workspaces"] == [
        "default",
        "team-b",
    ]
    assert registry in [r["id"] for r in ok(cli(home, "list", "--workspace", "team-b", "--json"))]
    assert ok(cli(home, "detach", registry, "--workspace", "team-b", "--json"))["workspaces"] == [
        "default"
    ]
    missing = cli(home, "detach", registry, "--workspace", "team-b")
    assert missing.code == 1 and "not attached" in missing.stderr


def test_models_and_artifacts_are_listed(home: Path, registry: str) -> None:
    page = ok(cli(home, "models", registry, "--max-results", "2", "--json"))
    rest = ok(cli(home, "models", registry, "--page-token", page["next_page_token"], "--json"))
    names = {m["name"] for m in page["registered_models"] + rest["registered_models"]}
    assert names == {"iris-sklearn", "diabetes-xgboost", "weighted-pyfunc"}
    files = ok(cli(home, "artifacts", registry, "diabetes-xgboost", "1", "--json"))
    assert "MLmodel" in {f["path"] for f in files}
    table = cli(home, "models", registry)
    assert table.code == 0 and "models:/m-" in table.stdout


def test_a_version_is_uploaded_with_its_run(
    home: Path, registry: str, registered_models: dict[str, Any]
) -> None:
    refused = cli(
        home,
        "upload",
        registry,
        "models:/weighted-pyfunc/1",
        "--name",
        "sums",
        "--framework",
        "sklearn",
    )
    assert refused.code == 1 and "not a flavor of this MLflow model" in refused.stderr
    version = ok(
        cli(home, "upload", registry, "models:/weighted-pyfunc/1", "--name", "sums", "--json")
    )
    assert version["model"] == "sums" and version["number"] == 1
    assert version["lineage"]["mlflow_run_id"] == registered_models["weighted-pyfunc"]["run_id"]
    assert version["metadata"]["loader_module"] == "mlflow.pyfunc.model"
