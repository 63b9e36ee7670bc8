"""The Ray Serve application of one pipeline: ``modelport.deploy.ray_pipeline:app``.

Each step is a deployment of its own (``step1-NAME``, ``step2-NAME``, ...): replicas of
``ray_app.VersionReplica``, each loading that step's model once, in the environment its artifact
asks for (``args.steps[i].runtime_env``, made by ``deploy.runtime_env`` as for a model's
deployment). In front of them, the application's HTTP ingress (``pipeline``) answers the routes
``modelport serve PIPELINE`` answers (Wallaroo's ``/pipelines/NAME`` and the generic protocols
under the pipeline's name) with the same app over the same :class:`PipelineServable`, whose
steps are :class:`~modelport.deploy.step_handles.DeploymentStep`\\ s calling the step
deployments through Ray Serve handles: validation between steps, casts, one row per input row,
the pipeline's validations and its inference log are the pipeline servable's own, not a second
runner's. The ingress loads no model; it reserves no CPU, as the router of a model's versions
does (``ray_router``): it mostly waits on the steps.

``args``: ``pipeline`` (``name``, ``version``, ``workspace``, ``definition`` as the registry
stores it), ``steps`` (one per step of the definition, in order: ``artifact``, ``name``,
``version``, ``digest``, ``runtime_env``, ``signature``, ``metadata``), ``log_folder`` (where
inferences are logged, when the pipeline logs them; the nodes must reach it), and as for a
model ``replicas`` or ``min_replicas`` and ``max_replicas`` (every deployment of the pipeline),
``num_cpus`` (per step replica), ``threads``, ``timeout``, ``max_batch_size`` and
``max_latency_ms``. Importing this module needs ``ray[serve]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ray import serve
from ray.serve import Application
from starlette.applications import Starlette

from modelport.deploy.ray_app import VersionReplica, deployment_options, replica_options
from modelport.deploy.step_handles import DeploymentStep, step_deployment_name
from modelport.errors import ConfigError
from modelport.pipelines.definition import Definition, PipelineVersion
from modelport.pipelines.logs import InferenceLog
from modelport.pipelines.servable import PipelineServable
from modelport.registry.entities import DEFAULT_WORKSPACE
from modelport.schema import Signature
from modelport.serving.replica import runtime_app
from modelport.serving.runtime import ModelRuntime

__all__ = ["INGRESS_NAME", "PipelineIngress", "app", "pipeline_servable"]

INGRESS_NAME = "pipeline"
"""The deployment answering the pipeline's HTTP routes."""

_REPLICAS = ("replicas", "min_replicas", "max_replicas")
_SERVING = ("threads", "timeout", "max_batch_size", "max_latency_ms", "num_cpus")


@serve.deployment(name=INGRESS_NAME, ray_actor_options={"num_cpus": 0})
@serve.ingress()
class PipelineIngress:
    """The pipeline's HTTP ingress: its app, which Ray Serve asks for once ``__init__`` has
    finished (the steps' handles are made by Ray Serve from the bound step deployments)."""

    async def __init__(self, spec: dict[str, Any], steps: list[Any]) -> None:  # type: ignore[misc]
        pipeline = pipeline_servable(spec, steps)
        runtime = ModelRuntime(
            pipeline,
            version=pipeline.version.number,
            threads=int(spec.get("threads") or 4),
            timeout=spec.get("timeout", 60.0),
        )
        self._app: Starlette = await runtime_app(runtime)

    def __serve_build_asgi_app__(self) -> Starlette:
        return self._app


def pipeline_servable(spec: Mapping[str, Any], handles: Sequence[Any]) -> PipelineServable:
    """The pipeline ``spec`` describes (what :func:`app` hands the ingress), each step calling
    its deployment through the handle of the same position."""
    version = PipelineVersion(
        spec["workspace"], spec["name"], spec["version"], Definition.from_dict(spec["definition"])
    )
    steps = [
        (
            label,
            DeploymentStep(
                handle,
                name=step["name"],
                deployment=step["deployment"],
                signature=Signature.from_dict(step["signature"]),
                metadata=step["metadata"],
            ),
        )
        for label, step, handle in zip(spec["labels"], spec["steps"], handles, strict=True)
    ]
    folder = spec.get("log_folder")
    log = InferenceLog(Path(folder)) if folder else None
    return PipelineServable(version, steps, log=log, digests=[s["digest"] for s in spec["steps"]])


