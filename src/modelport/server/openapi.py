"""The API's OpenAPI 3.1 document, generated from the route table (``Operation``s), so every
route is documented with the access it needs and its bodies, and none is forgotten."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from modelport.server.deployment_schema import DEPLOYMENT_LIST
from modelport.server.routing import Operation

_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
_TIME = {"type": "string", "format": "date-time"}
_TAGS = {"type": "object", "additionalProperties": {"type": "string"}}
_OBJECT = {"type": "object"}
_NEXT_PAGE = {
    "type": ["string", "null"],
    "description": "Pass as page_token for the next page; null on the last page.",
}
_ACCESS = {
    "public": "No token needed.",
    "user": "Any valid API token.",
    "admin": "An admin's API token.",
    "viewer": "A viewer, editor or owner of the workspace.",
    "editor": "An editor or owner of the workspace.",
    "owner": "An owner of the workspace.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: Sequence[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": properties}


def _list_of(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return _obj([key], **{key: {"type": "array", "items": item}})


SCHEMAS: dict[str, Any] = {
    "Problem": _obj(
        ["title", "status", "detail"],
        type={"type": "string"},
        title={"type": "string", "description": "The error's kind (NotFound, Forbidden...)."},
        status={"type": "integer"},
        detail={"type": "string", "description": "What went wrong and what to do about it."},
        error={"type": "string"},
        field={"type": "string", "description": "The offending input field, if any."},
    ),
    "Workspace": _obj(
        ["name", "created_at", "id"],
        name={"type": "string"},
        created_at=_TIME,
        id={"type": "integer", "description": "The number Wallaroo's API names it by."},
    ),
    "WorkspaceList": _list_of("workspaces", _ref("Workspace")),
    "NewWorkspace": _obj(["name"], name={"type": "string"}),
    "Model": _obj(
        [
            "workspace",
            "name",
            "description",
            "tags",
            "created_at",
            "updated_at",
            "version_count",
            "latest_version",
        ],
        workspace={"type": "string"},
        name={"type": "string"},
        description={"type": ["string", "null"]},
        tags=_TAGS,
        created_at=_TIME,
        updated_at=_TIME,
        version_count={"type": "integer", "minimum": 0},
        latest_version={"type": ["integer", "null"], "description": "null: no versions yet."},
    ),
    "ModelList": _obj(
        ["models", "next_page_token"],
        models={"type": "array", "items": _ref("Model")},
        next_page_token=_NEXT_PAGE,
    ),
    "NewModel": _obj(
        ["name"], name={"type": "string"}, description={"type": ["string", "null"]}, tags=_TAGS
    ),
    "ModelChange": _obj([], description={"type": ["string", "null"]}),
    "ModelVersion": _obj(
        ["workspace", "model", "number", "digest", "size", "source_format", "created_at"],
        workspace={"type": "string"},
        model={"type": "string"},
        number={"type": "integer", "minimum": 1},
        digest={"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
        size={"type": "integer"},
        source_format={"type": "string"},
        created_at=_TIME,
        signature=_OBJECT,
        metadata=_OBJECT,
        lineage=_OBJECT,
        build=_OBJECT,
        tags=_TAGS,
        aliases={"type": "array", "items": {"type": "string"}},
    ),
    "VersionList": _obj(
        ["versions", "next_page_token"],
        versions={"type": "array", "items": _ref("ModelVersion")},
        next_page_token=_NEXT_PAGE,
    ),
    "Registration": _obj(
        ["source_format"],
        digest={"type": "string", "description": "The artifact's sha256:<hex>, checked."},
        signature=_OBJECT,
        metadata=_OBJECT,
        lineage=_OBJECT,
        build=_OBJECT,
        source_format={"type": "string"},
        description={"type": ["string", "null"]},
    ),
    "Upload": _obj(
        ["registration", "artifact"],
        registration=_ref("Registration"),
        artifact={"type": "string", "contentMediaType": "application/zip"},
    ),
    "Registered": _obj(
        ["version", "created"], version=_ref("ModelVersion"), created={"type": "boolean"}
    ),
    "Alias": _obj(
        ["workspace", "model", "name", "version"],
        workspace={"type": "string"},
        model={"type": "string"},
        name={"type": "string"},
        version={"type": "integer"},
    ),
    "AliasList": _list_of("aliases", _ref("Alias")),
    "AliasChange": _obj(
        ["workspace", "model", "alias", "from_version", "to_version", "actor", "changed_at"],
        workspace={"type": "string"},
        model={"type": "string"},
        alias={"type": "string"},
        from_version={"type": ["integer", "null"], "description": "None: the alias was set."},
        to_version={"type": ["integer", "null"], "description": "None: the alias was removed."},
        actor={"type": "string", "description": "The user whose token made the change."},
        changed_at=_TIME,
    ),
    "AliasHistory": _list_of("changes", _ref("AliasChange")),
    "AliasTarget": _obj(["version"], version={"type": "integer", "minimum": 1}),
    "TagValue": _obj(["value"], value={"type": "string"}),
    "Orphans": _obj(
        ["orphans", "removed"],
        orphans={"type": "object", "additionalProperties": {"type": "integer"}},
        removed={"type": "boolean"},
    ),
    "SecretList": _list_of("secrets", {"type": "string"}),
    "SecretValue": _obj(["value"], value={"type": "string", "writeOnly": True}),
    "SecretSet": _obj(["name", "set"], name={"type": "string"}, set={"type": "boolean"}),
    "Identity": _obj(
        ["user", "admin", "roles"],
        user={"type": "string"},
        admin={"type": "boolean"},
        roles={"type": "object", "additionalProperties": {"type": "string"}},
    ),
    "ApiToken": _obj(
        ["id", "user", "created_at"],
        id={"type": "string"},
        user={"type": "string"},
        label={"type": ["string", "null"]},
        created_at=_TIME,
    ),
    "TokenList": _list_of("tokens", _ref("ApiToken")),
    "NewToken": _obj([], label={"type": ["string", "null"]}),
    "CreatedToken": {
        "allOf": [
            _ref("ApiToken"),
            _obj(["token"], token={"type": "string", "description": "Shown this once."}),
        ]
    },
    "Member": _obj(
        ["workspace", "user", "role"],
        workspace={"type": "string"},
        user={"type": "string"},
        role={"enum": ["viewer", "editor", "owner"]},
    ),
    "MemberList": _list_of("members", _ref("Member")),
    "MemberRole": _obj(["role"], role={"enum": ["viewer", "editor", "owner"]}),
    "Pipeline": _obj(
        ["workspace", "name", "log_inferences", "latest", "created_at", "updated_at"],
        workspace={"type": "string"},
        name={"type": "string"},
        description={"type": ["string", "null"]},
        log_inferences={"type": "boolean"},
        latest={"type": "integer"},
        created_at=_TIME,
        updated_at=_TIME,
    ),
    "PipelineList": _list_of("pipelines", _ref("Pipeline")),
    "PipelineVersion": _obj(
        ["workspace", "pipeline", "number", "steps", "validations"],
        workspace={"type": "string"},
        pipeline={"type": "string"},
        number={"type": "integer"},
        steps={
            "type": "array",
            "items": _obj(
                ["model", "version"], model={"type": "string"}, version={"type": "integer"}
            ),
        },
        validations={
            "type": "array",
            "items": _obj(
                ["label", "expression"], label={"type": "string"}, expression={"type": "string"}
            ),
        },
        created_at={"type": ["string", "null"], "format": "date-time"},
    ),
    "PipelineWithVersions": {
        "allOf": [_ref("Pipeline"), _list_of("versions", _ref("PipelineVersion"))]
    },
    "PipelineLog": _obj(
        ["workspace", "pipeline", "log_inferences", "columns", "rows"],
        workspace={"type": "string"},
        pipeline={"type": "string"},
        log_inferences={"type": "boolean", "description": "Whether new inferences are logged."},
        columns={"type": "array", "items": {"type": "string"}},
        rows={
            "type": "array",
            "items": _OBJECT,
            "description": "Flat pandas records (time in epoch milliseconds), oldest first.",
        },
    ),
    "Training": _obj(
        ["uuid", "model", "status", "started", "args"],
        uuid={"type": "string"},
        model={"type": "string"},
        status={"enum": ["running", "done", "error", "cancelled"]},
        started={"type": "string", "description": "When it started (server local time)."},
        finished={"type": ["string", "null"]},
        args=_OBJECT,
        output={"description": "What the model's train() returned, once done."},
        message={"type": ["string", "null"], "description": "The error, when it failed."},
        registered_version={
            "type": ["string", "null"],
            "description": "NAME:N registered from the trained package (--register).",
        },
    ),
    "TrainingList": _list_of("trainings", _ref("Training")),
    "NewPipeline": _obj(
        ["name"],
        name={"type": "string"},
        steps={"type": "array", "items": {"type": "string"}},
        description={"type": ["string", "null"]},
        log_inferences={"type": "boolean"},
    ),
    "Manifest": _obj(
        ["name", "version", "source_format", "entry_point", "python_version", "lock", "build"],
        name={"type": "string"},
        version={"type": "string", "description": "The model's own version label."},
        source_format={"type": "string"},
        entry_point={"type": "string"},
        signature=_OBJECT,
        metadata=_OBJECT,
        python_version={"type": "string"},
        lock={
            "type": ["array", "string"],
            "items": {"type": "string"},
            "description": "The pinned requirements the model's environment was made from.",
        },
        build=_OBJECT,
        format_version={"type": "integer"},
        file_count={"type": "integer", "minimum": 0},
    ),
    "Rows": {
        "oneOf": [{"type": "array", "items": _OBJECT}, _OBJECT],
        "description": "JSON records (or one record), as the model's native predict route takes.",
    },
    "Prediction": _obj(
        ["answer", "latency_ms"],
        answer={"description": "The model's answer, as its native predict route gives it."},
        latency_ms={"type": "number", "description": "How long the model server took."},
    ),
    "ServingList": _list_of(
        "servings",
        _obj(
            ["workspace", "model", "version", "ready", "started_at", "metrics"],
            workspace={"type": "string"},
            model={"type": "string"},
            version={"type": "integer"},
            ready={"type": "boolean"},
            started_at=_TIME,
            metrics={
                "type": ["object", "null"],
                "description": "Cumulative counts: requests, errors, in_flight, "
                "latency_buckets, rows_buckets (rows per request) and batch_buckets (rows per "
                "merged batch; null when the model is not batched), each [upper bound, count], "
                "the last bound inf; null when the serving did not answer.",
            },
        ),
    ),
    "DeploymentList": DEPLOYMENT_LIST,
    "PipelineChange": _obj(["log_inferences"], log_inferences={"type": "boolean"}),
    "NewStep": _obj(["model_ref"], model_ref={"type": "string"}),
    "NewValidation": _obj(
        ["label", "expression"], label={"type": "string"}, expression={"type": "string"}
    ),
}


def build_document(operations: Sequence[Operation], *, version: str) -> dict[str, Any]:
    """The OpenAPI document of ``operations``."""
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        template = _PARAM.sub(lambda m: "{" + m[1] + "}", op.full_path)
        paths.setdefault(template, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "modelport registry",
            "version": version,
            "description": "Workspaces, models, versions, aliases, tags and secrets of a "
            "modelport registry. Send `Authorization: Bearer <token>`; errors are RFC 9457 "
            "problem details.",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(op: Operation) -> dict[str, Any]:
    found: dict[str, Any] = {
        "operationId": op.handler.__name__,
        "summary": op.summary,
        "description": f"Access: {_ACCESS[op.access]}",
        "responses": {str(op.status): _answer(op), "default": _problem()},
    }
    if op.access != "public":
        found["security"] = [{"token": []}]
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1} if kind == "int" else {"type": "string"},
        }
        for name, kind in _PARAM.findall(op.path)
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in op.query
    ]
    if parameters:
        found["parameters"] = parameters
    if op.request == "upload":
        found["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": _ref("Upload")}},
        }
    elif op.request == "rows":
        found["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": _ref("Rows")},
                "text/csv": {"schema": {"type": "string", "description": "A header line first."}},
            },
        }
    elif op.request is not None:
        found["requestBody"] = {  # no body reads as {}: optional where no field is required
            "required": bool(SCHEMAS[op.request].get("required")),
            "content": {"application/json": {"schema": _ref(op.request)}},
        }
    return found


def _answer(op: Operation) -> dict[str, Any]:
    if op.answer is None:
        return {"description": "Done."}
    if op.answer == "artifact":
        media = {"application/zip": {"schema": {"type": "string", "format": "binary"}}}
        return {"description": "The artifact zip.", "content": media}
    return {"description": "OK", "content": {"application/json": {"schema": _ref(op.answer)}}}


def _problem() -> dict[str, Any]:
    return {
        "description": "An error, as problem details.",
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }
