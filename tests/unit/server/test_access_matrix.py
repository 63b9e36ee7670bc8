"""Every route of the API x every kind of caller x two workspaces: no token is 401; no read or
write across workspaces; viewers never write; editors never manage members; only admins do what
belongs to no workspace; and no answer ever holds a secret's value.

The routes come from the app's own table (``server.app.OPERATIONS``): a route without an entry
in :data:`REQUESTS` fails this test, so a new route cannot skip it. Each route is tried on a
fresh copy of one seeded registry, callers that must be refused first, so what an allowed
caller changes cannot hide a refusal.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from modelport.artifact.manifest import Manifest
from modelport.artifact.writer import write_artifact
from modelport.pipelines.editing import create_pipeline
from modelport.schema import Field, Signature
from modelport.secrets import SecretStore
from modelport.server.app import OPERATIONS
from modelport.server.routing import Operation
from modelport.testing.apps import app_client

from .conftest import make_server, upload_files

SECRET_VALUE = "do-not-leak-7f3a9c"
WORKSPACES = ("alpha", "beta")
"""alpha: where viewer, editor and owner are members; beta: where only outsider is (owner)."""
RANK = {"viewer": 1, "editor": 2, "owner": 3}
SIGNATURE = Signature(inputs=[Field("x", float)], outputs=[Field("x", float)]).to_dict()


@dataclass(frozen=True)
class Caller:
    name: str
    roles: dict[str, str]
    admin: bool = False

    def allowed(self, access: str, workspace: str) -> bool:
        """Whether this caller may use a route that ``access`` admits, in ``workspace``."""
        if access == "public":
            return True
        if self.name == "anonymous":
            return False
        if access == "user":
            return True
        if access == "admin":
            return self.admin
        role = self.roles.get(workspace)
        return role is not None and RANK[role] >= RANK[access]


CALLERS = [
    Caller("anonymous", {}),
    Caller("viewer", {"alpha": "viewer"}),
    Caller("editor", {"alpha": "editor"}),
    Caller("owner", {"alpha": "owner"}),
    Caller("outsider", {"beta": "owner"}),
    Caller("admin", {}, admin=True),
]

Request = dict[str, Any]
"""The keyword arguments of ``TestClient.request`` beyond method and URL."""

UPLOAD = b"another artifact, for the registering routes" * 100
REQUESTS: dict[tuple[str, str], tuple[str, Callable[[str], Request]]] = {
    # (method, path): (who may: public, user, admin or the weakest role; the request)
    ("GET", "/workspaces"): ("user", lambda caller: {}),
    ("POST", "/workspaces"): ("admin", lambda caller: {"json": {"name": f"new-{caller}"}}),
    ("GET", "/workspaces/{workspace}/models"): ("viewer", lambda caller: {}),
    ("POST", "/workspaces/{workspace}/models"): (
        "editor",
        lambda caller: {"json": {"name": f"new-{caller}"}},
    ),
    ("GET", "/workspaces/{workspace}/refs/{ref:path}"): ("viewer", lambda caller: {}),
    ("GET", "/workspaces/{workspace}/models/{model}"): ("viewer", lambda caller: {}),
    ("PATCH", "/workspaces/{workspace}/models/{model}"): (
        "editor",
        lambda caller: {"json": {"description": "d"}},
    ),
    ("DELETE", "/workspaces/{workspace}/models/{model}"): (
        "editor",
        lambda caller: {"params": {"with_versions": "true"}},
    ),
    ("GET", "/workspaces/{workspace}/models/{model}/versions"): ("viewer", lambda caller: {}),
    ("POST", "/workspaces/{workspace}/models/{model}/versions"): (
        "editor",
        lambda caller: {"files": upload_files(UPLOAD + caller.encode())},
    ),
    ("GET", "/workspaces/{workspace}/models/{model}/versions/{number:int}"): (
        "viewer",
        lambda caller: {},
    ),
    ("DELETE", "/workspaces/{workspace}/models/{model}/versions/{number:int}"): (
        "editor",
        lambda caller: {},
    ),
    ("GET", "/workspaces/{workspace}/models/{model}/versions/{number:int}/artifact"): (
        "viewer",
        lambda caller: {},
    ),
    ("GET", "/workspaces/{workspace}/models/{model}/versions/{number:int}/manifest"): (
        "viewer",
        lambda caller: {},
    ),
    ("POST", "/workspaces/{workspace}/models/{model}/versions/{number:int}/predict"): (
        "viewer",
        lambda caller: {"json": "not rows"},
    ),
    ("PUT", "/workspaces/{workspace}/models/{model}/versions/{number:int}/tags/{key}"): (
        "editor",
        lambda caller: {"json": {"value": "v2"}},
    ),
    ("DELETE", "/workspaces/{workspace}/models/{model}/versions/{number:int}/tags/{key}"): (
        "editor",
        lambda caller: {},
    ),
    ("GET", "/workspaces/{workspace}/models/{model}/aliases"): ("viewer", lambda caller: {}),
    ("PUT", "/workspaces/{workspace}/models/{model}/aliases/{alias}"): (
        "editor",
        lambda caller: {"json": {"version": 2}},
    ),
    ("DELETE", "/workspaces/{workspace}/models/{model}/aliases/{alias}"): (
        "editor",
        lambda caller: {},
    ),
    ("GET", "/workspaces/{workspace}/models/{model}/alias-history"): (
        "viewer",
        lambda caller: {"params": {"alias": "prod"}},
    ),
    ("PUT", "/workspaces/{workspace}/models/{model}/tags/{key}"): (
        "editor",
        lambda caller: {"json": {"value": "v2"}},
    ),
    ("DELETE", "/workspaces/{workspace}/models/{model}/tags/{key}"): ("editor", lambda caller: {}),
    ("POST", "/orphan-blobs/collect"): ("admin", lambda caller: {"params": {"dry_run": "true"}}),
    ("GET", "/workspaces/{workspace}/pipelines"): ("viewer", lambda caller: {}),
    ("POST", "/workspaces/{workspace}/pipelines"): (
        "editor",
        lambda caller: {"json": {"name": f"new-{caller}", "steps": ["m@prod"]}},
    ),
    ("GET", "/workspaces/{workspace}/pipelines/{pipeline}"): ("viewer", lambda caller: {}),
    ("PATCH", "/workspaces/{workspace}/pipelines/{pipeline}"): (
        "editor",
        lambda caller: {"json": {"log_inferences": True}},
    ),
    ("POST", "/workspaces/{workspace}/pipelines/{pipeline}/steps"): (
        "editor",
        lambda caller: {"json": {"model_ref": "m:2"}},
    ),
    ("POST", "/workspaces/{workspace}/pipelines/{pipeline}/validations"): (
        "editor",
        lambda caller: {"json": {"label": f"v-{caller}", "expression": "out.x < 10"}},
    ),
    ("GET", "/workspaces/{workspace}/pipelines/{pipeline}/versions/{number:int}"): (
        "viewer",
        lambda caller: {},
    ),
    ("GET", "/workspaces/{workspace}/pipelines/{pipeline}/logs"): ("viewer", lambda caller: {}),
    ("GET", "/workspaces/{workspace}/trainings"): ("viewer", lambda caller: {}),
    ("GET", "/workspaces/{workspace}/deployments"): ("viewer", lambda caller: {}),
    ("GET", "/workspaces/{workspace}/secrets"): ("viewer", lambda caller: {}),
    ("PUT", "/workspaces/{workspace}/secrets/{name}"): (
        "editor",
        lambda caller: {"json": {"value": "other"}},
    ),
    ("DELETE", "/workspaces/{workspace}/secrets/{name}"): ("editor", lambda caller: {}),
    ("GET", "/whoami"): ("user", lambda caller: {}),
    ("GET", "/servings"): ("user", lambda caller: {}),
    ("GET", "/tokens"): ("user", lambda caller: {}),
    ("POST", "/tokens"): ("user", lambda caller: {"json": {"label": "made in the test"}}),
    ("DELETE", "/tokens/{token_id}"): ("user", lambda caller: {}),
    ("GET", "/workspaces/{workspace}/members"): ("viewer", lambda caller: {}),
    ("PUT", "/workspaces/{workspace}/members/{user}"): (
        "owner",
        lambda caller: {"json": {"role": "editor"}},
    ),
    ("DELETE", "/workspaces/{workspace}/members/{user}"): ("owner", lambda caller: {}),
}


FIRST_ALLOWED: dict[tuple[str, str], int] = {
    ("POST", "/workspaces/{workspace}/models/{model}/versions/{number:int}/predict"): 400,
}
"""What the first allowed caller gets where it is not a 2xx: the playground's predict starts a
model's serving, so here it is sent what is not rows, which it refuses once access is granted
and before starting anything (a real serving answers in tests/e2e/test_web_ui.py)."""


@dataclass
class Seeded:
    folder: Path
    tokens: dict[str, str]
    """Each caller's token (anonymous: none)."""
    spare_tokens: dict[str, str]
    """The id of a second token of each caller, which ``DELETE /tokens/{token_id}`` revokes."""


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """A registry with models, versions, aliases, tags, secrets and members in both workspaces,
    and a token for each caller."""
    folder = tmp_path_factory.mktemp("seeded")
    parts = make_server(folder, auth=True)
    accounts = parts.state.accounts
    assert accounts is not None
    tokens: dict[str, str] = {}
    spares: dict[str, str] = {}
    for caller in CALLERS[1:]:
        accounts.add_user(name=caller.name, admin=caller.admin)
        tokens[caller.name] = accounts.create_token(user=caller.name).token
        spares[caller.name] = accounts.create_token(user=caller.name, label="spare").info.id
    accounts.add_user(name="carol")
    store = parts.state.registry
    for workspace in WORKSPACES:
        store.create_workspace(name=workspace)
        accounts.set_member(workspace=workspace, user="carol", role="viewer")
        for caller in CALLERS:
            if workspace in caller.roles:
                accounts.set_member(
                    workspace=workspace, user=caller.name, role=caller.roles[workspace]
                )
        for number in (1, 2):
            artifact = _artifact(folder / f"v{number}.zip", f"version {number} of m in {workspace}")
            store.register_version(
                name="m", artifact=artifact, digest=_sha256(artifact), signature=SIGNATURE,
                metadata={}, lineage={}, build={}, source_format="native", workspace=workspace,
            )  # fmt: skip
            store.set_version_tag(name="m", number=number, key="k", value="v", workspace=workspace)
        store.set_alias(name="m", alias="prod", number=1, workspace=workspace)
        store.set_model_tag(name="m", key="k", value="v", workspace=workspace)
        SecretStore(folder, workspace).set("s", SECRET_VALUE)
        # the pipeline's model is not m, whose deletion a pipeline using it would refuse
        artifact = folder / "n.zip"
        artifact.write_bytes(f"n in {workspace}".encode())
        store.register_version(
            name="n", artifact=artifact, digest=_sha256(artifact), signature=SIGNATURE,
            metadata={}, lineage={}, build={}, source_format="native", workspace=workspace,
        )  # fmt: skip
        create_pipeline(
            "p", registry=store, pipelines=parts.state.pipelines, steps=["n:1"],
            workspace=workspace,
        )  # fmt: skip
    store.close()
    return Seeded(folder, tokens, spares)


