"""The registry's REST API: one route per method of ``RegistryStore``.

Each handler reads its arguments from the path, the query or a small JSON body, calls the
store in a worker thread and answers the entity in its wire shape (``registry/rest/wire.py``).
Registering streams the artifact in (``server/uploads.py``); downloading streams it out.
Access is declared in :data:`OPERATIONS` and checked before a handler runs.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from modelport.errors import InvalidInput
from modelport.registry import refs
from modelport.registry.rest import wire
from modelport.registry.search import DEFAULT_PAGE_SIZE, validate_page_size
from modelport.registry.store import RegistryStore
from modelport.server.access import authenticate
from modelport.server.routing import (
    Operation,
    answer,
    blocking,
    flag,
    json_body,
    text_field,
)
from modelport.server.state import ServerState
from modelport.server.uploads import receive_upload, scratch_file


def _store(request: Request) -> RegistryStore:
    return ServerState.of(request).registry


def _names(request: Request) -> dict[str, Any]:
    """The workspace and model the path names."""
    return {
        "workspace": request.path_params["workspace"],
        "name": request.path_params["model"],
    }


# -- workspaces ----------------------------------------------------------------------------


async def list_workspaces(request: Request) -> Response:
    principal = authenticate(request)
    found = await blocking(_store(request).list_workspaces)
    visible = [w for w in found if principal.role_in(w.name) is not None]
    return answer({"workspaces": [wire.workspace_json(w) for w in visible]})


async def create_workspace(request: Request) -> Response:
    body = await json_body(request)
    state = ServerState.of(request)
    made = await blocking(state.registry.create_workspace, name=text_field(body, "name"))
    if state.accounts is not None:  # its creator owns it
        user = authenticate(request).user
        await blocking(state.accounts.set_member, workspace=made.name, user=user, role="owner")
    return answer(wire.workspace_json(made), 201)


# -- models --------------------------------------------------------------------------------


def _paging(request: Request) -> dict[str, Any]:
    """A search's tag filter and paging, from the query: ``tag=KEY=VALUE`` (repeatable: all
    must match), ``max_results`` and ``page_token`` (the previous answer's next_page_token)."""
    tags: dict[str, str] = {}
    for term in request.query_params.getlist("tag"):
        key, equals, value = term.partition("=")
        if not equals:
            raise InvalidInput(
                f"tag filter {term!r} is not KEY=VALUE", hint="e.g. ?tag=team=fraud", field="tag"
            )
        tags[key] = refs.validate_tag(key, value)[1]
    size = request.query_params.get("max_results", str(DEFAULT_PAGE_SIZE))
    try:
        max_results: object = int(size) if len(size) < 10 else size
    except ValueError:
        max_results = size
    return {
        "tags": tags,
        "max_results": validate_page_size(max_results),
        "page_token": request.query_params.get("page_token"),
    }


async def list_models(request: Request) -> Response:
    page = await blocking(
        _store(request).search_models,
        name_contains=request.query_params.get("name_contains"),
        workspace=request.path_params["workspace"],
        **_paging(request),
    )
    found = [wire.model_json(m) for m in page.items]
    return answer({"models": found, "next_page_token": page.next_page_token})


async def create_model(request: Request) -> Response:
    body = await json_body(request)
    tags = body.get("tags") or {}
    if not isinstance(tags, dict):
        raise InvalidInput("tags must be a JSON object of strings", field="tags")
    made = await blocking(
        _store(request).create_model,
        name=text_field(body, "name"),
        description=text_field(body, "description", optional=True),
        tags=tags,
        workspace=request.path_params["workspace"],
    )
    return answer(wire.model_json(made), 201)


async def get_model(request: Request) -> Response:
    found = await blocking(_store(request).get_model, **_names(request))
    return answer(wire.model_json(found))


async def update_model(request: Request) -> Response:
    body = await json_body(request)
    description = text_field(body, "description", optional=True)
    found = await blocking(_store(request).update_model, **_names(request), description=description)
    return answer(wire.model_json(found))


async def delete_model(request: Request) -> Response:
    with_versions = flag(request, "with_versions")
    await blocking(_store(request).delete_model, **_names(request), with_versions=with_versions)
    return Response(status_code=204)


# -- versions ------------------------------------------------------------------------------


async def list_versions(request: Request) -> Response:
    page = await blocking(_store(request).search_versions, **_names(request), **_paging(request))
    found = [wire.version_json(v) for v in page.items]
    return answer({"versions": found, "next_page_token": page.next_page_token})


async def register_version(request: Request) -> Response:
    state = ServerState.of(request)
    with scratch_file(state.upload_dir) as (path, stream):
        upload = await receive_upload(request, stream, path, state.max_upload_bytes)
        fields = upload.registration
        stated = refs.validate_digest(fields.get("digest", upload.digest))
        if stated != upload.digest:
            raise InvalidInput(
                f"the artifact's digest is {upload.digest}, not {stated} as the registration "
                "states",
                hint="the file changed or was cut short on its way; upload it again",
                field="digest",
            )
        version, created = await blocking(
            state.registry.register_version,
            **_names(request),
            artifact=path,
            digest=upload.digest,
            signature=fields.get("signature", {}),
            metadata=fields.get("metadata", {}),
            lineage=fields.get("lineage", {}),
            build=fields.get("build", {}),
            source_format=fields.get("source_format"),
            description=text_field(fields, "description", optional=True),
        )
    status = 201 if created else 200
    return answer({"version": wire.version_json(version), "created": created}, status)


async def get_version(request: Request) -> Response:
    number = request.path_params["number"]
    found = await blocking(_store(request).get_version, **_names(request), number=number)
    return answer(wire.version_json(found))


async def delete_version(request: Request) -> Response:
    number = request.path_params["number"]
    await blocking(_store(request).delete_version, **_names(request), number=number)
    return Response(status_code=204)


async def resolve(request: Request) -> Response:
    workspace = request.path_params["workspace"]
    found = await blocking(_store(request).resolve, request.path_params["ref"], workspace=workspace)
    return answer(wire.version_json(found))


async def download_artifact(request: Request) -> Response:
    store = _store(request)
    number = request.path_params["number"]
    version = await blocking(store.get_version, **_names(request), number=number)
    path = await blocking(store.artifact_path, version)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{version.model}-{version.number}.zip",
        headers={"Modelport-Digest": version.digest},
    )


