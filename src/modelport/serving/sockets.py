"""The socket a server listens on, bound before anything says the server is up: an address
that cannot be had (another process holds the port) is one line of error, not a banner followed
by uvicorn's traceback. Imports nothing of the server, so ``modelport serve`` checks the port
before it builds or loads anything."""

from __future__ import annotations

import errno
import socket

from modelport.errors import ConfigError


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` for the server to listen on (uvicorn starts listening);
    ConfigError naming the address when it cannot be had, e.g. another process holds the port."""
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn: restarts reuse it
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"{address} is already in use", hint="pick another port with --port", field="--port"
            ) from exc
        reason = exc.strerror or str(exc)
        raise ConfigError(
            f"cannot listen on {address}: {reason}",
            hint="check --host and --port (ports below 1024 need privileges)",
            field="--host",
        ) from exc
    return sock
