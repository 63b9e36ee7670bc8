"""Pipelines (Wallaroo convention): named, versioned, ordered lists of model steps.

Revision ID: wallaroo_pipelines
Revises: 0001
Create Date: 2026-12-01

Uses only ``op.*`` and plain ``sqlalchemy``; never imports modelport's live tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "wallaroo_pipelines"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("log_inferences", sa.Boolean, nullable=False),
        sa.Column("last_version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pipelines"),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_pipelines_workspace_id_workspaces",
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("workspace_id", "name", name="uq_pipelines_workspace_id_name"),
    )
    op.create_table(
        "pipeline_versions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("pipeline_id", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pipeline_versions"),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name="fk_pipeline_versions_pipeline_id_pipelines",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "pipeline_id", "number", name="uq_pipeline_versions_pipeline_id_number"
        ),
    )


def downgrade() -> None:
    op.drop_table("pipeline_versions")
    op.drop_table("pipelines")
