"""Who may use a server: its tokens, the names it answers to, TLS, and the warning when it
listens beyond this machine with no token.

:class:`ExposureMiddleware` checks each request, before anything reads its body: the ``Host``
(``serving.hosts``; 403 for a name not allowed), the ``Origin`` of a request changing state
(403 when another site's page sent it) and the bearer token (``serving.auth``; 401). The
liveness and readiness probes (``limits.PROBES``) skip all three.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelport.errors import ConfigError, Forbidden, ModelportError
from modelport.serving.auth import Tokens
from modelport.serving.hosts import (
    cross_site,
    default_allowed_hosts,
    host_allowed,
    parse_allowed_hosts,
)
from modelport.serving.limits import PROBES

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("modelport.serving")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Exposure:
    """Who may use a server, and over what."""

    tokens: Tokens = field(default_factory=Tokens)
    """Bearer tokens required on every route but the probes (none: no token required)."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names answered (``*``: any; none given: ``hosts.default_allowed_hosts``)."""
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None

    def __post_init__(self) -> None:
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ConfigError(
                "TLS needs both --ssl-certfile and --ssl-keyfile",
                hint="give both (PEM files), or neither to serve plain HTTP",
                field="--ssl-keyfile" if self.ssl_keyfile is None else "--ssl-certfile",
            )
        for path in (self.ssl_certfile, self.ssl_keyfile):
            if path is not None and not path.is_file():
                raise ConfigError(
                    f"{path} is not a file",
                    hint="give the PEM files of the server's certificate and key",
                    field="--ssl-certfile" if path == self.ssl_certfile else "--ssl-keyfile",
                )

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_certfile is not None else "http"

    def hosts_for(self, bound_host: str | None) -> frozenset[str] | None:
        """The host names a server bound to ``bound_host`` answers to (None: any; so too for
        an app whose address is not known here, ``bound_host`` None, and no hosts given)."""
        if not self.allowed_hosts:
            return None if bound_host is None else default_allowed_hosts(bound_host)
        return parse_allowed_hosts(self.allowed_hosts)

    def uvicorn_options(self) -> dict[str, Any]:
        """uvicorn's TLS settings (its ``Config`` keywords)."""
        if self.ssl_certfile is None:
            return {}
        return {"ssl_certfile": str(self.ssl_certfile), "ssl_keyfile": str(self.ssl_keyfile)}


def warn_if_exposed(host: str, exposure: Exposure) -> None:
    """A warning when a server listens beyond this machine and asks no token."""
    if exposure.tokens or _loopback(host):
        return
    log.warning(
        "listening on %s, beyond this machine, with no token: whoever reaches it can use the "
        "models; give --auth-token or --auth-tokens-file (and --allowed-hosts)",
        host or "every interface",
    )


class ExposureMiddleware:
    def __init__(self, app: ASGIApp, *, exposure: Exposure, bound_host: str | None) -> None:
        self.app = app
        self.tokens = exposure.tokens
        self.allowed_hosts = exposure.hosts_for(bound_host)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PROBES:
            await self.app(scope, receive, send)
            return
        try:
            self.check(scope)
            await self.tokens.admit(_header(scope, b"authorization"))
        except ModelportError as error:
            # imported here: `modelport serve` reads its flags into an Exposure, without HTTP
            from modelport.serving.problems import problem_json, problem_of

            await problem_json(problem_of(error))(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def check(self, scope: Scope) -> None:
        """Raise Forbidden for a host name not answered, or another site's page changing state."""
        host = _header(scope, b"host")
        if not host_allowed(host, self.allowed_hosts):
            raise Forbidden(
                f"this server does not answer to the host name {host!r}",
                hint="use the name it was started for, or start it with --allowed-hosts NAME",
                field="Host",
            )
        if scope["method"] not in SAFE_METHODS and cross_site(_header(scope, b"origin"), host):
            raise Forbidden(
                "a request sent by another site's web page is refused",
                hint="call the server from a client, not from a browser page of another site",
                field="Origin",
            )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
