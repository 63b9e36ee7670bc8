"""What this server is serving, at a glance: the playground's servings you may see, each with
its counts read from its own ``/metrics`` (``server/serving_metrics.py``)."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
from starlette.requests import Request
from starlette.responses import Response

from modelport.server.access import authenticate
from modelport.server.playground import Playground, Serving
from modelport.server.routing import Operation, answer
from modelport.server.serving_metrics import read_counts


async def list_servings(request: Request) -> Response:
    principal = authenticate(request)
    playground: Playground = request.app.state.playground
    visible = [s for s in playground.servings if principal.may(s.key[0], "viewer")]
    found: list[dict[str, Any]] = []
    async with httpx.AsyncClient(timeout=2.0) as client:

        async def read(serving: Serving) -> None:
            workspace, model, number = serving.key
            found.append({
                "workspace": workspace, "model": model, "version": number,
                "ready": serving.ready, "started_at": serving.started_at,
                "metrics": await read_counts(client, serving.url, serving.key[1]),
            })  # fmt: skip

        async with anyio.create_task_group() as group:
            for serving in visible:
                group.start_soon(read, serving)
    found.sort(key=lambda s: (s["workspace"], s["model"], s["version"]))
    return answer({"servings": found})


OPERATIONS = [
    Operation("GET", "/servings", list_servings, "user",
              "The versions this server is serving for the playground, in workspaces you may "
              "view, with their cumulative request, error, latency and rows-per-request counts.",
              answer="ServingList"),
]  # fmt: skip
