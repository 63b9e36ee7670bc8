"""Opening what a server holds (the registry's database and blob store, the accounts kept in the
same database) and serving the app with uvicorn on a socket bound beforehand."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import signal
import socket
from dataclasses import replace
from pathlib import Path

import uvicorn

from modelport.builder.scratch import leftovers_in, owned_folder, remove
from modelport.errors import ConfigError
from modelport.pipelines.store import PipelineStore
from modelport.registry.blob_uris import open_blob_store
from modelport.registry.sql.accounts import AccountStore
from modelport.registry.sql.database import Database
from modelport.registry.sql.store import SqlRegistryStore
from modelport.server.app import create_server_app
from modelport.server.state import ServerState
from modelport.serving.logs import uvicorn_level
from modelport.settings import Settings

log = logging.getLogger("modelport.server")
UPLOADS_PREFIX = ".server-"
"""The folder each server process receives its uploads in, under the home's ``uploads``."""


def open_state(
    *, registry_uri: str, blobs_uri: str | None, settings: Settings, auth: bool
) -> ServerState:
    """The stores a server at ``registry_uri`` holds (blobs in ``blobs_uri``, default the
    home's blob folder); ``auth`` False: no accounts, everyone may do everything."""
    if registry_uri.startswith(("http://", "https://")):
        raise ConfigError(
            f"a server keeps its registry in a database, not at {registry_uri!r}",
            hint="give --registry a database URI such as sqlite:////srv/modelport/registry.db",
            field="--registry",
        )
    database = Database.open(registry_uri)
    registry = SqlRegistryStore(database, open_blob_store(blobs_uri, settings=settings))
    return ServerState(
        registry=registry,
        pipelines=PipelineStore(database),
        accounts=AccountStore(database) if auth else None,
        home=settings.home,
        max_upload_bytes=settings.max_artifact_bytes,
        upload_dir=uploads_dir(settings),
        registry_uri=registry_uri,
        settings=replace(settings, registry_uri=registry_uri, blobs_uri=blobs_uri)
        if blobs_uri
        else replace(settings, registry_uri=registry_uri),
    )


def uploads_dir(settings: Settings) -> Path:
    """Where every server of this home receives uploads: a folder per server process."""
    return settings.home / "uploads"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(state: ServerState, *, sock: socket.socket) -> None:
    """Serve the registry API on ``sock`` until SIGTERM or Ctrl-C (uvicorn drains requests).

    Uploads arrive in a folder of this process's own (``owned_folder``), removed when it stops;
    the folders of servers killed outright are swept here first."""
    state.upload_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for leftover in remove(leftovers_in(state.upload_dir, (UPLOADS_PREFIX,))):
        log.info(
            "removed %s, left by a server (pid %s) that was killed", leftover.path, leftover.owner
        )
    with owned_folder(UPLOADS_PREFIX, state.upload_dir) as folder:
        _serve(replace(state, upload_dir=folder), sock=sock)


def _serve(state: ServerState, *, sock: socket.socket) -> None:
    host, port = sock.getsockname()[:2]
    app = create_server_app(state)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        log_level=uvicorn_level(),
        access_log=False,  # the serving middleware writes the access lines
        lifespan="off",
        proxy_headers=False,
        server_header=False,
        ws="none",
    )
    server = uvicorn.Server(config)
    log.info("modelport server ready on http://%s:%s/api/v1/docs", host, port)
    # uvicorn re-raises the signal it stopped on, once drained, for the previous handler:
    # SIGTERM's does nothing here, so a drained stop exits 0.
    previous = signal.signal(signal.SIGTERM, _drained)
    try:
        # uvicorn's own loop (uvloop when installed), as `modelport serve` runs: on asyncio's
        # default loop every request after the first on a kept-alive connection took ~40 ms
        with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
            runner.run(server.serve(sockets=[sock]))
    finally:
        signal.signal(signal.SIGTERM, previous)
        app.state.playground.stop_all()  # the playground's servings go with the server
        state.registry.close()


def _drained(signum: int, frame: object) -> None:
    """SIGTERM after uvicorn has drained the requests in flight: nothing left to do."""
