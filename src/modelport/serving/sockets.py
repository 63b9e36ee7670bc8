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


def listen_unix(path: str) -> socket.socket:
    """A Unix socket bound at ``path`` (a model's worker behind a front process, which made the
    folder it lives in, readable by this user only); ConfigError naming the path when it cannot
    be bound."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(path)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on the Unix socket {path}: {exc.strerror or exc}",
            hint="give --uds a path in a folder this user may write, not in use",
            field="--uds",
        ) from exc
    return sock


def url_of(sock: socket.socket, scheme: str) -> str:
    """Where a bound socket answers: ``http://HOST:PORT``, or ``unix:PATH`` for a Unix socket."""
    if sock.family == socket.AF_UNIX:
        return f"unix:{sock.getsockname()}"
    host, port = sock.getsockname()[:2]
    return f"{scheme}://{host}:{port}"
