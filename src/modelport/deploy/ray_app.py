"""The Ray Serve application of one model: ``modelport.deploy.ray_app:app``.

Each replica loads the model once, with the code ``modelport serve`` runs
(``serving.replica``), and answers the HTTP requests Ray Serve's proxy hands it with the same
app: the native, KServe V1 and Open Inference V2 routes and the convention's own. The
``app`` builder takes the artifact's path, so a Ray Serve config file works as well as
``modelport deploy``::

    applications:
      - name: iris
        route_prefix: /iris
        import_path: modelport.deploy.ray_app:app
        args: {artifact: /path/to/unpacked/or/artifact.zip, replicas: 2}

``args``: ``artifact`` (required), ``name``, ``version``, ``digest``, ``threads``,
``timeout``, ``max_batch_size``, ``max_latency_ms``, ``replicas`` or ``min_replicas`` and
``max_replicas``, ``runtime_env`` and ``num_cpus`` (per replica). Importing this module needs
``ray[serve]`` (``pip install 'modelport[ray]'``).

With ``traffic`` (``{primary, canary, percent, shadow}``, version numbers and the canary's
share) and ``versions`` (each other version's ``artifact``, ``digest`` and ``runtime_env``, by
version number), the application is a router (``deploy.ray_router``) in front of the primary's
deployment (``model``) and one deployment per other version (``vN``); ``shadow_log`` is the file
the shadow's answers are logged to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from ray import serve
from ray.serve import Application
from starlette.applications import Starlette

from modelport.deploy.traffic import Traffic
from modelport.errors import ConfigError
from modelport.serving.replica import ReplicaOptions, replica_app

__all__ = [
    "DEPLOYMENT_NAME",
    "LoadedModel",
    "ModelReplica",
    "VersionReplica",
    "app",
    "deployment_options",
    "replica_options",
]

DEPLOYMENT_NAME = "model"
"""The one deployment of each model's application (the application is named after the model)."""

_REPLICA_FIELDS = {
    "artifact": str,
    "name": str,
    "version": int,
    "digest": str,
    "threads": int,
    "timeout": float,
    "max_batch_size": int,
    "max_latency_ms": float,
}


