"""How a deployment's requests are shared between versions of one model: all to the primary
version, a percentage to a canary version (``--canary 10% --canary-version 3``), and a copy of
each to a shadow version whose answers are logged, never returned (``--shadow 3``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from modelport.errors import ConfigError

__all__ = ["Traffic", "parse_percent", "traffic"]


@dataclass(frozen=True)
class Traffic:
    """The versions a router sends requests to. Without a canary or a shadow there is no
    router: the primary's replicas answer directly."""

    primary: int
    canary: int | None = None
    percent: float = 0.0
    """The share of requests (0 to 100, both excluded) the canary answers."""
    shadow: int | None = None

    @property
    def routed(self) -> bool:
        """Whether a router is needed (a canary or a shadow)."""
        return self.canary is not None or self.shadow is not None

    def describe(self) -> str:
        """``v1 90% / v3 10%``, ``v1 100%, shadow v3``..."""
        if self.canary is None:
            split = f"v{self.primary} 100%"
        else:
            split = f"v{self.primary} {_number(100 - self.percent)}% / v{self.canary} "
            split += f"{_number(self.percent)}%"
        return split if self.shadow is None else f"{split}, shadow v{self.shadow}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "primary": self.primary,
            "canary": self.canary,
            "percent": self.percent,
            "shadow": self.shadow,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Traffic:
        return cls(
            primary=int(values["primary"]),
            canary=None if values.get("canary") is None else int(values["canary"]),
            percent=float(values.get("percent") or 0.0),
            shadow=None if values.get("shadow") is None else int(values["shadow"]),
        )


def _number(value: float) -> str:
    return f"{value:g}"


def parse_percent(text: str) -> float:
    """``10%``, ``10`` or ``2.5%``: a share from 0 to 100 (0: no canary)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*", text)
    if found is None or not 0 <= float(found[1]) < 100:
        raise ConfigError(
            f"--canary {text!r} is not a percentage from 0 to 100 (100 excluded)",
            hint="e.g. --canary 10% --canary-version 3; `modelport deploy promote NAME` gives "
            "the canary every request",
            field="--canary",
        )
    return float(found[1])


def traffic(
    primary: int, *, canary: str | None, canary_version: int | None, shadow: int | None
) -> Traffic:
    """The traffic of ``--canary PERCENT --canary-version V`` and ``--shadow V`` over the
    ``primary`` version, each checked (a canary or shadow must be another version)."""
    percent = 0.0 if canary is None else parse_percent(canary)
    if percent > 0 and canary_version is None:
        raise ConfigError(
            "--canary needs --canary-version: the version that answers that share",
            hint="e.g. --canary 10% --canary-version 3",
            field="--canary-version",
        )
    if canary_version is not None and canary is None:
        raise ConfigError(
            "--canary-version needs --canary PERCENT: the share it answers",
            hint="e.g. --canary 10% --canary-version 3",
            field="--canary",
        )
    for option, version in (("--canary-version", canary_version), ("--shadow", shadow)):
        if version is not None and version == primary:
            raise ConfigError(
                f"{option} {version} is the version deployed: name another version",
                field=option,
            )
    return Traffic(
        primary=primary,
        canary=canary_version if percent > 0 else None,
        percent=percent if canary_version is not None else 0.0,
        shadow=shadow,
    )
