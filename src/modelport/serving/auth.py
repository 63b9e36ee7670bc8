"""Bearer tokens a server may require (``--auth-token``, ``--auth-tokens-file``, and the
tokens of the registry server a model is served from: ``serving.registry_tokens``).

Every request but the liveness and readiness probes (``limits.PROBES``) must carry
``Authorization: Bearer TOKEN`` with one of the tokens; others are answered 401 (403 for a
registry user with no role in the model's workspace). Tokens are kept as their SHA-256 digests
and a presented token is looked up by its digest, so neither the comparison's timing nor a
memory dump gives a token away.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from modelport.errors import ConfigError, Unauthorised
from modelport.redaction import reveal

if TYPE_CHECKING:
    from modelport.serving.registry_tokens import RegistryTokens


class Tokens:
    """The tokens a server accepts (none, and no registry: every request is accepted)."""

    def __init__(self, tokens: Iterable[str] = (), registry: RegistryTokens | None = None) -> None:
        self._digests = frozenset(_digest(token) for token in tokens if token)
        self.registry = registry

    def __bool__(self) -> bool:
        return bool(self._digests) or self.registry is not None

    async def admit(self, authorization: str | None) -> None:
        """Raise Unauthorised (or Forbidden) unless ``authorization`` (the header) bears an
        accepted token; a registry server is asked (off the event loop) only about a token
        whose answer is not kept."""
        if not self:
            return
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorised(
                "this server requires a token",
                hint="send the header 'Authorization: Bearer TOKEN'",
                field="Authorization",
            )
        if _digest(token) in self._digests:
            return
        if self.registry is None:
            raise Unauthorised(
                "the token sent is not one this server accepts",
                hint="send one of the tokens the server was started with",
                field="Authorization",
            )
        kept, refusal = self.registry.known(token)
        if not kept:
            import asyncio  # here: `modelport serve` reads its tokens without an event loop

            refusal = await asyncio.to_thread(self.registry.ask, token)
        if refusal is not None:
            raise refusal


def read_tokens(
    path: Path | None, token: str | None = None, registry: RegistryTokens | None = None
) -> Tokens:
    """The tokens of ``path`` (one a line; blank lines and ``#`` comments skipped) and
    ``token``, and those ``registry`` accepts; ConfigError naming the file when it cannot be
    read or holds no token."""
    found = [token] if token else []
    if path is not None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot read the tokens file {path}: {exc}",
                hint="give a readable text file with one token a line",
                field="--auth-tokens-file",
            ) from exc
        in_file = [line.strip() for line in lines if line.strip() and line.strip()[0] != "#"]
        if not in_file:
            raise ConfigError(
                f"the tokens file {path} holds no token",
                hint="write one token a line (e.g. from `python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'`)",
                field="--auth-tokens-file",
            )
        found += in_file
    for one in found:
        reveal(one)  # blanked wherever a log line would quote it
    return Tokens(found, registry)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()