class LoadedModel:
    """What every replica holds: the model loaded and initialised in ``__init__`` (Ray Serve
    awaits it), and its app."""

    async def __init__(self, options: ReplicaOptions) -> None:  # type: ignore[misc]
        self._app: Starlette = await replica_app(options)
        self._client: httpx.AsyncClient | None = None

    async def forward(
        self, method: str, path: str, query: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """One request handed on by the router (``deploy.ray_router``), answered by this
        replica's app in process: its status, headers and body."""
        if self._client is None:
            transport = httpx.ASGITransport(app=self._app)
            self._client = httpx.AsyncClient(
                transport=transport, base_url="http://replica", timeout=None
            )
        url = f"{path}?{query}" if query else path
        answer = await self._client.request(method, url, headers=headers, content=body)
        return answer.status_code, list(answer.headers.multi_items()), answer.content


@serve.deployment(name=DEPLOYMENT_NAME)
@serve.ingress()
class ModelReplica(LoadedModel):
    """A replica answering the HTTP requests Ray Serve's proxy hands it (the application's one
    deployment): its app, which Ray Serve asks for once ``__init__`` has finished."""

    def __serve_build_asgi_app__(self) -> Starlette:
        return self._app


@serve.deployment(name=DEPLOYMENT_NAME)
class VersionReplica(LoadedModel):
    """A replica of one version behind the router, which hands it requests by deployment handle
    (``forward``): Ray Serve allows one HTTP ingress per application, the router."""


def app(args: Mapping[str, Any]) -> Application:
    """The application for ``args`` (see the module's docstring); raises ConfigError naming the
    argument that is missing or wrong."""
    options = replica_options(args)
    deployment: Any = ModelReplica  # a Ray Serve Deployment, once decorated
    scaled = deployment_options(args)
    if not args.get("traffic"):
        alone: Application = deployment.options(**scaled).bind(options)
        return alone
    from modelport.deploy.ray_router import TrafficRouter

    deployment = VersionReplica
    primary = deployment.options(**scaled).bind(options)

    traffic = _traffic(args)
    versions: dict[int, Any] = {traffic.primary: primary}
    for number in {traffic.canary, traffic.shadow} - {None}:
        assert number is not None
        other = _other_version(args, number)
        other_scaled = {**scaled}
        if other.get("runtime_env"):
            actor = dict(other_scaled.get("ray_actor_options", {}))
            actor["runtime_env"] = dict(other["runtime_env"])
            other_scaled["ray_actor_options"] = actor
        versions[number] = deployment.options(name=f"v{number}", **other_scaled).bind(
            replica_options({**args, **other, "version": number})
        )
    router: Any = TrafficRouter
    built: Application = router.bind(versions, traffic.as_dict(), args.get("shadow_log"))
    return built


def _traffic(args: Mapping[str, Any]) -> Traffic:
    try:
        traffic = Traffic.from_dict(dict(args["traffic"]))
    except (KeyError, TypeError, ValueError):
        raise ConfigError(
            f"args.traffic is {args['traffic']!r}, not {{primary, canary, percent, shadow}}",
            field="args.traffic",
        ) from None
    if traffic.canary is not None and not 0 < traffic.percent < 100:
        raise ConfigError(
            f"args.traffic.percent is {traffic.percent:g}: it must be between 0 and 100",
            field="args.traffic.percent",
        )
    return traffic


def _other_version(args: Mapping[str, Any], number: int) -> dict[str, Any]:
    """The artifact of version ``number`` (a canary or shadow), from ``args.versions``."""
    versions = args.get("versions") or {}
    found = versions.get(number, versions.get(str(number)))
    if not isinstance(found, Mapping) or not found.get("artifact"):
        raise ConfigError(
            f"args.versions has no artifact for version {number}, which args.traffic names",
            field="args.versions",
        )
    return {key: found[key] for key in ("artifact", "digest", "runtime_env") if key in found}


def deployment_options(args: Mapping[str, Any]) -> dict[str, Any]:
    """Ray Serve's options of the model's deployment: its replicas (a number, or autoscaling
    bounds) and each replica's ``runtime_env`` and CPUs."""
    options: dict[str, Any] = {}
    minimum, maximum = _replicas(args)
    if minimum == maximum:
        options["num_replicas"] = minimum
    else:
        options["autoscaling_config"] = {
            "min_replicas": minimum,
            "max_replicas": maximum,
            "initial_replicas": max(minimum, 1),
        }
    actor: dict[str, Any] = {}
    if args.get("runtime_env"):
        actor["runtime_env"] = dict(args["runtime_env"])
    if args.get("num_cpus") is not None:
        actor["num_cpus"] = float(args["num_cpus"])
    if actor:
        options["ray_actor_options"] = actor
    return options


def replica_options(args: Mapping[str, Any]) -> ReplicaOptions:
    """What every replica serves, from the builder's ``args``."""
    if not args.get("artifact"):
        raise ConfigError(
            "the Ray Serve application needs args.artifact: the path of the model's artifact",
            field="args.artifact",
        )
    values: dict[str, Any] = {}
    for key, kind in _REPLICA_FIELDS.items():
        if args.get(key) is None:
            continue
        try:
            values[key] = kind(args[key])
        except (TypeError, ValueError):
            raise ConfigError(
                f"args.{key} is {args[key]!r}, not a {kind.__name__}", field=f"args.{key}"
            ) from None
    return ReplicaOptions(**values)


def _replicas(args: Mapping[str, Any]) -> tuple[int, int]:
    try:
        if args.get("min_replicas") is not None or args.get("max_replicas") is not None:
            minimum = int(args.get("min_replicas") or 0)
            maximum = int(args.get("max_replicas") or max(minimum, 1))
        else:
            replicas = args.get("replicas")
            minimum = maximum = 1 if replicas is None else int(replicas)
    except (TypeError, ValueError):
        raise ConfigError(
            "args.replicas, args.min_replicas and args.max_replicas must be whole numbers",
            field="args.replicas",
        ) from None
    if maximum < 1 or minimum > maximum or minimum < 0:
        raise ConfigError(
            f"replicas {minimum}:{maximum}: the most must be 1 or more and the least at most that",
            field="args.replicas",
        )
    return minimum, maximum
