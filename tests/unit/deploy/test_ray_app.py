"""The Ray Serve application builder's arguments (what a Ray Serve config file's ``args`` give),
checked before anything joins a cluster."""

from __future__ import annotations

import pytest

from modelport.errors import ConfigError

ray_app = pytest.importorskip(
    "modelport.deploy.ray_app", reason="ray[serve] is not installed (pip install modelport[ray])"
)


def test_replicas_and_autoscaling_become_deployment_options() -> None:
    assert ray_app.deployment_options({"replicas": 2}) == {"num_replicas": 2}
    assert ray_app.deployment_options({"min_replicas": 0, "max_replicas": 3}) == {
        "autoscaling_config": {"min_replicas": 0, "max_replicas": 3, "initial_replicas": 1}
    }
    runtime_env = {"py_executable": "/x/python"}
    assert ray_app.deployment_options({"runtime_env": runtime_env, "num_cpus": "0.5"}) == {
        "num_replicas": 1,
        "ray_actor_options": {"runtime_env": runtime_env, "num_cpus": 0.5},
    }
    options = ray_app.replica_options({"artifact": "/a", "version": "3", "timeout": 5})
    assert (options.artifact, options.version, options.timeout) == ("/a", 3, 5.0)
    assert isinstance(ray_app.app({"artifact": "/a"}), ray_app.Application)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({}, "args.artifact"),
        ({"artifact": "/a", "version": "one"}, "args.version"),
        ({"artifact": "/a", "replicas": 0}, "args.replicas"),
        ({"artifact": "/a", "min_replicas": 3, "max_replicas": 1}, "args.replicas"),
    ],
)
def test_bad_arguments_are_named(args: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as raised:
        ray_app.app(args)
    assert raised.value.field == field
