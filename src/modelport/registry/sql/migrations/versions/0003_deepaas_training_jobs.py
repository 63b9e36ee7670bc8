"""DEEPaaS training jobs: one row per job started on a server's ``.../train/`` route.

Revision ID: 0003_deepaas
Revises: 0002_pipelines
Create Date: 2026-12-01

Uses only ``op.*`` and plain ``sqlalchemy``; never imports modelport's live tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_deepaas"
down_revision: str | None = "0002_pipelines"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deepaas_training_jobs",
        sa.Column("uuid", sa.String(32), nullable=False),
        sa.Column("model", sa.String(63), nullable=False),
        sa.Column("date", sa.String(32), nullable=False),
        sa.Column("args", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=True),
        sa.Column("output", sa.Text, nullable=True),
        sa.Column("finish_date", sa.String(32), nullable=True),
        sa.Column("registered_version", sa.String(80), nullable=True),
        sa.Column("server_pid", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("uuid", name="pk_deepaas_training_jobs"),
    )
    op.create_index("ix_deepaas_training_jobs_model", "deepaas_training_jobs", ["model"])


def downgrade() -> None:
    op.drop_index("ix_deepaas_training_jobs_model", table_name="deepaas_training_jobs")
    op.drop_table("deepaas_training_jobs")
