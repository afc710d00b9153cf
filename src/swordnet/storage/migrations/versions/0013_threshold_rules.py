"""criminal-threshold rule sets added by officers

The rule sets SwordNet ships are package data (``swordnet/thresholds/*.toml``); the ones an
officer adds with ``swordnet thresholds add`` are stored here, one row per version, the
validated document as JSON with its SHA-256.

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-20 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import swordnet.storage.models.base

revision = "0013"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "threshold_rule_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_set_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=32), nullable=False),
        sa.Column("offence", sa.String(length=100), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column(
            "added_at", swordnet.storage.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threshold_rule_set")),
        sa.UniqueConstraint(
            "rule_set_id", "version", name=op.f("uq_threshold_rule_set_rule_set_id")
        ),
    )
    with op.batch_alter_table("threshold_rule_set", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_threshold_rule_set_rule_set_id"), ["rule_set_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("threshold_rule_set", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_threshold_rule_set_rule_set_id"))
    op.drop_table("threshold_rule_set")
