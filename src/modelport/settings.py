"""Settings read from the environment (prefix ``MODELPORT_``); every default works on a laptop.

Plain dataclass fields read from ``os.environ``: every command reads the settings first, so they
must cost nothing to import (pydantic would add a tenth of a second to each start).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from modelport.errors import ConfigError

ENV_PREFIX = "MODELPORT_"


def _env(name: str) -> str | None:
    """``MODELPORT_<NAME>`` (any case, as before), or None when unset or empty."""
    key = f"{ENV_PREFIX}{name.upper()}"
    value = os.environ.get(key)
    if value is None:
        value = next((v for k, v in os.environ.items() if k.upper() == key), None)
    return value or None


def _home() -> Path:
    value = _env("home")
    return Path(value) if value else Path.home() / ".modelport"


def _registry_uri() -> str | None:
    return _env("registry_uri")


def _max_artifact_bytes() -> int:
    value = _env("max_artifact_bytes")
    if value is None:
        return 20 * 1024**3
    try:
        number = int(value.replace("_", ""))
    except ValueError:
        number = -1
    if number <= 0:
        raise ConfigError(
            f"{ENV_PREFIX}MAX_ARTIFACT_BYTES is {value!r}, not a positive number of bytes",
            hint="set it to a whole number such as 21474836480, or unset it",
            field=f"{ENV_PREFIX}MAX_ARTIFACT_BYTES",
        )
    return number


@dataclass
class Settings:
    """modelport's settings. Reading them has no side effect: nothing is created here."""

    home: Path = field(default_factory=_home)
    """Folder holding the embedded registry (SQLite), blobs and environments."""
    registry_uri: str | None = field(default_factory=_registry_uri)
    """Registry to use; defaults to sqlite:///<home>/registry.db."""
    max_artifact_bytes: int = field(default_factory=_max_artifact_bytes)
    """Largest total uncompressed size an artifact may unpack to (zip-bomb guard)."""

    def __post_init__(self) -> None:
        self.home = Path(self.home)

    @property
    def resolved_registry_uri(self) -> str:
        return self.registry_uri or f"sqlite:///{self.home / 'registry.db'}"

    @property
    def blobs_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def envs_dir(self) -> Path:
        return self.home / "envs"


def get_settings() -> Settings:
    """Read the settings afresh (cheap; tests change the environment between calls)."""
    return Settings()
