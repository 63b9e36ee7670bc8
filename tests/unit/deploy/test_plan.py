"""Targets and replica counts as the command line gives them."""

from __future__ import annotations

import pytest

from modelport.deploy.plan import Scaling, Target, parse_target, scaling
from modelport.errors import ConfigError


def test_targets() -> None:
    assert parse_target("local") == Target("local")
    ray = parse_target("ray://10.0.0.5:6379")
    assert (ray.host, ray.port, ray.gcs_address, ray.address) == (
        "10.0.0.5",
        6379,
        "10.0.0.5:6379",
        "ray://10.0.0.5:6379",
    )
    assert parse_target("ray://[::1]:6379").host == "::1"


@pytest.mark.parametrize("text", ["ray://host", "http://h:1", "ray://h:99999", "remote", ""])
def test_bad_targets_name_the_option(text: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_target(text)
    assert raised.value.field == "--target"


def test_replicas_and_autoscaling() -> None:
    assert scaling(None, None) == Scaling(1, 1)
    assert scaling(3, None).describe() == "3"
    autoscaled = scaling(None, "0:4")
    assert (autoscaled.fixed, autoscaled.describe()) == (False, "0:4")


@pytest.mark.parametrize(
    ("replicas", "autoscale", "field"),
    [(2, "1:2", "--autoscale"), (0, None, "--replicas"), (None, "3:1", "--autoscale"),
     (None, "0:0", "--autoscale"), (None, "many", "--autoscale")],
)  # fmt: skip
def test_bad_scaling_names_the_option(
    replicas: int | None, autoscale: str | None, field: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        scaling(replicas, autoscale)
    assert raised.value.field == field
