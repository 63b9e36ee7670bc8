"""The options of ``modelport serve`` that bound and guard a server: connections, requests in
flight and their deadlines, tokens, allowed host names, TLS. Read once here (a flag, else the
setting, else the default) and handed on as the serving process's own flags; a token goes
through the environment, never on a command line other users of the machine can read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from modelport.cli.context import STATE
from modelport.errors import ConfigError
from modelport.serving.guard_flags import TOKEN_ENV

if TYPE_CHECKING:
    from modelport.serving.exposure import Exposure
    from modelport.serving.limits import ConnectionLimits

MaxConnectionsOption = Annotated[
    int | None,
    typer.Option(
        "--max-connections",
        help="Connections held at once; one more closes the longest idle (setting "
        "max_connections, default 1000).",
        show_default=False,
    ),
]
MaxInFlightOption = Annotated[
    int | None,
    typer.Option(
        "--max-in-flight",
        help="Requests answered at once, health probes aside; 503 with Retry-After above "
        "(setting max_in_flight, default 256).",
        show_default=False,
    ),
]
HeaderTimeoutOption = Annotated[
    float,
    typer.Option("--header-timeout", help="Seconds a connection has to send a request's headers."),
]
BodyTimeoutOption = Annotated[
    float, typer.Option("--body-timeout", help="Seconds a request's body has to arrive (408).")
]
KeepAliveOption = Annotated[
    float, typer.Option("--keep-alive-timeout", help="Seconds an idle connection stays open.")
]
AuthTokenOption = Annotated[
    str | None,
    typer.Option(
        "--auth-token",
        envvar="MODELPORT_AUTH_TOKEN",
        help="Require 'Authorization: Bearer TOKEN' on every route but the health probes "
        "(better: the MODELPORT_AUTH_TOKEN variable, or --auth-tokens-file).",
        show_default=False,
        show_envvar=False,
    ),
]
AuthTokensFileOption = Annotated[
    Path | None,
    typer.Option(
        "--auth-tokens-file",
        help="A file of tokens, one a line, any of which is accepted (setting auth_tokens_file).",
        show_default=False,
    ),
]
AuthFromRegistryOption = Annotated[
    bool,
    typer.Option(
        "--auth-from-registry",
        help="Serving from a modelport server (--registry http://...): also accept that "
        "server's tokens, of users with a role in the model's workspace (answers kept 30 s).",
    ),
]
AllowedHostsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allowed-hosts",
        help="Host names answered, comma-separated or repeated; '*' any. Default: localhost and "
        "the --host address (any, bound to 0.0.0.0).",
        show_default=False,
    ),
]
SslCertfileOption = Annotated[
    Path | None,
    typer.Option(
        "--ssl-certfile", help="Serve HTTPS with this PEM certificate.", show_default=False
    ),
]
SslKeyfileOption = Annotated[
    Path | None,
    typer.Option("--ssl-keyfile", help="The certificate's PEM private key.", show_default=False),
]


@dataclass(frozen=True)
class ServeGuard:
    """What the options above were given (None: the setting's value)."""

    max_connections: int | None = None
    max_in_flight: int | None = None
    header_timeout: float = 10.0
    body_timeout: float = 60.0
    keep_alive_timeout: float = 5.0
    auth_token: str | None = None
    auth_tokens_file: Path | None = None
    auth_from_registry: bool = False
    allowed_hosts: tuple[str, ...] = ()
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None

    def server_argv(self) -> list[str]:
        """The serving process's flags for these options; the token goes into this process's
        environment, which the serving process inherits."""
        settings = STATE.settings
        tokens_file = self.auth_tokens_file or settings.auth_tokens_file
        if self.auth_token:
            os.environ[TOKEN_ENV] = self.auth_token
        argv = [
            *("--max-connections", str(self.max_connections or settings.max_connections)),
            *("--max-in-flight", str(self.max_in_flight or settings.max_in_flight)),
            *("--header-timeout", repr(self.header_timeout)),
            *("--body-timeout", repr(self.body_timeout)),
            *("--keep-alive-timeout", repr(self.keep_alive_timeout)),
        ]
        if tokens_file is not None:
            argv += ["--auth-tokens-file", str(tokens_file.resolve())]
        if self.auth_from_registry:
            argv += ["--auth-registry", _registry_server(), "--auth-workspace", settings.workspace]
        for hosts in self.allowed_hosts:
            argv += ["--allowed-hosts", hosts]
        if self.ssl_certfile is not None:
            argv += ["--ssl-certfile", str(self.ssl_certfile.resolve())]
        if self.ssl_keyfile is not None:
            argv += ["--ssl-keyfile", str(self.ssl_keyfile.resolve())]
        return argv

    def serve_options(self) -> tuple[ConnectionLimits, Exposure]:
        """The limits and exposure of a server this process runs itself (read as the serving
        process reads its flags)."""
        from modelport.serving.guard_flags import exposure_of, limits_of, parse_guard_flags

        args = parse_guard_flags(self.server_argv())
        return limits_of(args), exposure_of(args, self.auth_token)


def _registry_server() -> str:
    """The URL of the modelport server the registry is, for ``--auth-from-registry``."""
    uri = STATE.resolved_registry_uri
    if not uri.startswith(("http://", "https://")):
        raise ConfigError(
            f"--auth-from-registry needs a registry that is a modelport server, not {uri}",
            hint="serve from one with --registry http://HOST:PORT, or give --auth-token",
            field="--auth-from-registry",
        )
    return uri
