"""Running the ASGI app with uvicorn: one process, graceful drain on SIGTERM, exit code 0."""

from __future__ import annotations

import signal

import uvicorn
from starlette.applications import Starlette


def run_server(app: Starlette, *, host: str, port: int) -> None:
    """Serve until SIGTERM or Ctrl-C; in-flight requests finish before the process exits.

    uvicorn re-raises the signal it stopped on once it has drained, to let the previous handler
    decide; SIGTERM's previous handler is set here to do nothing, so a drained stop exits 0.
    """
    previous = signal.signal(signal.SIGTERM, _drained)
    try:
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
        uvicorn.Server(config).run()
    finally:
        signal.signal(signal.SIGTERM, previous)


def _drained(signum: int, frame: object) -> None:
    """SIGTERM after uvicorn's graceful shutdown: nothing left to do."""
