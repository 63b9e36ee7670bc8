"""Odahu's model server routes, for Odahu (OMAF) models: ``POST /api/model/invoke``,
``GET /api/model/info`` and ``GET /healthcheck``.

Answers carry ``Model-Name`` and ``Model-Version`` (the manifest's ``model.name`` and
``model.version``); failures answer ``{"message": "..."}``, the shape Odahu's clients read.
"""

from __future__ import annotations

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from modelport.codecs.json_frames import parse_json
from modelport.errors import Conflict
from modelport.formats.odahu.openapi import INVOKE_ERRORS, model_api_description
from modelport.formats.odahu.operations import Describe, Identity, Invoke
from modelport.serving.models import ModelSet
from modelport.serving.openapi.documented import DocumentedRoute, Operation, operation
from modelport.serving.problems import Problem, answering
from modelport.serving.runtime import ModelRuntime

JSON = "application/json"


def odahu_body(problem: Problem) -> Response:
    """Odahu's error answer: ``{"message": "..."}`` with the status."""
    return Response(orjson.dumps({"message": problem.detail}), problem.status, media_type=JSON)


def odahu_routes(models: ModelSet) -> list[BaseRoute]:
    served = [r for r in models.all() if r.takes(Invoke)]

    def the_model() -> ModelRuntime:
        if len(served) > 1:
            names = ", ".join(sorted(f"{r.name}:{r.version}" for r in served))
            raise Conflict(
                f"several Odahu models are served here ({names})",
                hint="call /v1/models/NAME/predict, or serve one Odahu model per server",
            )
        return served[0]

    def answer(body: bytes, identity: Identity) -> Response:
        headers = {"Model-Name": identity.name, "Model-Version": identity.version}
        return Response(body, media_type=JSON, headers=headers)

    async def invoke(request: Request) -> Response:
        runtime = the_model()
        invoked = await runtime.invoke(Invoke(parse_json(await request.body())))
        return answer(invoked.body, invoked.identity)

    async def info(request: Request) -> Response:
        runtime = the_model()
        identity = await runtime.invoke(Describe())
        description = model_api_description(
            name=identity.name,
            version=identity.version,
            signature=runtime.signature,
            example=runtime.example[0] if runtime.example else None,
        )
        return answer(orjson.dumps(description), identity)

    async def healthcheck(request: Request) -> Response:
        ready = all(r.ready for r in served)
        return Response(
            orjson.dumps({"status": ready}), status_code=200 if ready else 503, media_type=JSON
        )

    return [
        DocumentedRoute(
            "/api/model/invoke",
            answering(odahu_body, invoke),
            methods=["POST"],
            operation=_operation("Invoke the Odahu model", request={JSON: {}}),
        ),
        DocumentedRoute(
            "/api/model/info",
            answering(odahu_body, info),
            methods=["GET"],
            operation=_operation("The model's Swagger description"),
        ),
        DocumentedRoute(
            "/healthcheck",
            healthcheck,
            methods=["GET"],
            operation=_operation("Whether the model is ready", health=True),
        ),
    ]


_MESSAGE = {
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
}


def _operation(
    summary: str, *, request: dict[str, dict[str, object]] | None = None, health: bool = False
) -> Operation:
    """Odahu's answers: JSON, errors as ``{"message": ...}`` (``{"status": false}`` and 503 for
    the health check)."""
    if health:
        status = {"type": "object", "properties": {"status": {"type": "boolean"}}}
        return operation(
            tag="odahu",
            summary=summary,
            answers={JSON: status},
            errors={503: INVOKE_ERRORS[503]},
            error_schema=status,
        )
    return operation(
        tag="odahu",
        summary=summary,
        request=request,
        answers={JSON: {}},
        errors=INVOKE_ERRORS,
        error_schema=_MESSAGE,
    )
