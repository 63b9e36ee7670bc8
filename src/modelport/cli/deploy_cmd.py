"""``modelport deploy``: a registered version run as a service on Ray Serve or on this machine,
and the deployments made so far (``ls``, ``status``, ``rm``)."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, Any

import typer

from modelport.cli.context import STATE
from modelport.cli.deployment_tables import print_records, record_dict, record_fields
from modelport.cli.options import Group, JsonFlag, RegistryOption, command
from modelport.cli.output import console, print_fields, print_json
from modelport.cli.ray_deploying import deploy_again, registered_version
from modelport.deploy.plan import Scaling, parse_target, scaling
from modelport.deploy.records import DeploymentRecord, DeploymentRecords
from modelport.deploy.traffic import Traffic, traffic
from modelport.errors import InvalidInput

if TYPE_CHECKING:
    from modelport.cli.targets import ServeTarget
    from modelport.deploy.ray_target import RayStatus

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
    "machine (local); `deploy ls`, `deploy status NAME`, `deploy rm NAME`, "
    "`deploy promote NAME`, `deploy rollback NAME`.\n\n"
    "`modelport deploy REF --target ray://HOST:PORT` runs a Ray Serve application named after "
    "the model (a pipeline: a deployment per step, each in its own environment), behind Ray "
    "Serve's proxy; `--target local` runs modelport serve in the "
    "background, started again when it crashes. Deployments are recorded in the registry.",
    no_args_is_help=True,
)


@command(deploy_app, "up", hidden=True)
def up(
    reference: Annotated[
        str,
        typer.Argument(
            help="NAME, NAME:VERSION or NAME@ALIAS; a pipeline: NAME or NAME:VERSION.",
            metavar="REF",
            show_default=False,
        ),
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
    canary: Annotated[
        str | None,
        typer.Option(
            "--canary",
            help="Ray: the share of requests (10%) --canary-version answers (0: none).",
            show_default=False,
        ),
    ] = None,
    canary_version: Annotated[
        int | None,
        typer.Option("--canary-version", help="Ray: the canary's version.", show_default=False),
    ] = None,
    shadow: Annotated[
        int | None,
        typer.Option(
            "--shadow",
            help="Ray: a version sent a copy of each request; its answers are logged, never "
            "returned.",
            show_default=False,
        ),
    ] = None,
    registry: RegistryOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Deploy REF (a registered version, or a pipeline: NAME or NAME:N) to --target."""
    STATE.use_registry(registry)
    where = parse_target(target)
    scale = scaling(replicas, autoscale)
    if _is_pipeline(reference):
        from modelport.cli.pipeline_deploying import deploy_pipeline, refuse_routing

        refuse_routing(reference, canary=canary, canary_version=canary_version, shadow=shadow)
        record = deploy_pipeline(
            reference, where, scale, route_prefix=route_prefix, http_host=http_host,
            http_port=http_port, host=host, port=port, wait=LOCAL_READY_WAIT,
        )  # fmt: skip
        with _records() as records:
            records.put(record)
        print_records([record], as_json=as_json)
        return
    resolved = registered_version(reference)
    split = traffic(
        resolved.version or 0, canary=canary, canary_version=canary_version, shadow=shadow
    )
    if where.kind == "ray":
        from modelport.cli.ray_deploying import deploy_to_ray

        record = deploy_to_ray(
            where, reference, resolved, scale, route_prefix=route_prefix,
            http_host=http_host, http_port=http_port, traffic=split,
        )  # fmt: skip
    else:
        if not scale.fixed:
            raise InvalidInput(
                "--autoscale needs a Ray target", hint="use --replicas N", field="--autoscale"
            )
        if split.routed:
            raise InvalidInput(
                "--canary and --shadow need a Ray target",
                hint="deploy with --target ray://HOST:PORT",
                field="--canary" if split.canary is not None else "--shadow",
            )
        record = _deploy_locally(reference, resolved, scale, host, port)
    with _records() as records:
        records.put(record)
    print_records([record], as_json=as_json)


def _is_pipeline(reference: str) -> bool:
    from modelport.cli.pipeline_cmd import is_pipeline

    return is_pipeline(reference)


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
        new = deploy_again(record, record.reference, keep_traffic=True)
        with _records() as records:
            records.put(new)
        redeployed.append(new)
    return redeployed


def _is_remote(uri: str) -> bool:
    return uri.startswith(("http://", "https://"))


