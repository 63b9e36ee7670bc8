"""What a deployment is asked to be: where it runs (:class:`Target`) and how many replicas
answer (:class:`Scaling`), parsed from the command line with errors that name the option."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from modelport.errors import ConfigError

__all__ = ["Scaling", "Target", "parse_autoscale", "parse_target", "scaling"]

_RAY = re.compile(r"^ray://(?P<host>[^:/\s]+|\[[0-9a-fA-F:]+\]):(?P<port>\d{1,5})/?$")


@dataclass(frozen=True)
class Target:
    """Where a deployment runs: ``ray`` (a Ray cluster whose GCS listens at ``host:port``, the
    address ``ray start --head`` prints) or ``local`` (a supervised process on this machine)."""

    kind: Literal["ray", "local"]
    host: str | None = None
    port: int | None = None

    @property
    def address(self) -> str:
        """``ray://HOST:PORT`` or ``local``, as the user wrote it and the records keep it."""
        return "local" if self.kind == "local" else f"ray://{self.host}:{self.port}"

    @property
    def gcs_address(self) -> str:
        """``HOST:PORT``, what ``ray.init(address=...)`` joins."""
        return f"{self.host}:{self.port}"


def parse_target(text: str) -> Target:
    """``ray://HOST:PORT`` or ``local``."""
    if text == "local":
        return Target("local")
    found = _RAY.match(text)
    if found is None:
        raise ConfigError(
            f"--target {text!r} is neither ray://HOST:PORT nor local",
            hint="name a Ray cluster by the address `ray start --head` printed (ray://HOST:PORT), "
            "or deploy on this machine with --target local",
            field="--target",
        )
    port = int(found["port"])
    if not 0 < port < 65536:
        raise ConfigError(f"--target {text!r}: port {port} is out of range", field="--target")
    return Target("ray", found["host"].strip("[]"), port)


@dataclass(frozen=True)
class Scaling:
    """A fixed number of replicas, or autoscaling bounds (``minimum`` to ``maximum``)."""

    minimum: int
    maximum: int

    @property
    def fixed(self) -> bool:
        return self.minimum == self.maximum

    def describe(self) -> str:
        return str(self.minimum) if self.fixed else f"{self.minimum}:{self.maximum}"


def parse_autoscale(text: str) -> Scaling:
    """``MIN:MAX`` replicas, ``0 <= MIN <= MAX``, ``MAX >= 1``."""
    found = re.fullmatch(r"(\d+):(\d+)", text.strip())
    if found is None:
        raise ConfigError(
            f"--autoscale {text!r} is not MIN:MAX", hint="e.g. --autoscale 1:4", field="--autoscale"
        )
    minimum, maximum = int(found[1]), int(found[2])
    if maximum < 1 or minimum > maximum:
        raise ConfigError(
            f"--autoscale {text!r}: MAX must be 1 or more and MIN at most MAX",
            field="--autoscale",
        )
    return Scaling(minimum, maximum)


def scaling(replicas: int | None, autoscale: str | None) -> Scaling:
    """``--replicas N`` or ``--autoscale MIN:MAX`` (not both; neither: one replica)."""
    if replicas is not None and autoscale is not None:
        raise ConfigError(
            "--replicas and --autoscale are exclusive",
            hint="a fixed number of replicas, or bounds for autoscaling",
            field="--autoscale",
        )
    if autoscale is not None:
        return parse_autoscale(autoscale)
    count = 1 if replicas is None else replicas
    if count < 1:
        raise ConfigError("--replicas must be 1 or more", field="--replicas")
    return Scaling(count, count)
