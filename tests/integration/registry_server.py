"""A ``modelport server`` as a real process on a free loopback port, for the tests of the REST
store, the CLI against a remote registry and (at merge) the shared contract suite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from modelport.registry.sql.accounts import AccountStore
from modelport.registry.sql.database import Database
from modelport.testing.server import HOST, ServerProcess, free_port


def start_registry_server(
    registry_uri: str,
    *,
    home: Path,
    blobs: Path | None = None,
    auth: bool = True,
    host: str = HOST,
    env: dict[str, str] | None = None,
) -> ServerProcess:
    """``python -m modelport server --registry URI`` on a free port, ready (``/healthz``);
    it answers on the loopback address whatever ``host`` it binds."""
    port = free_port()
    command = [
        sys.executable, "-m", "modelport", "server", "--registry", registry_uri,
        "--host", host, "--port", str(port),
    ]  # fmt: skip
    if blobs is not None:
        command += ["--blobs", str(blobs)]
    if not auth:
        command.append("--no-auth")
    home.mkdir(parents=True, exist_ok=True)
    log = home / f"server-{port}.log"
    environ = {**os.environ, "MODELPORT_HOME": str(home), **(env or {})}
    environ.pop("MODELPORT_REGISTRY_URI", None)
    environ.pop("MODELPORT_TOKEN", None)
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=environ
        )
    server = ServerProcess(url=f"http://{HOST}:{port}", model=None, process=process, log=log)
    try:
        server.wait_ready("/healthz", timeout=60)
    except BaseException:
        server.stop()
        raise
    return server


def make_token(registry_uri: str, user: str, *, admin: bool = False, roles: dict[str, str]) -> str:
    """A new user of the registry at ``registry_uri`` with ``roles`` by workspace; their token."""
    database = Database.open(registry_uri)
    try:
        accounts = AccountStore(database)
        accounts.add_user(name=user, admin=admin)
        for workspace, role in roles.items():
            accounts.set_member(workspace=workspace, user=user, role=role)
        return accounts.create_token(user=user).token
    finally:
        database.close()
