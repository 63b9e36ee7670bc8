"""Odahu's model server routes, answered only when an Odahu (OMAF) model is served:
``POST /api/model/invoke``, ``GET /api/model/info`` and ``GET /healthcheck``.

Answers carry ``Model-Name`` and ``Model-Version`` (the manifest's ``model.name`` and
``model.version``); failures answer ``{"message": "..."}``, the shape Odahu's clients read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.codecs.json_frames import parse_json
from modelport.errors import Conflict, ModelportError
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime

if TYPE_CHECKING:
    from modelport.formats.odahu.servable import OdahuServable

JSON = "application/json"


def routes(models: ModelSet) -> list[BaseRoute]:
    served = [r for r in models.all() if r.servable.source_format == "odahu"]
    if not served:
        return []
    # the adapter's package (and the settings it reads) only in servers of Odahu models
    from modelport.formats.odahu.openapi import model_api_description
    from modelport.formats.odahu.servable import OdahuServable

    def the_model() -> tuple[ModelRuntime, OdahuServable]:
        if len(served) > 1:
            names = ", ".join(sorted(f"{r.name}:{r.version}" for r in served))
            raise Conflict(
                f"several Odahu models are served here ({names})",
                hint="call /v1/models/NAME/predict, or serve one Odahu model per server",
            )
        runtime = served[0]
        assert isinstance(runtime.servable, OdahuServable)
        return runtime, runtime.servable

    def answer(body: bytes, servable: OdahuServable, status: int = 200) -> Response:
        headers = {"Model-Name": servable.model_name, "Model-Version": servable.model_version}
        return Response(body, status_code=status, media_type=JSON, headers=headers)

    def failure(exc: ModelportError) -> Response:
        return Response(orjson.dumps({"message": str(exc)}), exc.status, media_type=JSON)

    async def invoke(request: Request) -> Response:
        try:
            runtime, servable = the_model()
            body = parse_json(await request.body())
            return answer(await runtime.call(servable.invoke, body), servable)
        except ModelportError as exc:
            return failure(exc)

    async def info(request: Request) -> Response:
        try:
            servable = the_model()[1]
        except ModelportError as exc:
            return failure(exc)
        description = model_api_description(
            name=servable.model_name,
            version=servable.model_version,
            signature=servable.signature,
            example=servable.example[0] if servable.example else None,
        )
        return answer(orjson.dumps(description), servable)

    async def healthcheck(request: Request) -> Response:
        ready = all(r.ready for r in served)
        return Response(
            orjson.dumps({"status": ready}), status_code=200 if ready else 503, media_type=JSON
        )

    return [
        Route("/api/model/invoke", invoke, methods=["POST"]),
        Route("/api/model/info", info, methods=["GET"]),
        Route("/healthcheck", healthcheck, methods=["GET"]),
    ]
