"""Running a registered version on a Ray cluster for ``modelport deploy``: the ``ray_app``
builder's args for the version (and for the canary and shadow versions of a traffic split),
then the application run and its record; deploying again where a deployment runs (an alias
moved, a canary promoted or rolled back)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelport.cli.context import STATE
from modelport.deploy.plan import Scaling, Target, parse_target
from modelport.deploy.records import DeploymentRecord, route_prefix_of
from modelport.deploy.traffic import Traffic
from modelport.errors import InvalidInput

if TYPE_CHECKING:
    from modelport.cli.targets import ServeTarget

__all__ = [
    "deploy_again",
    "deploy_to_ray",
    "registered_version",
    "shadow_log_path",
    "version_args",
]


def deploy_to_ray(
    where: Target,
    reference: str,
    resolved: ServeTarget,
    scale: Scaling,
    *,
    route_prefix: str | None = None,
    http_host: str | None = None,
    http_port: int | None = None,
    traffic: Traffic | None = None,
) -> DeploymentRecord:
    """Run ``resolved`` (and, with ``traffic``, its canary and shadow versions behind a router)
    as the Ray Serve application named after the model; the record of what now runs."""
    from modelport.deploy.ray_target import RayApplication, deploy_on_ray

    args, name = version_args(resolved)
    if scale.fixed:
        args["replicas"] = scale.minimum
    else:
        args["min_replicas"], args["max_replicas"] = scale.minimum, scale.maximum
    prefix = route_prefix or f"/{name}"
    if not prefix.startswith("/"):
        raise InvalidInput("--route-prefix must start with /", field="--route-prefix")
    what = f"{name}:{resolved.version}"
    if traffic is not None and traffic.routed:
        args["traffic"] = traffic.as_dict()
        args["versions"] = {
            number: version_args(_version(name, number))[0]
            for number in {traffic.canary, traffic.shadow} - {None}
        }
        if traffic.shadow is not None:
            args["shadow_log"] = str(shadow_log_path(name))
        what += f" ({traffic.describe()})"
    sys.stderr.write(f"deploying {what} to {where.address} ...\n")
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


def deploy_again(
    record: DeploymentRecord, reference: str, *, keep_traffic: bool
) -> DeploymentRecord:
    """Deploy ``reference`` where ``record`` runs, with its replicas and route; with
    ``keep_traffic`` its canary and shadow stay (unless they are the version now deployed)."""
    from modelport.deploy.ray_target import ray_traffic

    where = parse_target(record.target)
    least, _, most = record.replicas.partition(":")
    scale = Scaling(int(least), int(most or least))
    resolved = registered_version(reference)
    version = resolved.version or 0
    split = None
    if keep_traffic and (now := ray_traffic(where, record.name)) is not None:
        canary = now.canary if now.canary != version else None
        split = Traffic(
            version,
            canary=canary,
            percent=now.percent if canary is not None else 0.0,
            shadow=now.shadow if now.shadow != version else None,
        )
    new = deploy_to_ray(
        where, reference, resolved, scale, route_prefix=route_prefix_of(record), traffic=split
    )
    return replace(new, created=record.created)


def registered_version(reference: str) -> ServeTarget:
    """The registered version ``reference`` names (a path is refused: build it first)."""
    from modelport.cli.targets import is_path, resolve_target

    if is_path(reference):
        raise InvalidInput(
            f"{reference} is not a registry reference",
            hint="deploy registered versions: NAME, NAME:VERSION or NAME@ALIAS (build the "
            "project first with `modelport build`)",
            field="REF",
        )
    return resolve_target(reference, env="auto", name=None, as_version=None)


def shadow_log_path(name: str) -> Path:
    """Where the answers of deployment ``name``'s shadow are logged (its folder in the home;
    the cluster's nodes must reach it, as they reach the unpacked artifacts)."""
    return STATE.settings.home / "deployments" / name / "shadow.jsonl"


def _version(name: str, number: int | None) -> ServeTarget:
    from modelport.cli.targets import resolve_target

    return resolve_target(f"{name}:{number}", env="auto", name=None, as_version=None)


def version_args(resolved: ServeTarget) -> tuple[dict[str, Any], str]:
    """The builder's args that say which artifact a version's replicas load, and in which
    environment; and the model's name."""
    from modelport.builder.package_index import configured_index
    from modelport.cli.targets import unpacked_target
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
    return args, name
