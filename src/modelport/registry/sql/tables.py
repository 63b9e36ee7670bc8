"""The registry's SQL tables (SQLAlchemy Core) and the turning of their rows into entities.

These describe the schema at the head migration, for queries; the migrations under
``migrations/versions`` create it with ``op.*`` only and never import this module. A unit test
checks that the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

from modelport.registry.entities import Alias, AliasChange, Model, ModelVersion, Workspace

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

models = sa.Table(
    "models",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "workspace_id",
        sa.Integer,
        sa.ForeignKey("workspaces.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("name", sa.String(63), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    # The highest version number ever given, so numbers are never reused after a delete.
    sa.Column("last_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("workspace_id", "name"),
)

model_tags = sa.Table(
    "model_tags",
    metadata,
    sa.Column(
        "model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="RESTRICT"), nullable=False
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("digest", sa.String(71), nullable=False, index=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("source_format", sa.String(100), nullable=False),
    sa.Column("signature", sa.JSON, nullable=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("lineage", sa.JSON, nullable=False),
    sa.Column("build", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("model_id", "number"),
    sa.UniqueConstraint("model_id", "digest"),
)

version_tags = sa.Table(
    "version_tags",
    metadata,
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("model_versions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

aliases = sa.Table(
    "aliases",
    metadata,
    sa.Column(
        "model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("model_versions.id", ondelete="RESTRICT"),
        nullable=False,
        index=True,
    ),
)

alias_changes = sa.Table(
    "alias_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "model_id", sa.Integer, sa.ForeignKey("models.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("alias", sa.String(63), nullable=False),
    # Numbers, not version ids: the history outlives the versions it names.
    sa.Column("from_version", sa.Integer, nullable=True),
    sa.Column("to_version", sa.Integer, nullable=True),
    sa.Column("actor", sa.String(255), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index(None, "model_id", "alias"),
)
"""Every move of an alias (migration 0004_alias_history): who, when, from and to which version."""

deepaas_training_jobs = sa.Table(
    "deepaas_training_jobs",
    metadata,
    sa.Column("uuid", sa.String(32), primary_key=True),
    sa.Column("model", sa.String(63), nullable=False, index=True),
    sa.Column("date", sa.String(32), nullable=False),
    sa.Column("args", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("output", sa.Text, nullable=True),
    sa.Column("finish_date", sa.String(32), nullable=True),
    sa.Column("registered_version", sa.String(80), nullable=True),
    sa.Column("server_pid", sa.Integer, nullable=False),
)
"""The DEEPaaS protocol's training jobs (``formats/deepaas/training_store.py``)."""


# Wallaroo-style pipelines (migration wallaroo_pipelines): ordered model steps, versioned.
pipelines = sa.Table(
    "pipelines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "workspace_id",
        sa.Integer,
        sa.ForeignKey("workspaces.id", ondelete="RESTRICT"),
        nullable=False,
    ),
    sa.Column("name", sa.String(63), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("log_inferences", sa.Boolean, nullable=False),
    sa.Column("last_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("workspace_id", "name"),
)

pipeline_versions = sa.Table(
    "pipeline_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "pipeline_id",
        sa.Integer,
        sa.ForeignKey("pipelines.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("number", sa.Integer, nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("pipeline_id", "number"),
)


# Users, API tokens and workspace roles (migration users_tokens), read by registry/sql/accounts.py.
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(63), nullable=False, unique=True),
    sa.Column("admin", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("label", sa.String(100), nullable=True),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

workspace_members = sa.Table(
    "workspace_members",
    metadata,
    sa.Column(
        "workspace_id",
        sa.Integer,
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    sa.Column("role", sa.String(16), nullable=False),
)


# External model registries (migration registry_connections): one row per connection, its
# token encrypted (connections/tokens.py), attached to any number of workspaces.
registry_connections = sa.Table(
    "registry_connections",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(250), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("token", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

connection_workspaces = sa.Table(
    "connection_workspaces",
    metadata,
    sa.Column(
        "registry_id",
        sa.String(36),
        sa.ForeignKey("registry_connections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "workspace_id",
        sa.Integer,
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
)


def utc(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (SQLite hands them back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def workspace_from_row(row: sa.RowMapping) -> Workspace:
    """A ``workspaces`` row as a Workspace."""
    return Workspace(name=row["name"], created_at=utc(row["created_at"]), id=row["id"])


def model_from_row(
    row: sa.RowMapping,
    *,
    workspace: str,
    tags: dict[str, str],
    versions: tuple[int, int | None] = (0, None),
) -> Model:
    """A ``models`` row, with its tags and (count, latest number) of versions, as a Model."""
    return Model(
        workspace=workspace,
        name=row["name"],
        description=row["description"],
        tags=tags,
        created_at=utc(row["created_at"]),
        updated_at=utc(row["updated_at"]),
        version_count=versions[0],
        latest_version=versions[1],
    )


def version_from_row(
    row: sa.RowMapping,
    *,
    workspace: str,
    model: str,
    tags: dict[str, str],
    alias_names: Iterable[str],
) -> ModelVersion:
    """A ``model_versions`` row, with its tags and alias names, as a ModelVersion."""
    return ModelVersion(
        workspace=workspace,
        model=model,
        number=row["number"],
        digest=row["digest"],
        size=row["size"],
        source_format=row["source_format"],
        created_at=utc(row["created_at"]),
        signature=row["signature"],
        metadata=row["metadata"],
        lineage=row["lineage"],
        build=row["build"],
        tags=tags,
        aliases=tuple(sorted(alias_names)),
    )


def alias_from_row(row: sa.RowMapping, *, workspace: str, model: str) -> Alias:
    """An ``aliases`` row joined with its version's number (column ``number``) as an Alias."""
    return Alias(workspace=workspace, model=model, name=row["name"], version=row["number"])


def alias_change_from_row(row: sa.RowMapping, *, workspace: str, model: str) -> AliasChange:
    """An ``alias_changes`` row as an AliasChange."""
    return AliasChange(
        workspace=workspace,
        model=model,
        alias=row["alias"],
        from_version=row["from_version"],
        to_version=row["to_version"],
        actor=row["actor"],
        changed_at=utc(row["changed_at"]),
    )


# Deployments (migration deployments): what `modelport deploy` runs, and where; one row per
# deployment name (the model's), replaced when it is deployed again.
deployments = sa.Table(
    "deployments",
    metadata,
    sa.Column("name", sa.String(250), primary_key=True),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("model", sa.String(250), nullable=False),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("reference", sa.Text, nullable=False),
    sa.Column("replicas", sa.String(32), nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("pid", sa.Integer, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # (migration pipeline_deployments) a pipeline's deployment: its steps' references, as JSON
    sa.Column("pipeline", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("steps", sa.Text, nullable=True),
)
