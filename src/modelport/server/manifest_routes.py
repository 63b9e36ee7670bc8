"""A version's manifest over the API: what its artifact says of how it was built (Python
version, lock, entry point), which the registry's version record does not hold."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from modelport.artifact.reader import open_artifact
from modelport.server.routing import Operation, answer, blocking
from modelport.server.state import ServerState


def _manifest(state: ServerState, workspace: str, name: str, number: int) -> dict[str, Any]:
    store = state.registry
    version = store.get_version(name=name, number=number, workspace=workspace)
    artifact = open_artifact(
        store.artifact_path(version),
        max_bytes=state.max_upload_bytes,
        expected_digest=version.digest,
    )
    found = artifact.manifest.to_dict()
    files = found.pop("files")
    return {**found, "file_count": len(files)}


async def get_manifest(request: Request) -> Response:
    params = request.path_params
    found = await blocking(
        _manifest, ServerState.of(request), params["workspace"], params["model"], params["number"]
    )
    return answer(found)


OPERATIONS = [
    Operation("GET", "/workspaces/{workspace}/models/{model}/versions/{number:int}/manifest",
              get_manifest, "viewer",
              "The manifest of a version's artifact (Python version, lock, entry point, build "
              "record; its file listing as a count), checked against the version's digest.",
              answer="Manifest"),
]  # fmt: skip