def _artifact(dest: Path, label: str) -> Path:
    """A real artifact (its manifest is read by a route) holding ``label``."""
    manifest = Manifest(name="m", version="1", source_format="native", entry_point="main:M")
    return write_artifact(dest, manifest=manifest, files={"src/label.txt": label.encode()}).path


def _sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def fresh_client(seeded: Seeded, tmp_path: Path) -> Iterator[Callable[[], TestClient]]:
    """A client of a server on a fresh copy of the seeded registry."""
    opened: list[Any] = []

    def make() -> TestClient:
        copy = tmp_path / f"copy{len(opened)}"
        shutil.copytree(seeded.folder, copy)
        parts = make_server(copy, auth=True)
        context = app_client(parts.app)
        opened.append((parts, context))
        return context.__enter__()

    yield make
    for parts, context in opened:
        context.__exit__(None, None, None)
        parts.state.registry.close()


def _url(op: Operation, workspace: str, caller: str, seeded: Seeded) -> str:
    values = {
        "workspace": workspace,
        "model": "m",
        "pipeline": "p",
        "number:int": "2" if "pipelines" not in op.path else "1",
        "ref:path": "m@prod",
        "alias": "prod",
        "key": "k",
        "name": "s",
        "user": "carol",
        "token_id": seeded.spare_tokens.get(caller, "none"),
    }
    url = op.full_path
    for name, value in values.items():
        url = url.replace("{" + name + "}", value)
    assert "{" not in url, f"no value for a parameter of {op.full_path}"
    return url


