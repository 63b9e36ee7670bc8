"""Wallaroo's registry routes in-process (over ASGI, a real SQLite registry): both spellings of
the ids, the answers' shapes, the token never in clear, a caller's workspaces respected, and bad
bodies refused naming the field. Calls that reach MLflow: tests/integration/mlflow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.testclient import TestClient

from modelport.connections.store import RegistryConnections
from modelport.errors import Unauthorised
from modelport.registry.uris import open_store
from modelport.server.wallaroo_registries import wallaroo_registry_routes
from modelport.settings import Settings
from modelport.testing import app_client

TOKEN = "dapi67c8c0b04606f730e78b7ae5e3221015-3"


def only_workspaces_in_header(request: Request, workspace: str, needed: str) -> object:
    """The caller may use the workspaces its ``x-workspaces`` header lists (a stand-in for the
    server's users and roles, which are tested with the server)."""
    allowed = request.headers.get("x-workspaces", "default").split(",")
    if workspace not in allowed:
        raise Unauthorised(f"no {needed} access to workspace {workspace!r}")
    return None


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(home=tmp_path / "home")
    with open_store(None, settings=settings) as store:
        store.create_workspace(name="team-b")
    routes = wallaroo_registry_routes(
        authorize=only_workspaces_in_header,
        open_connections=lambda: RegistryConnections.open(settings=settings),
        open_store=lambda: open_store(None, settings=settings),
        settings=settings,
    )
    with app_client(Starlette(routes=routes)) as opened:
        yield opened


def post(
    client: TestClient, route: str, body: Any, status: int = 200, *, x_workspaces: str = "default"
) -> Any:
    answer = client.post(
        f"/v1/api/models/{route}", json=body, headers={"x-workspaces": x_workspaces}
    )
    assert answer.status_code == status, answer.text
    return answer.json()


def create(client: TestClient) -> str:
    body = {
        "workspace_id": "default",
        "name": "sample registry",
        "url": "https://r.example",
        "token": TOKEN,
    }
    created = post(client, "create_registry", body)
    assert set(created) == {"id", "workspace_id"} and created["workspace_id"] == "default"
    registry: str = created["id"]
    return registry


def test_the_documented_calls_answer_in_their_shapes(client: TestClient) -> None:
    registry = create(client)
    shown = post(client, "get_registry", {"registry_id": registry})
    assert shown == post(client, "get_registry", {"id": registry})
    assert set(shown) == {"id", "name", "url", "token", "created_at", "updated_at"}
    assert shown["token"] == "****15-3" and TOKEN not in str(shown)
    assert post(client, "list_registries", {"workspace-id": "default"}) == [shown]
    attached = post(
        client,
        "attach_registry_to_workspace",
        {"id": registry, "workspace_id": "team-b"},
        x_workspaces="default,team-b",
    )
    assert attached == {"registry_id": registry, "workspace_id": "team-b"}
    assert [
        r["id"]
        for r in post(client, "list_registries", {"workspace_id": "team-b"}, x_workspaces="team-b")
    ] == [registry]
    removed = post(
        client,
        "remove_registry_from_workspace",
        {"registry_id": registry, "workspace_id": "team-b"},
        x_workspaces="default,team-b",
    )
    assert removed == {"registry_id": registry, "workspace_id": "team-b"}


def test_a_workspace_is_named_by_its_number_as_wallaroo_does(
    client: TestClient, tmp_path: Path
) -> None:
    """The seed's calls give ``"workspace_id": 1`` (and ``"workspace-id": "1"``): the number the
    registry keeps the workspace under, which ``workspaces list`` shows."""
    with open_store(None, settings=Settings(home=tmp_path / "home")) as store:
        numbers = {w.name: w.id for w in store.list_workspaces()}
    team_b = numbers["team-b"]
    body = {"workspace_id": team_b, "name": "r", "url": "https://r.example", "token": TOKEN}
    created = post(client, "create_registry", body, x_workspaces="team-b")
    assert created["workspace_id"] == team_b  # echoed as given
    listed = post(client, "list_registries", {"workspace-id": str(team_b)}, x_workspaces="team-b")
    assert [r["id"] for r in listed] == [created["id"]]
    assert post(client, "list_registries", {"workspace_id": "team-b"}, x_workspaces="team-b")
    # the number is authorised as the workspace it names
    post(client, "list_registries", {"workspace_id": team_b}, 401, x_workspaces="default")
    unknown = post(client, "list_registries", {"workspace_id": 9999}, 404)
    assert unknown["field"] == "workspace_id" and "workspaces list" in unknown["detail"]


def test_another_workspaces_registry_is_unknown(client: TestClient) -> None:
    registry = create(client)
    denied = post(client, "get_registry", {"id": registry}, 404, x_workspaces="team-b")
    assert denied["field"] == "registry_id"
    post(client, "list_registries", {"workspace_id": "default"}, 401, x_workspaces="team-b")
    stolen = post(
        client,
        "attach_registry_to_workspace",
        {"id": registry, "workspace_id": "team-b"},
        404,
        x_workspaces="team-b",
    )  # attaching needs a say over a workspace that has it
    assert stolen["field"] == "registry_id"
    assert post(client, "list_registries", {"workspace_id": "team-b"}, x_workspaces="team-b") == []


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("create_registry", {"name": "r", "url": "https://r", "token": "t"}, "workspace_id"),
        ("create_registry", {"workspace_id": "default", "url": "https://r"}, "name"),
        ("create_registry", {"workspace_id": "default", "name": "r", "url": "ftp://r"}, "url"),
        ("get_registry", {}, "registry_id"),
        ("get_registry", {"id": "not-a-uuid"}, "registry_id"),
        (
            "list_registry_models",
            {"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "max_results": "x"},
            "max_results",
        ),
        (
            "upload_from_registry",
            {"workspace_id": "default", "registry_id": "r", "name": "m"},
            "conversion",
        ),
        (
            "upload_from_registry",
            {
                "workspace_id": "default",
                "registry_id": "r",
                "conversion": {"framework": "mlflow", "requirements": "numpy"},
            },
            "conversion.requirements",
        ),
        ("list_registries", [1, 2], "body"),
    ],
)
def test_bad_bodies_are_refused_naming_the_field(
    client: TestClient, route: str, body: Any, field: str
) -> None:
    answer = client.post(f"/v1/api/models/{route}", json=body)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["field"] == field


def test_an_upload_to_an_unknown_registry_registers_nothing(client: TestClient) -> None:
    body = {
        "registry_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "name": "uploaded-model-name",
        "path": "models:/m-1",
        "visibility": "public",
        "workspace_id": "default",
        "conversion": {"framework": "sklearn", "requirements": []},
        "input_schema": "aGVsbG8=",
    }
    missing = post(client, "upload_from_registry", body, 404)
    assert missing["field"] == "registry_id"
    bad_name = post(client, "upload_from_registry", {**body, "name": "Not_DNS"}, 422)
    assert bad_name["field"] == "name"
