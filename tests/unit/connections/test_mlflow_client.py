"""How the MLflow client reads MLflow's answers and turns its failures into modelport errors,
through httpx's own fake transport (the real server: tests/integration/mlflow)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from modelport.connections.mlflow_client import MlflowRegistry, RegistryFailed
from modelport.errors import ConfigError, InvalidInput, NotFound, Unreachable

ROOT = "0/models/m-1/artifacts"


def answer(request: httpx.Request) -> httpx.Response:
    path, params = request.url.path, request.url.params
    if path == "/api/2.0/mlflow/logged-models/m-1":
        info = {"artifact_uri": f"mlflow-artifacts:/{ROOT}", "source_run_id": "run-1"}
        return httpx.Response(200, json={"model": {"info": info}})
    if path == "/api/2.0/mlflow-artifacts/artifacts" and params["path"] == ROOT:
        files = [
            {"path": "MLmodel", "is_dir": False, "file_size": 9},
            {"path": "data", "is_dir": True},
        ]
        return httpx.Response(200, json={"files": files})
    if path == "/api/2.0/mlflow-artifacts/artifacts" and params["path"] == f"{ROOT}/data":
        return httpx.Response(
            200, json={"files": [{"path": "model.xgb", "is_dir": False, "file_size": 4}]}
        )
    if path == f"/api/2.0/mlflow-artifacts/artifacts/{ROOT}/MLmodel":
        return httpx.Response(200, content=b"flavors: ")
    if path == f"/api/2.0/mlflow-artifacts/artifacts/{ROOT}/data/model.xgb":
        return httpx.Response(200, content=b"xgb!")
    if path == "/api/2.0/mlflow/model-versions/get":
        body = {
            "error_code": "RESOURCE_DOES_NOT_EXIST",
            "message": "Model Version (name=a, version=9) not found",
        }
        return httpx.Response(404, json=body)
    if path == "/api/2.0/mlflow/registered-models/search":
        if request.headers.get("authorization") != "Basic dTpw":
            return httpx.Response(401, text="You are not authenticated.")
        return httpx.Response(200, json={"registered_models": [{"name": "a"}]})
    return httpx.Response(500, content=json.dumps({"message": "boom"}).encode())


def registry(token: str | None = None) -> MlflowRegistry:
    return MlflowRegistry("http://mlflow.test", token, transport=httpx.MockTransport(answer))


def test_a_logged_model_is_listed_and_downloaded_with_its_run(tmp_path: Path) -> None:
    with registry() as client:
        source = client.source("models:/m-1")
        assert source.run_id == "run-1"
        listed = client.list_artifacts(source.artifact_uri)
        assert [(a.path, a.is_dir) for a in listed] == [
            ("MLmodel", False),
            ("data", True),
            ("data/model.xgb", False),
        ]
        assert listed[0].full_path.endswith(f"/api/2.0/mlflow-artifacts/artifacts/{ROOT}/MLmodel")
        written = client.download(source.artifact_uri, tmp_path, max_bytes=100)
        assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
            "MLmodel",
            "data/model.xgb",
        ]
        assert (tmp_path / "data" / "model.xgb").read_bytes() == b"xgb!"
        with pytest.raises(InvalidInput, match="over 10 bytes"):
            client.download(source.artifact_uri, tmp_path / "again", max_bytes=10)


def test_failures_become_modelport_errors() -> None:
    with registry() as client, pytest.raises(NotFound, match=r"version=9"):
        client.model_version("a", "9")
    with registry("wrong") as client, pytest.raises(ConfigError, match="HTTP 401") as refused:
        client.search_models()
    assert refused.value.field == "token"
    with registry("u:p") as client:  # user:password goes as HTTP Basic
        assert client.search_models() == ([{"name": "a"}], None)
    with registry() as client, pytest.raises(RegistryFailed, match="HTTP 500: boom"):
        client.source("runs:/r/model")
    with registry() as client, pytest.raises(ConfigError, match="not served by") as elsewhere:
        client.list_artifacts("s3://bucket/model")
    assert elsewhere.value.field == "path"


def test_a_server_that_does_not_answer_is_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = MlflowRegistry("http://down.test", transport=httpx.MockTransport(refuse))
    with client, pytest.raises(Unreachable, match="does not answer") as caught:
        client.search_models()
    assert caught.value.field == "url"
