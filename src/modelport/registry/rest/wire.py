"""The registry's entities as JSON: one shape, written by ``modelport server`` and read by the
REST store, so the two cannot drift apart. Times are ISO 8601 with their UTC offset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from modelport._types import JSONObject
from modelport.errors import MalformedInput
from modelport.registry.entities import Alias, AliasChange, Model, ModelVersion, Workspace

API_PREFIX = "/api/v1"
"""Where the registry's REST API lives on a server; a later, incompatible API gets /api/v2."""


def workspace_json(workspace: Workspace) -> JSONObject:
    return {
        "name": workspace.name,
        "created_at": workspace.created_at.isoformat(),
        "id": workspace.id,
    }


def model_json(model: Model) -> JSONObject:
    return {
        "workspace": model.workspace,
        "name": model.name,
        "description": model.description,
        "tags": dict(model.tags),
        "created_at": model.created_at.isoformat(),
        "updated_at": model.updated_at.isoformat(),
        "version_count": model.version_count,
        "latest_version": model.latest_version,
    }


def version_json(version: ModelVersion) -> JSONObject:
    return {
        "workspace": version.workspace,
        "model": version.model,
        "number": version.number,
        "digest": version.digest,
        "size": version.size,
        "source_format": version.source_format,
        "created_at": version.created_at.isoformat(),
        "signature": version.signature,
        "metadata": version.metadata,
        "lineage": version.lineage,
        "build": version.build,
        "tags": dict(version.tags),
        "aliases": list(version.aliases),
    }


def alias_json(alias: Alias) -> JSONObject:
    return {
        "workspace": alias.workspace,
        "model": alias.model,
        "name": alias.name,
        "version": alias.version,
    }


def alias_change_json(change: AliasChange) -> JSONObject:
    return {
        "workspace": change.workspace,
        "model": change.model,
        "alias": change.alias,
        "from_version": change.from_version,
        "to_version": change.to_version,
        "actor": change.actor,
        "changed_at": change.changed_at.isoformat(),
    }


def workspace_of(body: Any) -> Workspace:
    return Workspace(name=body["name"], created_at=_time(body["created_at"]), id=body["id"])


def model_of(body: Any) -> Model:
    try:
        return Model(
            workspace=body["workspace"],
            name=body["name"],
            description=body["description"],
            tags=dict(body["tags"]),
            created_at=_time(body["created_at"]),
            updated_at=_time(body["updated_at"]),
            version_count=int(body["version_count"]),
            latest_version=_number_or_none(body["latest_version"]),
        )
    except (KeyError, TypeError) as error:
        raise _unexpected("model", error) from error


def version_of(body: Any) -> ModelVersion:
    try:
        return ModelVersion(
            workspace=body["workspace"],
            model=body["model"],
            number=int(body["number"]),
            digest=body["digest"],
            size=int(body["size"]),
            source_format=body["source_format"],
            created_at=_time(body["created_at"]),
            signature=body["signature"],
            metadata=body["metadata"],
            lineage=body["lineage"],
            build=body["build"],
            tags=dict(body["tags"]),
            aliases=tuple(body["aliases"]),
        )
    except (KeyError, TypeError) as error:
        raise _unexpected("version", error) from error


def alias_of(body: Any) -> Alias:
    try:
        return Alias(
            workspace=body["workspace"],
            model=body["model"],
            name=body["name"],
            version=int(body["version"]),
        )
    except (KeyError, TypeError) as error:
        raise _unexpected("alias", error) from error


def alias_change_of(body: Any) -> AliasChange:
    try:
        return AliasChange(
            workspace=body["workspace"],
            model=body["model"],
            alias=body["alias"],
            from_version=_number_or_none(body["from_version"]),
            to_version=_number_or_none(body["to_version"]),
            actor=body["actor"],
            changed_at=_time(body["changed_at"]),
        )
    except (KeyError, TypeError) as error:
        raise _unexpected("alias change", error) from error


def _number_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise MalformedInput(f"expected an ISO 8601 time, got {value!r}")
    return datetime.fromisoformat(value)


def _unexpected(what: str, error: Exception) -> MalformedInput:
    return MalformedInput(
        f"the server answered a {what} without the expected fields ({error})",
        hint="The server runs another version of modelport; use matching versions.",
    )
