"""The registry's REST API in process (no authentication): every store method through its
route, streamed uploads and downloads, problem JSON for every error, the OpenAPI document."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import pytest
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from modelport.schema import Field, Signature
from modelport.server.app import OPERATIONS
from modelport.testing.apps import app_client

from .conftest import ServerParts, upload_files

API = "/api/v1"
MODELS = f"{API}/workspaces/default/models"


def test_a_version_is_uploaded_listed_downloaded_aliased_tagged_and_deleted(
    no_auth_client: TestClient,
) -> None:
    client = no_auth_client
    content = b"PK not really a zip, but bytes the registry keeps by digest" * 1000
    first = client.post(f"{MODELS}/iris/versions", files=upload_files(content, description="x"))
    assert first.status_code == 201, first.text
    version = first.json()["version"]
    assert first.json()["created"] is True
    assert (version["number"], version["size"]) == (1, len(content))
    assert version["digest"] == "sha256:" + hashlib.sha256(content).hexdigest()
    again = client.post(f"{MODELS}/iris/versions", files=upload_files(content))
    assert (again.status_code, again.json()["created"]) == (200, False)

    assert [m["name"] for m in client.get(MODELS).json()["models"]] == ["iris"]
    assert client.get(f"{MODELS}/iris").json()["description"] == "x"
    download = client.get(f"{MODELS}/iris/versions/1/artifact")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["modelport-digest"] == version["digest"]

    alias = client.put(f"{MODELS}/iris/aliases/production", json={"version": 1})
    assert alias.json() == {
        "workspace": "default", "model": "iris", "name": "production", "version": 1
    }  # fmt: skip
    resolved = client.get(f"{API}/workspaces/default/refs/iris@production").json()
    assert (resolved["number"], resolved["aliases"]) == (1, ["production"])
    assert client.put(f"{MODELS}/iris/tags/team", json={"value": "a"}).json()["tags"] == {
        "team": "a"
    }
    tagged = client.put(f"{MODELS}/iris/versions/1/tags/stage", json={"value": "ok"}).json()
    assert tagged["tags"] == {"stage": "ok"}

    refused = client.delete(f"{MODELS}/iris/versions/1")
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "production" in refused.json()["detail"]
    assert client.delete(f"{MODELS}/iris/aliases/production").status_code == 204
    assert client.delete(f"{MODELS}/iris/versions/1").status_code == 204
    assert client.get(f"{MODELS}/iris/versions").json() == {"versions": [], "next_page_token": None}
    gone = client.get(f"{MODELS}/iris/versions/1")
    assert (gone.status_code, gone.json()["title"], gone.json()["field"]) == (
        404, "NotFound", "version"
    )  # fmt: skip


def test_models_are_created_changed_and_deleted(no_auth_client: TestClient) -> None:
    client = no_auth_client
    made = client.post(MODELS, json={"name": "empty", "tags": {"k": "v"}})
    assert made.status_code == 201
    assert made.json()["tags"] == {"k": "v"}
    assert client.post(MODELS, json={"name": "empty"}).status_code == 409
    changed = client.patch(f"{MODELS}/empty", json={"description": "now described"})
    assert changed.json()["description"] == "now described"
    assert client.delete(f"{MODELS}/empty").status_code == 204
    assert client.get(f"{MODELS}/empty").status_code == 404


def test_a_digest_that_does_not_match_registers_nothing(no_auth_client: TestClient) -> None:
    wrong = "sha256:" + "0" * 64
    answer = no_auth_client.post(
        f"{MODELS}/iris/versions", files=upload_files(b"abc", digest=wrong)
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "digest"
    assert no_auth_client.get(MODELS).json() == {"models": [], "next_page_token": None}


@pytest.mark.parametrize(
    ("files", "field"),
    [
        ({"artifact": ("a.zip", b"abc", "application/zip")}, "registration"),
        ({"registration": (None, b"{}", "application/json")}, "artifact"),
        ({"registration": (None, b"[1]", "application/json"),
          "artifact": ("a.zip", b"abc", "application/zip")}, "registration"),
        ({"other": (None, b"{}", "application/json")}, "other"),
    ],
)  # fmt: skip
def test_a_malformed_upload_names_the_part(
    no_auth_client: TestClient, files: dict[str, object], field: str
) -> None:
    answer = no_auth_client.post(f"{MODELS}/iris/versions", files=files)
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["field"] == field


def test_an_upload_that_is_not_multipart_is_415(no_auth_client: TestClient) -> None:
    answer = no_auth_client.post(f"{MODELS}/iris/versions", content=b"PK...")
    assert answer.status_code == 415
    assert "multipart/form-data" in answer.json()["detail"]


def test_an_artifact_over_the_bound_is_413_and_leaves_no_file(
    open_server: Callable[..., ServerParts],
) -> None:
    parts = open_server(max_upload_bytes=1000)
    with app_client(parts.app) as client:
        counted = client.post(f"{MODELS}/big/versions", files=upload_files(b"x" * 5000))
        declared = client.post(f"{MODELS}/big/versions", files=upload_files(b"x" * 5_000_000))
        for answer in (counted, declared):  # counted as it arrives; refused by Content-Length
            assert answer.status_code == 413
            assert answer.json()["field"] == "artifact"
            assert "MODELPORT_MAX_ARTIFACT_BYTES" in answer.json()["detail"]
        assert client.get(MODELS).json() == {"models": [], "next_page_token": None}
    assert list((parts.home / "uploads").iterdir()) == []


def test_bad_json_bodies_are_clear_errors(no_auth_client: TestClient) -> None:
    bad = no_auth_client.post(MODELS, content=b"{", headers={"content-type": "application/json"})
    assert (bad.status_code, bad.json()["title"]) == (400, "MalformedInput")
    not_object = no_auth_client.post(MODELS, json=[1])
    assert not_object.status_code == 422
    bad_name = no_auth_client.post(MODELS, json={"name": "Not A Name"})
    assert (bad_name.status_code, bad_name.json()["field"]) == (422, "name")
    big = no_auth_client.post(MODELS, json={"name": "x", "description": "d" * 2_000_000})
    assert big.status_code == 413


def test_workspaces_are_listed_and_created(no_auth_client: TestClient) -> None:
    made = no_auth_client.post(f"{API}/workspaces", json={"name": "team-a"})
    assert made.status_code == 201
    names = [w["name"] for w in no_auth_client.get(f"{API}/workspaces").json()["workspaces"]]
    assert names == ["default", "team-a"]
    unknown = no_auth_client.get(f"{API}/workspaces/nowhere/models")
    assert (unknown.status_code, unknown.json()["field"]) == (404, "workspace")


def test_secret_values_go_in_and_never_come_out(no_auth_client: TestClient) -> None:
    secrets = f"{API}/workspaces/default/secrets"
    put = no_auth_client.put(f"{secrets}/api-key", json={"value": "s3cr3t-value"})
    assert put.json() == {"name": "api-key", "set": True}
    listed = no_auth_client.get(secrets)
    assert listed.json() == {"secrets": ["api-key"]}
    assert "s3cr3t-value" not in listed.text
    assert no_auth_client.delete(f"{secrets}/api-key").status_code == 204
    assert no_auth_client.delete(f"{secrets}/api-key").status_code == 404


def test_the_openapi_document_is_valid_and_lists_every_route(no_auth_client: TestClient) -> None:
    document = no_auth_client.get(f"{API}/openapi.json").json()
    validate(document)
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    expected = {(op.method, re.sub(r":\w+}", "}", op.full_path)) for op in OPERATIONS}
    assert documented == expected
    operation_ids = [
        item["operationId"] for path in document["paths"].values() for item in path.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))
    page = no_auth_client.get(f"{API}/docs")
    assert page.status_code == 200
    assert "openapi.json" in page.text
    assert no_auth_client.get(f"{API}/docs/static/swagger-ui-bundle.js").status_code == 200


def test_pipelines_are_created_extended_and_shown(no_auth_client: TestClient) -> None:
    client = no_auth_client
    signature = Signature(inputs=[Field("x", float)], outputs=[Field("x", float)]).to_dict()
    files = upload_files(b"a step", signature=signature)
    assert client.post(f"{MODELS}/step/versions", files=files).status_code == 201
    pipelines = f"{API}/workspaces/default/pipelines"
    made = client.post(pipelines, json={"name": "flow", "steps": ["step"]})
    assert made.status_code == 201, made.text
    assert made.json()["steps"] == [{"model": "step", "version": 1}]
    checked = client.post(
        f"{pipelines}/flow/validations", json={"label": "small", "expression": "out.x < 10"}
    )
    assert checked.json()["number"] == 2
    shown = client.get(f"{pipelines}/flow").json()
    assert (shown["latest"], [v["number"] for v in shown["versions"]]) == (2, [1, 2])
    assert client.patch(f"{pipelines}/flow", json={"log_inferences": True}).json()["log_inferences"]
    missing = client.post(f"{pipelines}/flow/steps", json={"model_ref": "nosuch"})
    assert (missing.status_code, missing.json()["field"]) == (404, "model_ref")
    bad = client.post(f"{pipelines}/flow/validations", json={"label": "x", "expression": "1 +"})
    assert bad.status_code == 422
    client.post(f"{API}/workspaces", json={"name": "team-b"})
    elsewhere = client.post(
        f"{API}/workspaces/team-b/pipelines", json={"name": "flow", "steps": ["step"]}
    )
    assert elsewhere.status_code == 404  # a step names a model of the pipeline's own workspace
    assert client.get(f"{pipelines}/flow/versions/1").json()["steps"][0]["model"] == "step"


def test_listings_page_and_bad_search_queries_name_the_parameter(
    no_auth_client: TestClient,
) -> None:
    client = no_auth_client
    for name in ("iris", "wine"):
        client.post(f"{MODELS}/{name}/versions", files=upload_files(name.encode() * 100))
    client.put(f"{MODELS}/wine/tags/team", json={"value": "fraud"})
    first = client.get(MODELS, params={"max_results": 1}).json()
    assert [m["name"] for m in first["models"]] == ["iris"]
    assert (first["models"][0]["version_count"], first["models"][0]["latest_version"]) == (1, 1)
    rest = client.get(MODELS, params={"page_token": first["next_page_token"]}).json()
    assert ([m["name"] for m in rest["models"]], rest["next_page_token"]) == (["wine"], None)
    tagged = client.get(MODELS, params={"tag": "team=fraud"}).json()["models"]
    assert [m["name"] for m in tagged] == ["wine"]

    for params, field in [
        ({"max_results": "ten"}, "max_results"),
        ({"max_results": "9" * 50}, "max_results"),
        ({"max_results": "0"}, "max_results"),
        ({"tag": "team"}, "tag"),
        ({"page_token": "made-up"}, "page_token"),
    ]:
        refused = client.get(f"{MODELS}/iris/versions", params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.json()["field"] == field
    assert client.get(f"{MODELS}/iris/alias-history", params={"alias": "Bad"}).status_code == 422
