"""The registry's entities: plain frozen values that stores return and callers read.

They know nothing about SQL or HTTP; each store turns its own storage rows into these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from modelport._types import JSONObject

DEFAULT_WORKSPACE = "default"
"""The workspace every registry has from its first migration on."""


@dataclass(frozen=True)
class Workspace:
    """A namespace of models; model names are unique within one workspace."""

    name: str
    created_at: datetime


@dataclass(frozen=True)
class Model:
    """A named model: a sequence of immutable versions plus a description and tags."""

    workspace: str
    name: str
    description: str | None
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ModelVersion:
    """One immutable registered artifact of a model, numbered from 1 within the model.

    ``digest`` is the ``sha256:<hex>`` of the artifact zip, which is stored once per digest.
    ``lineage`` says where it came from (source path, git commit when there is one);
    ``build`` is the build record; ``aliases`` are the alias names pointing at this version.
    """

    workspace: str
    model: str
    number: int
    digest: str
    size: int
    source_format: str
    created_at: datetime
    signature: JSONObject = field(default_factory=dict)
    metadata: JSONObject = field(default_factory=dict)
    lineage: JSONObject = field(default_factory=dict)
    build: JSONObject = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        """The reference that names exactly this version, e.g. ``iris:2``."""
        return f"{self.model}:{self.number}"


@dataclass(frozen=True)
class Alias:
    """A movable name (``production``, ``staging``) pointing at one version of a model."""

    workspace: str
    model: str
    name: str
    version: int
