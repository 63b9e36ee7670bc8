"""The web UI: a single page built from ``ui/`` (TypeScript, React) into ``static/`` here, so
the package serves it with no Node at run time. It is served at ``/ui/`` (``/`` sends the
browser there) with a policy that lets it load nothing but this server's own files and talk
to nothing but this server's API; it signs in with an API token, kept in the tab's session
storage, and asks only ``/api/v1``."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

STATIC = Path(__file__).parent / "static"
"""The built UI (``cd ui && npm run build`` writes it; it is committed)."""

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The Content-Security-Policy of every UI file: nothing from another origin, no inline code."""


class _Guarded:
    """The UI's files, each answered with :data:`POLICY` and no content sniffing."""

    def __init__(self, files: StaticFiles) -> None:
        self.files = files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    *message.get("headers", []),
                    (b"content-security-policy", POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.files(scope, receive, guarded)


async def _to_ui(request: Request) -> Response:
    return RedirectResponse("/ui/", status_code=307)


def ui_routes() -> list[BaseRoute]:
    """``/ui/`` (the page and its assets) and ``/`` (a redirect to it); none when the package
    was installed without the built UI."""
    if not (STATIC / "index.html").is_file():
        return []
    files = StaticFiles(directory=STATIC, html=True)
    return [
        Route("/", _to_ui, methods=["GET"]),
        Mount("/ui", app=_Guarded(files)),
    ]
