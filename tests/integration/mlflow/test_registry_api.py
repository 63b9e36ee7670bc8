"""Wallaroo's model-registry API against a real MLflow tracking server: connections created,
attached and listed (tokens masked), the server's models paged and their artifacts listed, and
the scikit-learn, XGBoost and pyfunc models uploaded, built, served and answering as MLflow's own
pyfunc.load_model does. A registry that is down, a wrong token and an unknown model each give a
clear error and register nothing.

The routes run in a small Starlette app under uvicorn on a loopback port, with an authorisation
that lets every request through (the server's own is tested with it)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pytest
from starlette.applications import Starlette
from starlette.requests import Request

from modelport.connections.store import RegistryConnections
from modelport.formats.schema_sources import schema_to_base64
from modelport.registry.store import RegistryStore
from modelport.registry.uris import open_store
from modelport.server.wallaroo_registries import wallaroo_registry_routes
from modelport.settings import Settings
from modelport.testing import serve_app, start_server
from modelport.testing.server import ServerProcess, free_port

from .conftest import mlflow_predictions
from .tool import MlflowServer

pytestmark = pytest.mark.slow

API = "/v1/api/models"
EXTRA_REQUIREMENT = "scipy>=1"
"""Added to the XGBoost model's requirements by its upload (scipy is already among them, so its
environment stays the one the others share)."""
UPLOADS = {
    "iris-sklearn": "iris-up",
    "diabetes-xgboost": "diabetes-up",
    "weighted-pyfunc": "sums-up",
}


def allow_everything(request: Request, workspace: str, needed: str) -> object:
    return None


@pytest.fixture(scope="module")
def settings(mlflow_home: Path) -> Settings:
    return Settings(home=mlflow_home)


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[RegistryStore]:
    with open_store(None, settings=settings) as opened:
        yield opened


@pytest.fixture(scope="module")
def api(settings: Settings, store: RegistryStore) -> Iterator[httpx.Client]:
    routes = wallaroo_registry_routes(
        authorize=allow_everything,
        open_connections=lambda: RegistryConnections.open(settings=settings),
        open_store=lambda: open_store(None, settings=settings),
        settings=settings,
    )
    with (
        serve_app(Starlette(routes=routes)) as url,
        httpx.Client(base_url=url, timeout=900) as client,
    ):
        yield client


def post(api: httpx.Client, route: str, body: dict[str, Any], status: int = 200) -> Any:
    answer = api.post(f"{API}/{route}", json=body)
    assert answer.status_code == status, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def registry_id(
    api: httpx.Client,
    mlflow_server: MlflowServer,
    credentials: str,
    registered_models: dict[str, Any],
) -> str:
    created = post(
        api,
        "create_registry",
        {
            "workspace_id": "default",
            "name": "team mlflow",
            "url": mlflow_server.url,
            "token": credentials,
        },
    )
    assert created["workspace_id"] == "default"
    registry: str = created["id"]
    return registry


@pytest.fixture(scope="module")
def uploaded(
    api: httpx.Client, registry_id: str, registered_models: dict[str, Any]
) -> dict[str, Any]:
    """Each registered model uploaded through upload_from_registry from the source
    list_registry_models gives: framework mlflow, and the XGBoost one as framework xgboost (its
    flavor) with schemas and a requirement."""
    listed = post(api, "list_registry_models", {"registry_id": registry_id})
    sources = {m["name"]: m["latest_versions"][0]["source"] for m in listed["registered_models"]}
    answers = {}
    for mlflow_name, name in UPLOADS.items():
        body = {
            "registry_id": registry_id,
            "name": name,
            "path": sources[mlflow_name],
            "visibility": "private",
            "workspace_id": "default",
            "conversion": {"framework": "mlflow", "python_version": "3.11", "requirements": []},
        }
        if mlflow_name == "diabetes-xgboost":  # as Wallaroo's example: schemas beside conversion
            columns = list(registered_models[mlflow_name]["rows"][0])
            body["conversion"] = {"framework": "xgboost", "requirements": [EXTRA_REQUIREMENT]}
            body["input_schema"] = schema_to_base64(
                pa.schema([pa.field(c, pa.float64()) for c in columns])
            )
            body["output_schema"] = schema_to_base64(
                pa.schema([pa.field("predictions", pa.float32())])
            )
        answers[mlflow_name] = post(api, "upload_from_registry", body)
    return answers


def test_connections_are_kept_with_their_token_masked(
    api: httpx.Client, registry_id: str, credentials: str, settings: Settings
) -> None:
    shown = post(api, "get_registry", {"registry_id": registry_id})
    assert set(shown) == {"id", "name", "url", "token", "created_at", "updated_at"}
    assert shown["id"] == registry_id and shown["name"] == "team mlflow"
    assert credentials not in str(shown) and shown["token"].startswith("****")
    listed = post(api, "list_registries", {"workspace-id": "default"})
    assert registry_id in [r["id"] for r in listed]
    assert credentials not in str(listed)
    for database in settings.home.glob("registry.db*"):  # the database and its WAL
        assert credentials.encode() not in database.read_bytes()  # encrypted at rest

    def in_team_b() -> bool:
        return registry_id in [
            r["id"] for r in post(api, "list_registries", {"workspace_id": "team-b"})
        ]

    assert not in_team_b()
    attached = post(
        api, "attach_registry_to_workspace", {"id": registry_id, "workspace_id": "team-b"}
    )
    assert attached == {"registry_id": registry_id, "workspace_id": "team-b"}
    assert in_team_b()
    removed = post(
        api, "remove_registry_from_workspace", {"id": registry_id, "workspace_id": "team-b"}
    )
    assert removed == {"registry_id": registry_id, "workspace_id": "team-b"}
    assert not in_team_b()
    assert post(api, "get_registry", {"id": registry_id})["id"] == registry_id  # still there


def test_models_are_listed_in_pages_with_mlflow_versions(
    api: httpx.Client, registry_id: str, registered_models: dict[str, Any]
) -> None:
    first = post(api, "list_registry_models", {"registry_id": registry_id, "max_results": 2})
    assert len(first["registered_models"]) == 2 and first["next_page_token"]
    rest = post(
        api,
        "list_registry_models",
        {"id": registry_id, "max_results": 2, "page_token": first["next_page_token"]},
    )
    assert rest["next_page_token"] is None
    models = {m["name"]: m for m in first["registered_models"] + rest["registered_models"]}
    assert set(models) == set(registered_models)
    for name, logged in registered_models.items():
        [version] = models[name]["latest_versions"]
        assert set(version) == {
            "name", "description", "version", "status", "run_id", "run_link", "source",
            "current_stage", "creation_timestamp", "last_updated_timestamp",
        }  # fmt: skip
        assert version["run_id"] == logged["run_id"]
        assert version["version"] == logged["version"]
        assert version["status"] == "READY"
        assert isinstance(models[name]["creation_timestamp"], int)


def test_a_versions_artifacts_are_listed(api: httpx.Client, registry_id: str) -> None:
    files = post(
        api,
        "list_registry_model_version_artifacts",
        {"registry_id": registry_id, "name": "iris-sklearn", "version": "1"},
    )
    by_path = {f["path"]: f for f in files}
    assert {"MLmodel", "requirements.txt", "python_env.yaml"} <= set(by_path)
    assert by_path["MLmodel"]["is_dir"] is False and by_path["MLmodel"]["file_size"] > 0
    download = httpx.get(by_path["MLmodel"]["full_path"], auth=("admin", "modelport-tests-admin"))
    assert download.status_code == 200 and b"python_function" in download.content


def test_uploads_are_registered_with_their_mlflow_run(
    uploaded: dict[str, Any], registered_models: dict[str, Any], store: RegistryStore
) -> None:
    ids = [uploaded[mlflow_name]["model_id"] for mlflow_name in UPLOADS]
    assert all(isinstance(found, int) for found in ids)  # a number, as the seed's {'model_id': 34}
    assert len(set(ids)) == len(ids)
    for mlflow_name, name in UPLOADS.items():
        assert (uploaded[mlflow_name]["name"], uploaded[mlflow_name]["version"]) == (name, 1)
        version = store.get_version(name=name, number=1)
        assert version.source_format == "mlflow"
        assert version.lineage["mlflow_run_id"] == registered_models[mlflow_name]["run_id"]
        assert version.lineage["registry_source"].startswith("models:/")
    xgboost = store.get_version(name="diabetes-up", number=1)
    assert xgboost.signature["outputs"] == [
        {"name": "predictions", "type": "float32", "nullable": True}
    ]
    with zipfile.ZipFile(store.artifact_path(xgboost)) as artifact:
        requirements = artifact.read("src/requirements.txt").decode().splitlines()
    assert requirements[-1] == EXTRA_REQUIREMENT and "mlflow==3.17.2" in requirements
    sums = store.get_version(name="sums-up", number=1)
    assert sums.lineage["python_version_requested"] == "3.11"


@pytest.fixture(scope="module")
def servers(
    uploaded: dict[str, Any], settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, ServerProcess]]:
    """The three uploads served at once (each in its own environment)."""
    logs = tmp_path_factory.mktemp("served-uploads")
    env = {"MODELPORT_HOME": str(settings.home)}
    started = {
        mlflow_name: start_server(f"{name}:1", log_dir=logs, env=env, wait=False)
        for mlflow_name, name in UPLOADS.items()
    }
    try:
        for process in started.values():
            process.wait_ready(timeout=300)
        yield started
    finally:
        for process in started.values():
            process.stop()


def test_uploads_answer_as_mlflow_pyfunc_does(
    servers: dict[str, ServerProcess],
    registered_models: dict[str, Any],
    mlflow_python: Path,
    mlflow_server: MlflowServer,
    tmp_path: Path,
) -> None:
    requests = {f"models:/{name}/1": logged["rows"] for name, logged in registered_models.items()}
    expected = mlflow_predictions(mlflow_python, requests, tmp_path, mlflow_server)
    for mlflow_name, name in UPLOADS.items():
        rows = registered_models[mlflow_name]["rows"]
        answer = httpx.post(
            f"{servers[mlflow_name].url}/v1/models/{name}/predict", json=rows, timeout=60
        )
        assert answer.status_code == 200, answer.text
        reference = expected[f"models:/{mlflow_name}/1"]
        if mlflow_name == "weighted-pyfunc":
            assert [r["large"] for r in answer.json()] == [r["large"] for r in reference]
            got = [r["total"] for r in answer.json()]
            np.testing.assert_allclose(got, [r["total"] for r in reference], rtol=1e-9)
        else:
            got = [r["predictions"] for r in answer.json()]
            np.testing.assert_allclose(got, reference, rtol=1e-6)


def upload_body(registry: str, path: str, name: str) -> dict[str, Any]:
    return {
        "registry_id": registry,
        "name": name,
        "path": path,
        "visibility": "private",
        "workspace_id": "default",
        "conversion": {"framework": "mlflow", "requirements": []},
    }


def test_a_registry_that_is_down_is_a_clear_error(api: httpx.Client, store: RegistryStore) -> None:
    before = [m.name for m in store.list_models()]
    down = f"http://127.0.0.1:{free_port()}"
    created = post(
        api,
        "create_registry",
        {"workspace_id": "default", "name": "down", "url": down, "token": "x"},
    )
    listed = post(api, "list_registry_models", {"registry_id": created["id"]}, status=503)
    assert "does not answer" in listed["detail"] and down in listed["detail"]
    refused = post(
        api, "upload_from_registry", upload_body(created["id"], "models:/a/1", "never-a"), 503
    )
    assert refused["field"] == "url"
    assert [m.name for m in store.list_models()] == before


def test_a_wrong_token_is_a_clear_error(
    api: httpx.Client, mlflow_server: MlflowServer, store: RegistryStore
) -> None:
    before = [m.name for m in store.list_models()]
    created = post(
        api,
        "create_registry",
        {
            "workspace_id": "default",
            "name": "wrong",
            "url": mlflow_server.url,
            "token": "not-the-token",
        },
    )
    listed = post(api, "list_registry_models", {"registry_id": created["id"]}, status=400)
    assert (
        listed["field"] == "token"
        and "refused the connection's token (HTTP 401" in listed["detail"]
    )
    upload = post(
        api,
        "upload_from_registry",
        upload_body(created["id"], "models:/iris-sklearn/1", "never-b"),
        400,
    )
    assert upload["field"] == "token"
    assert [m.name for m in store.list_models()] == before


def test_an_unknown_model_is_a_clear_error(
    api: httpx.Client, registry_id: str, store: RegistryStore
) -> None:
    before = [m.name for m in store.list_models()]
    missing = post(
        api,
        "upload_from_registry",
        upload_body(registry_id, "models:/no-such-model/1", "never-c"),
        404,
    )
    assert "no-such-model" in missing["detail"]
    artifacts = post(
        api,
        "list_registry_model_version_artifacts",
        {"registry_id": registry_id, "name": "iris-sklearn", "version": "99"},
        status=404,
    )
    assert "version=99" in artifacts["detail"]
    unknown = post(
        api, "get_registry", {"registry_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}, 404
    )
    assert unknown["field"] == "registry_id"
    assert [m.name for m in store.list_models()] == before
