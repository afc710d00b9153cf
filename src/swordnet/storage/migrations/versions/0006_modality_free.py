"""modality columns: plain strings, no CHECK, so that a new signal type needs no migration

A signal type declares its modality (``SignalType.modality``); the database no longer
lists the four built-in ones.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLES = ("reference_file", "detection")
_BUILT_IN = ("text", "image", "audio", "video")  # as 0001 listed them


def _checked_modality() -> sa.Enum:
    return sa.Enum(
        *_BUILT_IN, name="modality", native_enum=False, create_constraint=True, length=32
    )


def upgrade() -> None:
    for table in _TABLES:
        # batch mode: SQLite copies the table without the CHECK that the Enum type carried
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                "modality",
                existing_type=_checked_modality(),
                type_=sa.String(length=32),
                existing_nullable=False,
            )


def downgrade() -> None:
    # fails, as it should, while a row holds a modality other than the built-in four
    for table in _TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column(
                "modality",
                existing_type=sa.String(length=32),
                type_=_checked_modality(),
                existing_nullable=False,
            )
