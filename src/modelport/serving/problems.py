"""The one place where errors become HTTP answers.

:func:`problem_of` maps any exception to a :class:`Problem` (status, title, message, field):
modelport's errors by their ``status``, Starlette's HTTP errors by theirs, anything else 500.
Server errors are logged here too, once, with what secret values a message may quote blanked.
A wire format only chooses the body shape (:data:`ProblemBody`): RFC 9457 problem details by
default (:func:`problem_json`), the shapes other servers' clients read on a convention's own
routes (:func:`answering`).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response

from modelport.errors import ClientGone, ModelFailed, ModelNotReady, ModelportError, ModelTimeout
from modelport.redaction import redact

__all__ = [
    "EXCEPTION_HANDLERS",
    "PROBLEM_JSON",
    "Problem",
    "ProblemBody",
    "answer_error",
    "answering",
    "problem_json",
    "problem_of",
]

log = logging.getLogger("modelport.serving")

PROBLEM_JSON = "application/problem+json"
NOT_READY_RETRY_SECONDS = 1
"""The Retry-After of a request that came while its model loads."""


@dataclass(frozen=True)
class Problem:
    """A failed request as its answer sees it."""

    status: int
    title: str
    """The error's kind (``InvalidInput``, ``ModelFailed``...), or the status's phrase."""
    detail: str
    """The message, its hint included."""
    error: BaseException
    """What was raised, for a body shape that carries more of it (DEEPaaS's argument errors)."""
    field: str | None = None
    headers: Mapping[str, str] | None = None

    @property
    def client_fault(self) -> bool:
        return self.status < 500


ProblemBody = Callable[[Problem], Response]
"""A wire format's shape of error answers."""


def problem_of(error: BaseException) -> Problem:
    """The HTTP answer to ``error``."""
    if isinstance(error, ModelNotReady):  # loading: worth asking again in a moment
        retry = {"Retry-After": str(NOT_READY_RETRY_SECONDS)}
        return Problem(503, type(error).__name__, str(error), error, headers=retry)
    if isinstance(error, ModelportError):
        return Problem(error.status, type(error).__name__, str(error), error, field=error.field)
    if isinstance(error, ClientDisconnect):  # gone before its body had all arrived
        gone = ClientGone("the client closed the connection before its request's body arrived")
        return Problem(gone.status, type(gone).__name__, str(gone), gone)
    if isinstance(error, HTTPException):
        headers = dict(error.headers) if error.headers else None
        status = error.status_code
        return Problem(status, _phrase(status), error.detail, error, headers=headers)
    return Problem(500, "InternalError", f"{type(error).__name__}: {error}", error)


def problem_json(problem: Problem) -> Response:
    """RFC 9457 problem details, with ``error`` too (where Open Inference V2 clients such as
    tritonclient read the message) and ``field`` for invalid input."""
    body: dict[str, object] = {"type": "about:blank", "title": problem.title}
    body["status"] = problem.status
    body["detail"] = problem.detail
    body["error"] = problem.detail
    if problem.field is not None:
        body["field"] = problem.field
    return Response(
        orjson.dumps(body),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=dict(problem.headers) if problem.headers else None,
    )


def answer_error(
    request: Request, error: BaseException, body: ProblemBody, *, model_tracebacks: bool = False
) -> Response:
    """The answer to a request that raised ``error``, logged when it is the server's fault
    (``model_tracebacks``: with the traceback of what the model raised, debug or not)."""
    problem = problem_of(error)
    if not problem.client_fault:
        _log(request, problem, model_tracebacks=model_tracebacks)
    return body(problem)


def answer_unforeseen(request: Request, error: BaseException) -> Response:
    """The answer to what a route raised and no handler answered (the serving middleware's):
    problem details, logged with the traceback; under ``--debug``, the traceback itself."""
    answer = answer_error(request, error, problem_json)
    if not _debug(request):
        return answer
    text = redact("".join(traceback.format_exception(error)))
    return PlainTextResponse(text, status_code=answer.status_code)


Endpoint = Callable[[Request], Awaitable[Response]]


def answering(body: ProblemBody, endpoint: Endpoint, *, model_tracebacks: bool = False) -> Endpoint:
    """``endpoint`` with its errors answered in ``body``'s shape (a convention's own routes);
    ``model_tracebacks`` logs what the model raised with its traceback, as the convention's own
    server did (Truss's), rather than on one line (with the traceback under ``--debug``)."""

    async def answered(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception as error:
            return answer_error(request, error, body, model_tracebacks=model_tracebacks)

    answered.__name__ = getattr(endpoint, "__name__", "endpoint")
    return answered


def _log(request: Request, problem: Problem, *, model_tracebacks: bool) -> None:
    """One line; the traceback of anything unforeseen, and of what lies behind modelport's own
    errors under ``--debug`` (or, with ``model_tracebacks``, behind a model's failure, a
    timeout aside)."""
    error = problem.error
    request_id = request.scope.get("modelport.request_id", "-")
    fields = {"request_id": request_id}
    log.error("request %s: %s: %s", request_id, problem.title, redact(problem.detail), extra=fields)
    if not isinstance(error, ModelportError):
        cause: BaseException | None = error
    elif _debug(request) or (
        model_tracebacks and isinstance(error, ModelFailed) and not isinstance(error, ModelTimeout)
    ):
        cause = error.__cause__
    else:
        cause = None
    if cause is not None:
        log.error("%s", redact("".join(traceback.format_exception(cause))), extra=fields)


def _debug(request: Request) -> bool:
    return bool(getattr(request.scope.get("app"), "debug", False))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


async def _on_error(request: Request, error: Exception) -> Response:
    return answer_error(request, error, problem_json)


EXCEPTION_HANDLERS = {
    ModelportError: _on_error,
    HTTPException: _on_error,
    Exception: _on_error,
}
