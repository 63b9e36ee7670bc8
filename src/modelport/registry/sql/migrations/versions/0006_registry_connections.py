"""External model registries (MLflow) connected to workspaces: the connection, its token
encrypted, and the workspaces it is attached to.

Revision ID: 0006_registry_connections
Revises: 0003_deepaas
Create Date: 2026-12-05

Uses only ``op.*`` and plain ``sqlalchemy``; never imports modelport's live tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_registry_connections"
down_revision: str | None = "0005_users_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registry_connections",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(250), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("token", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_registry_connections"),
    )
    op.create_table(
        "connection_workspaces",
        sa.Column("registry_id", sa.String(36), nullable=False),
        sa.Column("workspace_id", sa.Integer, nullable=False),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("registry_id", "workspace_id", name="pk_connection_workspaces"),
        sa.ForeignKeyConstraint(
            ["registry_id"],
            ["registry_connections.id"],
            name="fk_connection_workspaces_registry_id_registry_connections",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name="fk_connection_workspaces_workspace_id_workspaces",
            ondelete="CASCADE",
        ),
    )


def downgrade() -> None:
    op.drop_table("connection_workspaces")
    op.drop_table("registry_connections")
