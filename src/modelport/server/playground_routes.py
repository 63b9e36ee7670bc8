"""The web UI's playground over the API: rows sent to a version, answered by the model.

The rows (JSON, or CSV with a header line) go unchanged to the version's native predict route
on a short-lived serving of it (``server/playground.py``); its answer comes back with the time
it took, and its errors (problem JSON naming the field) come back as they are.
"""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import orjson
from starlette.requests import Request
from starlette.responses import Response

from modelport.artifact.reader import open_artifact
from modelport.errors import MalformedInput, PayloadTooLarge, Unreachable, UnsupportedMediaType
from modelport.server.playground import Playground
from modelport.server.routing import MAX_JSON_BYTES, Operation, answer, blocking
from modelport.server.state import ServerState

PREDICT_SECONDS = 120.0
"""How long the playground waits for a model's answer."""
_MEDIA = ("application/json", "text/csv")


async def _rows(request: Request) -> tuple[bytes, str]:
    """The request's rows and their media type: JSON or CSV, at most MAX_JSON_BYTES."""
    media = request.headers.get("content-type", "application/json").partition(";")[0].strip()
    if media not in _MEDIA:
        raise UnsupportedMediaType(
            f"the playground reads rows as application/json or text/csv, not {media}",
            hint='send e.g. [{"x": 1.0}] with Content-Type: application/json',
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise PayloadTooLarge(
                f"the rows are over {MAX_JSON_BYTES:,} bytes",
                hint="the playground is for a few rows; serve the model for more",
            )
    if media == "application/json":
        try:
            rows = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise MalformedInput(f"the rows are not JSON: {error}", field="rows") from error
        if not isinstance(rows, (list, dict)):
            raise MalformedInput("the rows must be a JSON list of objects (or one object)",
                                 field="rows")  # fmt: skip
    elif not body.strip():
        raise MalformedInput("no CSV rows were sent", field="rows")
    return bytes(body), media


def _check_artifact(state: ServerState, workspace: str, name: str, number: int) -> None:
    """NotFound for a version that does not exist; ArtifactError for one whose artifact is not
    a model's, before anything is started for it."""
    version = state.registry.get_version(name=name, number=number, workspace=workspace)
    path = state.registry.artifact_path(version)
    open_artifact(path, max_bytes=state.max_upload_bytes, expected_digest=version.digest)


async def predict(request: Request) -> Response:
    workspace = request.path_params["workspace"]
    name = request.path_params["model"]
    number = request.path_params["number"]
    await blocking(_check_artifact, ServerState.of(request), workspace, name, number)
    rows, media = await _rows(request)
    playground: Playground = request.app.state.playground
    url = await playground.url_of(workspace, name, number)
    started = time.perf_counter()
    try:
        async with httpx.AsyncClient(timeout=PREDICT_SECONDS) as client:
            found = await client.post(
                f"{url}/v1/models/{quote(name, safe='')}/predict",
                content=rows,
                headers={"content-type": media, "accept": "application/json"},
            )
    except httpx.HTTPError as error:
        raise Unreachable(
            f"the playground's serving of {name}:{number} did not answer: {error}",
            hint="try again; the serving is started anew when it stopped",
        ) from error
    latency_ms = (time.perf_counter() - started) * 1000
    if found.status_code != 200:  # the model server's problem JSON, naming the field
        return Response(
            found.content,
            status_code=found.status_code,
            media_type=found.headers.get("content-type", "application/problem+json"),
        )
    return answer({"answer": orjson.loads(found.content), "latency_ms": round(latency_ms, 3)})


OPERATIONS = [
    Operation("POST", "/workspaces/{workspace}/models/{model}/versions/{number:int}/predict",
              predict, "viewer",
              "Try a version on a few rows (JSON records, or CSV with a header line): a "
              "short-lived serving of it answers, started on first use and stopped when idle. "
              "Answers the model's rows and the time the model server took.",
              request="rows", answer="Prediction"),
]  # fmt: skip
