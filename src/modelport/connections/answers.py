"""The JSON shapes of Wallaroo's model-registry API, shared by its routes and the CLI's --json:
a registry (token masked), a registered model with its latest versions in MLflow's
ModelVersion shape, and a version's artifact file."""

from __future__ import annotations

from typing import Any

from modelport.connections.mlflow_client import ArtifactFile
from modelport.connections.store import RegistryConnection

VERSION_KEYS = (
    "name",
    "description",
    "version",
    "status",
    "run_id",
    "run_link",
    "source",
    "current_stage",
    "creation_timestamp",
    "last_updated_timestamp",
)
"""mlflow.entities.model_registry.ModelVersion's fields, as Wallaroo lists them."""


def registry_json(connection: RegistryConnection) -> dict[str, Any]:
    return {
        "id": connection.id,
        "name": connection.name,
        "url": connection.url,
        "token": connection.token,
        "created_at": connection.created_at.isoformat(),
        "updated_at": connection.updated_at.isoformat(),
    }


def registered_model_json(model: dict[str, Any]) -> dict[str, Any]:
    """MLflow's RegisteredModel as Wallaroo answers it (``latest_versions`` None when empty;
    MLflow's empty strings as None, as its Python client gives them)."""
    versions = [version_json(v) for v in model.get("latest_versions") or []]
    return {
        "name": model.get("name"),
        "user_id": model.get("user_id") or None,
        "latest_versions": versions or None,
        "creation_timestamp": model.get("creation_timestamp"),
        "last_updated_timestamp": model.get("last_updated_timestamp"),
    }


def version_json(version: dict[str, Any]) -> dict[str, Any]:
    return {key: version.get(key) if version.get(key) != "" else None for key in VERSION_KEYS}


def artifact_json(artifact: ArtifactFile) -> dict[str, Any]:
    return {
        "file_size": artifact.file_size,
        "full_path": artifact.full_path,
        "is_dir": artifact.is_dir,
        "modification_time": None,  # MLflow's artifact listing gives none
        "path": artifact.path,
    }
