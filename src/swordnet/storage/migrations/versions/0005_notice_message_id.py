"""notice.message_id: a random identity per notice (e-mail Message-ID, webhook key)

Existing notices get one each, so a resend of a notice drafted before this revision
carries the same Message-ID on every later attempt.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # nullable first: existing rows are filled before the column becomes required
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=36), nullable=True))
    notice = sa.table("notice", sa.column("id", sa.Integer), sa.column("message_id", sa.String))
    connection = op.get_bind()
    for (notice_id,) in connection.execute(sa.select(notice.c.id)).all():
        connection.execute(
            notice.update().where(notice.c.id == notice_id).values(message_id=str(uuid.uuid4()))
        )
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.alter_column("message_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_notice_message_id"), ["message_id"])


def downgrade() -> None:
    with op.batch_alter_table("notice", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_notice_message_id"), type_="unique")
        batch_op.drop_column("message_id")
