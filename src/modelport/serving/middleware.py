"""One pure-ASGI middleware around every request: request id, body size limit (and the limits on
what a body decodes to, for the routes to read), the answer to errors nothing else answered,
metrics and the access log line."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from modelport.codecs.limits import DEFAULT_MAX_ROWS, DecodeLimits
from modelport.errors import PayloadTooLarge
from modelport.serving.asgi import header
from modelport.serving.batching import CLIENT, REQUESTS
from modelport.serving.logs import log_request
from modelport.serving.metrics import REQUEST_ROWS, ServerMetrics
from modelport.serving.problems import answer_unforeseen

REQUEST_ID = "modelport.request_id"
LIMITS = "modelport.limits"
_UNROUTED = "unrouted"


class ServingMiddleware:
    """Gives each request an id (kept from ``x-request-id`` when sent, and sent back), refuses
    bodies over ``max_body_size`` with 413, gives the routes the :class:`DecodeLimits` their
    decoding keeps to (``limits_of``), answers what a route raised and no handler answered (a bug
    in a route or a codec) itself, with problem details and the request's id, so the connection
    stays open for the client's next request, and records its metrics and access line once it has
    been answered."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: ServerMetrics,
        max_body_size: int,
        max_rows: int = DEFAULT_MAX_ROWS,
        max_decoded_size: int | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_size = max_body_size
        self.limits = DecodeLimits(max_body_size, max_rows, max_decoded_size)
        prefix = uuid.uuid4().hex[:16]
        counter = itertools.count(1)
        self._next_id: Callable[[], str] = lambda: f"{prefix}{next(counter):016x}"
        """Request ids: random per server, then counted (unique without a syscall per request)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cycle = getattr(receive, "__self__", None)  # uvicorn's: ``disconnected`` once it has gone
        request_id = header(scope, b"x-request-id") or self._next_id()
        scope[REQUEST_ID] = request_id
        scope[LIMITS] = self.limits
        declared = header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_size:
            receive = _refusing(self.max_body_size)
        elif scope["method"] in ("POST", "PUT", "PATCH"):
            receive = _counting(receive, self.max_body_size)
        status = 500
        started_answer = False
        id_header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_answer
            if message["type"] == "http.response.start":
                status = message["status"]
                started_answer = True
                message["headers"] = [*message.get("headers", []), id_header]
            await send(message)

        if REQUESTS.parsed:  # this request was one of them (``connections.bounded_protocol``)
            REQUESTS.parsed -= 1
        rows: list[int] = []
        token = REQUEST_ROWS.set(rows)
        client = CLIENT.set(cycle)
        started = time.perf_counter()
        self.metrics.in_flight.inc()
        REQUESTS.count += 1
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            if started_answer:
                raise  # half an answer is out: only closing the connection can end it
            answer = answer_unforeseen(Request(scope), error)
            await answer(scope, receive, send_with_id)
        finally:
            REQUESTS.count -= 1
            self.metrics.in_flight.dec()
            REQUEST_ROWS.reset(token)
            CLIENT.reset(client)
            route = scope.get("route")
            seconds = time.perf_counter() - started
            self.metrics.observe(
                model=scope.get("path_params", {}).get("name", ""),
                route=getattr(route, "path", _UNROUTED),
                status=status,
                seconds=seconds,
                rows=sum(rows) if rows else None,
            )
            log_request(scope["method"], scope["path"], status, seconds, request_id)


def limits_of(scope: Scope) -> DecodeLimits:
    """The limits a request's decoding keeps to (the defaults outside the middleware)."""
    limits = scope.get(LIMITS)
    return limits if isinstance(limits, DecodeLimits) else DecodeLimits()


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the request body is over the limit of {limit:,} bytes",
        hint="send fewer rows per request, or start the server with a larger --max-body-size",
    )


def _refusing(limit: int) -> Receive:
    async def receive() -> Message:
        raise _too_large(limit)

    return receive


def _counting(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise _too_large(limit)
        return message

    return counted
