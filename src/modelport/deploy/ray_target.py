"""Deployments on a Ray cluster: each model a Ray Serve application named after it.

modelport joins the cluster as a driver (``ray_cluster.joined``: ``ray.init`` on the GCS
address ``ray start --head`` printed), runs, reads or deletes the application with Ray Serve's
API, and leaves: the application lives on in the cluster (Ray Serve's controller keeps its
replicas running and replaces those that die).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from modelport.deploy.plan import Target
from modelport.deploy.ray_cluster import joined
from modelport.deploy.traffic import Traffic
from modelport.errors import MissingDependency, ModelFailed, NotFound

__all__ = [
    "RayApplication",
    "RayStatus",
    "deploy_on_ray",
    "ray_status",
    "ray_traffic",
    "remove_from_ray",
]


@dataclass(frozen=True)
class RayApplication:
    """One model's application (or a pipeline's): its name, route prefix, and the builder's
    args (``ray_app.app``'s, or with ``pipeline`` ``ray_pipeline.app``'s)."""

    name: str
    args: Mapping[str, Any]
    route_prefix: str
    http_host: str | None = None
    """Where Ray Serve's HTTP proxy listens (applied only when Serve starts on the cluster)."""
    http_port: int | None = None
    pipeline: bool = False


@dataclass(frozen=True)
class RayStatus:
    """What Ray Serve says of an application (and its router, when it has one)."""

    state: str
    """DEPLOYING, RUNNING, UNHEALTHY, DELETING... (Ray Serve's application status)."""
    message: str = ""
    replicas: dict[str, int] = field(default_factory=dict)
    """Replicas by state (RUNNING, STARTING, ...), all deployments together."""
    traffic: Traffic | None = None
    """The split its router applies (None: no router, one version answers)."""
    proxy_url: str | None = None
    """Where Ray Serve's HTTP proxy answers (``http://HOST:PORT``), when it says."""
    deployments: dict[str, dict[str, int]] = field(default_factory=dict)
    """Each deployment's replicas by state (a pipeline's: one per step, and its ingress)."""

    @property
    def running(self) -> int:
        return self.replicas.get("RUNNING", 0)


def deploy_on_ray(target: Target, application: RayApplication) -> RayStatus:
    """Run ``application`` on the cluster, or update it in place (Ray Serve starts the new
    replicas before it stops the old ones); returns once it is RUNNING. Raises ModelFailed when
    Ray Serve gives up starting the replicas."""
    if application.pipeline:
        from modelport.deploy.ray_pipeline import app
    else:
        from modelport.deploy.ray_app import app

    built = app(application.args)  # a bad argument is refused before joining the cluster
    with _connected(target) as serve:
        if application.http_host is not None or application.http_port is not None:
            http: dict[str, Any] = {}
            if application.http_host is not None:
                http["host"] = application.http_host
            if application.http_port is not None:
                http["port"] = application.http_port
            serve.start(http_options=http)
        try:
            serve.run(built, name=application.name, route_prefix=application.route_prefix)
        except RuntimeError as exc:  # DEPLOY_FAILED: the replicas' constructors kept failing
            first, *_ = str(exc).splitlines() or [""]
            raise ModelFailed(
                f"the replicas of {application.name} could not start on {target.address}: {first}",
                hint=f"`modelport deploy status {application.name}` says more; the replicas' "
                "output is in the Ray session's logs (logs/serve/ under the node's temp dir)",
            ) from None
        return replace(_status_of(serve, application.name), proxy_url=_proxy_url(target))


def ray_status(target: Target, name: str) -> RayStatus:
    """Ray Serve's status of the application ``name``; NotFound when the cluster has none."""
    with _connected(target) as serve:
        return _status_of(serve, name)


def ray_traffic(target: Target, name: str) -> Traffic | None:
    """The split the router of application ``name`` applies; None when it has no router (one
    version answers every request)."""
    with _connected(target) as serve:
        return _status_of(serve, name).traffic


def remove_from_ray(target: Target, name: str) -> None:
    """Delete the application ``name`` and its replicas (nothing when the cluster has none)."""
    with _connected(target) as serve:
        if name in serve.status().applications:
            serve.delete(name)


def _status_of(serve: Any, name: str) -> RayStatus:
    applications = serve.status().applications
    if name not in applications:
        raise NotFound(f"the Ray cluster runs no application {name}", field="NAME")
    found = applications[name]
    replicas: dict[str, int] = {}
    deployments: dict[str, dict[str, int]] = {}
    for deployment_name, deployment in found.deployments.items():
        states = deployments.setdefault(str(deployment_name), {})
        for state, count in deployment.replica_states.items():
            key = str(getattr(state, "value", state))
            replicas[key] = replicas.get(key, 0) + int(count)
            states[key] = states.get(key, 0) + int(count)
    state = str(getattr(found.status, "value", found.status))
    traffic = _traffic_of(serve, name, found)
    return RayStatus(
        state, found.message, replicas=replicas, deployments=deployments, traffic=traffic
    )


def _traffic_of(serve: Any, name: str, application: Any) -> Traffic | None:
    from modelport.deploy.ray_router import ROUTER_NAME

    if ROUTER_NAME not in application.deployments:
        return None
    router = serve.get_deployment_handle(ROUTER_NAME, app_name=name)
    return Traffic.from_dict(router.traffic.remote().result(timeout_s=60))


def _proxy_url(target: Target) -> str | None:
    """Ray Serve's root URL (its proxy's ``http://HOST:PORT``; a proxy listening on every
    address is named by the cluster's host), or None when Serve does not say. Ray Serve has no
    public API for it: its controller client's ``root_url`` (Ray 2.60) is read, and anything
    unexpected is None rather than an error, as the deployment itself has succeeded."""
    try:
        from ray.serve.context import _get_global_client

        client = _get_global_client()
        root = urlsplit(str(client.root_url if client is not None else ""))
    except Exception:  # an internal API: absent or changed in another Ray version
        return None
    if root.scheme not in ("http", "https") or not root.hostname:
        return None
    host = target.host if root.hostname in ("0.0.0.0", "::") else root.hostname
    if ":" in str(host):
        host = f"[{host}]"
    port = f":{root.port}" if root.port else ""
    return f"{root.scheme}://{host}{port}"


@contextmanager
def _connected(target: Target) -> Iterator[Any]:
    """Ray Serve's API, joined to ``target``'s cluster for the block."""
    with joined(target, needs="Ray Serve"):
        try:
            from ray import serve
        except ImportError as exc:
            raise MissingDependency(
                f"--target ray:// needs Ray Serve ({exc})",
                hint="pip install 'modelport[ray]' (the same Ray version as the cluster's)",
                field="--target",
            ) from None
        logging.getLogger("ray.serve").setLevel(logging.WARNING)
        yield serve