def app(args: Mapping[str, Any]) -> Application:
    """The application for ``args`` (see the module's docstring); raises ConfigError naming the
    argument that is missing or wrong."""
    version = _pipeline_version(args)
    steps = _steps(args, version)
    common = {key: args[key] for key in (*_REPLICAS, *_SERVING) if args.get(key) is not None}
    bound = []
    described = []
    replica: Any = VersionReplica  # a Ray Serve Deployment, once decorated
    for index, (ref, step) in enumerate(zip(version.definition.steps, steps, strict=True), 1):
        name = step_deployment_name(index, ref.model)
        step_args = {**common, **step, "name": ref.model, "version": ref.version}
        options = replica_options(step_args)
        bound.append(replica.options(name=name, **deployment_options(step_args)).bind(options))
        described.append(
            {
                "name": ref.model,
                "deployment": name,
                "digest": str(step.get("digest") or ""),
                "signature": dict(step["signature"]),
                "metadata": dict(step.get("metadata") or {}),
            }
        )
    spec = {
        "workspace": version.workspace,
        "name": version.pipeline,
        "version": version.number,
        "definition": version.definition.to_dict(),
        "labels": [ref.ref for ref in version.definition.steps],
        "steps": described,
        "log_folder": str(args["log_folder"]) if args.get("log_folder") else None,
        **{key: args[key] for key in ("threads", "timeout") if args.get(key) is not None},
    }
    pipeline_servable(spec, [None] * len(bound))  # steps that cannot feed each other: refused here
    ingress_scaling = deployment_options({k: v for k, v in common.items() if k in _REPLICAS})
    ingress: Any = PipelineIngress
    built: Application = ingress.options(**ingress_scaling).bind(spec, bound)
    return built


def _pipeline_version(args: Mapping[str, Any]) -> PipelineVersion:
    described = args.get("pipeline")
    if not isinstance(described, Mapping) or not described.get("name"):
        raise ConfigError(
            "the Ray Serve application of a pipeline needs args.pipeline: its name, version and "
            "definition",
            field="args.pipeline",
        )
    try:
        number = int(described.get("version") or 0)
    except (TypeError, ValueError):
        raise ConfigError(
            f"args.pipeline.version is {described.get('version')!r}, not a whole number",
            field="args.pipeline.version",
        ) from None
    definition = Definition.from_dict(described.get("definition") or {})
    if not definition.steps:
        raise ConfigError(
            f"args.pipeline.definition of {described['name']} has no steps",
            hint="a pipeline deploys once it has steps (`modelport pipeline add-step`)",
            field="args.pipeline.definition",
        )
    workspace = str(described.get("workspace") or DEFAULT_WORKSPACE)
    return PipelineVersion(workspace, str(described["name"]), number, definition)


def _steps(args: Mapping[str, Any], version: PipelineVersion) -> list[Mapping[str, Any]]:
    steps = args.get("steps")
    wanted = len(version.definition.steps)
    if not isinstance(steps, Sequence) or len(steps) != wanted:
        raise ConfigError(
            f"args.steps must give the artifact of each of the pipeline's {wanted} steps, in order",
            field="args.steps",
        )
    for index, step in enumerate(steps):
        if not isinstance(step, Mapping) or not step.get("artifact"):
            raise ConfigError(
                f"args.steps[{index}] needs the artifact of step {index + 1}",
                field=f"args.steps[{index}].artifact",
            )
        if not isinstance(step.get("signature"), Mapping):
            raise ConfigError(
                f"args.steps[{index}] needs the signature of step {index + 1} (as the registry "
                "keeps it)",
                field=f"args.steps[{index}].signature",
            )
    return list(steps)
