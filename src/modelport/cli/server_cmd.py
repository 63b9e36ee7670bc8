"""``modelport server``: the registry's REST API for a team (see ``modelport.server``)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from modelport.cli.context import STATE
from modelport.cli.options import HostOption, PortOption, command


def server(
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry",
            help="The registry database this server keeps (default: the global --registry, "
            "else sqlite:///$MODELPORT_HOME/registry.db).",
        ),
    ] = None,
    blobs: Annotated[
        str | None,
        typer.Option(
            "--blobs", help="Where artifacts are kept: a folder (default $MODELPORT_HOME/blobs)."
        ),
    ] = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    no_auth: Annotated[
        bool,
        typer.Option(
            "--no-auth",
            help="Answer every request without a token, with every right: for one person on "
            "their own machine only.",
        ),
    ] = False,
) -> None:
    """Serve the registry's REST API (models, versions, aliases, tags, pipelines, secrets,
    members) under /api/v1, documented at /api/v1/docs. Requests need `Authorization: Bearer
    <token>` (see `modelport users` and `modelport tokens`) unless --no-auth."""
    from modelport.server.run import is_loopback, open_state, serve
    from modelport.serving.logs import configure_logging
    from modelport.serving.sockets import listen

    if no_auth and not is_loopback(host):
        sys.stderr.write(
            f"warning: --no-auth on {host}: anyone who can reach this address may read, "
            "change and delete every model; bind 127.0.0.1, or use tokens\n"
        )
    sock = listen(host, port)
    configure_logging()
    state = open_state(
        registry_uri=registry or STATE.resolved_registry_uri,
        blobs_uri=blobs,
        settings=STATE.settings,
        auth=not no_auth,
    )
    if state.accounts is not None and not state.accounts.list_users():
        sys.stderr.write(
            "note: this registry has no users yet, so every request is refused: add one with "
            "`modelport users add NAME --admin`, then `modelport tokens create --user NAME`\n"
        )
    bound_host, bound_port = sock.getsockname()[:2]
    sys.stderr.write(f"modelport server on http://{bound_host}:{bound_port}/api/v1/docs\n")
    serve(state, sock=sock)


def register(app: typer.Typer) -> None:
    command(app)(server)
