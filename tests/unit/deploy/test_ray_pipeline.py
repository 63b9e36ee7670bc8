"""A pipeline's Ray Serve application builder: its arguments (what a Ray Serve config file's
``args`` give) checked before anything joins a cluster, a deployment per step, and steps that
cannot feed each other refused as ``modelport serve PIPELINE`` refuses them."""

from __future__ import annotations

from typing import Any

import pytest

from modelport.errors import ConfigError, InvalidInput
from modelport.schema import Field, Signature

ray_pipeline = pytest.importorskip(
    "modelport.deploy.ray_pipeline",
    reason="ray[serve] is not installed (pip install modelport[ray])",
)

ADDER = Signature([Field("x", float), Field("y", float)], [Field("sum", float)])
HALVER = Signature([Field("sum", float)], [Field("half", float)])


def _args(*signatures: Signature, **more: Any) -> dict[str, Any]:
    names = ["adder", "halver", "other"][: len(signatures)]
    return {
        "pipeline": {
            "name": "sum-half",
            "version": 2,
            "definition": {
                "steps": [{"model": name, "version": 1} for name in names],
                "validations": [],
            },
        },
        "steps": [
            {"artifact": f"/unpacked/{name}", "digest": "sha256:00", "signature": s.to_dict()}
            for name, s in zip(names, signatures, strict=True)
        ],
        **more,
    }


def _deployments(application: Any) -> dict[str, Any]:
    """The application's deployments by name: its ingress, and the steps bound to it."""
    ingress = application._bound_deployment
    _, steps = ingress.init_args
    found = {ingress.name: ingress}
    found.update({step._bound_deployment.name: step._bound_deployment for step in steps})
    return found


def test_each_step_is_a_deployment_with_the_replicas_and_its_environment() -> None:
    args = _args(ADDER, HALVER, replicas=2)
    args["steps"][1]["runtime_env"] = {"py_executable": "/envs/halver/bin/python"}
    deployments = _deployments(ray_pipeline.app(args))
    assert set(deployments) == {"pipeline", "step1-adder", "step2-halver"}
    assert {d.num_replicas for d in deployments.values()} == {2}
    assert "runtime_env" not in deployments["step1-adder"].ray_actor_options
    halver = deployments["step2-halver"]
    assert halver.ray_actor_options["runtime_env"] == {"py_executable": "/envs/halver/bin/python"}
    [options] = halver.init_args
    assert (options.artifact, options.name, options.version) == ("/unpacked/halver", "halver", 1)
    assert deployments["pipeline"].ray_actor_options["num_cpus"] == 0


def test_autoscaling_bounds_apply_to_every_deployment() -> None:
    deployments = _deployments(ray_pipeline.app(_args(ADDER, HALVER, min_replicas=1,
                                                      max_replicas=3)))  # fmt: skip
    for deployment in deployments.values():
        config = deployment._deployment_config.autoscaling_config
        assert (config.min_replicas, config.max_replicas) == (1, 3)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({}, "args.pipeline"),
        ({"pipeline": {"name": "p", "version": "two"}}, "args.pipeline.version"),
        (
            {"pipeline": {"name": "p", "definition": {"steps": [], "validations": []}}},
            "args.pipeline.definition",
        ),
        ({**_args(ADDER, HALVER), "steps": []}, "args.steps"),
        (
            {**_args(ADDER, HALVER), "steps": [{"signature": ADDER.to_dict()}] * 2},
            "args.steps[0].artifact",
        ),
        ({**_args(ADDER, HALVER), "replicas": 0}, "args.replicas"),
    ],
)
def test_bad_arguments_are_named(args: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        ray_pipeline.app(args)
    assert raised.value.field == field


def test_steps_that_cannot_feed_each_other_are_refused_before_deploying() -> None:
    with pytest.raises(InvalidInput, match="takes column 'x', which step 1") as raised:
        ray_pipeline.app(_args(ADDER, ADDER))
    assert raised.value.field == "steps[1]"


def test_the_ingress_runs_the_pipeline_servable_over_the_step_handles() -> None:
    spec_args = _args(ADDER, HALVER)
    application = ray_pipeline.app(spec_args)
    spec, _ = application._bound_deployment.init_args
    pipeline = ray_pipeline.pipeline_servable(spec, ["adder handle", "halver handle"])
    assert [step.label for step in pipeline.steps] == ["adder:1", "halver:1"]
    assert [step.servable.deployment for step in pipeline.steps] == ["step1-adder", "step2-halver"]
    assert pipeline.signature == Signature(ADDER.inputs, HALVER.outputs)
    assert pipeline.metadata["pipeline_version"] == 2
