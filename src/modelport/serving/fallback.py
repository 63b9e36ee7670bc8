"""A convention's answer to paths no route of the server answers (Truss's FastAPI 404 body).

Starlette tries routes in order and takes the first full match; a route matching only partly (the
path, not the method) is kept and answers when nothing matches fully. A :class:`Fallback` always
matches partly, and ``create_app`` puts the conventions' fallbacks after every other route, so it
answers only where the server would otherwise say "not found": full matches anywhere still win,
and a path that an earlier route knows under another method still answers 405.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import URLPath
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

__all__ = ["Fallback"]


class Fallback(BaseRoute):
    """Answers, with ``endpoint``, every HTTP request no other route answers."""

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.endpoint = endpoint

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return (Match.PARTIAL, {}) if scope["type"] == "http" else (Match.NONE, {})

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)  # it has no path of its own

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.endpoint(Request(scope, receive))
        await response(scope, receive, send)
