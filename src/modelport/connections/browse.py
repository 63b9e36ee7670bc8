"""Reading a connected registry: its models page by page, and a model version's files, in the
shapes Wallaroo's API answers with (``answers.py``). The token is decrypted only to call the
registry."""

from __future__ import annotations

from typing import Any

from modelport.connections.answers import artifact_json, registered_model_json
from modelport.connections.mlflow_client import MlflowRegistry
from modelport.connections.store import RegistryConnections


def open_registry(connections: RegistryConnections, registry_id: str) -> MlflowRegistry:
    """A client of the registry ``registry_id`` names, with its token."""
    connection = connections.get(connection_id=registry_id)
    return MlflowRegistry(connection.url, connections.token(connection_id=registry_id))


def list_models(
    connections: RegistryConnections,
    registry_id: str,
    *,
    page_token: str | None = None,
    max_results: int = 100,
) -> dict[str, Any]:
    """``{"next_page_token": ..., "registered_models": [...]}``."""
    with open_registry(connections, registry_id) as registry:
        models, next_token = registry.search_models(page_token=page_token, max_results=max_results)
    return {
        "next_page_token": next_token,
        "registered_models": [registered_model_json(m) for m in models],
    }


def list_version_artifacts(
    connections: RegistryConnections, registry_id: str, *, name: str, version: str
) -> list[dict[str, Any]]:
    """Every file and folder of ``name`` version ``version``."""
    with open_registry(connections, registry_id) as registry:
        source = registry.version_source(name, version)
        return [artifact_json(a) for a in registry.list_artifacts(source.artifact_uri)]
