"""Deployments of pipelines: a deployment record says whether it runs a pipeline, and its steps.

Revision ID: 0008_pipeline_deployments
Revises: 0007_deployments
Create Date: 2026-12-05

Uses only ``op.*`` and plain ``sqlalchemy``; never imports modelport's live tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_pipeline_deployments"
down_revision: str | None = "0007_deployments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deployments") as table:
        table.add_column(
            sa.Column("pipeline", sa.Boolean, nullable=False, server_default=sa.false())
        )
        table.add_column(sa.Column("steps", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deployments") as table:
        table.drop_column("steps")
        table.drop_column("pipeline")
