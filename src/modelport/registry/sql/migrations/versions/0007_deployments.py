"""Deployments (``modelport deploy``): what runs where, one row per deployment name.

Revision ID: 0007_deployments
Revises: 0006_registry_connections
Create Date: 2026-12-05

Uses only ``op.*`` and plain ``sqlalchemy``; never imports modelport's live tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_deployments"
down_revision: str | None = "0006_registry_connections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("name", sa.String(250), nullable=False),
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
        sa.PrimaryKeyConstraint("name", name="pk_deployments"),
    )


def downgrade() -> None:
    op.drop_table("deployments")
