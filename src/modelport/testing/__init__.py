"""Helpers for testing models and model servers.

- ``app_client(app)``: an ASGI app in this process, no socket: the fast way to check what the
  app answers.
- ``serve_app(app)``: the app under uvicorn on a real loopback port, for what needs a socket
  (a client library, concurrent connections, timeouts).
- ``start_server(target, ...)``: ``modelport serve`` as a real process (a
  :class:`ServerProcess`), for what needs the process (its start, signals, its output).
- ``free_port()``: a loopback port nothing listens on.

The pytest plugin (the ``real_time_client`` fixture) is ``modelport.testing.plugin``. pytest
loads it in every session, and so this package: names are imported on first use, so that
loading it imports no HTTP client or server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from modelport.testing.apps import app_client, serve_app
    from modelport.testing.server import ServerProcess, free_port, start_server

_HOMES = {
    "app_client": "modelport.testing.apps",
    "serve_app": "modelport.testing.apps",
    "ServerProcess": "modelport.testing.server",
    "free_port": "modelport.testing.server",
    "start_server": "modelport.testing.server",
}

__all__ = ["ServerProcess", "app_client", "free_port", "serve_app", "start_server"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'modelport.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