def test_every_route_has_an_entry_in_the_matrix() -> None:
    routes = {(op.method, op.path) for op in OPERATIONS}
    assert routes - set(REQUESTS) == set(), "add the new routes to REQUESTS"
    assert set(REQUESTS) - routes == set(), "remove the entries of routes that are gone"


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_each_caller_may_do_exactly_what_their_role_allows(
    op: Operation, seeded: Seeded, fresh_client: Callable[[], TestClient]
) -> None:
    client = fresh_client()
    access, request = REQUESTS[(op.method, op.path)]
    trials = [(caller, ws) for caller in CALLERS for ws in _workspaces(op)]
    trials.sort(key=lambda trial: trial[0].allowed(access, trial[1]))  # refusals first
    first_allowed = True
    for caller, workspace in trials:
        headers = {}
        if caller.name in seeded.tokens:
            headers["Authorization"] = f"Bearer {seeded.tokens[caller.name]}"
        answer = client.request(
            op.method,
            _url(op, workspace, caller.name, seeded),
            headers=headers,
            **request(caller.name),
        )
        where = f"{caller.name} on {op.method} {op.path} in {workspace}"
        assert SECRET_VALUE not in answer.text, f"a secret's value answered to {where}"
        if not caller.allowed(access, workspace):
            expected = 401 if caller.name == "anonymous" else 403
            assert answer.status_code == expected, f"{where}: {answer.status_code} {answer.text}"
            assert answer.headers["content-type"] == "application/problem+json"
        elif first_allowed and access != "public":
            expected_status = FIRST_ALLOWED.get((op.method, op.path))
            if expected_status is None:
                assert 200 <= answer.status_code < 300, f"{where}: {answer.text}"
            else:
                assert answer.status_code == expected_status, f"{where}: {answer.text}"
            first_allowed = False
        else:  # passed the check; what the first allowed caller did may make this one a 404
            assert answer.status_code not in (401, 403), f"{where}: {answer.text}"
            assert answer.status_code < 500, f"{where}: {answer.text}"


