"""Open Inference Protocol V2 over REST, with the binary tensor data extension.

Routes (``[/versions/{v}]`` optional): ``GET /v2/health/live``, ``GET /v2/health/ready``,
``GET /v2`` (server metadata), ``GET /v2/models/{name}[/versions/{v}]`` (model metadata),
``GET .../ready`` (200 once loaded, 503 before), ``POST .../infer``, and Triton's repository
index, ``POST /v2/repository/index`` (every model served: name, version, state; only the ready
ones for a body of ``{"ready": true}``), where ``modelport.Client`` finds the model of a server
holding one.

Tensors meet the model's signature as ``codecs.v2_columns`` describes. The answer's ``id`` is the
request's, or else the server's request id (``x-request-id``). Request bodies may be gzip- or
deflate-compressed (``Content-Encoding``), as tritonclient can send them; ``--max-body-size``
bounds them inflated too. Large or compressed bodies are decoded in a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

import modelport
from modelport.codecs.compression import inflate
from modelport.codecs.limits import OFF_LOOP_BYTES, off_loop
from modelport.codecs.v2_bodies import (
    HEADER_LENGTH,
    InferenceRequest,
    decode_request,
    encode_response,
)
from modelport.codecs.v2_columns import TensorColumns
from modelport.errors import InvalidInput, MalformedInput
from modelport.schema import to_v2_tensor_metadata
from modelport.serving.asgi import read_body, request_headers, send_answer
from modelport.serving.middleware import REQUEST_ID, limits_of
from modelport.serving.models import ModelSet
from modelport.serving.runtime import ModelRuntime
from modelport.serving.streaming import answers_in_rows

SERVER_METADATA = {
    "name": "modelport",
    "version": modelport.__version__,
    "extensions": ["binary_tensor_data"],
}
JSON = "application/json"
OCTETS = "application/octet-stream"


def routes(models: ModelSet) -> list[BaseRoute]:
    plans: dict[ModelRuntime, ModelPlan] = {}

    def plan_of_params(params: dict[str, str]) -> ModelPlan:
        runtime = models.get(params["name"], params.get("version"))
        plan = plans.get(runtime)
        if plan is None:
            plan = plans[runtime] = ModelPlan(runtime)
        return plan

    def plan_of(request: Request) -> ModelPlan:
        return plan_of_params(request.path_params)

    async def live(request: Request) -> Response:
        return _json({"live": True})

    async def ready(request: Request) -> Response:
        is_ready = models.ready
        return _json({"ready": is_ready}, status=200 if is_ready else 503)

    async def server_metadata(request: Request) -> Response:
        return _json(SERVER_METADATA)

    async def repository_index(request: Request) -> Response:
        ready_only = asks_ready_only(await request.body())
        index = [
            {"name": r.name, "version": _version(r), "state": "READY" if r.ready else "LOADING"}
            for r in models.all()
            if r.ready or not ready_only
        ]
        return _json(index)

    async def model_metadata(request: Request) -> Response:
        plan = plan_of(request)
        name = plan.runtime.name
        versions = [_version(r) for r in models.all() if r.name == name]
        return _json({"name": name, "versions": versions, **plan.metadata})

    async def model_ready(request: Request) -> Response:
        runtime = plan_of(request).runtime
        body = {"name": runtime.name, "ready": runtime.ready}
        return _json(body, status=200 if runtime.ready else 503)

    infer = Infer(plan_of_params)
    model = "/v2/models/{name}"
    versioned = "/v2/models/{name}/versions/{version}"
    return [
        Route("/v2/health/live", live, methods=["GET"]),
        Route("/v2/health/ready", ready, methods=["GET"]),
        Route("/v2", server_metadata, methods=["GET"]),
        Route("/v2/repository/index", repository_index, methods=["POST"]),
        *(Route(base, model_metadata, methods=["GET"]) for base in (model, versioned)),
        *(Route(f"{base}/ready", model_ready, methods=["GET"]) for base in (model, versioned)),
        *(Route(f"{base}/infer", infer, methods=["POST"]) for base in (model, versioned)),
    ]


READ_HEADERS = (b"content-encoding", HEADER_LENGTH.lower().encode("latin-1"))
"""The request headers the infer route reads."""


class Infer:
    """``POST .../infer`` as a plain ASGI app, as the native predict route is (and for the same
    reason: ``serving.asgi``)."""

    def __init__(self, plan_of: Callable[[dict[str, str]], ModelPlan]) -> None:
        self.plan_of = plan_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plan = self.plan_of(scope["path_params"])
        answers_in_rows(plan.runtime)
        raw = await read_body(receive)
        encoding, header_length = request_headers(scope, READ_HEADERS)
        limits = limits_of(scope)

        def decode() -> InferenceRequest:
            body = inflate(raw, encoding, limit=limits.max_inflated_bytes)
            return decode_request(body, header_length, limits)

        compressed = encoding not in (None, "identity")
        decoded = await off_loop(OFF_LOOP_BYTES if compressed else len(raw), decode)
        runtime = plan.runtime
        batch = runtime.validator.validate(plan.tensors.columns(decoded.inputs))
        result = await runtime.predict(batch)
        header = {
            "model_name": runtime.name,
            "model_version": plan.version,
            "id": decoded.id if decoded.id is not None else scope.get(REQUEST_ID, ""),
        }
        content, length = encode_response(header, plan.tensors.outputs(result, decoded))
        if length is None:
            await send_answer(send, 200, content, JSON)
        else:
            await send_answer(send, 200, content, OCTETS, headers=[(HEADER_LENGTH, str(length))])


def _json(value: Any, *, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type=JSON)


def asks_ready_only(body: bytes) -> bool:
    """Whether an index request's body (empty, or Triton's ``{"ready": bool}``) asks for the
    ready models only."""
    if not body.strip():
        return False
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedInput(
            f"the repository index request is not JSON: {exc}",
            hint='send no body, or {"ready": true} for the ready models only',
        ) from exc
    if not isinstance(value, dict):
        raise InvalidInput(
            "the repository index request is not a JSON object",
            hint='send no body, or {"ready": true} for the ready models only',
        )
    ready = value.get("ready", False)
    if not isinstance(ready, bool):
        raise InvalidInput(
            f"ready is {type(ready).__name__}, not a boolean",
            hint='send {"ready": true} for the ready models only, or false for all',
            field="ready",
        )
    return ready


def _version(runtime: ModelRuntime) -> str:
    return str(runtime.version) if runtime.version is not None else "1"


class ModelPlan:
    """What the V2 protocol needs of one model, worked out once when first asked for: its
    metadata, and how its tensors and columns map onto each other."""

    def __init__(self, runtime: ModelRuntime) -> None:
        self.runtime = runtime
        self.version = _version(runtime)
        signature = runtime.signature
        self.metadata = {
            "platform": "modelport",
            "inputs": [to_v2_tensor_metadata(f) for f in signature.inputs],
            "outputs": [to_v2_tensor_metadata(f) for f in signature.outputs],
        }
        self.tensors = TensorColumns(signature)
