"""Bodies and errors of the Truss server's routes.

Requests: JSON whatever the Content-Type, except ``application/octet-stream`` (msgpack, answered
in msgpack). Answers: the model's value as JSON written by ``json.dumps``, as Truss writes it
(spaced: ``{"a": 1}``; pydantic models and numpy values included), a starlette ``Response`` as
is, or a stream: raw chunks (``application/octet-stream``), gathered into one JSON string when
the client accepts only JSON, or server-sent events on the OpenAI-style routes. The server's
own bodies (``{}``, ``true``, the schema) are compact, as FastAPI writes them. Errors:
``{"error": "..."}`` with Truss's status codes and ``x-baseten-error-*`` headers
(:func:`truss_body`); what user code raised is answered as a plain 500 (and logged, secret values
blanked, as every server error is: ``serving.problems``), and a package the server itself lacks
(msgpack) as a 500 naming it.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import AsyncIterator
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from modelport.errors import MalformedInput, MissingDependency, ModelportError
from modelport.redaction import redact
from modelport.serving.problems import Problem

log = logging.getLogger("modelport.formats.truss")

MSGPACK = "application/octet-stream"
EVENT_STREAM = "text/event-stream"
USER_CODE_FAILED = "Internal Server Error (in model/chainlet)."


class StreamAborted(Exception):
    """Raised to cut a raw stream short when the model failed in the middle of it."""


def is_msgpack(request: Request) -> bool:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return media == MSGPACK


async def read_payload(request: Request) -> Any:
    """The request body as a Python value (JSON, or msgpack for octet-stream bodies)."""
    body = await request.body()
    if is_msgpack(request):
        msgpack = _msgpack()
        try:
            return msgpack.unpackb(body, raw=False)
        except Exception as exc:
            raise MalformedInput(f"Invalid msgpack payload: {exc}") from None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedInput(f"Invalid JSON payload: {exc}") from None


def _msgpack() -> Any:
    """The msgpack module: what the server needs for octet-stream bodies, not the model."""
    try:
        import msgpack
    except ImportError as exc:
        raise MissingDependency(
            f"this server cannot read or write {MSGPACK} bodies: {exc}",
            hint="rebuild the model with this modelport (its environment then gets msgpack), "
            "or install it where the model is served: pip install 'modelport[truss]'",
        ) from None
    return msgpack


def _plain(value: Any) -> Any:
    """orjson's and msgpack's fallback: pydantic models, numpy scalars and arrays."""
    import pydantic  # only for values orjson cannot write: not imported by other servers

    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_json(value: Any) -> bytes:
    """The server's own bodies (``{}``, ``true``, the schema, events), compact as FastAPI's
    ORJSONResponse writes them."""
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY, default=_plain)


class _AnswerEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        return _plain(o)


def encode_answer(value: Any) -> bytes:
    """A model's answer as Truss writes it: ``json.dumps`` (``{"a": 1}``, spaced, non-ASCII
    escaped), numpy values as numbers and lists; a pydantic model as its own JSON."""
    if hasattr(value, "model_dump_json") and not isinstance(value, type):
        dumped: str = value.model_dump_json()
        return dumped.encode()
    return json.dumps(value, cls=_AnswerEncoder).encode()


def value_response(request: Request, value: Any, *, answer: bool = True) -> Response:
    """A finished (not streamed) answer, in the encoding the request came in; ``answer=False``
    for the server's own bodies (readiness, schema), which Truss writes compact."""
    if isinstance(value, Response):
        return value
    if is_msgpack(request):
        return Response(_msgpack().packb(value, default=_plain), media_type=MSGPACK)
    body = encode_answer(value) if answer else encode_json(value)
    return Response(body, media_type="application/json")


def _chunk_bytes(chunk: Any) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode()
    return encode_json(chunk)


async def stream_response(request: Request, chunks: AsyncIterator[Any], name: str) -> Response:
    """A streamed answer: raw chunks as they come, or one JSON string for JSON-only clients."""
    if request.headers.get("accept", "").strip().lower() == "application/json":
        gathered = b"".join([_chunk_bytes(chunk) async for chunk in chunks])
        return Response(encode_answer(gathered.decode()), media_type="application/json")
    return StreamingResponse(_raw(chunks, name), media_type=MSGPACK)


async def _raw(chunks: AsyncIterator[Any], name: str) -> AsyncIterator[bytes]:
    try:
        async for chunk in chunks:
            yield _chunk_bytes(chunk)
    except Exception as exc:
        _log_failure(exc, name, "its stream")
        raise StreamAborted(f"the stream of {name!r} failed; see the server log") from None


def event_stream(chunks: AsyncIterator[Any], name: str) -> StreamingResponse:
    """Server-sent events: chunks already framed as events pass as they are, others become
    ``data:`` events (ended by ``data: [DONE]``); a failure ends the stream with an error event."""

    async def events() -> AsyncIterator[bytes]:
        framed = False
        try:
            async for chunk in chunks:
                data = _chunk_bytes(chunk)
                if data.startswith((b"data:", b"event:", b":")):
                    yield data
                    continue
                framed = True
                yield b"data: " + data.replace(b"\n", b"\ndata: ") + b"\n\n"
        except Exception as exc:
            _log_failure(exc, name, "its stream")
            yield b"event: error\ndata: " + encode_json({"error": USER_CODE_FAILED}) + b"\n\n"
            return
        if framed:
            yield b"data: [DONE]\n\n"

    return StreamingResponse(
        events(), media_type=EVENT_STREAM, headers={"cache-control": "no-cache"}
    )


def truss_error(status: int, message: str, *, client_fault: bool) -> Response:
    return Response(
        orjson.dumps({"error": message}),
        status_code=status,
        media_type="application/json",
        headers={
            "x-baseten-error-source": "04",
            "x-baseten-error-code": "700" if client_fault else "600",
        },
    )


def not_ready(name: str, reason: str | None = None) -> Response:
    message = f"Model with name {name} is not ready."
    if reason:
        message += f" {redact(reason)}"
    return truss_error(503, message, client_fault=False)


def truss_body(problem: Problem) -> Response:
    """Truss's error answer: the client's fault in its words (400 for what modelport answers
    422), a timeout as 504, any other failure a plain 500."""
    if problem.client_fault:
        status = problem.status if problem.status < 422 else 400
        return truss_error(status, problem.detail, client_fault=True)
    if problem.status == 504:
        return truss_error(504, problem.detail, client_fault=False)
    if isinstance(problem.error, MissingDependency):  # the server's fault, not the model's
        return truss_error(500, problem.detail, client_fault=False)
    return truss_error(500, USER_CODE_FAILED, client_fault=False)


def _log_failure(exc: BaseException, name: str, what: str) -> None:
    cause = exc.__cause__ if isinstance(exc, ModelportError) and exc.__cause__ else exc
    text = "".join(traceback.format_exception(cause))
    log.error("model %s failed in %s:\n%s", name, what, redact(text))
