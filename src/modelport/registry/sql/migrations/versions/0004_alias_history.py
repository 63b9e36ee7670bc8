"""Alias history: one row each time an alias is set, moved or removed.

Revision ID: 0004_alias_history
Revises: 0003_deepaas
Create Date: 2026-12-05

Uses only ``op.*`` and plain ``sqlalchemy``; never imports modelport's live tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_alias_history"
down_revision: str | None = "0003_deepaas"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alias_changes",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("model_id", sa.Integer, nullable=False),
        sa.Column("alias", sa.String(63), nullable=False),
        sa.Column("from_version", sa.Integer, nullable=True),
        sa.Column("to_version", sa.Integer, nullable=True),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alias_changes"),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name="fk_alias_changes_model_id_models",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_alias_changes_model_id_alias", "alias_changes", ["model_id", "alias"])


def downgrade() -> None:
    op.drop_index("ix_alias_changes_model_id_alias", table_name="alias_changes")
    op.drop_table("alias_changes")
