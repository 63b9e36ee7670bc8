"""The tokens of a registry server, asked of a real HTTP server on loopback answering
``/api/v1/whoami`` as ``modelport server`` does: answers kept for their time, per token,
a registry that does not answer never kept."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from modelport.errors import Forbidden, Unauthorised, Unreachable
from modelport.serving.auth import Tokens
from modelport.serving.registry_tokens import RegistryTokens

IDENTITIES = {
    "viewer-token": {"user": "vi", "admin": False, "roles": {"team": "viewer"}},
    "admin-token": {"user": "root", "admin": True, "roles": {}},
    "elsewhere-token": {"user": "el", "admin": False, "roles": {"other": "owner"}},
}


class Whoami(BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        Whoami.asked.append(token)
        identity = IDENTITIES.get(token)
        body = json.dumps(identity or {"title": "Unauthorised"}).encode()
        self.send_response(200 if identity else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[str]:
    Whoami.asked = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Whoami)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _admit(tokens: Tokens, token: str) -> None:
    asyncio.run(tokens.admit(f"Bearer {token}"))


def test_a_registry_users_role_in_the_workspace_lets_them_in(registry: str) -> None:
    tokens = Tokens(["local"], RegistryTokens(registry, "team"))
    _admit(tokens, "local")  # the server's own token: the registry is not asked
    assert Whoami.asked == []
    _admit(tokens, "viewer-token")
    _admit(tokens, "admin-token")
    with pytest.raises(Forbidden, match="'el' has no role in the workspace 'team'"):
        _admit(tokens, "elsewhere-token")
    with pytest.raises(Unauthorised, match="registry server"):
        _admit(tokens, "mpt_unknown")
    with pytest.raises(Unauthorised, match="requires a token"):
        asyncio.run(tokens.admit(None))


def test_answers_are_kept_for_their_time_then_asked_again(registry: str) -> None:
    tokens = Tokens([], RegistryTokens(registry, "team", ttl=0.3))
    for _ in range(3):
        _admit(tokens, "viewer-token")
        with pytest.raises(Forbidden):
            _admit(tokens, "elsewhere-token")
    assert Whoami.asked == ["viewer-token", "elsewhere-token"]
    time.sleep(0.4)
    _admit(tokens, "viewer-token")
    assert Whoami.asked == ["viewer-token", "elsewhere-token", "viewer-token"]


def test_a_registry_that_does_not_answer_is_a_503_never_kept(registry: str) -> None:
    gone = RegistryTokens("http://127.0.0.1:9", "team")  # the discard port: nothing listens
    tokens = Tokens([], gone)
    for _ in range(2):
        with pytest.raises(Unreachable, match="cannot check the token") as refused:
            _admit(tokens, "viewer-token")
        assert refused.value.status == 503
    assert gone.known("viewer-token") == (False, None)
