"""KServe V1 (TensorFlow Serving style): readiness and ``:predict`` with ``instances``."""

from __future__ import annotations

from typing import Any

import orjson
import pyarrow as pa
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from modelport.codecs.json_frames import decode_json, may_hold_booleans, parse_json
from modelport.codecs.limits import off_loop
from modelport.decoded import Decoded, row_count
from modelport.errors import InvalidInput
from modelport.serving.middleware import limits_of
from modelport.serving.models import ModelSet
from modelport.serving.streaming import answers_in_rows


def predictions(table: pa.Table) -> list[Any]:
    """One prediction per row: the value itself for one output, an object for several."""
    if table.num_columns == 1:
        values: list[Any] = table.column(0).to_pylist()
        return values
    rows: list[Any] = table.to_pylist()
    return rows


def _instances(body: bytes) -> Decoded:
    value = parse_json(body)
    if not isinstance(value, dict) or "instances" not in value:
        raise InvalidInput('a KServe V1 body is {"instances": [...]}', field="instances")
    return decode_json(value["instances"], orient=None, has_booleans=may_hold_booleans(body))


def routes(models: ModelSet) -> list[BaseRoute]:
    async def ready(request: Request) -> Response:
        name = request.path_params["name"]
        if name.endswith(":predict"):  # GET on the predict route: this path does not match it
            raise HTTPException(405, headers={"Allow": "POST"})
        runtime = models.get(name)
        body = {"name": runtime.name, "ready": runtime.ready}
        return Response(
            orjson.dumps(body),
            status_code=200 if runtime.ready else 503,
            media_type="application/json",
        )

    async def predict(request: Request) -> Response:
        runtime = models.get(request.path_params["name"])
        answers_in_rows(runtime)
        body = await request.body()
        decoded = await off_loop(len(body), lambda: _instances(body))
        limits_of(request.scope).check_rows(row_count(decoded))
        batch = runtime.validator.validate(decoded)
        result = await runtime.predict(batch)
        body = orjson.dumps({"predictions": predictions(result)}, option=orjson.OPT_SERIALIZE_NUMPY)
        return Response(body, media_type="application/json")

    return [
        Route("/v1/models/{name}:predict", predict, methods=["POST"]),
        Route("/v1/models/{name}", ready, methods=["GET"]),
    ]