async def collect_orphan_blobs(request: Request) -> Response:
    dry_run = flag(request, "dry_run")
    found = await blocking(_store(request).collect_orphan_blobs, dry_run=dry_run)
    return answer({"orphans": found, "removed": not dry_run})


# -- aliases -------------------------------------------------------------------------------


async def list_aliases(request: Request) -> Response:
    found = await blocking(_store(request).list_aliases, **_names(request))
    return answer({"aliases": [wire.alias_json(a) for a in found]})


async def set_alias(request: Request) -> Response:
    body = await json_body(request)
    number = refs.validate_number(body.get("version"))
    alias = request.path_params["alias"]
    made = await blocking(
        _store(request).set_alias, **_names(request), alias=alias, number=number,
        actor=authenticate(request).user,
    )  # fmt: skip
    return answer(wire.alias_json(made))


async def delete_alias(request: Request) -> Response:
    alias = request.path_params["alias"]
    await blocking(
        _store(request).delete_alias, **_names(request), alias=alias,
        actor=authenticate(request).user,
    )  # fmt: skip
    return Response(status_code=204)


async def alias_history(request: Request) -> Response:
    found = await blocking(
        _store(request).alias_history, **_names(request), alias=request.query_params.get("alias")
    )
    return answer({"changes": [wire.alias_change_json(c) for c in found]})


# -- tags ----------------------------------------------------------------------------------


async def set_model_tag(request: Request) -> Response:
    value = text_field(await json_body(request), "value")
    key = request.path_params["key"]
    found = await blocking(_store(request).set_model_tag, **_names(request), key=key, value=value)
    return answer(wire.model_json(found))


async def delete_model_tag(request: Request) -> Response:
    key = request.path_params["key"]
    found = await blocking(_store(request).delete_model_tag, **_names(request), key=key)
    return answer(wire.model_json(found))


async def set_version_tag(request: Request) -> Response:
    value = text_field(await json_body(request), "value")
    found = await blocking(
        _store(request).set_version_tag,
        **_names(request),
        number=request.path_params["number"],
        key=request.path_params["key"],
        value=value,
    )
    return answer(wire.version_json(found))


