"""``modelport deploy``: a registered version run as a service on Ray Serve or on this machine,
and the deployments made so far (``ls``, ``status``, ``rm``)."""

from __future__ import annotations

import socket
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelport.cli.context import STATE
from modelport.cli.options import Group, JsonFlag, RegistryOption, command
from modelport.cli.output import console, print_fields, print_json, print_table
from modelport.deploy.plan import Scaling, Target, parse_target, scaling
from modelport.deploy.records import DeploymentRecord, DeploymentRecords, route_prefix_of
from modelport.errors import ConfigError, InvalidInput

if TYPE_CHECKING:
    from modelport.cli.targets import ServeTarget

COLUMNS = ["name", "target", "model", "version", "replicas", "state", "url"]
LOCAL_READY_WAIT = 120.0
"""Seconds ``--target local`` waits for the server to be ready."""


class DeployGroup(Group):
    """``modelport deploy REF ...`` deploys; ``ls``, ``status`` and ``rm`` are subcommands: a
    first argument that is none of them is the reference to deploy."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["up", *args]
        return super().resolve_command(ctx, args)


deploy_app = typer.Typer(
    cls=DeployGroup,
    help="Run a registered version as a service: on Ray Serve (ray://HOST:PORT) or on this "
    "machine (local); `deploy ls`, `deploy status NAME`, `deploy rm NAME`.\n\n"
    "`modelport deploy REF --target ray://HOST:PORT` runs a Ray Serve application named after "
    "the model, behind Ray Serve's proxy; `--target local` runs modelport serve in the "
    "background, started again when it crashes. Deployments are recorded in the registry.",
    no_args_is_help=True,
)


@command(deploy_app, "up", hidden=True)
def up(
    reference: Annotated[
        str,
        typer.Argument(help="NAME, NAME:VERSION or NAME@ALIAS.", metavar="REF", show_default=False),
    ],
    target: Annotated[
        str, typer.Option("--target", help="ray://HOST:PORT (the cluster's GCS address) or local.")
    ],
    replicas: Annotated[
        int | None,
        typer.Option("--replicas", help="Replicas answering (default 1).", show_default=False),
    ] = None,
    autoscale: Annotated[
        str | None,
        typer.Option(
            "--autoscale", help="MIN:MAX replicas, scaled by Ray Serve.", show_default=False
        ),
    ] = None,
    route_prefix: Annotated[
        str | None,
        typer.Option(
            "--route-prefix",
            help="Ray: where the model's routes sit behind the proxy (default /NAME).",
            show_default=False,
        ),
    ] = None,
    http_host: Annotated[
        str | None,
        typer.Option(
            "--http-host",
            help="Ray: the proxy's address, when Ray Serve is not yet running on the cluster.",
            show_default=False,
        ),
    ] = None,
    http_port: Annotated[
        int | None,
        typer.Option(
            "--http-port",
            help="Ray: the proxy's port (8000 by default), when Ray Serve is not yet running.",
            show_default=False,
        ),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Local: the address to listen on.")] = (
        "127.0.0.1"
    ),
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="Local: the port (0: a free one).")
    ] = 8080,
    registry: RegistryOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Deploy REF (a registered version) to --target."""
    STATE.use_registry(registry)
    where = parse_target(target)
    scale = scaling(replicas, autoscale)
    resolved = _registered(reference)
    if where.kind == "ray":
        record = _deploy_on_ray(
            where, reference, resolved, scale, route_prefix, http_host, http_port
        )
    else:
        if not scale.fixed:
            raise InvalidInput(
                "--autoscale needs a Ray target", hint="use --replicas N", field="--autoscale"
            )
        record = _deploy_locally(reference, resolved, scale, host, port)
    with _records() as records:
        records.put(record)
    _print_records([record], as_json=as_json)


def redeploy_following(model: str, alias: str) -> list[DeploymentRecord]:
    """Deploy again every Ray deployment of ``model@alias``, once the alias has moved: Ray Serve
    starts the new version's replicas before it stops the old ones', which finish their
    requests, so clients see no error. A local deployment is left as it is (noted on stderr):
    restarting it would drop requests. None when the registry keeps no deployments here."""
    if _is_remote(STATE.resolved_registry_uri):
        return []
    with _records() as records:
        following = [r for r in records.all() if r.reference == f"{model}@{alias}"]
    redeployed = []
    for record in following:
        if record.target == "local":
            sys.stderr.write(
                f"note: the local deployment {record.name} still runs {model}:{record.version}: "
                f"deploy it again (modelport deploy {record.reference} --target local)\n"
            )
            continue
        least, _, most = record.replicas.partition(":")
        scale = Scaling(int(least), int(most or least))
        resolved = _registered(record.reference)
        new = _deploy_on_ray(
            parse_target(record.target), record.reference, resolved, scale,
            route_prefix_of(record), None, None,
        )  # fmt: skip
        new = replace(new, created=record.created)
        with _records() as records:
            records.put(new)
        redeployed.append(new)
    return redeployed


def _is_remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def _registered(reference: str) -> ServeTarget:
    from modelport.cli.targets import is_path, resolve_target

    if is_path(reference):
        raise InvalidInput(
            f"{reference} is not a registry reference",
            hint="deploy registered versions: NAME, NAME:VERSION or NAME@ALIAS (build the "
            "project first with `modelport build`)",
            field="REF",
        )
    return resolve_target(reference, env="auto", name=None, as_version=None)


