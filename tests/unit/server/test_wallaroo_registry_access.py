"""Wallaroo's model-registry routes in the real server app: every one refuses a caller with no
token, and one naming a workspace the caller is no member of; a viewer reads a registry of
their workspace and cannot create one. (The routes themselves are tested against a real MLflow
server in tests/integration/mlflow.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from modelport.registry.sql.accounts import AccountStore
from modelport.server.wallaroo_registries import PREFIX
from modelport.testing.apps import app_client

from .conftest import make_server

ROUTES = (
    "create_registry",
    "attach_registry_to_workspace",
    "remove_registry_from_workspace",
    "get_registry",
    "list_registries",
    "list_registry_models",
    "list_registry_model_version_artifacts",
    "upload_from_registry",
)


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_refuses_a_caller_without_a_token(tmp_path: Path, route: str) -> None:
    parts = make_server(tmp_path, auth=True)
    with app_client(parts.app) as client:
        answer = client.post(f"{PREFIX}/{route}", json={"workspace_id": "default"})
    assert answer.status_code == 401, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    parts.state.registry.close()


def test_roles_decide_what_a_member_may_do(tmp_path: Path) -> None:
    parts = make_server(tmp_path, auth=True)
    accounts = parts.state.accounts
    assert isinstance(accounts, AccountStore)
    parts.state.registry.create_workspace(name="other")
    accounts.add_user(name="vera")
    accounts.set_member(workspace="default", user="vera", role="viewer")
    token = accounts.create_token(user="vera").token
    headers = {"Authorization": f"Bearer {token}"}
    create = {"workspace_id": "default", "name": "mlflow", "url": "http://127.0.0.1:9", "token": ""}
    with app_client(parts.app) as client:
        refused = client.post(f"{PREFIX}/create_registry", json=create, headers=headers)
        assert refused.status_code == 403, refused.text
        elsewhere = client.post(
            f"{PREFIX}/list_registries", json={"workspace_id": "other"}, headers=headers
        )
        assert elsewhere.status_code == 403, elsewhere.text
        listed = client.post(
            f"{PREFIX}/list_registries", json={"workspace_id": "default"}, headers=headers
        )
        assert listed.status_code == 200, listed.text
    parts.state.registry.close()