def _deploy_locally(
    reference: str, resolved: ServeTarget, scale: Scaling, host: str, port: int
) -> DeploymentRecord:
    from modelport.cli.targets import serving_command
    from modelport.deploy.local_target import listenable_port, start_local

    name = resolved.name or reference
    port = listenable_port(host, port)
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


@command(deploy_app, "ls")
def list_deployments(as_json: JsonFlag = False) -> None:
    """List the deployments recorded in the registry (`deploy status` asks the target)."""
    with _records() as records:
        print_records(records.all(), as_json=as_json)


@command(deploy_app, "status")
def status(
    name: Annotated[str, typer.Argument(help="The deployment (the model's name).")],
    as_json: JsonFlag = False,
) -> None:
    """A deployment's state as its target reports it now: Ray Serve's application status and
    replicas (a pipeline's: each step's), or whether the local server is running."""
    with _records() as records:
        record = records.get(name)
    fields: list[tuple[str, Any]] = []
    found: RayStatus | None = None
    if record.target == "local":
        from modelport.deploy.local_target import local_state

        record = record.with_state(local_state(record.pid, record.url))
        fields.append(("pid", record.pid))
    else:
        from modelport.deploy.ray_target import ray_status

        found = ray_status(parse_target(record.target), name)
        record = record.with_state(found.state.lower())
        fields.append(("replicas running", found.running))
        if not record.pipeline:
            split = found.traffic or Traffic(record.version or 0)
            fields.append(("traffic", split.describe()))
            if as_json:
                fields.append(("split", split.as_dict()))
        fields.append(("message", found.message))
    if record.pipeline:
        from modelport.cli.pipeline_deploying import steps_status

        fields.append(("steps", steps_status(record, found, as_json=as_json)))
    with _records() as records:
        records.put(record)
    if as_json:
        print_json({**record_dict(record), **dict(fields)})
        return
    print_fields(name, [*record_fields(record), *fields])


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


@command(deploy_app, "promote")
def promote(
    name: Annotated[str, typer.Argument(help="The deployment (the model's name).")],
    as_json: JsonFlag = False,
) -> None:
    """End a canary by giving its version every request (a shadow stays). A deployment of
    NAME@ALIAS moves ALIAS to that version, and every deployment of NAME@ALIAS follows."""
    record, split = _split_of(name)
    if split is None or split.canary is None:
        raise InvalidInput(
            f"the deployment {name} has no canary to promote",
            hint=f"`modelport deploy status {name}` shows its traffic",
            field="NAME",
        )
    model, _, alias = record.reference.partition("@")
    if alias:
        STATE.store.set_alias(name=model, alias=alias, number=split.canary)
        moved = redeploy_following(model, alias)
        for other in moved:
            if other.name != name:
                sys.stderr.write(f"redeployed {other.name} on {other.target}\n")
        new = next(r for r in moved if r.name == name)
    else:
        new = deploy_again(record, f"{record.model}:{split.canary}", keep_traffic=True)
        with _records() as records:
            records.put(new)
    print_records([new], as_json=as_json)


@command(deploy_app, "rollback")
def rollback(
    name: Annotated[str, typer.Argument(help="The deployment (the model's name).")],
    as_json: JsonFlag = False,
) -> None:
    """End a canary and a shadow: the version deployed answers every request again."""
    record, split = _split_of(name)
    if split is None:
        raise InvalidInput(
            f"the deployment {name} has no canary or shadow to roll back",
            hint=f"`modelport deploy status {name}` shows its traffic",
            field="NAME",
        )
    new = deploy_again(record, f"{record.model}:{split.primary}", keep_traffic=False)
    new = replace(new, reference=record.reference)
    with _records() as records:
        records.put(new)
    print_records([new], as_json=as_json)


def _split_of(name: str) -> tuple[DeploymentRecord, Traffic | None]:
    """The record of Ray deployment ``name`` and the split its router applies now."""
    from modelport.deploy.ray_target import ray_traffic

    with _records() as records:
        record = records.get(name)
    if record.pipeline:
        raise InvalidInput(
            f"the deployment {name} runs a pipeline: it has no canary or shadow",
            hint="deploy another version of the pipeline to replace it",
            field="NAME",
        )
    if record.target == "local":
        raise InvalidInput(
            f"the deployment {name} runs on this machine: it has no canary or shadow",
            field="NAME",
        )
    return record, ray_traffic(parse_target(record.target), name)


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


def register(app: typer.Typer) -> None:
    app.add_typer(deploy_app, name="deploy")
