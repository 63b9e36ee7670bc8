"""The API's route table: each operation with the access it needs, checked before it runs.

An :class:`Operation` names its method, path, handler and the access it needs (``public``,
``user``: any valid token, ``admin``, or a workspace role: ``viewer``/``editor``/``owner`` in
the path's ``{workspace}``). :func:`api_routes` turns the table into Starlette routes that check
that access first (``server/access.py``) and answer every error as problem JSON; the OpenAPI
document and the access-matrix test are generated from the same table, so no route can miss
either.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import anyio.to_thread
import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from modelport.errors import InvalidInput, MalformedInput, PayloadTooLarge, UnsupportedMediaType
from modelport.registry.rest.wire import API_PREFIX
from modelport.server.access import authenticate, authorize, require_admin
from modelport.serving.problems import answer_error, problem_json

Access = Literal["public", "user", "admin", "viewer", "editor", "owner"]
Handler = Callable[[Request], Awaitable[Response]]
MAX_JSON_BYTES = 1024 * 1024
"""The largest JSON request body the API reads (an upload's artifact is streamed instead)."""

_T = TypeVar("_T")


@dataclass(frozen=True)
class Operation:
    """One route of the API, as its table (and the OpenAPI document) describes it."""

    method: str
    path: str
    """Under the API prefix, with ``{name}`` parameters (``{number:int}`` for a whole number)."""
    handler: Handler
    access: Access
    summary: str
    request: str | None = None
    """The request body: the name of its schema component, ``upload``, ``rows`` (JSON or CSV
    rows for a model), or None."""
    answer: str | None = None
    """The 2xx body's schema component (None: no body)."""
    status: int = 200
    query: tuple[str, ...] = ()
    """The query parameters it reads (all optional)."""

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path


def api_routes(operations: Sequence[Operation]) -> list[Route]:
    """Starlette routes for ``operations``, each checking its access before it runs: one route
    per path, so that a method the path lacks is answered 405 with every method it has in
    ``Allow``."""
    by_path: dict[str, dict[str, Handler]] = {}
    for op in operations:
        by_path.setdefault(op.full_path, {})[op.method] = _guarded(op)
    return [
        Route(path, _by_method(handlers), methods=list(handlers))
        for path, handlers in by_path.items()
    ]


def _by_method(handlers: dict[str, Handler]) -> Handler:
    async def endpoint(request: Request) -> Response:
        return await handlers["GET" if request.method == "HEAD" else request.method](request)

    return endpoint


def _guarded(op: Operation) -> Handler:
    async def endpoint(request: Request) -> Response:
        try:
            await anyio.to_thread.run_sync(_check_access, request, op.access)
            return await op.handler(request)
        except ClientDisconnect:
            return Response(status_code=499)  # no one reads it: the client has gone
        except Exception as error:
            return answer_error(request, error, problem_json)

    endpoint.__name__ = op.handler.__name__
    endpoint.__doc__ = op.summary
    return endpoint


def _check_access(request: Request, access: Access) -> None:
    if access == "public":
        return
    if access == "user":
        authenticate(request)
    elif access == "admin":
        require_admin(request)
    else:
        authorize(request, request.path_params["workspace"], access)


async def blocking(call: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
    """``call(*args, **kwargs)`` in a worker thread: the stores' work is blocking I/O."""
    return await anyio.to_thread.run_sync(functools.partial(call, *args, **kwargs))


def answer(value: object, status: int = 200) -> Response:
    """A JSON answer."""
    return Response(orjson.dumps(value), status_code=status, media_type="application/json")


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body (at most :data:`MAX_JSON_BYTES`)."""
    media = request.headers.get("content-type", "application/json").partition(";")[0].strip()
    if media != "application/json":
        raise UnsupportedMediaType(
            f"this route reads application/json, not {media}",
            hint="send the body as JSON with Content-Type: application/json",
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BYTES:
            raise PayloadTooLarge(
                f"the JSON body is over {MAX_JSON_BYTES:,} bytes",
                hint="this route takes a small JSON object",
            )
    try:
        value = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError as error:
        raise MalformedInput(f"the body is not JSON: {error}") from error
    if not isinstance(value, dict):
        raise InvalidInput("the body must be a JSON object", hint='e.g. {"version": 2}')
    return value


def text_field(body: dict[str, Any], name: str, *, optional: bool = False) -> Any:
    """``body[name]`` if it is a string (or, when ``optional``, missing or null)."""
    value = body.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string", field=name)
    return value


def flag(request: Request, name: str) -> bool:
    """A query parameter read as true or false (absent: false)."""
    value = request.query_params.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise InvalidInput(f"query parameter {name} must be true or false", field=name)
    return value in ("true", "1")
