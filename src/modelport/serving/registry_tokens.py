"""The tokens of the registry server a model is served from (``modelport serve NAME --registry
http://... --auth-from-registry``).

A request's bearer token is shown to that server (``GET /api/v1/whoami``): it is accepted when
the server knows it and its user is an administrator or holds a role in the served model's
workspace (viewer is enough: it may read the model). The answer is kept for ``ttl`` seconds per
token (by its SHA-256 digest, never the token), so a token revoked on the server is refused here
within that time, and only the first request with a token waits for the registry. A registry
that does not answer is a 503 naming it, never kept.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import TYPE_CHECKING, Final

import orjson

from modelport.errors import Forbidden, ModelportError, Unauthorised, Unreachable

if TYPE_CHECKING:
    import httpx

DEFAULT_TTL: Final = 30.0
"""Seconds a registry server's answer about a token is kept."""
MAX_KEPT: Final = 10_000
"""Most tokens whose answers are kept (the oldest answer goes first)."""
_TIMEOUT_SECONDS: Final = 10.0


class RegistryTokens:
    """The tokens the registry server at ``url`` accepts for ``workspace``."""

    def __init__(self, url: str, workspace: str, *, ttl: float = DEFAULT_TTL) -> None:
        self.url = url.rstrip("/")
        self.workspace = workspace
        self.ttl = ttl
        self._answers: dict[bytes, tuple[float, ModelportError | None]] = {}
        self._keeping = threading.Lock()  # answers are kept by the worker threads that ask
        self._http: httpx.Client | None = None

    def known(self, token: str) -> tuple[bool, ModelportError | None]:
        """Whether an answer about ``token`` is kept, and that answer (None: accepted)."""
        kept = self._answers.get(_digest(token))
        if kept is None or kept[0] < time.monotonic():
            return False, None
        return True, kept[1]

    def ask(self, token: str) -> ModelportError | None:
        """Ask the registry server about ``token`` (blocking) and keep its answer: None when
        accepted, else the error to answer with; Unreachable raised when it does not answer."""
        answer = self._verdict(token)
        with self._keeping:
            if len(self._answers) >= MAX_KEPT:
                self._answers.pop(next(iter(self._answers)))
            self._answers[_digest(token)] = (time.monotonic() + self.ttl, answer)
        return answer

    def _verdict(self, token: str) -> ModelportError | None:
        import httpx  # here: a server without registry tokens never imports it

        with self._keeping:
            if self._http is None:
                self._http = httpx.Client(timeout=_TIMEOUT_SECONDS)
        try:
            response = self._http.get(
                f"{self.url}/api/v1/whoami", headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as error:
            raise Unreachable(
                f"cannot check the token with the registry server at {self.url}: {error}",
                hint="try again when the registry server answers",
            ) from error
        if response.status_code == 401:
            return Unauthorised(
                f"the token sent is not one the registry server at {self.url} accepts",
                hint="send a token of that server (`modelport tokens create` there)",
                field="Authorization",
            )
        if response.status_code != 200:
            raise Unreachable(
                f"the registry server at {self.url} answered {response.status_code} when asked "
                "about a token",
                hint="check that the server is a modelport server and that it runs",
            )
        identity = orjson.loads(response.content)
        if identity.get("admin") or self.workspace in (identity.get("roles") or {}):
            return None
        return Forbidden(
            f"the registry user {identity.get('user')!r} has no role in the workspace "
            f"{self.workspace!r} of the served model",
            hint=f"an owner of {self.workspace!r} gives them one: `modelport workspaces members "
            "add` on the registry",
            field="Authorization",
        )


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()