def _workspaces(op: Operation) -> tuple[str, ...]:
    return WORKSPACES if "{workspace}" in op.path else ("-",)


def test_a_revoked_token_is_refused(seeded: Seeded, fresh_client: Callable[[], TestClient]) -> None:
    client = fresh_client()
    auth = {"Authorization": f"Bearer {seeded.tokens['viewer']}"}
    listed = client.get("/api/v1/tokens", headers=auth).json()["tokens"]
    assert len(listed) == 2
    assert all("token" not in item for item in listed)  # ids and labels, never values
    mine = next(t["id"] for t in listed if t["label"] is None)
    assert client.delete(f"/api/v1/tokens/{mine}", headers=auth).status_code == 204
    refused = client.get("/api/v1/whoami", headers=auth)
    assert refused.status_code == 401
    assert "not valid" in refused.json()["detail"]
    assert client.get("/api/v1/whoami", headers={"Authorization": "Bearer mpt_x"}).status_code == (
        401
    )


def test_a_workspace_listing_shows_only_the_callers_workspaces(
    seeded: Seeded, fresh_client: Callable[[], TestClient]
) -> None:
    client = fresh_client()
    for caller in CALLERS[1:]:
        auth = {"Authorization": f"Bearer {seeded.tokens[caller.name]}"}
        listed = client.get("/api/v1/workspaces", headers=auth).json()["workspaces"]
        assert sorted(w["name"] for w in listed) == sorted(caller.roles), caller.name


def test_only_an_admin_is_told_that_a_workspace_does_not_exist(
    seeded: Seeded, fresh_client: Callable[[], TestClient]
) -> None:
    client = fresh_client()
    for caller, expected in [("admin", 404), ("owner", 403), ("outsider", 403)]:
        auth = {"Authorization": f"Bearer {seeded.tokens[caller]}"}
        answer = client.get("/api/v1/workspaces/nope/models", headers=auth)
        assert answer.status_code == expected, (caller, answer.text)
        assert answer.json()["field"] == "workspace"
    auth = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    assert client.get("/api/v1/workspaces/alpha/models", headers=auth).status_code == 403
