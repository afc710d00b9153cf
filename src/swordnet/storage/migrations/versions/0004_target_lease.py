"""monitoring targets: a lease, so that one process at a time crawls a target

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 23:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import swordnet.storage.models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_target") as batch_op:
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "lease_until",
                swordnet.storage.models.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("monitoring_target") as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
