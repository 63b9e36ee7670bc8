"""Settings read from the environment (prefix ``MODELPORT_``); every default works on a laptop."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".modelport"


class Settings(BaseSettings):
    """modelport's settings. Reading them has no side effect: nothing is created here."""

    model_config = SettingsConfigDict(env_prefix="MODELPORT_", extra="ignore")

    home: Path = Field(
        default_factory=_default_home,
        description="Folder holding the embedded registry (SQLite), blobs and environments.",
    )
    registry_uri: str | None = Field(
        default=None,
        description="Registry to use; defaults to sqlite:///<home>/registry.db.",
    )
    max_artifact_bytes: int = Field(
        default=20 * 1024**3,
        description="Largest total uncompressed size an artifact may unpack to (zip-bomb guard).",
    )

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
