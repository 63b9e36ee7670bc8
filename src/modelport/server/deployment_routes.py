"""The deployments of a workspace (``modelport deploy``), with each one's counts read from its
address's ``/metrics`` when it answers there.

``modelport deploy`` records each deployment in the registry's database by the model's or the
pipeline's name (``deploy/records.py``) and deploys versions of the default workspace's models
and pipelines, so a workspace's deployments are those of its models and pipelines when it is
the default workspace, and none otherwise. A ``--target local`` deployment is a ``modelport
serve`` server at the recorded URL; a Ray Serve deployment answers at its proxy's URL and route
prefix (each ``/metrics`` read there is one replica's, the one the proxy picked); one recorded
with its route prefix alone (Ray Serve did not say where its proxy listens) is listed with its
recorded state and no counts.
"""

from __future__ import annotations

from typing import Any

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import Response

from modelport.deploy.records import DeploymentRecord, DeploymentRecords, route_prefix_of
from modelport.registry.entities import DEFAULT_WORKSPACE
from modelport.server.routing import Operation, answer, blocking
from modelport.server.serving_metrics import read_counts
from modelport.server.state import ServerState


def _workspace_deployments(state: ServerState, workspace: str) -> list[DeploymentRecord]:
    if workspace != DEFAULT_WORKSPACE:
        state.registry.list_models(workspace=workspace)  # NotFound for an unknown workspace
        return []
    models = {model.name for model in state.registry.list_models(workspace=workspace)}
    pipelines = {p.name for p in state.pipelines.list_pipelines(workspace=workspace)}
    with DeploymentRecords.open(state.registry_uri) as records:
        return [
            record
            for record in records.all()
            if record.model in (pipelines if record.pipeline else models)
        ]


def address_of(record: DeploymentRecord) -> str | None:
    """Where the deployment's routes answer: the local server's URL, or Ray Serve's proxy's
    and the route prefix; None for a Ray deployment recorded with its route prefix alone."""
    return record.url if record.url.startswith(("http://", "https://")) else None


def deployment_json(record: DeploymentRecord, metrics: dict[str, Any] | None) -> dict[str, Any]:
    """One deployment as the API answers it."""
    return {
        "name": record.name,
        "target": record.target,
        "kind": "local" if record.target == "local" else "ray",
        "model": record.model,
        "pipeline": record.pipeline,
        "steps": list(record.steps),
        "version": record.version,
        "reference": record.reference,
        "replicas": record.replicas,
        "state": record.state,
        "address": address_of(record),
        "route_prefix": None if record.target == "local" else route_prefix_of(record),
        "created": record.created.isoformat(),
        "metrics": metrics,
    }


async def list_deployments(request: Request) -> Response:
    state = ServerState.of(request)
    records = await blocking(_workspace_deployments, state, request.path_params["workspace"])
    found: dict[str, dict[str, Any] | None] = {}
    async with httpx.AsyncClient(timeout=2.0) as client:

        async def read(record: DeploymentRecord, address: str) -> None:
            found[record.name] = await read_counts(client, address, record.model)

        async with anyio.create_task_group() as group:
            for record in records:
                address = address_of(record)
                if address is not None:
                    group.start_soon(read, record, address)
    return answer({"deployments": [deployment_json(r, found.get(r.name)) for r in records]})


OPERATIONS = [
    Operation("GET", "/workspaces/{workspace}/deployments", list_deployments, "viewer",
              "The deployments (`modelport deploy`) of the workspace's models: target, version, "
              "replicas, recorded state, address, and the cumulative counts read from the "
              "address's /metrics (null when it does not answer, or for a Ray Serve "
              "deployment recorded without its proxy's address).",
              answer="DeploymentList"),
]  # fmt: skip