def _deploy_on_ray(
    where: Target,
    reference: str,
    resolved: ServeTarget,
    scale: Scaling,
    route_prefix: str | None,
    http_host: str | None,
    http_port: int | None,
) -> DeploymentRecord:
    from modelport.builder.package_index import configured_index
    from modelport.cli.targets import unpacked_target
    from modelport.deploy.ray_target import RayApplication, deploy_on_ray
    from modelport.deploy.runtime_env import runtime_env

    root, manifest, digest = unpacked_target(resolved)
    name = resolved.name or manifest.name
    settings = STATE.settings
    args: dict[str, Any] = {
        "artifact": str(root),
        "name": name,
        "version": resolved.version,
        "digest": digest,
        "runtime_env": runtime_env(
            manifest,
            envs_dir=settings.envs_dir,
            index_options=configured_index(settings).options(),
        ),
    }
    if scale.fixed:
        args["replicas"] = scale.minimum
    else:
        args["min_replicas"], args["max_replicas"] = scale.minimum, scale.maximum
    prefix = route_prefix or f"/{name}"
    if not prefix.startswith("/"):
        raise InvalidInput("--route-prefix must start with /", field="--route-prefix")
    sys.stderr.write(f"deploying {name}:{resolved.version} to {where.address} ...\n")
    status = deploy_on_ray(
        where, RayApplication(name, args, prefix, http_host=http_host, http_port=http_port)
    )
    return DeploymentRecord(
        name=name,
        target=where.address,
        model=name,
        version=resolved.version,
        reference=reference,
        replicas=scale.describe(),
        state=status.state.lower(),
        url=(status.proxy_url or "") + prefix,
    )


def _deploy_locally(
    reference: str, resolved: ServeTarget, scale: Scaling, host: str, port: int
) -> DeploymentRecord:
    from modelport.cli.targets import serving_command
    from modelport.deploy.local_target import start_local

    name = resolved.name or reference
    port = _free_port(host, port)
    options = ["--host", host, "--port", str(port), "--workers", str(scale.minimum)]
    url = f"http://{host}:{port}"
    log = STATE.settings.home / "deployments" / f"{name}.log"
    pid = start_local(serving_command(resolved, options), log=log, url=url, wait=LOCAL_READY_WAIT)
    return DeploymentRecord(
        name=name,
        target="local",
        model=name,
        version=resolved.version,
        reference=reference,
        replicas=scale.describe(),
        state="running",
        url=url,
        pid=pid,
    )


def _free_port(host: str, port: int) -> int:
    """``port`` (or, for 0, one the system picks) when it can be listened on now; a port in use
    is refused here rather than by a server the supervisor would start again and again."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                hint="choose another --port (0: a free one)",
                field="--port",
            ) from None
        found: int = probe.getsockname()[1]
    return found


@command(deploy_app, "ls")
def list_deployments(as_json: JsonFlag = False) -> None:
    """List the deployments recorded in the registry (`deploy status` asks the target)."""
    with _records() as records:
        _print_records(records.all(), as_json=as_json)


@command(deploy_app, "status")
def status(
    name: Annotated[str, typer.Argument(help="The deployment (the model's name).")],
    as_json: JsonFlag = False,
) -> None:
    """A deployment's state as its target reports it now: Ray Serve's application status and
    replicas, or whether the local server is running."""
    with _records() as records:
        record = records.get(name)
    fields: list[tuple[str, Any]] = []
    if record.target == "local":
        from modelport.deploy.local_target import local_state

        record = record.with_state(local_state(record.pid, record.url))
        fields.append(("pid", record.pid))
    else:
        from modelport.deploy.ray_target import ray_status

        found = ray_status(parse_target(record.target), name)
        record = record.with_state(found.state.lower())
        fields += [("replicas running", found.running), ("message", found.message)]
    with _records() as records:
        records.put(record)
    if as_json:
        print_json({**_as_dict(record), **dict(fields)})
        return
    print_fields(name, [*_record_fields(record), *fields])


@command(deploy_app, "rm")
def remove(
    name: Annotated[str, typer.Argument(help="The deployment (the model's name).")],
    as_json: JsonFlag = False,
) -> None:
    """Stop a deployment (its replicas, or the local server after its requests) and forget it."""
    with _records() as records:
        record = records.get(name)
    if record.target == "local":
        from modelport.deploy.local_target import stop_local

        stop_local(record.pid)
    else:
        from modelport.deploy.ray_target import remove_from_ray

        remove_from_ray(parse_target(record.target), name)
    with _records() as records:
        records.remove(name)
    if as_json:
        print_json({"removed": name, "target": record.target})
        return
    console.print(f"removed deployment {name} ({record.target})")


def _records() -> DeploymentRecords:
    """The deployments recorded in the registry (an SQL one: SQLite or PostgreSQL)."""
    uri = STATE.resolved_registry_uri
    if _is_remote(uri):
        raise InvalidInput(
            "deployments are recorded in the registry's database: a registry server's is not "
            "reachable from here",
            hint="run modelport deploy with --registry sqlite:///... or postgresql://...",
            field="--registry",
        )
    return DeploymentRecords.open(uri)


def _as_dict(record: DeploymentRecord) -> dict[str, Any]:
    return {column: getattr(record, column) for column in [*COLUMNS, "reference", "created"]} | {
        "created": record.created.isoformat()
    }


def _record_fields(record: DeploymentRecord) -> list[tuple[str, Any]]:
    return [(column, getattr(record, column)) for column in [*COLUMNS[1:], "reference", "created"]]


def _print_records(records: list[DeploymentRecord], *, as_json: bool) -> None:
    if as_json:
        print_json([_as_dict(record) for record in records])
        return
    print_table(None, COLUMNS, [[getattr(r, column) for column in COLUMNS] for r in records])


def register(app: typer.Typer) -> None:
    app.add_typer(deploy_app, name="deploy")
