"""The serving process's flags bounding and guarding it (``--max-connections`` ...
``--ssl-keyfile``), and what they make: its :class:`ConnectionLimits` and :class:`Exposure`.
``modelport serve`` hands them on as these flags (``cli/serve_guard.py``), whether the server
runs in another process or in its own, so they are read in one place."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from modelport.errors import ConfigError
from modelport.serving.limits import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_KEEP_ALIVE_TIMEOUT,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_IN_FLIGHT,
    ConnectionLimits,
)

if TYPE_CHECKING:
    from modelport.serving.exposure import Exposure

TOKEN_ENV = "MODELPORT_AUTH_TOKEN"
"""A token the server requires: how ``modelport serve --auth-token`` hands it to the serving
process, which takes it out of its environment (``take_token``) before the model loads."""


def take_token() -> str | None:
    """The token in the environment, removed from it (the model never reads it)."""
    return os.environ.pop(TOKEN_ENV, None) or None


def add_guard_flags(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--max-connections", type=int, default=DEFAULT_MAX_CONNECTIONS)
    add("--max-in-flight", type=int, default=DEFAULT_MAX_IN_FLIGHT)
    add("--header-timeout", type=float, default=DEFAULT_HEADER_TIMEOUT)
    add("--body-timeout", type=float, default=DEFAULT_BODY_TIMEOUT)
    add("--keep-alive-timeout", type=float, default=DEFAULT_KEEP_ALIVE_TIMEOUT)
    add("--auth-tokens-file", type=Path, help=f"tokens, one a line (and ${TOKEN_ENV})")
    add("--auth-registry", help="also accept the tokens of this modelport server (its URL)")
    add("--auth-workspace", default="default", help="...whose users have a role in this workspace")
    add("--allowed-hosts", action="append", default=[], help="host names answered; * any")
    add("--ssl-certfile", type=Path)
    add("--ssl-keyfile", type=Path)


def parse_guard_flags(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(add_help=False)
    add_guard_flags(parser)
    return parser.parse_args(argv)


def limits_of(args: argparse.Namespace) -> ConnectionLimits:
    try:
        return ConnectionLimits(
            max_connections=args.max_connections,
            max_in_flight=args.max_in_flight,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            keep_alive_timeout=args.keep_alive_timeout,
        )
    except ValueError as exc:
        name = str(exc).split()[0]
        raise ConfigError(
            f"--{name.replace('_', '-')} is out of range: {exc}",
            hint="give a positive number",
            field=f"--{name.replace('_', '-')}",
        ) from exc


def exposure_of(args: argparse.Namespace, token: str | None) -> Exposure:
    """The tokens (``--auth-tokens-file``'s and ``token``), allowed hosts and TLS files."""
    from modelport.serving.auth import read_tokens
    from modelport.serving.exposure import Exposure
    from modelport.serving.registry_tokens import RegistryTokens

    registry = None
    if args.auth_registry:
        registry = RegistryTokens(args.auth_registry, args.auth_workspace)
    return Exposure(
        tokens=read_tokens(args.auth_tokens_file, token or None, registry),
        allowed_hosts=tuple(args.allowed_hosts),
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