async def delete_version_tag(request: Request) -> Response:
    found = await blocking(
        _store(request).delete_version_tag,
        **_names(request),
        number=request.path_params["number"],
        key=request.path_params["key"],
    )
    return answer(wire.version_json(found))


_MODEL = "/workspaces/{workspace}/models/{model}"
_VERSION = _MODEL + "/versions/{number:int}"
_PAGING = ("tag", "max_results", "page_token")

OPERATIONS = [
    Operation("GET", "/workspaces", list_workspaces, "user", "The workspaces you are a member of.",
              answer="WorkspaceList"),
    Operation("POST", "/workspaces", create_workspace, "admin",
              "Create a workspace (you become its owner).", request="NewWorkspace",
              answer="Workspace", status=201),
    Operation("GET", "/workspaces/{workspace}/models", list_models, "viewer",
              "One page of a workspace's models, by name (query: name_contains, tag=KEY=VALUE "
              "repeatable, max_results, page_token).", answer="ModelList",
              query=("name_contains", *_PAGING)),
    Operation("POST", "/workspaces/{workspace}/models", create_model, "editor",
              "Create a model with no versions.", request="NewModel", answer="Model", status=201),
    Operation("GET", "/workspaces/{workspace}/refs/{ref:path}", resolve, "viewer",
              "The version a reference names: NAME (latest), NAME:N, NAME@ALIAS, "
              "models:/NAME/N or models:/NAME@ALIAS.",
              answer="ModelVersion"),
    Operation("GET", _MODEL, get_model, "viewer", "One model.", answer="Model"),
    Operation("PATCH", _MODEL, update_model, "editor", "Set a model's description.",
              request="ModelChange", answer="Model"),
    Operation("DELETE", _MODEL, delete_model, "editor",
              "Delete a model (with_versions=true: with its versions, aliases and tags).",
              status=204, query=("with_versions",)),
    Operation("GET", _MODEL + "/versions", list_versions, "viewer",
              "One page of a model's versions, oldest first (query: tag=KEY=VALUE repeatable, "
              "max_results, page_token).", answer="VersionList", query=_PAGING),
    Operation("POST", _MODEL + "/versions", register_version, "editor",
              "Register an artifact (multipart: registration JSON, then the artifact zip); "
              "201 for a new version, 200 when the model already has this digest.",
              request="upload", answer="Registered", status=201),
    Operation("GET", _VERSION, get_version, "viewer", "One version.", answer="ModelVersion"),
    Operation("DELETE", _VERSION, delete_version, "editor",
              "Delete a version (refused while an alias points at it).", status=204),
    Operation("GET", _VERSION + "/artifact", download_artifact, "viewer",
              "The version's artifact zip, streamed.", answer="artifact"),
    Operation("PUT", _VERSION + "/tags/{key}", set_version_tag, "editor",
              "Set a tag of a version.", request="TagValue", answer="ModelVersion"),
    Operation("DELETE", _VERSION + "/tags/{key}", delete_version_tag, "editor",
              "Remove a tag of a version.", answer="ModelVersion"),
    Operation("GET", _MODEL + "/aliases", list_aliases, "viewer", "The aliases of a model.",
              answer="AliasList"),
    Operation("PUT", _MODEL + "/aliases/{alias}", set_alias, "editor",
              "Point an alias at a version (creating or moving it).", request="AliasTarget",
              answer="Alias"),
    Operation("DELETE", _MODEL + "/aliases/{alias}", delete_alias, "editor",
              "Remove an alias.", status=204),
    Operation("GET", _MODEL + "/alias-history", alias_history, "viewer",
              "Every change of the model's aliases (query alias=NAME: of one), oldest first, "
              "with the user who made it.", answer="AliasHistory", query=("alias",)),
    Operation("PUT", _MODEL + "/tags/{key}", set_model_tag, "editor", "Set a tag of a model.",
              request="TagValue", answer="Model"),
    Operation("DELETE", _MODEL + "/tags/{key}", delete_model_tag, "editor",
              "Remove a tag of a model.", answer="Model"),
    Operation("POST", "/orphan-blobs/collect", collect_orphan_blobs, "admin",
              "Remove (unless dry_run=true) the blobs no version references.",
              answer="Orphans", query=("dry_run",)),
]  # fmt: skip
