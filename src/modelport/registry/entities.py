"""The registry's entities: plain frozen values that stores return and callers read.

They know nothing about SQL or HTTP; each store turns its own storage rows into these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from modelport._types import JSONObject
from modelport.registry.refs import DEFAULT_WORKSPACE as DEFAULT_WORKSPACE  # with the entities


@dataclass(frozen=True)
class Workspace:
    """A namespace of models; model names are unique within one workspace. ``id`` is the number
    the registry keeps it under (Wallaroo's API names workspaces by number)."""

    name: str
    created_at: datetime
    id: int


@dataclass(frozen=True)
class Model:
    """A named model: a sequence of immutable versions plus a description and tags.

    ``version_count`` and ``latest_version`` (None: no versions) are read with the model, so a
    listing shows them without asking for each model's versions (one request a page over REST).
    """

    workspace: str
    name: str
    description: str | None
    tags: dict[str, str]
    created_at: datetime
    updated_at: datetime
    version_count: int = 0
    latest_version: int | None = None


@dataclass(frozen=True)
class ModelVersion:
    """One immutable registered artifact of a model, numbered from 1 within the model.

    ``digest`` is the ``sha256:<hex>`` of the artifact zip, which is stored once per digest.
    ``lineage`` says where it came from: ``source`` (the project folder), ``source_digest``
    (of its build inputs), ``git_commit`` and ``git_dirty`` when it is in a git repository,
    ``imported_from`` for ``modelport import`` and ``mlflow_run_id`` for uploads from MLflow;
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


@dataclass(frozen=True)
class AliasChange:
    """One move of an alias: set (``from_version`` None), moved, or removed (``to_version``
    None), by whom and when. Kept after the versions it names are deleted."""

    workspace: str
    model: str
    alias: str
    from_version: int | None
    to_version: int | None
    actor: str
    changed_at: datetime


Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a listing, and the opaque token that asks for the next one (None: last)."""

    items: list[Item]
    next_page_token: str | None = None
