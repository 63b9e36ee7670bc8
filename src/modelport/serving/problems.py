"""The one place where errors become HTTP responses: RFC 9457 problem details."""

from __future__ import annotations

import logging

import orjson
from starlette.requests import Request
from starlette.responses import Response

from modelport.errors import ModelportError

log = logging.getLogger("modelport.serving")

PROBLEM_TYPE = "application/problem+json"


def problem_response(
    status: int, title: str, detail: str, *, field: str | None = None, request_id: str | None = None
) -> Response:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if field is not None:
        body["field"] = field
    headers = {"x-request-id": request_id} if request_id else None
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_TYPE, headers=headers
    )


async def handle_modelport_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ModelportError)
    request_id = request.headers.get("x-request-id")
    if exc.status >= 500:
        log.error("request %s failed: %s", request_id or "-", exc)
    return problem_response(
        exc.status, type(exc).__name__, str(exc), field=exc.field, request_id=request_id
    )
