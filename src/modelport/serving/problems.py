"""The one place where errors become HTTP responses: RFC 9457 problem details."""

from __future__ import annotations

import logging

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from modelport.errors import ModelportError

log = logging.getLogger("modelport.serving")

PROBLEM_JSON = "application/problem+json"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    body["error"] = detail  # where Open Inference V2 clients (tritonclient) read the message
    if field is not None:
        body["field"] = field
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _request_id(request: Request) -> str:
    return str(request.scope.get("modelport.request_id", "-"))


async def on_modelport_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ModelportError)
    if exc.status >= 500:
        log.error("request %s: %s: %s", _request_id(request), type(exc).__name__, exc)
        if request.app.debug and exc.__cause__ is not None:
            log.exception("traceback", exc_info=exc.__cause__)
    return problem_response(exc.status, type(exc).__name__, str(exc), field=exc.field)


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(exc.status_code, _title(exc.status_code), exc.detail, headers=headers)


async def on_unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("request %s failed", _request_id(request), exc_info=exc)
    return problem_response(500, "InternalError", f"{type(exc).__name__}: {exc}")


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


EXCEPTION_HANDLERS = {
    ModelportError: on_modelport_error,
    HTTPException: on_http_error,
    Exception: on_unexpected_error,
}
