"""Deploying a pipeline for ``modelport deploy PIPELINE``: on a Ray cluster, the Ray Serve
application of ``deploy.ray_pipeline`` (each step a deployment in its own environment, an
ingress answering ``modelport serve PIPELINE``'s routes); on this machine, ``modelport serve
PIPELINE`` under the supervisor, as a model's local deployment is."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from modelport.cli.context import STATE
from modelport.deploy.plan import Scaling, Target
from modelport.deploy.records import DeploymentRecord
from modelport.errors import InvalidInput

if TYPE_CHECKING:
    from modelport.deploy.ray_target import RayStatus
    from modelport.pipelines.definition import Pipeline, PipelineVersion

__all__ = [
    "deploy_pipeline",
    "deploy_pipeline_locally",
    "deploy_pipeline_to_ray",
    "pipeline_version",
    "refuse_routing",
    "steps_status",
]


def refuse_routing(
    reference: str, *, canary: str | None, canary_version: int | None, shadow: int | None
) -> None:
    """A canary or a shadow splits requests between versions of one model: a pipeline has
    none (InvalidInput naming the first option given)."""
    given = [
        option
        for option, value in (
            ("--canary", canary), ("--canary-version", canary_version), ("--shadow", shadow)
        )
        if value is not None
    ]  # fmt: skip
    if given:
        raise InvalidInput(
            f"{given[0]} splits requests between versions of one model; {reference} is a pipeline",
            hint="deploy the pipeline without it (deploying a new version of the pipeline "
            "replaces the old one in place)",
            field=given[0],
        )


def deploy_pipeline(
    reference: str,
    where: Target,
    scale: Scaling,
    *,
    route_prefix: str | None,
    http_host: str | None,
    http_port: int | None,
    host: str,
    port: int,
    wait: float,
) -> DeploymentRecord:
    """Deploy pipeline ``reference`` to ``where``: the record of what now runs."""
    if where.kind == "ray":
        return deploy_pipeline_to_ray(
            where, reference, scale, route_prefix=route_prefix, http_host=http_host,
            http_port=http_port,
        )  # fmt: skip
    if not scale.fixed:
        raise InvalidInput(
            "--autoscale needs a Ray target", hint="use --replicas N", field="--autoscale"
        )
    return deploy_pipeline_locally(reference, scale, host, port, wait=wait)


def pipeline_version(reference: str) -> tuple[Pipeline, PipelineVersion]:
    """The pipeline and the version ``reference`` (``NAME`` for its newest, or ``NAME:N``)
    names."""
    from modelport.pipelines.store import PipelineStore

    with PipelineStore.open(STATE.registry_uri, settings=STATE.settings) as pipelines:
        version = pipelines.resolve(reference)
        pipeline = pipelines.get(name=version.pipeline, workspace=version.workspace)
    if not version.definition.steps:
        raise InvalidInput(
            f"pipeline {version.ref} has no steps to deploy",
            hint=f"add one with `modelport pipeline add-step {version.pipeline} MODEL`",
            field="REF",
        )
    return pipeline, version


def deploy_pipeline_to_ray(
    where: Target,
    reference: str,
    scale: Scaling,
    *,
    route_prefix: str | None = None,
    http_host: str | None = None,
    http_port: int | None = None,
) -> DeploymentRecord:
    """Run pipeline ``reference`` as the Ray Serve application named after it: a deployment
    per step, each with ``scale``'s replicas, behind the pipeline's ingress."""
    from modelport.cli.ray_deploying import version_args
    from modelport.cli.targets import ServeTarget
    from modelport.deploy.ray_target import RayApplication, deploy_on_ray
    from modelport.pipelines.loading import step_versions
    from modelport.pipelines.logs import InferenceLog

    pipeline, version = pipeline_version(reference)
    steps: list[dict[str, Any]] = []
    notes = []
    for index, found in enumerate(step_versions(version, STATE.store), start=1):
        target = ServeTarget(
            STATE.store.artifact_path(found), found.model, found.number, found.digest
        )
        step_args, _ = version_args(target)
        steps.append({**step_args, "signature": found.signature, "metadata": found.metadata})
        notes.append(f"  step {index}: {found.ref}{_environment_note(step_args)}\n")
    name = version.pipeline
    args: dict[str, Any] = {
        "pipeline": {
            "name": name,
            "version": version.number,
            "workspace": version.workspace,
            "definition": version.definition.to_dict(),
        },
        "steps": steps,
    }
    if scale.fixed:
        args["replicas"] = scale.minimum
    else:
        args["min_replicas"], args["max_replicas"] = scale.minimum, scale.maximum
    if pipeline.log_inferences:
        log = InferenceLog.of(name, settings=STATE.settings, workspace=version.workspace)
        args["log_folder"] = str(log.folder)
    prefix = route_prefix or f"/{name}"
    if not prefix.startswith("/"):
        raise InvalidInput("--route-prefix must start with /", field="--route-prefix")
    sys.stderr.write(f"deploying pipeline {version.ref} to {where.address} ...\n")
    sys.stderr.writelines(notes)
    application = RayApplication(
        name, args, prefix, http_host=http_host, http_port=http_port, pipeline=True
    )
    status = deploy_on_ray(where, application)
    return DeploymentRecord(
        name=name,
        target=where.address,
        model=name,
        version=version.number,
        reference=reference,
        replicas=scale.describe(),
        state=status.state.lower(),
        url=(status.proxy_url or "") + prefix,
        pipeline=True,
        steps=tuple(step.ref for step in version.definition.steps),
    )


def deploy_pipeline_locally(
    reference: str, scale: Scaling, host: str, port: int, *, wait: float
) -> DeploymentRecord:
    """``modelport serve PIPELINE`` on ``host:port`` (0: a free port), in the background under
    the supervisor. One serving process: the steps built in other environments run in workers
    of their own, which a pool of serving processes cannot share."""
    from modelport.deploy.local_target import listenable_port, start_local
    from modelport.pipelines.loading import step_versions

    if scale.minimum > 1:
        raise InvalidInput(
            "--replicas above 1 with --target local: a pipeline on this machine is one serving "
            "process (its steps of other environments in workers of their own)",
            hint="deploy it with --replicas 1, or to a Ray cluster (--target ray://HOST:PORT)",
            field="--replicas",
        )
    _, version = pipeline_version(reference)
    step_versions(version, STATE.store)  # a step missing from the registry: refused here
    name = version.pipeline
    port = listenable_port(host, port)
    command = [
        *(sys.executable, "-m", "modelport", "--registry", STATE.resolved_registry_uri),
        *("serve", version.ref, "--host", host, "--port", str(port)),
    ]
    url = f"http://{host}:{port}"
    log = STATE.settings.home / "deployments" / f"{name}.log"
    pid = start_local(command, log=log, url=url, wait=wait)
    return DeploymentRecord(
        name=name,
        target="local",
        model=name,
        version=version.number,
        reference=reference,
        replicas=scale.describe(),
        state="running",
        url=url,
        pid=pid,
        pipeline=True,
        steps=tuple(step.ref for step in version.definition.steps),
    )


def steps_status(record: DeploymentRecord, found: RayStatus | None, *, as_json: bool) -> Any:
    """A pipeline deployment's steps for ``deploy status``: on Ray, each with its deployment
    and its replicas by state (``found``, what Ray Serve says now); locally, their references
    (they run in the one server)."""
    from modelport.deploy.step_handles import step_deployment_name

    steps: list[dict[str, Any]] = []
    for index, step in enumerate(record.steps, start=1):
        if found is None:
            steps.append({"step": step})
            continue
        deployment = step_deployment_name(index, step.rpartition(":")[0])
        replicas = found.deployments.get(deployment, {})
        steps.append({"step": step, "deployment": deployment, "replicas": replicas})
    if as_json:
        return steps
    if found is None:
        return " -> ".join(one["step"] for one in steps)
    return "\n".join(
        f"{one['step']}: {one['replicas'].get('RUNNING', 0)} running ({one['deployment']})"
        for one in steps
    )


def _environment_note(args: dict[str, Any]) -> str:
    runtime_env = args.get("runtime_env") or {}
    if "py_executable" in runtime_env:
        return f" (its environment's interpreter, {runtime_env['py_executable']})"
    if "pip" in runtime_env:
        return " (its lock, installed by Ray on each node)"
    return " (the cluster's interpreter)"
