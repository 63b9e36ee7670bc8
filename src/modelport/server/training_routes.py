"""DEEPaaS training jobs over the API: the jobs the registry keeps for a workspace's models.

``modelport serve`` of a DEEPaaS model keeps each training job (``POST .../train``) in the
registry's database by model name (``formats/deepaas/training_store.py``); this server reads
them from the same database, so they are listed whichever process ran them, after it stopped
too. Opening the jobs marks those whose serving process is gone as interrupted, as a DEEPaaS
server does when it starts.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from modelport.formats.deepaas.training_store import TrainingJob, TrainingJobStore
from modelport.server.routing import Operation, answer, blocking
from modelport.server.state import ServerState


def training_json(job: TrainingJob) -> dict[str, Any]:
    """One job: its arguments, status and, once finished, its output or error message."""
    return {
        "uuid": job.uuid,
        "model": job.model,
        "status": job.status,
        "started": job.date,
        "finished": job.finish_date,
        "args": job.args,
        "output": job.output,
        "message": job.message,
        "registered_version": job.registered_version,
    }


def _workspace_jobs(state: ServerState, workspace: str) -> list[TrainingJob]:
    names = {model.name for model in state.registry.list_models(workspace=workspace)}
    store = TrainingJobStore.open(state.registry_uri)
    try:
        jobs = store.list_all()
    finally:
        store.close()
    return [job for job in jobs if job.model in names]


async def list_trainings(request: Request) -> Response:
    state = ServerState.of(request)
    jobs = await blocking(_workspace_jobs, state, request.path_params["workspace"])
    return answer({"trainings": [training_json(job) for job in reversed(jobs)]})


OPERATIONS = [
    Operation("GET", "/workspaces/{workspace}/trainings", list_trainings, "viewer",
              "The DEEPaaS training jobs of the workspace's models, newest first.",
              answer="TrainingList"),
]  # fmt: skip
